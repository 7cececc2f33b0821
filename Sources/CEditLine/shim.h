#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <histedit.h>
#include <editline/readline.h>

// libedit's readline interface is configured through global variables; Swift 6
// will not touch C globals directly, so these small functions do it.

typedef int (*lk_getc_fn)(FILE *);
typedef char **(*lk_completion_fn)(const char *, int, int);

static inline void lk_rl_configure(lk_getc_fn getc_fn, lk_completion_fn complete_fn, const char *word_breaks) {
    rl_readline_name = "lk";
    rl_catch_signals = 0;
    rl_getc_function = getc_fn;
    rl_attempted_completion_function = complete_fn;
    rl_completion_append_character = 0;
    rl_completer_word_break_characters = strdup(word_breaks);
    rl_basic_word_break_characters = rl_completer_word_break_characters;
}

static inline const char *lk_rl_line_buffer(void) { return rl_line_buffer; }
static inline int lk_rl_point(void) { return rl_point; }
static inline void lk_rl_completion_over(void) { rl_attempted_completion_over = 1; }
