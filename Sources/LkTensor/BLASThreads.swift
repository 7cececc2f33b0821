import CBLAS
import Foundation

/// OpenBLAS's worker threads and lk's own parallel loops, on the same cores.
///
/// After each threaded call, OpenBLAS (pthreads build) keeps its workers spinning in
/// `sched_yield` for 2^`OPENBLAS_THREAD_TIMEOUT` cycles (default 2²⁸, about 0.1 s)
/// before they sleep, in case another call follows. lk's engine follows a matrix
/// product with its own parallel loops on every core (the analytic kernels after their
/// Gram matrix, the networks' elementwise passes), which the spinning workers then
/// compete with: `perf` found 11–20% of `ntk`'s time in a worker's `sched_yield`.
///
/// So lk asks for the shortest timeout OpenBLAS accepts, 2⁴ cycles (workers sleep as
/// soon as a call ends; the next call wakes them through a condition variable, some
/// microseconds), unless the user chose one: `OPENBLAS_THREAD_TIMEOUT` set in the
/// environment is left as it is. OpenBLAS reads its environment when the library
/// loads, so lk sets the variable, has OpenBLAS read it again (`openblas_read_env`),
/// removes it, and stops the thread pool, which restarts at the next threaded call
/// with the new timeout. The environment that the user and child processes see is
/// unchanged.
public enum BLASThreads {
    /// The timeout lk gives OpenBLAS's workers, as the exponent OpenBLAS reads (its minimum).
    public static let timeoutExponent = 4

    /// Whether `quietWorkers` changed OpenBLAS's setting (false when the user set one).
    nonisolated(unsafe) public private(set) static var applied = false

    /// Applies lk's timeout once, at start-up, before any BLAS call. Idempotent.
    public static func quietWorkers() {
        guard !applied, getenv("OPENBLAS_THREAD_TIMEOUT") == nil else { return }
        setenv("OPENBLAS_THREAD_TIMEOUT", String(timeoutExponent), 1)
        openblas_read_env()
        unsetenv("OPENBLAS_THREAD_TIMEOUT")
        _ = blas_thread_shutdown_()
        applied = true
    }
}
