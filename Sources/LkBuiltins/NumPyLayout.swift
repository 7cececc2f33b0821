import Foundation
import LkLang
import LkTensor

// NumPy's layout functions (tile, repeat, triu, tril, flip, roll, diff, kron,
// meshgrid), the elementwise functions NumPy has and lk lacked, and the
// conversions float and int. Engine: Tensor+Layout.swift, Tensor+Predicates.swift.

extension BuiltinTable {
    static let numpyLayout: [Builtin] = [
        def("tile(x, reps...)", """
            x repeated `reps[i]` times along axis i, as NumPy's `tile`: `tile(x, 2, 3)` (or \
            `tile(x, [2, 3])`). Fewer reps than axes repeat the last axes; more reps give x \
            leading axes of size 1 first. Counts must be non-negative integers; a result over \
            the memory limit is an error.
            """, differentiation: .rule { a in try gather("tile", a) }) { a in
            let x = try a.tensor(0, "x")
            return wrap(try x.tiled(try a.sizes(from: 1, name: "reps")))
        },
        def("repeat(x, repeats, axis=none)", """
            Each element of the flattened x (`axis=none`), or each slice along `axis`, repeated \
            in place, as NumPy's `repeat`: `repeats` is one count for all or a vector with one \
            count per element of the axis (non-negative integers).
            """, differentiation: .rule { a in try gather("repeat", a) }) { a in
            let x = try a.tensor(0, "x")
            let counts = try a.integers(a.positional[1], "repeats", at: .positional(1))
            return wrap(try x.repeated(counts, axis: try a.axis()))
        },
        def("triu(A, k=0)", """
            The upper triangle of A: element (i, j) of each matrix in the last two axes kept \
            where j − i ≥ k, the rest 0 (k > 0 above the diagonal, k < 0 below), as NumPy's \
            `triu`. A vector v is first made the square matrix with every row v.
            """, differentiation: .rule { a in try gather("triu", a) }) { a in
            return wrap(try a.tensor(0, "A").triangle(upper: true, k: try a.keywordInt("k", default: 0)))
        },
        def("tril(A, k=0)", """
            The lower triangle of A: element (i, j) of each matrix in the last two axes kept \
            where j − i ≤ k, the rest 0, as NumPy's `tril`. A vector v is first made the square \
            matrix with every row v.
            """, differentiation: .rule { a in try gather("tril", a) }) { a in
            return wrap(try a.tensor(0, "A").triangle(upper: false, k: try a.keywordInt("k", default: 0)))
        },
        def("flip(x, axis=none)", """
            x with the order of its elements reversed along `axis` (a number, negative from \
            the end, or a vector of axes), or along every axis when `axis=none`, as NumPy's \
            `flip`.
            """, differentiation: .rule { a in try gather("flip", a) }) { a in
            let x = try a.tensor(0, "x")
            var axes: [Int]? = nil
            if let v = a.keyword("axis"), !v.isNone { axes = try a.integers(v, "axis", at: .keyword("axis")) }
            return wrap(try x.flipped(axes: axes))
        },
        def("roll(x, shift, axis=none)", """
            x with its elements shifted `shift` places along `axis` (those pushed off the end \
            come back at the start; negative shifts go the other way), as NumPy's `roll`. \
            With `axis=none` the flattened x is rolled and the shape restored. shift and axis \
            may be vectors of the same length (one shift per axis).
            """, differentiation: .rule { a in try gather("roll", a) }) { a in
            let x = try a.tensor(0, "x")
            let shifts = try a.integers(a.positional[1], "shift", at: .positional(1))
            var axes: [Int]? = nil
            if let v = a.keyword("axis"), !v.isNone { axes = try a.integers(v, "axis", at: .keyword("axis")) }
            guard !shifts.isEmpty else { throw a.error("shift must not be empty", at: 1) }
            return wrap(try x.rolled(shifts, axes: axes))
        },
        def("diff(x, n=1, axis=-1)", """
            The n-th discrete difference along `axis` (default the last), as NumPy's `diff`: \
            out[k] = x[k+1] − x[k], applied n times, so that axis gets n shorter (empty when n \
            is at least its length); n = 0 gives x.
            """, differentiation: .rule { a in
            var x = a.positional[0]
            let n = try a.keywordInt("n", default: 1, min: 0)
            let rank = Differentiable.shape(x).count
            guard rank > 0 else { throw a.error("x must have at least one axis", at: 0) }
            let axis = try Tensor.normalizedAxis(try a.keywordInt("axis", default: -1), rank: rank)
            for _ in 0..<n {
                func part(_ start: Int?, _ stop: Int?) -> [Subscript] {
                    var items = [Subscript](repeating: .slice(start: nil, stop: nil, step: nil), count: rank)
                    items[axis] = .slice(start: start, stop: stop, step: nil)
                    return items
                }
                x = try Differentiable.sub(try Differentiable.index(x, part(1, nil)), try Differentiable.index(x, part(nil, -1)))
            }
            return x
        }) { a in
            let x = try a.tensor(0, "x")
            return wrap(try x.differenced(try a.keywordInt("n", default: 1, min: 0), axis: try a.axis() ?? -1))
        },
        def("kron(a, b)", """
            The Kronecker product of a and b, as NumPy's `kron`: the blocks a[i] · b laid out \
            in a's shape; the operand of lower rank gets leading axes of size 1, and each axis \
            of the result has size a.shape[d] · b.shape[d].
            """) { a in
            return wrap(try Tensor.kron(try a.tensor(0, "a"), try a.tensor(1, "b")))
        },
        def("meshgrid(xs..., indexing=\"xy\")", """
            Coordinate grids from vectors x₁ … xₖ (each flattened) of lengths n₁ … nₖ, as \
            NumPy's `meshgrid`: a list of k tensors, the i-th holding xᵢ along its own axis. \
            With NumPy's default `indexing="xy"` they have shape (n₂, n₁, n₃, …) (so \
            `G = meshgrid(x, y)` gives `G[0][j, i] = x[i]`, `G[1][j, i] = y[j]`); with \
            `indexing="ij"` shape (n₁, n₂, …).
            """) { a in
            let ij = try a.keywordString("indexing", default: "xy", allowed: ["xy", "ij"]) == "ij"
            let xs = try (0..<a.count).map { try a.tensor($0, "x\($0 + 1)") }
            return .list(try Tensor.meshgrid(xs, ij: ij).map(wrap))
        },
        binaryFunction("atan2(y, x)", """
            The angle of the point (x, y) in radians, in (−π, π], elementwise with \
            broadcasting (C's atan2, as NumPy's `arctan2`; note y comes first).
            """, scalar: { Foundation.atan2($0, $1) }, Tensor.atan2),
        unaryMath("log10", .log10, "The base-10 logarithm, elementwise; log10(0) is −inf and negative inputs give nan (as NumPy)."),
        unaryMath("log2", .log2, "The base-2 logarithm, elementwise; log2(0) is −inf and negative inputs give nan (as NumPy)."),
        def("isfinite(x)", "1 where x is a finite number (not ±inf, not nan), 0 elsewhere, elementwise.") { a in
            return wrap(try a.tensor(0, "x").mask { $0.isFinite })
        },
        def("isinf(x)", "1 where x is +inf or −inf, 0 elsewhere (nan is not infinite), elementwise.") { a in
            return wrap(try a.tensor(0, "x").mask { $0.isInfinite })
        },
        def("allclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=false)", """
            true when |a − b| ≤ atol + rtol·|b| for every pair of elements of a and b \
            (broadcast together), else false, as NumPy's `allclose` (not symmetric: the \
            tolerance scales with b). Infinities are close only to the same infinity; nan is \
            close to nothing, unless `equal_nan=true` makes two nans close.
            """) { a in
            let rtol = try a.keywordNumber("rtol", default: 1e-5), atol = try a.keywordNumber("atol", default: 1e-8)
            guard rtol >= 0, !rtol.isNaN else { throw a.keywordError("rtol must be a non-negative number, got \(formatNumber(rtol))", "rtol") }
            guard atol >= 0, !atol.isNaN else { throw a.keywordError("atol must be a non-negative number, got \(formatNumber(atol))", "atol") }
            return .bool(try Tensor.allclose(try a.tensor(0, "a"), try a.tensor(1, "b"), rtol: rtol, atol: atol,
                                             equalNaN: try a.keywordBool("equal_nan", default: false)))
        },
        def("float(x)", """
            x as a number: a string is parsed as Python's float does (`"2.5"`, `" 1e3 "`, \
            `"inf"`, `"-nan"`; anything else is an error), true/false become 1/0, and a \
            one-element tensor gives its element. Other tensors are returned unchanged \
            (every lk tensor is already Float64).
            """) { a in
            let v = a.positional[0]
            if case .string(let s) = v { return .number(try a.parseFloat(s)) }
            if let x = Arguments.asTensor(v) { return x.count == 1 ? .number(x.pointer[0]) : .tensor(x) }
            throw a.error("x must be a string, a number or a tensor, got \(v.describedKind)", at: 0)
        },
        def("int(x)", """
            x truncated toward zero to an integer, as Python's int and NumPy's `astype(int)`: \
            `int(-2.7)` is −2. A string must spell an integer (`"42"`, `" -7 "`, `"1_000"`; \
            `"2.5"` is an error, as in Python: use `int(float(s))`). A one-element tensor gives \
            a number, a larger tensor is truncated elementwise. nan and ±inf are errors.
            """) { a in
            let v = a.positional[0]
            if case .string(let s) = v { return .number(try a.parseInt(s)) }
            guard let x = Arguments.asTensor(v) else {
                throw a.error("x must be a string, a number or a tensor, got \(v.describedKind)", at: 0)
            }
            let out = try Tensor.build(shape: x.shape) { p, n in
                for i in 0..<n {
                    let e = x.pointer[i]
                    guard e.isFinite else { throw a.error("cannot convert \(formatNumber(e)) to an integer", at: 0) }
                    p[i] = e.rounded(.towardZero) + 0   // + 0 turns −0 into 0
                }
            }
            return out.count == 1 ? .number(out.pointer[0]) : .tensor(out)
        },
    ]
}

