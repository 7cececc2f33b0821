import Foundation

// Elementwise tests and comparisons as NumPy's isfinite, isinf, allclose, and the
// two-argument arctangent atan2.

extension Tensor {
    /// 1 where `test` holds for the element, 0 elsewhere (same shape).
    public func mask(_ test: (Double) -> Bool) throws -> Tensor {
        try Tensor.build(shape: shape) { p, n in for i in 0..<n { p[i] = test(pointer[i]) ? 1 : 0 } }
    }

    /// `atan2(y, x)`, the angle of the point (x, y) in (−π, π], elementwise with
    /// NumPy's broadcasting (C's atan2, which NumPy calls: `atan2(±0, −0) = ±π`).
    public static func atan2(_ y: Tensor, _ x: Tensor) throws -> Tensor {
        guard let shape = broadcastShape(y.shape, x.shape) else {
            throw TensorError("shapes \(shapeString(y.shape)) and \(shapeString(x.shape)) do not broadcast together")
        }
        let yb = try y.broadcast(to: shape), xb = try x.broadcast(to: shape)
        return try Tensor.build(shape: shape) { p, n in for i in 0..<n { p[i] = Foundation.atan2(yb.pointer[i], xb.pointer[i]) } }
    }

    /// NumPy's `allclose`: whether `|a − b| ≤ atol + rtol |b|` for every pair of
    /// broadcast elements (not symmetric in a and b, as NumPy). Infinities are close
    /// only to the same infinity; nan is close to nothing unless `equalNaN`, when two
    /// nans are close. Empty operands are close.
    public static func allclose(_ a: Tensor, _ b: Tensor, rtol: Double = 1e-5, atol: Double = 1e-8, equalNaN: Bool = false) throws -> Bool {
        guard let shape = broadcastShape(a.shape, b.shape) else {
            throw TensorError("shapes \(shapeString(a.shape)) and \(shapeString(b.shape)) do not broadcast together")
        }
        let ab = try a.broadcast(to: shape), bb = try b.broadcast(to: shape)
        for i in 0..<ab.count {
            let x = ab.pointer[i], y = bb.pointer[i]
            if x.isNaN || y.isNaN { if equalNaN && x.isNaN && y.isNaN { continue }; return false }
            if x.isInfinite || y.isInfinite { if x == y { continue }; return false }
            if !(Swift.abs(x - y) <= atol + rtol * Swift.abs(y)) { return false }
        }
        return true
    }
}
