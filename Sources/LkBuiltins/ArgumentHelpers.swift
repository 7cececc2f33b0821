import Foundation
import LkLang
import LkStudy
import LkTensor

// Argument helpers every topic's built-ins share (they used to live in the
// Diffusion topic file, where they were first needed).

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

    /// `seed=`, the one rule for every built-in that draws random numbers: a
    /// non-negative integer, or `none` (or absent) for the default its signature
    /// declares. `seed=0` in a signature makes 0 the default — built-ins that
    /// define a fixed experiment (test phantoms, simulated walkers, anchor
    /// choices of the paper's protocol, minibatch order) so a figure is the same on
    /// every run; `seed=` with no default draws the seed from lk's global
    /// generator — built-ins that draw a sample (networks' initial weights,
    /// k-means starts, priors' draws, samplers' noise), so they follow `seed(n)` and
    /// repeated calls differ, as NumPy's global `np.random` does. The result fits in
    /// 53 bits, so a network record can store it as a number and rebuild the net.
    func seed() throws -> UInt64 {
        if let s = try keywordOptionalInt("seed", min: 0) { return UInt64(s) }
        if let d = declaredDefault("seed"), let s = UInt64(d) { return s }
        return Random.withGenerator { $0.nextUInt64() >> 11 }
    }

    /// A generator seeded by `seed()`.
    func generator() throws -> RNG { RNG(seed: try seed()) }
}

extension Arguments {
    /// Shows a warning from this built-in ("inv: warning: …") on the interpreter's output,
    /// where plot warnings go too, and carries on; nil shows nothing.
    func warn(_ message: String?) {
        guard let message else { return }
        interpreter?.output("\(callee): \(message)\n")
    }
}
