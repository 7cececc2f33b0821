// The gnuplot process behind lk's plots. See include/CGnuplot.h for the API.
//
// Why not gnuplot-iostream's own constructor: it starts gnuplot with popen(),
// i.e. through /bin/sh, and leaves gnuplot's messages on our terminal. Here the
// process is started with posix_spawn (no shell), its stdin pipe is handed to
// gnuplot-iostream's `Gnuplot(FILE *)` stream, and stdout+stderr come back on
// one pipe the Swift side reads up to a sentinel after each figure.
#include "CGnuplot.h"

#include <gnuplot-iostream.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <string>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <vector>

extern char **environ;

struct lk_gnuplot {
    pid_t pid = -1;
    int outFd = -1;            // gnuplot's stdout and stderr, read end
    Gnuplot *stream = nullptr; // gnuplot's stdin, through gnuplot-iostream
    std::string pending;       // bytes read past the last sentinel
    bool exited = false;
};

namespace {

/// Blocks SIGPIPE on this thread while writing to a pipe whose reader may have
/// died, then discards a SIGPIPE the write raised: the write fails with EPIPE
/// instead of killing lk. (Ignoring SIGPIPE process-wide would change how lk
/// behaves when its own stdout is a closed pipe.)
class SigpipeGuard {
    sigset_t old_;
    bool hadPending_;
public:
    SigpipeGuard() {
        sigset_t block;
        sigemptyset(&block);
        sigaddset(&block, SIGPIPE);
        pthread_sigmask(SIG_BLOCK, &block, &old_);
        sigset_t pending;
        sigpending(&pending);
        hadPending_ = sigismember(&pending, SIGPIPE);
    }
    ~SigpipeGuard() {
        if (!hadPending_) {
            sigset_t pipe;
            sigemptyset(&pipe);
            sigaddset(&pipe, SIGPIPE);
            struct timespec zero = {0, 0};
            while (sigtimedwait(&pipe, nullptr, &zero) > 0) {}
        }
        pthread_sigmask(SIG_SETMASK, &old_, nullptr);
    }
};

double now() {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

void setError(char *error, size_t size, const std::string &message) {
    if (error && size > 0) snprintf(error, size, "%s", message.c_str());
}

} // namespace

extern "C" lk_gnuplot *lk_gnuplot_open(const char *executable, const char *const *args, char *error, size_t error_size) {
    int in[2], out[2];
    if (pipe2(in, O_CLOEXEC) != 0) { setError(error, error_size, strerror(errno)); return nullptr; }
    if (pipe2(out, O_CLOEXEC) != 0) { setError(error, error_size, strerror(errno)); close(in[0]); close(in[1]); return nullptr; }

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in[0], 0);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    posix_spawn_file_actions_adddup2(&actions, out[1], 2);

    // Own process group: a Ctrl-C at lk's terminal stops lk's computation, not
    // gnuplot (and its windows). Default signal dispositions and mask, whatever
    // lk set for itself.
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    sigset_t all, none;
    sigfillset(&all);
    sigemptyset(&none);
    posix_spawnattr_setsigdefault(&attr, &all);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setpgroup(&attr, 0);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETPGROUP);

    std::vector<char *> argv;
    argv.push_back(const_cast<char *>(executable));
    for (const char *const *a = args; a && *a; ++a) argv.push_back(const_cast<char *>(*a));
    argv.push_back(nullptr);

    pid_t pid = -1;
    int rc = posix_spawn(&pid, executable, &actions, &attr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    close(in[0]);
    close(out[1]);
    if (rc != 0) {
        setError(error, error_size, std::string("cannot start ") + executable + ": " + strerror(rc));
        close(in[1]);
        close(out[0]);
        return nullptr;
    }
    FILE *fh = fdopen(in[1], "w");
    if (!fh) {
        setError(error, error_size, strerror(errno));
        close(in[1]);
        close(out[0]);
        kill(pid, SIGKILL);
        waitpid(pid, nullptr, 0);
        return nullptr;
    }
    auto *gp = new lk_gnuplot;
    gp->pid = pid;
    gp->outFd = out[0];
    {
        SigpipeGuard guard;
        gp->stream = new Gnuplot(fh);   // owns fh from here on
    }
    return gp;
}

