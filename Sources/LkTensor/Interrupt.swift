import Foundation
import Synchronization

/// The Ctrl-C flag. The SIGINT handler only sets it (that is all a signal handler
/// may safely do); the evaluator checks it on every loop iteration and call, and
/// every iterative engine routine checks it once per iteration, so a running
/// computation stops at a safe point and keeps the workspace.
public enum Interrupt {
    /// A word the signal handler writes to; `sig_atomic_t`-sized and never freed.
    nonisolated(unsafe) public static let flag: UnsafeMutablePointer<Int32> = {
        let p = UnsafeMutablePointer<Int32>.allocate(capacity: 1)
        p.initialize(to: 0)
        return p
    }()

    @inline(__always) public static var isRequested: Bool { flag.pointee != 0 }

    public static func request() { flag.pointee = 1 }
    public static func clear() { flag.pointee = 0 }

    /// Whether `error` is what Ctrl-C made of a computation: `Interrupted` from the
    /// engine, or any error raised while the flag is set (an lk callback's
    /// `interrupted` diagnostic, which the engine cannot name). A loop that keeps a
    /// partial result catches exactly these.
    public static func isInterruption(_ error: Error) -> Bool { error is Interrupted || isRequested }

    /// Throws `Interrupted` if Ctrl-C was pressed; for engine loops.
    @inline(__always) public static func check() throws {
        if flag.pointee != 0 { throw Interrupted() }
    }
}

/// Ctrl-C stopped a computation: an error case of its own, so no layer has to
/// recognise it by its message. The language turns it into an `interrupted`
/// diagnostic at the call that was running; the workspace is kept.
public struct Interrupted: Error, Sendable, Equatable {
    public init() {}
}

extension Interrupt {
    /// Work (in floating-point operations) above which a single library call that
    /// cannot poll — one LAPACK factorisation — runs on a thread of its own, so that
    /// Ctrl-C returns at once (about 0.1 s of work on this class of machine).
    /// LK_ABANDONABLE_WORK overrides it (`inf`: never abandon — the REPL's tests of
    /// a call that cannot be stopped use it).
    nonisolated(unsafe) public static var abandonableWork: Double =
        ProcessInfo.processInfo.environment["LK_ABANDONABLE_WORK"].flatMap(Double.init) ?? 2e8

    /// Runs `body`, one call that cannot check the flag itself, so that Ctrl-C still
    /// stops the caller within a few milliseconds: small work runs inline; larger
    /// work runs on a worker thread while this one polls the flag every 5 ms. On
    /// Ctrl-C the caller gets `Interrupted` at once and the call is abandoned: it
    /// finishes on its thread (its inputs are its own copies) and its result is
    /// dropped. The cores stay busy until it returns — say so where it is used.
    public static func abandonable<T>(work: Double, _ body: @escaping @Sendable () throws -> T) throws -> T {
        if work < abandonableWork { return try body() }
        try check()
        let outcome = AbandonableOutcome<T>()
        let thread = Thread {
            let r = Result { try body() }
            outcome.lock.lock()
            outcome.result = r
            outcome.finished = true
            if outcome.abandoned { runningAbandoned.subtract(1, ordering: .relaxed) }
            outcome.lock.unlock()
            outcome.done.signal()
        }
        thread.stackSize = 16 << 20
        thread.start()
        while outcome.done.wait(timeout: .now() + .milliseconds(5)) == .timedOut {
            guard isRequested else { continue }
            outcome.lock.lock()
            let finished = outcome.finished
            if !finished { outcome.abandoned = true; runningAbandoned.add(1, ordering: .relaxed) }
            outcome.lock.unlock()
            if !finished { throw Interrupted() }
        }
        return try outcome.result!.get()
    }

    /// Abandoned calls still running. At exit lk must not wait for them: OpenBLAS's
    /// exit handler would block on its busy thread pool (see lk's main.swift).
    public static let runningAbandoned = Atomic<Int>(0)
}

/// The result of an abandonable call, written by its worker thread.
final class AbandonableOutcome<T>: @unchecked Sendable {
    var result: Result<T, Error>?
    var finished = false
    var abandoned = false
    let lock = NSLock()
    let done = DispatchSemaphore(value: 0)
}
