import LkTensor

/// The vector-space operations the Krylov and diffusion routines need, on tensors of any
/// shape viewed as flat vectors of their elements (an n×n image is a vector of n² numbers).
///
/// Complex data (a trailing axis of size 2) needs nothing special: the real part of the
/// Hermitian inner product, Re(aᴴb) = Σ (Re a·Re b + Im a·Im b), is exactly the real dot
/// product of the stored numbers, and for a Hermitian operator every scalar CG forms
/// (rᴴz, pᴴAp) is real. So CG on the stored numbers *is* complex CG with conjugated
/// inner products.
public enum VectorSpace {
    /// Σ aᵢbᵢ over all elements; the shapes must hold the same number of elements.
    @inlinable public static func dot(_ a: Tensor, _ b: Tensor) -> Double {
        precondition(a.count == b.count, "VectorSpace.dot: \(a.count) and \(b.count) elements")
        let p = a.pointer, q = b.pointer
        var s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0
        let n = a.count
        var i = 0
        // Four partial sums: independent additions the compiler can vectorise.
        while i + 4 <= n {
            s0 += p[i] * q[i]; s1 += p[i + 1] * q[i + 1]
            s2 += p[i + 2] * q[i + 2]; s3 += p[i + 3] * q[i + 3]
            i += 4
        }
        while i < n { s0 += p[i] * q[i]; i += 1 }
        return (s0 + s1) + (s2 + s3)
    }

    /// The Euclidean norm √(Σ aᵢ²).
    @inlinable public static func norm(_ a: Tensor) -> Double { dot(a, a).squareRoot() }

    /// y ← y + αx (in place; y gets its own buffer first if it shares one).
    @inlinable public static func axpy(_ alpha: Double, _ x: Tensor, _ y: inout Tensor) {
        precondition(x.count == y.count, "VectorSpace.axpy: \(x.count) and \(y.count) elements")
        let p = x.pointer
        y.withUnsafeMutableBufferPointer { q in
            for i in 0..<q.count { q[i] += alpha * p[i] }
        }
    }

    /// αx + βy as a new tensor with y's shape.
    @inlinable public static func combine(_ alpha: Double, _ x: Tensor, _ beta: Double, _ y: Tensor) -> Tensor {
        precondition(x.count == y.count, "VectorSpace.combine: \(x.count) and \(y.count) elements")
        // The shape is y's, whose count was checked when y was made.
        let out = try! Tensor(uninitializedShape: y.shape, countingTotal: false)
        let p = x.pointer, q = y.pointer, o = out.pointer
        for i in 0..<out.count { o[i] = alpha * p[i] + beta * q[i] }
        return out
    }

    /// αx as a new tensor.
    @inlinable public static func scaled(_ alpha: Double, _ x: Tensor) -> Tensor {
        let out = try! Tensor(uninitializedShape: x.shape, countingTotal: false)
        let p = x.pointer, o = out.pointer
        for i in 0..<out.count { o[i] = alpha * p[i] }
        return out
    }

    /// A tensor of zeros with the given shape.
    public static func zeros(_ shape: [Int]) throws -> Tensor { try Tensor(shape: shape, repeating: 0) }

    /// Whether every element is finite.
    public static func isFinite(_ a: Tensor) -> Bool {
        let p = a.pointer
        for i in 0..<a.count where !p[i].isFinite { return false }
        return true
    }
}
