import LkLang
import LkTensor

// NumPy's sorting and order statistics, covariance and counting: names, defaults
// and results as NumPy 2.x (see Docs/numpy.md). Engine: Tensor+Sorting.swift,
// Tensor+Quantiles.swift, Tensor+Covariance.swift, Tensor+Accumulation.swift.

/// NumPy's sorting, layout and statistics functions, one group of `:help`.
extension BuiltinTable {
    static var numpyCore: [Builtin] { numpySorting + numpyLayout }

    static let numpySorting: [Builtin] = [
        def("sort(x, axis=-1)", """
            x sorted ascending along `axis` (default the last; negative counts from the end); \
            `axis=none` sorts the flattened x into a vector. Stable, as NumPy's `kind="stable"`: \
            equal elements (also −0 and +0) keep their order; nan sorts after +inf. A number \
            (rank 0) needs `axis=none`, as in NumPy.
            """) { a in
            return wrap(try a.tensor(0, "x").sorted(axis: try a.axisOrNone(default: -1)))
        },
        def("argsort(x, axis=-1)", """
            The 0-based positions that sort x along `axis` (default the last), so that \
            `x[argsort(x)]` is `sort(x)` for a vector; `axis=none` works on the flattened x. \
            Stable (NumPy's `kind="stable"`): ties keep their original order, nans come last. \
            Positions are integers held in a Float64 tensor.
            """) { a in
            return wrap(try a.tensor(0, "x").argsorted(axis: try a.axisOrNone(default: -1)))
        },
        def("unique(x, return_index=false, return_inverse=false, return_counts=false)", """
            The sorted distinct values of the flattened x, as NumPy 2's `unique`: every nan \
            becomes one nan at the end (`equal_nan=True`), and −0 equals +0. With any \
            `return_…=true` the result is a record with `values` and the fields asked for, in \
            NumPy's order: `index` (position in the flattened x of each value's first \
            occurrence), `inverse` (for each element of x, in x's shape, the position of its \
            value in `values`, so `values[flatten(inverse)]` is the flattened x) and `counts` (how often each \
            value occurs).
            """) { a in
            let wantIndex = try a.keywordBool("return_index", default: false)
            let wantInverse = try a.keywordBool("return_inverse", default: false)
            let wantCounts = try a.keywordBool("return_counts", default: false)
            let u = try a.tensor(0, "x").unique(index: wantIndex, inverse: wantInverse, counts: wantCounts)
            if !(wantIndex || wantInverse || wantCounts) { return .tensor(u.values) }
            var fields: [(String, Value)] = [("values", .tensor(u.values))]
            if let t = u.index { fields.append(("index", .tensor(t))) }
            if let t = u.inverse { fields.append(("inverse", wrap(t))) }
            if let t = u.counts { fields.append(("counts", .tensor(t))) }
            return record(fields)
        },
        def("searchsorted(a, v, side=\"left\")", """
            For each element of v (a number or a tensor; the result has v's shape), the \
            position where it would be inserted into the ascending vector a to keep it sorted: \
            with `side="left"` the first such position i (`a[i-1] < v <= a[i]`), with \
            `side="right"` the last (`a[i-1] <= v < a[i]`). nan is larger than every number, as \
            in `sort`. a is not checked for being sorted (NumPy does not either); sort it first.
            """) { a in
            let side = try a.keywordString("side", default: "left", allowed: ["left", "right"])
            let sorted = try a.tensor(0, "a")
            guard sorted.rank == 1 else {
                throw a.error("a must be a vector, got \(sorted.rank == 0 ? "a number" : "shape \(shapeString(sorted.shape))")", at: 0)
            }
            return wrap(try Tensor.searchsorted(sorted, try a.tensor(1, "v"), right: side == "right"))
        },
        def("median(x, axis=none, keepdims=false)", """
            The median of all elements of x, or of each lane along `axis`: the middle element \
            of the sorted lane, or the mean `(a + b) / 2` of the two middle ones when its \
            length is even. Found by selection (expected linear time), not by sorting. A lane \
            holding nan gives nan, and so does an empty lane (NumPy warns "Mean of empty \
            slice"). `keepdims=true` keeps the reduced axis with size 1.
            """) { a in
            return wrap(try a.tensor(0, "x").median(axis: try a.axis(), keepdims: try a.keywordBool("keepdims", default: false)))
        },
        def("percentile(x, q, axis=none, keepdims=false)", """
            The q-th percentiles (q in 0…100, a number or a tensor of them) of all elements of \
            x or along `axis`, by NumPy's default linear interpolation: with the lane sorted as \
            s₀ ≤ … ≤ sₙ₋₁, v = q/100 · (n − 1), i = ⌊v⌋, t = v − i, the result is \
            sᵢ + (sᵢ₊₁ − sᵢ)·t (computed from sᵢ₊₁ when t ≥ 0.5, as NumPy, so infinities give \
            NumPy's nans). The result's shape is `shape(q)` followed by the reduced shape. A lane \
            holding nan gives nan; an empty lane and q outside 0…100 are errors.
            """) { a in
            let q = try a.tensor(1, "q")
            return wrap(try a.tensor(0, "x").quantile(q, axis: try a.axis(), keepdims: try a.keywordBool("keepdims", default: false),
                                                      name: "q", scale: 100))
        },
        def("quantile(x, q, axis=none, keepdims=false)", """
            The q-th quantiles (q in 0…1, a number or a tensor of them) of all elements of x or \
            along `axis`: `percentile(x, 100 q)`, with the same linear interpolation, shapes, \
            nan and error rules.
            """) { a in
            let q = try a.tensor(1, "q")
            return wrap(try a.tensor(0, "x").quantile(q, axis: try a.axis(), keepdims: try a.keywordBool("keepdims", default: false)))
        },
        def("cov(m, [y], rowvar=true, ddof=1)", """
            The covariance matrix, as NumPy's `cov`: ROWS of m are variables and columns are \
            observations (`rowvar=false` for one variable per column, the data-matrix layout); \
            a vector is one variable. `y` (also the second positional argument) adds its \
            variables after m's. With Xc the data minus each variable's mean over its N \
            observations, C = Xc Xcᵀ / (N − ddof) (one BLAS dsyrk; exactly symmetric). When \
            N − ddof ≤ 0 the divisor is 0 (inf/nan, as NumPy after its warning). One variable \
            gives a number.
            """) { a in
            try a.expect(1...2)
            return wrap(try Tensor.cov(try a.tensor(0, "m"), try a.optionalSecond("y"),
                                       rowvar: try a.keywordBool("rowvar", default: true), ddof: try a.keywordInt("ddof", default: 1)))
        },
        def("corrcoef(x, [y], rowvar=true)", """
            Pearson correlation coefficients, as NumPy's `corrcoef`: Rᵢⱼ = Cᵢⱼ / √(Cᵢᵢ Cⱼⱼ) \
            with C = `cov(x, y, rowvar=rowvar)` (rows are variables by default), clipped to \
            [−1, 1]. A constant variable gives nan in its row and column.
            """) { a in
            try a.expect(1...2)
            return wrap(try Tensor.corrcoef(try a.tensor(0, "x"), try a.optionalSecond("y"),
                                            rowvar: try a.keywordBool("rowvar", default: true)))
        },
        def("cumprod(x, axis=none)", """
            Running products of x along `axis` (same shape), or of the flattened x (a vector) \
            when `axis=none`, as NumPy's `cumprod`.
            """) { a in
            return wrap(try a.tensor(0, "x").cumprod(axis: try a.axis()))
        },
        def("logsumexp(x, axis=none, keepdims=false)", """
            log Σ exp(xᵢ) over all elements or along `axis`, computed stably as \
            m + log Σ exp(xᵢ − m) with m the lane maximum (scipy.special.logsumexp), so \
            `logsumexp([1000, 1000])` is 1000 + log 2. A lane holding nan gives nan, one \
            holding +inf gives inf, and an all −inf (or empty) lane gives −inf.
            """, differentiation: .rule { a in
            let axis = try a.axis(), keep = try a.keywordBool("keepdims", default: false)
            let x = a.positional[0]
            var mt = try Differentiable.tensor(x)!.reduce(.max, axis: axis, keepdims: true)
            // A constant shift (its gradient cancels); an infinite maximum shifts by 0.
            mt.withUnsafeMutableBufferPointer { b in for i in b.indices where !b[i].isFinite { b[i] = 0 } }
            let m = Value.from(mt)
            let s = try Differentiable.reduce(.sum, try Differentiable.unary(.exp, try Differentiable.sub(x, m)), axis: axis, keepdims: true)
            var out = try Differentiable.add(try Differentiable.unary(.log, s), m)
            if !keep { out = try Differentiable.reshape(out, try Differentiable.tensor(x)!.reduce(.sum, axis: axis).shape) }
            return out
        }) { a in
            return wrap(try a.tensor(0, "x").logsumexp(axis: try a.axis(), keepdims: try a.keywordBool("keepdims", default: false)))
        },
        def("bincount(x, weights=none, minlength=0)", """
            For a vector x of non-negative integers, the vector c of length \
            max(max(x) + 1, minlength) where c[v] counts the elements equal to v, or sums \
            `weights[i]` over them when weights (x's shape) is given, as NumPy's `bincount`. \
            Anything else in x (negative, fractional, nan) is an error.
            """) { a in
            let x = try a.tensor(0, "x")
            var weights: Tensor? = nil
            if let w = a.keyword("weights"), !w.isNone {
                guard let t = Arguments.asTensor(w) else { throw a.keywordError("weights must be a tensor, got \(w.describedKind)", "weights") }
                weights = t
            }
            return wrap(try Tensor.bincount(x, weights: weights, minlength: try a.keywordInt("minlength", default: 0, min: 0)))
        },
    ]
}

extension Value {
    var isNone: Bool { if case .none = self { return true }; return false }
}

extension Arguments {
    /// `axis=` with a default when absent; `axis=none` gives nil.
    func axisOrNone(default d: Int) throws -> Int? {
        guard let v = keyword("axis") else { return d }
        if v.isNone { return nil }
        return try keywordInt("axis", default: d)
    }

    /// A tensor given as the second positional argument or as keyword `name`
    /// (nil when neither, or `none`).
    /// The optional second positional argument (`cov(m, [y])`), none counting as absent.
    func optionalSecond(_ name: String) throws -> Tensor? {
        guard count >= 2, !positional[1].isNone else { return nil }
        return try tensor(1, name)
    }

    /// Integers from a number or a vector (`shift`, `repeats`, `axis`).
    func integers(_ v: Value, _ name: String, at place: BuiltinError.Where) throws -> [Int] {
        let fail = { (m: String) -> BuiltinError in BuiltinError("\(self.callee): \(m)", at: place) }
        guard let t = Arguments.asTensor(v), t.rank <= 1 else {
            throw fail("\(name) must be an integer or a vector of integers, got \(v.describedKind)")
        }
        return try t.scalars.map { try Arguments.checkInt($0, name, nil, fail) }
    }
}