extern "C" int lk_gnuplot_command(lk_gnuplot *gp, const char *text, size_t length) {
    if (!gp || !gp->stream) return -1;
    SigpipeGuard guard;
    gp->stream->write(text, static_cast<std::streamsize>(length));
    gp->stream->flush();
    if (!gp->stream->good()) return -1;
    return 0;
}

extern "C" int lk_gnuplot_read_until(lk_gnuplot *gp, const char *sentinel, double timeout_seconds,
                                     const volatile int *interrupt, char **text) {
    *text = nullptr;
    const std::string marker = std::string(sentinel) + "\n";
    const double deadline = now() + timeout_seconds;
    int status = 1;
    for (;;) {
        // The sentinel counts only as a whole line.
        size_t at = gp->pending.find(marker);
        while (at != std::string::npos && at != 0 && gp->pending[at - 1] != '\n')
            at = gp->pending.find(marker, at + 1);
        if (at != std::string::npos) {
            *text = strdup(gp->pending.substr(0, at).c_str());
            gp->pending.erase(0, at + marker.size());
            return 0;
        }
        if (interrupt && *interrupt) { status = 2; break; }
        double left = deadline - now();
        if (left <= 0) { status = 3; break; }
        struct pollfd p = {gp->outFd, POLLIN, 0};
        int wait = left > 0.1 ? 100 : static_cast<int>(left * 1000) + 1;
        int n = poll(&p, 1, wait);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) continue;
        char buffer[65536];
        ssize_t got = read(gp->outFd, buffer, sizeof buffer);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) { gp->exited = true; status = 1; break; }
        gp->pending.append(buffer, static_cast<size_t>(got));
    }
    *text = strdup(gp->pending.c_str());
    gp->pending.clear();
    return status;
}

extern "C" int lk_gnuplot_alive(lk_gnuplot *gp) {
    if (!gp || gp->exited) return 0;
    int st;
    pid_t r = waitpid(gp->pid, &st, WNOHANG);
    if (r == gp->pid) { gp->exited = true; gp->pid = -1; return 0; }
    return 1;
}

extern "C" int lk_gnuplot_pid(lk_gnuplot *gp) { return gp ? gp->pid : -1; }

extern "C" void lk_gnuplot_close(lk_gnuplot *gp, int kill_first) {
    if (!gp) return;
    if (kill_first && gp->pid > 0) kill(gp->pid, SIGKILL);
    {
        SigpipeGuard guard;
        delete gp->stream;   // flushes and closes gnuplot's stdin: gnuplot exits
    }
    if (gp->pid > 0) waitpid(gp->pid, nullptr, 0);
    close(gp->outFd);
    delete gp;
}

extern "C" void lk_gnuplot_free(char *text) { free(text); }

extern "C" int lk_gnuplot_write_records(const char *path, const double *const *columns, size_t ncolumns, size_t n) {
    // gnuplot-iostream sends a vector of columns, column-major ("colmajor"),
    // as records of one value per column: exactly `record=(n)` with
    // `format='%float64'` repeated ncolumns times.
    std::vector<std::vector<double>> cols(ncolumns);
    for (size_t k = 0; k < ncolumns; ++k) cols[k].assign(columns[k], columns[k] + n);
    std::fstream file(path, std::fstream::out | std::fstream::binary | std::fstream::trunc);
    if (!file) return -1;
    gnuplotio::top_level_array_sender(file, cols, gnuplotio::Mode1DUnwrap(), gnuplotio::ModeBinary());
    file.close();
    return file.fail() ? -1 : 0;
}

extern "C" int lk_gnuplot_write_array(const char *path, const double *values, size_t count) {
    FILE *f = fopen(path, "wb");
    if (!f) return -1;
    size_t wrote = fwrite(values, sizeof(double), count, f);
    int closed = fclose(f);
    return (wrote == count && closed == 0) ? 0 : -1;
}