/// A two-argument elementwise function with broadcasting; numbers stay numbers.
func binaryFunction(_ signature: String, _ doc: String, scalar: @escaping (Double, Double) -> Double,
                    _ tensors: @escaping (Tensor, Tensor) throws -> Tensor) -> Builtin {
    def(signature, doc) { a in
        if let x = Arguments.asTensor(a.positional[0]), let y = Arguments.asTensor(a.positional[1]), x.rank == 0, y.rank == 0 {
            return .number(scalar(x.pointer[0], y.pointer[0]))
        }
        return wrap(try tensors(try a.tensor(0, "y"), try a.tensor(1, "x")))
    }
}

extension Arguments {
    /// Python's `float(str)`: surrounding whitespace, an optional sign, decimal or
    /// exponent notation, underscores between digits, inf/infinity/nan in any case.
    func parseFloat(_ text: String) throws -> Double {
        let s = text.trimmingCharacters(in: .whitespacesAndNewlines)
        let body = s.hasPrefix("-") || s.hasPrefix("+") ? String(s.dropFirst()) : s
        let word = body.lowercased()
        if ["inf", "infinity", "nan"].contains(word) {
            let x = word == "nan" ? Double.nan : Double.infinity
            return s.hasPrefix("-") ? -x : x
        }
        let allowed = Set("0123456789.eE+-_")
        guard !body.isEmpty, body.allSatisfy(allowed.contains), Arguments.underscoresOK(body),
              let x = Double(s.replacingOccurrences(of: "_", with: "")) else {
            throw error("cannot convert \"\(text)\" to a number", at: 0)
        }
        return x
    }

    /// Python's `int(str)`: whitespace, an optional sign, decimal digits with single
    /// underscores between them.
    func parseInt(_ text: String) throws -> Double {
        let s = text.trimmingCharacters(in: .whitespacesAndNewlines)
        let body = s.hasPrefix("-") || s.hasPrefix("+") ? String(s.dropFirst()) : s
        guard !body.isEmpty, body.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "_") }), Arguments.underscoresOK(body) else {
            let hint = (try? parseFloat(text)) != nil ? " (it is not an integer; use int(float(s)) to truncate)" : ""
            throw error("cannot convert \"\(text)\" to an integer\(hint)", at: 0)
        }
        guard let x = Double(s.replacingOccurrences(of: "_", with: "")), abs(x) < 9e15 else {
            throw error("\"\(text)\" is too large for an integer (at most 9e15)", at: 0)
        }
        return x
    }

    /// Underscores only singly, between two digits (Python's rule).
    static func underscoresOK(_ s: String) -> Bool {
        let c = Array(s)
        for (i, ch) in c.enumerated() where ch == "_" {
            guard i > 0, i + 1 < c.count, c[i - 1].isNumber, c[i + 1].isNumber else { return false }
        }
        return true
    }
}
