// Covariance and correlation matrices as NumPy's `cov` and `corrcoef`: variables
// are rows by default (`rowvar=True`), the product of the centred data with
// itself is one `dsyrk` (through `gram`), so the result is exactly symmetric.

extension Tensor {
    /// NumPy's `cov(m, y, rowvar, ddof)`. `m` is a vector (one variable) or a matrix
    /// whose rows are variables and columns observations (columns are variables when
    /// `rowvar == false`); `y`, if given, adds its variables after m's. With `Xc` the
    /// data minus each variable's mean over its N observations,
    /// `C = Xc Xcᵀ / (N − ddof)`; when `N − ddof ≤ 0` the divisor is 0, giving
    /// inf/nan as NumPy does (after its warning). One variable gives a number; no
    /// variables (an empty m) give a 0×0 matrix.
    public static func cov(_ m: Tensor, _ y: Tensor? = nil, rowvar: Bool = true, ddof: Int = 1) throws -> Tensor {
        var x = try covVariables(m, "m", rowvar)
        if x.shape[0] == 0 && y == nil { return try Tensor(shape: [0, 0]) }
        if let y {
            let yv = try covVariables(y, "y", rowvar)
            guard yv.shape[1] == x.shape[1] else {
                throw TensorError("m has \(x.shape[1]) observations but y has \(yv.shape[1])")
            }
            x = try Tensor.concat([x, yv], axis: 0)
        }
        let (vars, n) = (x.shape[0], x.shape[1])
        let fact = Swift.max(Double(n - ddof), 0)
        let centered = try Tensor.build(shape: [vars, n]) { p, _ in
            for i in 0..<vars {
                let row = x.pointer + i * n
                let mean = n == 0 ? Double.nan : pairwiseSum(row, n) / Double(n)
                for j in 0..<n { p[i * n + j] = row[j] - mean }
            }
        }
        var c = try gram(centered)
        try c.formBinary(.mul, Tensor(scalar: 1 / fact))
        if n == 0 {   // NumPy: the mean of no observations is nan, and so is every entry
            c.withUnsafeMutableBufferPointer { $0.update(repeating: .nan) }
        }
        return vars == 1 ? try c.reshaped([]) : c
    }

    /// NumPy's `corrcoef`: `R = Cᵢⱼ / √(Cᵢᵢ Cⱼⱼ)` from `cov` (ddof cancels), clipped
    /// to [−1, 1]; a constant variable gives nan in its row and column. One variable
    /// gives `C / C` (1, or nan), as NumPy.
    public static func corrcoef(_ m: Tensor, _ y: Tensor? = nil, rowvar: Bool = true) throws -> Tensor {
        let c = try cov(m, y, rowvar: rowvar)
        if c.rank == 0 { return Tensor(scalar: c.pointer[0] / c.pointer[0]) }
        let k = c.shape[0]
        let sd = (0..<k).map { c.pointer[$0 * k + $0].squareRoot() }
        return try Tensor.build(shape: [k, k]) { p, _ in
            for i in 0..<k {
                for j in 0..<k {
                    let r = c.pointer[i * k + j] / sd[i] / sd[j]
                    p[i * k + j] = r.isNaN ? r : Swift.min(1, Swift.max(-1, r))
                }
            }
        }
    }

    /// The data as variables × observations (NumPy's `array(m, ndmin=2)`, transposed
    /// when `rowvar` is false and there is more than one row).
    private static func covVariables(_ t: Tensor, _ name: String, _ rowvar: Bool) throws -> Tensor {
        guard t.rank <= 2 else { throw TensorError("\(name) must be a vector or a matrix, got shape \(shapeString(t.shape))") }
        var x = t.rank == 2 ? t : try t.reshaped([1, t.count])
        if !rowvar && x.shape[0] != 1 { x = x.transposed() }
        return x
    }
}
