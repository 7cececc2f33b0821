// CGnuplot: the only place lk touches C++. A small extern "C" API over a
// gnuplot process and gnuplot-iostream (Debian's libgnuplot-iostream-dev):
// gnuplot is started without a shell, its standard input is a gnuplot-iostream
// stream, and its standard output and error come back on one pipe that the
// caller reads up to a sentinel line, so gnuplot's messages reach the plotting
// call instead of being lost.
#ifndef LK_CGNUPLOT_H
#define LK_CGNUPLOT_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct lk_gnuplot lk_gnuplot;

/// Starts `executable` (an absolute path; no shell, no PATH search) with
/// `argv[1...]` = `args` (NULL-terminated, may be NULL). On failure returns NULL
/// and writes a message into `error`.
lk_gnuplot *lk_gnuplot_open(const char *executable, const char *const *args, char *error, size_t error_size);

/// Writes command text to gnuplot and flushes. Returns 0, or -1 when gnuplot
/// has gone away (SIGPIPE is never raised in the caller).
int lk_gnuplot_command(lk_gnuplot *gp, const char *text, size_t length);

/// Reads gnuplot's output until a line equal to `sentinel`. `*text` receives
/// (malloc'd, free with lk_gnuplot_free) everything read before that line.
/// Returns 0 when the sentinel came, 1 when gnuplot closed its output (it
/// died), 2 when `*interrupt` became non-zero, 3 after `timeout_seconds`.
int lk_gnuplot_read_until(lk_gnuplot *gp, const char *sentinel, double timeout_seconds,
                          const volatile int *interrupt, char **text);

/// 1 while the process runs.
int lk_gnuplot_alive(lk_gnuplot *gp);

/// The process id (for tests that kill it).
int lk_gnuplot_pid(lk_gnuplot *gp);

/// Closes gnuplot's input (gnuplot exits), reaps the process, frees `gp`.
/// With `kill_first`, sends SIGKILL first (a hung or interrupted gnuplot).
void lk_gnuplot_close(lk_gnuplot *gp, int kill_first);

void lk_gnuplot_free(char *text);

/// Writes `n` records of `ncolumns` float64 values, the k-th value of record i
/// taken from `columns[k][i]`, in native byte order, to a new file at `path`
/// (gnuplot's `binary record=(n) format='%float64…'`), using gnuplot-iostream's
/// binary sender. Returns 0, or -1 with errno set.
int lk_gnuplot_write_records(const char *path, const double *const *columns, size_t ncolumns, size_t n);

/// Writes `count` contiguous float64 values (a row-major matrix for
/// `binary array=(cols,rows)`) to a new file at `path`. Returns 0 or -1.
int lk_gnuplot_write_array(const char *path, const double *values, size_t count);

/// Cleanup when lk is stopped by SIGTERM or SIGHUP: gnuplot runs in its own
/// process group (so Ctrl-C in the terminal does not reach it), hence a signal
/// that ends lk would leave it running. Registers a gnuplot (`pid`, its group)
/// and its data directory `dir` (files "data-K.bin" and "output-K", K below the
/// count given to lk_gnuplot_note_files); returns a slot, or -1 when all 16 are
/// taken. The first registration installs handlers for SIGTERM and SIGHUP where
/// none is installed (a sweep task's own SIGTERM handler is left alone); the
/// handler kills every registered group, removes the files and directories
/// (only async-signal-safe calls) and dies of the signal as before.
int lk_gnuplot_register_cleanup(int pid, const char *dir);
/// Data files named with K < `count` may exist in the slot's directory.
void lk_gnuplot_note_files(int slot, int count);
/// The gnuplot of `slot` has exited and its directory is removed.
void lk_gnuplot_unregister(int slot);

#ifdef __cplusplus
}
#endif

#endif
