import Foundation
import LkTensor
import Synchronization

// Reverse-mode differentiation by a tape recorded while the function runs
// (define-by-run, as HIPS autograd and PyTorch do): `grad(f)` wraps its argument
// in `Dual` values, every differentiable operation that sees a `Dual` computes its
// result on the primal values and appends one entry — its inputs and a closure
// that maps the output's cotangent to the inputs' — to the tape, and the backward
// pass walks the tape once in reverse. `if`, loops, recursion, closures, records
// and lists need nothing: only the operations on numbers and tensors are recorded.
//
// Nesting (`grad(grad(f))`, `jacobian(grad(f))`) works as in autograd: each
// transformation has a tape of its own with a level, a `Dual` of level L may wrap
// a primal that is itself a `Dual` of a lower level, and every backward closure is
// written with the same differentiable operations, so the inner backward pass is
// itself recorded on the outer tape.

// Forward mode (`jvp`) uses the same machinery with a tape that records nothing:
// a `Dual` of a forward tape carries its tangent, every operation computes its
// output's tangent at once (its `forward` rule, or — for an operation that has
// only a reverse rule — the transpose of its pullback, which is linear in the
// cotangent: J·t = ∂/∂g ⟨pullback(g), t⟩), and memory does not grow with the
// length of the computation.

/// One recording of a differentiated computation.
public final class Tape: @unchecked Sendable {
    /// Reverse: entries are recorded for a backward pass. Forward: nothing is
    /// recorded; Duals carry tangents.
    enum Mode { case reverse, forward }
    /// One recorded operation: its inputs, its output and its rules, stored as they
    /// came (no closure is made per entry: recording is on the hot path).
    struct Entry {
        /// For each input, the tape index of the Dual it was (nil: a constant).
        let parents: [Int?]
        /// The inputs one level down and the output, as the rules need them.
        let primals: [Value]
        let output: Value
        /// Maps (primals, output, cotangent, needs) to a cotangent per input that
        /// `needs` says is wanted (nil: none). Nil for an input leaf.
        let rule: Rule?
        /// For `entk`: each input's gradient per example (row of the batch) before
        /// the batch sum, for the operations where it has a cheap form (nil: none).
        let perExampleRule: PerExampleRule?
        /// For `entk`, on values computed from parameters alone (`W.T`, `b * m`): maps
        /// one per-example gradient of the output to one per input (nil: none).
        let chainRule: ChainRule?

        typealias Rule = (_ primals: [Value], _ output: Value, _ cotangent: Value, _ needs: [Bool]) throws -> [Value?]
        typealias PerExampleRule = (_ primals: [Value], _ cotangent: Value, _ wanted: [Bool]) throws -> [PerExample?]
        typealias ChainRule = (_ primals: [Value], _ form: PerExample) throws -> [PerExample?]

        /// Which inputs are differentiated (non-nil parents).
        var needs: [Bool] { parents.map { $0 != nil } }
        func pullback(_ ct: Value, _ needs: [Bool]) throws -> [Value?] { try rule?(primals, output, ct, needs) ?? [] }
        func backward(_ ct: Value) throws -> [Value?] { try pullback(ct, needs) }
        var perExample: ((Value, [Bool]) throws -> [PerExample?])? {
            perExampleRule.map { r in { ct, wanted in try r(primals, ct, wanted) } }
        }
        var chain: ((PerExample) throws -> [PerExample?])? {
            chainRule.map { r in { form in try r(primals, form) } }
        }
    }

    let level: Int
    let mode: Mode
    var entries: [Entry] = []
    /// False once the transformation that made the tape has returned: a `Dual`
    /// that escaped (stored in a global, say) is then an ordinary value.
    var active = true

    init(level: Int, mode: Mode = .reverse) { self.level = level; self.mode = mode }

    /// The active tapes of this thread, innermost last, for the next transformation
    /// to nest inside (per thread: a built-in may run lk code on a worker thread).
    final class Stack { var tapes: [Tape] = [] }
    static var current: Stack {
        let key = "lk.autodiff.tapes"
        if let s = Thread.current.threadDictionary[key] as? Stack { return s }
        let s = Stack()
        Thread.current.threadDictionary[key] = s
        return s
    }

