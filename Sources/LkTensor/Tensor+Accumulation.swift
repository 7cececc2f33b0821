import Foundation

// Running products, log-sum-exp and counting: NumPy's cumprod and bincount, and
// scipy.special.logsumexp.

extension Tensor {
    /// Running products along `axis` (same shape), or over the flattened elements
    /// when `axis == nil`, as NumPy's `cumprod`.
    public func cumprod(axis: Int? = nil) throws -> Tensor {
        let a = try axis.map { try Tensor.normalizedAxis($0, rank: rank) }
        let layout = AxisLayout(shape: shape, axis: a)
        let out = try Tensor.hugePageResult(shape: a == nil ? [count] : shape)
        let (n, inner) = (layout.n, layout.inner)
        if count == 0 { return out }
        let src = UnsafePointer(pointer), dst = out.pointer
        for o in 0..<layout.outer {
            let s = src + o * n * inner, d = dst + o * n * inner
            d.update(from: s, count: inner)
            for k in 1..<n {
                let dk = d + k * inner, prev = dk - inner, sk = s + k * inner
                for j in 0..<inner { dk[j] = prev[j] * sk[j] }
            }
        }
        return out
    }

    /// `log Σ exp(xᵢ)` over all elements or along `axis`, computed stably as
    /// `m + log Σ exp(xᵢ − m)` with m the lane maximum (scipy.special.logsumexp):
    /// a lane holding nan gives nan, one holding +inf gives +inf, an all −inf or
    /// empty lane gives −inf.
    public func logsumexp(axis: Int? = nil, keepdims: Bool = false) throws -> Tensor {
        let a = try axis.map { try Tensor.normalizedAxis($0, rank: rank) }
        let layout = AxisLayout(shape: shape, axis: a)
        var outShape: [Int]
        if let a { outShape = shape; if keepdims { outShape[a] = 1 } else { outShape.remove(at: a) } }
        else { outShape = keepdims ? [Int](repeating: 1, count: rank) : [] }
        let out = try Tensor.hugePageResult(shape: outShape)
        let (n, inner) = (layout.n, layout.inner)
        let src = UnsafePointer(pointer), dst = out.pointer
        Parallel.forEachChunk(count: layout.outer * inner, costPerItem: n * 8, align: 1) { r in
            for u in r {
                let s = src + (u / inner) * n * inner + u % inner
                var m = -Double.infinity, nan = false
                for k in 0..<n { let x = s[k * inner]; if x.isNaN { nan = true } else if x > m { m = x } }
                if nan { dst[u] = .nan; continue }
                if !m.isFinite { dst[u] = m; continue }
                var sum = 0.0
                for k in 0..<n { sum += Foundation.exp(s[k * inner] - m) }
                dst[u] = m + Foundation.log(sum)
            }
        }
        return out
    }

    /// NumPy's `bincount`: for a vector of non-negative integers x, the vector c of
    /// length `max(max(x) + 1, minlength)` with `c[v]` the number of times v occurs
    /// (the sum of `weights[i]` over the positions i holding v, with weights).
    public static func bincount(_ x: Tensor, weights: Tensor? = nil, minlength: Int = 0) throws -> Tensor {
        guard x.rank == 1 else { throw TensorError("x must be a vector, got \(x.rank == 0 ? "a number" : "shape \(shapeString(x.shape))")") }
        if let w = weights, w.shape != x.shape {
            throw TensorError("weights must have x's shape \(shapeString(x.shape)), got \(shapeString(w.shape))")
        }
        guard minlength >= 0 else { throw TensorError("minlength must be non-negative, got \(minlength)") }
        var top = -1
        for i in 0..<x.count {
            let v = x.pointer[i]
            guard v >= 0, v == v.rounded(), v < 9e15 else {
                throw TensorError("x must hold non-negative integers, got \(formatNumber(v)) at [\(i)]")
            }
            top = Swift.max(top, Int(v))
        }
        let out = try Tensor(shape: [Swift.max(top + 1, minlength)])
        for i in 0..<x.count { out.pointer[Int(x.pointer[i])] += weights?.pointer[i] ?? 1 }
        return out
    }
}
