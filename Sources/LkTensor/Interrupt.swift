import Foundation

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
