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

/// A list of numbers as a tensor value.
func vector(_ xs: [Double]) -> Value { .tensor(Tensor(xs)) }