    /// How many tapes are recording, on any thread: while it is 0 no value can be
    /// an active Dual, and the checks on every built-in call cost one load.
    static let activeCount = Atomic<Int>(0)

    static func push(mode: Mode = .reverse) -> Tape {
        activeCount.add(1, ordering: .relaxed)
        let stack = current
        let t = Tape(level: (stack.tapes.last?.level ?? 0) + 1, mode: mode)
        stack.tapes.append(t)
        return t
    }

    static func pop(_ t: Tape) {
        t.active = false
        activeCount.subtract(1, ordering: .relaxed)
        let stack = current
        if let i = stack.tapes.lastIndex(where: { $0 === t }) { stack.tapes.remove(at: i) }
    }

    func append(_ parents: [Int?], primals: [Value], output: Value, rule: Entry.Rule?,
                perExample: Entry.PerExampleRule? = nil, chain: Entry.ChainRule? = nil) -> Int {
        entries.append(Entry(parents: parents, primals: primals, output: output, rule: rule,
                             perExampleRule: perExample, chainRule: chain))
        return entries.count - 1
    }

    /// An input of the transformation: a leaf whose cotangent is the gradient.
    func appendLeaf() -> Int { append([], primals: [], output: .none, rule: nil) }
}

/// A number or tensor being differentiated: its value (`primal`, possibly a Dual
/// of an outer transformation) and where it is on its tape.
public final class Dual: @unchecked Sendable {
    let primal: Value
    let tape: Tape
    let index: Int
    /// On a forward tape: the derivative of this value along the input's tangent.
    let tangent: Value?
    init(_ primal: Value, tape: Tape, index: Int, tangent: Value? = nil) {
        self.primal = primal; self.tape = tape; self.index = index; self.tangent = tangent
    }

    /// The value with every level of differentiation removed (for printing, shapes
    /// and conditions: `if loss > 1` reads the number).
    public var value: Value {
        var v = primal
        while case .dual(let d) = v { v = d.primal }
        return v
    }
}

extension Value {
    /// Whether this value is being differentiated by an active transformation.
    @inline(__always) var isDual: Bool {
        if case .dual(let d) = self { return d.tape.active }
        return false
    }

    /// The value without any differentiation wrapper.
    public var undual: Value {
        if case .dual(let d) = self { return d.value }
        return self
    }

    /// The active differentiation level of this value (0 for a constant).
    var level: Int {
        if case .dual(let d) = self, d.tape.active { return d.tape.level }
        return 0
    }

    /// A differentiated value whose transformation has returned (kept in a global,
    /// say) is an ordinary value: its plain value; nil for anything else.
    public var escaped: Value? {
        if case .dual(let d) = self, !d.tape.active { return d.value }
        return nil
    }

    /// The differentiation level (0: a constant; n: differentiated by n nested transformations).
    public var differentiationLevel: Int { level }

    /// Whether a Dual of an active tape is anywhere inside (lists and records too).
    /// Free when nothing is being differentiated; otherwise an explicit walk (lists
    /// may nest a million deep, too deep to recurse).
    public var containsDual: Bool {
        if Tape.activeCount.load(ordering: .relaxed) == 0 { return false }
        var pending: [Value] = [self]
        while let v = pending.popLast() {
            switch v {
            case .dual(let d): if d.tape.active { return true }
            case .list(let l): pending.append(contentsOf: l)
            case .record(let r): pending.append(contentsOf: r.values)
            default: break
            }
        }
        return false
    }
}

