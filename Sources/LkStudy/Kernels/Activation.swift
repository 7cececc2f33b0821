import Foundation
import LkTensor

/// An elementwise nonlinearity φ as the kernels and the networks see it: the
/// function on a tensor, and the backward map dA ↦ dA ∘ φ′(z) that backprop needs.
///
/// Built-in names: `relu` (max(x, 0)), `tanh`, `erf`, `identity`, `sin`, `gelu`
/// (the exact x·Φ(x), Φ the standard normal CDF), `sigmoid` (1/(1+e^−x)). Any other
/// function comes in as `custom`: a closure on tensors, whose derivative is a
/// five-point central difference with step h = 2⁻¹²·(1 + |x|), error about 1e-13
/// for a smooth φ of moderate size.
public struct Activation: @unchecked Sendable {
    public enum Kind: String, Sendable, CaseIterable { case relu, tanh, erf, identity, sin, gelu, sigmoid, custom }

    public let kind: Kind
    /// `relu`, `tanh`, … or the name a custom function was given.
    public let name: String
    let function: (Tensor) throws -> Tensor

    public static let builtinNames = Kind.allCases.filter { $0 != .custom }.map(\.rawValue)

    public static func named(_ name: String) -> Activation? {
        guard let k = Kind(rawValue: name), k != .custom else { return name == "linear" ? named("identity") : nil }
        return Activation(kind: k, name: name, function: { try Activation.applyBuiltin(k, $0) })
    }

    /// A user function on tensors; it is called on whole tensors, never per element.
    public static func custom(name: String, _ f: @escaping (Tensor) throws -> Tensor) -> Activation {
        Activation(kind: .custom, name: name, function: f)
    }

    /// Whether `nngp`/`ntk` have a closed form for this activation (otherwise Hermite quadrature).
    public var hasClosedFormKernel: Bool { [.relu, .erf, .identity, .sin].contains(kind) }

    /// φ(z), same shape as z.
    public func apply(_ z: Tensor) throws -> Tensor {
        let a = try function(z)
        guard a.shape == z.shape else {
            throw TensorError("activation \(name) returned shape \(shapeString(a.shape)) for an input of shape \(shapeString(z.shape)); it must act elementwise")
        }
        return a
    }

    /// φ′(z). For `tanh` and `sigmoid` it is taken from a = φ(z) when given (cheaper).
    public func derivative(_ z: Tensor, output a: Tensor? = nil) throws -> Tensor {
        switch kind {
        case .relu: return Activation.elementwise(z) { $0 > 0 ? 1 : 0 }
        case .identity: return try Tensor(shape: z.shape, repeating: 1)
        case .tanh:
            let t = try a ?? apply(z)
            return Activation.elementwise(t) { 1 - $0 * $0 }
        case .sigmoid:
            let s = try a ?? apply(z)
            return Activation.elementwise(s) { $0 * (1 - $0) }
        case .erf: return Activation.elementwise(z) { 2 / Double.pi.squareRoot() * Foundation.exp(-$0 * $0) }
        case .sin: return z.map(.cos)
        case .gelu:
            return Activation.elementwise(z) { x in
                0.5 * (1 + Foundation.erf(x / 2.0.squareRoot())) + x * Foundation.exp(-0.5 * x * x) / (2 * Double.pi).squareRoot()
            }
        case .custom:
            // Five-point central difference, h = 2⁻¹²(1 + |x|): truncation h⁴φ⁽⁵⁾/30 and
            // rounding about ε/h, both near 1e-13 for a smooth φ of moderate size.
            func shifted(_ k: Double) throws -> Tensor { try apply(Activation.elementwise(z) { $0 + k * 0x1p-12 * (1 + Swift.abs($0)) }) }
            let f2 = try shifted(2), f1 = try shifted(1), m1 = try shifted(-1), m2 = try shifted(-2)
            let out = try Tensor(uninitializedShape: z.shape)
            for i in 0..<z.count {
                let h = 0x1p-12 * (1 + Swift.abs(z.pointer[i]))
                out.pointer[i] = (-f2.pointer[i] + 8 * f1.pointer[i] - 8 * m1.pointer[i] + m2.pointer[i]) / (12 * h)
            }
            return out
        }
    }

    static func applyBuiltin(_ k: Kind, _ z: Tensor) throws -> Tensor {
        switch k {
        case .relu: return z.map(.relu)
        case .tanh: return z.map(.tanh)
        case .erf: return z.map(.erf)
        case .sin: return z.map(.sin)
        case .sigmoid: return z.map(.sigmoid)
        case .identity, .custom: return z
        case .gelu: return elementwise(z) { $0 * 0.5 * (1 + Foundation.erf($0 / 2.0.squareRoot())) }
        }
    }

    /// A new tensor f(x) for every element, split across cores when large.
    static func elementwise(_ x: Tensor, _ f: (Double) -> Double) -> Tensor {
        let out = try! Tensor(uninitializedShape: x.shape, countingTotal: false)   // x's shape already fits in memory
        let src = x.pointer, dst = out.pointer
        Parallel.forEachChunk(count: x.count) { r in for i in r { dst[i] = f(src[i]) } }
        return out
    }
}
