import LkTensor

/// `for x in progress(xs) { … }`: a user loop with a progress line, as tqdm.
///
/// `progress(xs)` returns `xs` itself and leaves a request naming the source span of
/// its argument; the `for` loop whose iterable is exactly that call takes the
/// request and reports each iteration to a `ProgressReporter` reporter (label, done/total,
/// rate, elapsed, ETA). Anywhere else `progress(xs)` is just `xs`, and the request
/// is dropped by the next `for` loop. No new kind of value is needed, and a loop
/// without `progress` pays one branch per loop, not per iteration.
public enum ProgressLoop {
    nonisolated(unsafe) private static var pending: (label: String, argument: SourceSpan)? = nil

    /// Called by the `progress` built-in with the span of its first argument.
    public static func request(label: String, argument: SourceSpan) { pending = (label, argument) }

    /// The reporter for a `for` loop over `iterable`, if it is the `progress(…)` call
    /// that made the pending request; clears the request either way.
    @inline(__always) static func take(_ iterable: Node, count: Int) -> ProgressReporter? {
        guard let p = pending else { return nil }
        pending = nil
        guard let call = iterable as? CallNode, call.positional.first?.span == p.argument else { return nil }
        return ProgressReporter(p.label, total: count, unit: "it")
    }
}