enum AD {
    /// Applies an operation to values of which some may be Duals: computes it on the
    /// primals of the highest active level and records one tape entry whose
    /// `backward(primals, output, cotangent)` gives a cotangent per input.
    static func lift(_ inputs: [Value], _ compute: ([Value]) throws -> Value,
                     forward: ((_ primals: [Value], _ output: Value, _ tangents: [Value?]) throws -> Value)? = nil,
                     perExample: ((_ primals: [Value], _ cotangent: Value, _ wanted: [Bool]) throws -> [PerExample?])? = nil,
                     chain: ((_ primals: [Value], _ form: PerExample) throws -> [PerExample?])? = nil,
                     backward: @escaping (_ primals: [Value], _ output: Value, _ cotangent: Value, _ needs: [Bool]) throws -> [Value?]) throws -> Value {
        var level = 0
        for v in inputs { level = Swift.max(level, v.level) }
        if level == 0 { return try compute(inputs) }
        var tape: Tape! = nil
        var parents: [Int?] = []
        var primals: [Value] = []
        parents.reserveCapacity(inputs.count)
        primals.reserveCapacity(inputs.count)
        for v in inputs {
            if case .dual(let d) = v, d.tape.active, d.tape.level == level {
                tape = d.tape
                parents.append(d.index)
                primals.append(d.primal)
            } else {
                parents.append(nil)
                primals.append(v)
            }
        }
        // The same operation one level down: the output of a nested transformation
        // is itself differentiated by the outer one (grad(grad(f))); at level 0,
        // `compute` runs on plain values.
        let out = try lift(primals, compute, forward: forward, perExample: perExample, chain: chain, backward: backward)
        if tape.mode == .forward {
            let tangents = inputs.map { v -> Value? in
                if case .dual(let d) = v, d.tape === tape { return d.tangent }
                return nil
            }
            let t = try forward?(primals, out, tangents) ?? pushforward(primals, out, tangents, backward)
            return .dual(Dual(out, tape: tape, index: -1, tangent: try broadcastTo(t, shape(out))))
        }
        let index = tape.append(parents, primals: primals, output: out, rule: backward, perExample: perExample, chain: chain)
        return .dual(Dual(out, tape: tape, index: index))
    }

    /// An operation's tangent from its reverse rule alone: the pullback g ↦ Jᵀg is
    /// linear, so J·t is the gradient in g of ⟨pullback(g), t⟩ (taken at g = 0 on a
    /// tape of its own; every pullback is written with differentiable operations).
    static func pushforward(_ primals: [Value], _ out: Value, _ tangents: [Value?],
                            _ backward: (_ primals: [Value], _ output: Value, _ cotangent: Value, _ needs: [Bool]) throws -> [Value?]) throws -> Value {
        let g0 = try zeros(like: out)
        let tape = Tape.push()
        defer { Tape.pop(tape) }
        var leaves = Autodiff.Leaves()
        let g = Autodiff.wrap(g0, tape, &leaves)
        let pulled = try backward(primals, out, g, tangents.map { $0 != nil })
        var s: Value = .number(0)
        for (c, t) in zip(pulled, tangents) {
            guard let c, let t else { continue }
            s = try add(s, try reduce(.sum, try mul(c, t), axis: nil, keepdims: false))
        }
        guard case .dual(let d) = s, d.tape === tape else { return g0 }
        let cts = try AD.backward(tape, from: d, seed: .number(1))
        var next = 0
        return try Autodiff.collect(g0, cts, leaves, &next)
    }

    /// Reverse pass: the cotangent of each tape entry reached from `output`, seeded
    /// with `seed` (1 for a scalar output).
    static func backward(_ tape: Tape, from output: Dual, seed: Value) throws -> [Int: Value] {
        try backward(tape, seeds: [(output.index, seed)])
    }

    /// The reverse pass from several outputs at once (a record or list of results),
    /// each seeded with its own cotangent.
    static func backward(_ tape: Tape, seeds: [(Int, Value)]) throws -> [Int: Value] {
        guard let top = seeds.map(\.0).max() else { return [:] }
        var cts = [Value?](repeating: nil, count: top + 1)
        for (i, s) in seeds { cts[i] = try cts[i].map { try add($0, s) } ?? s }
        var leaves: [Int: Value] = [:]
        for i in stride(from: top, through: 0, by: -1) {
            guard let ct = cts[i] else { continue }
            cts[i] = nil
            let entry = tape.entries[i]
            if entry.parents.isEmpty { leaves[i] = ct; continue }   // an input leaf: keep
            try Interrupt.check()
            let grads = try entry.backward(ct)
            for (p, g) in zip(entry.parents, grads) {
                guard let p, let g else { continue }
                cts[p] = try cts[p].map { try add($0, g) } ?? g
            }
        }
        return leaves
    }
}