namespace {

constexpr int kCleanupSlots = 16;
constexpr size_t kDirLength = 1024;

struct CleanupSlot {
    volatile sig_atomic_t pid = 0;     // 0: free
    volatile sig_atomic_t files = 0;   // data-K.bin / output-K with K < files
    char dir[kDirLength] = {0};
};
CleanupSlot cleanupSlots[kCleanupSlots];
pthread_mutex_t cleanupLock = PTHREAD_MUTEX_INITIALIZER;

/// `dir` + "/" + `name` + decimal `k` + `suffix` into `out`, without allocating.
void composePath(char *out, size_t size, const char *dir, const char *name, int k, const char *suffix) {
    size_t n = 0;
    auto put = [&](const char *s) { while (*s && n + 1 < size) out[n++] = *s++; };
    put(dir); put("/"); put(name);
    char digits[16]; int d = 0;
    do { digits[d++] = char('0' + k % 10); k /= 10; } while (k > 0 && d < 15);
    while (d > 0 && n + 1 < size) out[n++] = digits[--d];
    put(suffix);
    out[n] = 0;
}

extern "C" void lk_gnuplot_on_termination(int sig) {
    for (auto &slot : cleanupSlots) {
        if (slot.pid <= 0) continue;
        kill(-slot.pid, SIGKILL);
        char path[kDirLength + 64];
        for (int k = 0; k < slot.files; ++k) {
            composePath(path, sizeof path, slot.dir, "data-", k, ".bin");
            unlink(path);
            composePath(path, sizeof path, slot.dir, "output-", k, "");
            unlink(path);
        }
        // The owner's pid file (GnuplotSession.pidFile), then the directory itself.
        size_t n = 0;
        for (const char *c = slot.dir; *c && n + 1 < sizeof path; ) path[n++] = *c++;
        for (const char *c = "/pid"; *c && n + 1 < sizeof path; ) path[n++] = *c++;
        path[n] = 0;
        unlink(path);
        rmdir(slot.dir);
    }
    // Die of the signal, as without the handler (the exit status says so).
    signal(sig, SIG_DFL);
    raise(sig);
}

void installTerminationHandlers() {
    for (int sig : {SIGTERM, SIGHUP}) {
        struct sigaction old;
        if (sigaction(sig, nullptr, &old) != 0) continue;
        bool untouched = !(old.sa_flags & SA_SIGINFO) && old.sa_handler == SIG_DFL;
        if (!untouched) continue;
        struct sigaction act;
        memset(&act, 0, sizeof act);
        act.sa_handler = lk_gnuplot_on_termination;
        sigfillset(&act.sa_mask);
        sigaction(sig, &act, nullptr);
    }
}

} // namespace

extern "C" int lk_gnuplot_register_cleanup(int pid, const char *dir) {
    pthread_mutex_lock(&cleanupLock);
    static bool installed = false;
    if (!installed) { installTerminationHandlers(); installed = true; }
    int found = -1;
    if (strlen(dir) < kDirLength) {
        for (int i = 0; i < kCleanupSlots; ++i) {
            if (cleanupSlots[i].pid != 0) continue;
            strcpy(cleanupSlots[i].dir, dir);
            cleanupSlots[i].files = 0;
            cleanupSlots[i].pid = pid;
            found = i;
            break;
        }
    }
    pthread_mutex_unlock(&cleanupLock);
    return found;
}

extern "C" void lk_gnuplot_note_files(int slot, int count) {
    if (slot >= 0 && slot < kCleanupSlots && count > cleanupSlots[slot].files) cleanupSlots[slot].files = count;
}

extern "C" void lk_gnuplot_unregister(int slot) {
    if (slot < 0 || slot >= kCleanupSlots) return;
    pthread_mutex_lock(&cleanupLock);
    cleanupSlots[slot].pid = 0;
    pthread_mutex_unlock(&cleanupLock);
}
