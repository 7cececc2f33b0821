import LkTensor

/// What Ctrl-C does to a long built-in that builds its result step by step (train,
/// the samplers, kmeans, compassrun, etbaseline): it stops at the next safe point and
/// returns what it has so far, marked `interrupted: true`, instead of throwing it away.
///
/// The interrupt flag stays set. So the value reaches the statement that called the
/// built-in — `res = train(…)` assigns it — and the program stops at its next safe
/// point (the next call or loop iteration) with `interrupted`, as for any Ctrl-C:
/// - at the REPL (and in the kernel) the workspace then holds the partial result,
///   and the prompt says `interrupted (partial result kept)`;
/// - a script stops there too and exits with 130, like any interrupted script.
///
/// Use it from a built-in written in Swift:
/// ```swift
/// var losses: [Double] = []
/// return try PartialResult.steps("train", count: steps, figure: "loss") { i in
///     let loss = try oneStep(i)        // may call lk functions; Ctrl-C inside them counts
///     losses.append(loss)
///     return loss                      // the figure the progress line shows
/// } result: { interrupted in
///     PartialResult.record([("loss", .tensor(Tensor(losses)))], interrupted: interrupted)
/// }
/// ```
/// A step is all or nothing: an interrupted step's partial work is not kept, so the
/// state `result` sees is the state after the last completed step.
public enum PartialResult {
    /// The result record; with `interrupted`, it gains the field `interrupted: true`.
    public static func record(_ fields: [(String, Value)], interrupted: Bool) -> Value {
        guard interrupted else { return .record(Record(fields)) }
        kept = true
        return .record(Record(fields + [("interrupted", .bool(true))]))
    }

    /// Set when a partial result was handed back, so the REPL can say it was kept.
    nonisolated(unsafe) private static var kept = false

    /// Whether a partial result was returned since the last call (and clears it).
    public static func takeKept() -> Bool { defer { kept = false }; return kept }

    /// Marks a finished value as partial: a record gains `interrupted: true`; any
    /// other value becomes `{value, interrupted: true}`.
    public static func marked(_ value: Value) -> Value {
        kept = true
        if case .record(var r) = value { r["interrupted"] = .bool(true); return .record(r) }
        return .record(Record([("value", value), ("interrupted", .bool(true))]))
    }

    /// Whether a value is a partial result (a record with `interrupted: true`).
    public static func isPartial(_ value: Value) -> Bool {
        if case .record(let r) = value, case .bool(true)? = r["interrupted"] { return true }
        return false
    }

    /// Runs `step(0)`, `step(1)`, … `step(count − 1)`, checking Ctrl-C before each and
    /// reporting progress (`label`, the figure each step returns); then returns
    /// `result(false)`. When Ctrl-C stops a step — in the engine or in an lk function
    /// it calls — the steps stop and `result(true)` is returned (see the type's
    /// documentation for what happens next). Any other error is thrown.
    public static func steps(_ label: String, count: Int, unit: String = "step", figure: String? = nil,
                             _ step: (Int) throws -> Double?, result: (_ interrupted: Bool) throws -> Value) throws -> Value {
        let progress = ProgressReporter(label, total: count, unit: unit, figure: figure)
        defer { progress.finish() }
        for i in 0..<count {
            do {
                try Interrupt.check()
                let f = try step(i)
                progress.update(i + 1, figure: f)
            } catch where Interrupt.isInterruption(error) {
                Interrupt.request()   // an lk callback's diagnostic may be all that is left of it
                return try result(true)
            }
        }
        return try result(false)
    }

    /// Runs `body`; when Ctrl-C stops it, returns `partial()` instead (already marked
    /// by the caller, usually with `record(_:interrupted:)`). For engine routines that
    /// keep their own partial state and report it through `partial`.
    public static func catching(_ body: () throws -> Value, partial: () throws -> Value) throws -> Value {
        do { return try body() } catch where Interrupt.isInterruption(error) {
            Interrupt.request()
            return try partial()
        }
    }
}
