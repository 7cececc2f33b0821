import Foundation
import LkLang
import LkStudy
import LkTensor

// Krylov and diffusion built-ins (issue 5): cg, priors and Tweedie, schedules and samplers,
// imaging operators, phantoms and metrics. The mathematics lives in LkStudy; these files
// check arguments, turn lk values into engine objects and back. Split by topic:
// DiffusionKrylov.swift, DiffusionPriors.swift, DiffusionSamplers.swift, DiffusionImaging.swift.

extension BuiltinTable {
    static let diffusion: [Builtin] = krylovBuiltins + priorBuiltins + samplerBuiltins + imagingBuiltins
}

/// Engine objects (priors, operators) that lk values stand for. An lk prior or operator is a
/// record whose function fields are built-ins made for that object; the registry maps such a
/// built-in back to its engine object, so `dds(y, mriop(…), prior)` runs entirely in Swift.
/// Entries hold the built-in weakly and are pruned when it is gone.
final class EngineObjects: @unchecked Sendable {
    static let shared = EngineObjects()
    private let lock = NSLock()
    private struct Entry { weak var builtin: Builtin?; let object: AnyObject }
    private var entries: [ObjectIdentifier: Entry] = [:]

    func register(_ b: Builtin, _ object: AnyObject) {
        lock.lock(); defer { lock.unlock() }
        entries = entries.filter { $0.value.builtin != nil }
        entries[ObjectIdentifier(b)] = Entry(builtin: b, object: object)
    }

    /// The engine object behind a built-in value, if it is one of ours.
    func object(for v: Value) -> AnyObject? {
        guard case .builtin(let b) = v else { return nil }
        lock.lock(); defer { lock.unlock() }
        guard let e = entries[ObjectIdentifier(b)], e.builtin === b else { return nil }
        return e.object
    }
}

/// A linear operator as a reference, for the registry.
final class OperatorBox { let op: LinearOperator; init(_ op: LinearOperator) { self.op = op } }

/// Calls an lk function (or built-in) with tensors and expects a tensor back.
struct LkCallback {
    let interpreter: Interpreter
    let function: Value
    let callee: String
    let what: String

    func callAsFunction(_ args: Tensor...) throws -> Tensor {
        try call(args.map { Value.tensor($0) })
    }

    func call(_ args: [Value]) throws -> Tensor {
        let r = try interpreter.call(function, args)
        guard let t = Arguments.asTensor(r) else {
            throw BuiltinError("\(callee): \(what) must return a tensor, got \(r.describedKind)")
        }
        return t
    }
}

extension Arguments {
    /// Whether a value can be called.
    static func isCallable(_ v: Value) -> Bool {
        switch v { case .function, .builtin: return true; default: return false }
    }

    /// An optional keyword that must be callable.
    func keywordFunction(_ name: String) throws -> Value? {
        guard let v = keyword(name) else { return nil }
        if case .none = v { return nil }
        guard Arguments.isCallable(v) else { throw keywordError("\(name) must be a function, got \(v.describedKind)", name) }
        return v
    }

    /// A keyword tensor (nil when absent or none).
    func keywordTensor(_ name: String) throws -> Tensor? {
        guard let v = keyword(name) else { return nil }
        if case .none = v { return nil }
        guard let t = Arguments.asTensor(v) else { throw keywordError("\(name) must be a tensor, got \(v.describedKind)", name) }
        return t
    }

    /// A keyword number with bounds, naming the keyword in the error.
    func keywordNumber(_ name: String, default d: Double, min lo: Double? = nil, max hi: Double? = nil, open: Bool = false) throws -> Double {
        let x = try keywordNumber(name, default: d)
        if x.isNaN { throw keywordError("\(name) must be a number, got nan", name) }
        if let lo, open ? !(x > lo) : !(x >= lo) {
            throw keywordError("\(name) must be \(open ? "greater than" : "at least") \(formatNumber(lo)), got \(formatNumber(x))", name)
        }
        if let hi, !(x <= hi) { throw keywordError("\(name) must be at most \(formatNumber(hi)), got \(formatNumber(x))", name) }
        return x
    }

    /// `seed=`: a fresh generator seeded with it, or one seeded from the global generator
    /// (so results follow `seed()` and repeated calls differ).
    func generator() throws -> RNG {
        if let s = try keywordOptionalInt("seed", min: 0) { return RNG(seed: UInt64(s)) }
        return Random.withGenerator { RNG(seed: $0.nextUInt64()) }
    }
}

/// A list of numbers as a tensor value.
func vector(_ xs: [Double]) -> Value { .tensor(Tensor(xs)) }
