import LkLang
import LkTensor

extension BuiltinTable {
    static let shaping: [Builtin] = [
        def("shape(x)", "The sizes of x along each axis, as a vector: `shape(randn(200, 3))` is [200 3]; a number has shape [] (empty).") { a in
            return .tensor(Tensor(try a.tensor(0, "x").shape.map(Double.init)))
        },
        def("size(x, axis=)", "The number of elements of x, or its size along `axis`.") { a in
            let t = try a.tensor(0, "x")
            guard let ax = try a.axis() else { return .number(Double(t.count)) }
            guard ax >= -t.rank && ax < t.rank else { throw a.keywordError("axis \(ax) is out of range for a tensor of rank \(t.rank)", "axis") }
            return .number(Double(t.shape[ax < 0 ? ax + t.rank : ax]))
        },
        def("len(x)", "The length of x: the size of a tensor's first axis, the number of items of a list, characters of a string, or fields of a record. A number has no length.") { a in
            switch a.positional[0].normalized {
            case .tensor(let t): return .number(Double(t.shape[0]))
            case .list(let l): return .number(Double(l.count))
            case .string(let s): return .number(Double(s.count))
            case .record(let r): return .number(Double(r.names.count))
            default: throw a.error("a \(a.positional[0].describedKind) has no length", at: 0)
            }
        },
        def("reshape(x, sizes...)", "The elements of x (row-major order) with new sizes; one size may be −1 and is then inferred. The element count must match.", differentiation: .rule { a in
            let sizes = try (1..<a.count).flatMap { i -> [Int] in
                if let t = Differentiable.tensor(a.positional[i]), t.rank == 1 { return try t.scalars.map { try Arguments.checkInt($0, "size", -1) { a.error($0, at: i) } } }
                return [try a.int(i, "size", min: -1)]
            }
            return try Differentiable.reshape(a.positional[0], sizes)
        }) { a in
            let t = try a.tensor(0, "x")
            var dims: [Int] = []
            if a.count == 2, let v = Arguments.asTensor(a.positional[1]), v.rank == 1 {
                dims = try v.scalars.map { x in
                    guard x == x.rounded(), abs(x) < 9e15 else { throw a.error("sizes must be integers, got \(formatNumber(x))", at: 1) }
                    return Int(x)  // checked: integral, below 9e15
                }
            } else {
                for i in 1..<a.count {
                    let x = try a.number(i, "size")
                    guard x == x.rounded(), abs(x) < 9e15 else { throw a.error("size must be an integer, got \(formatNumber(x))", at: i) }
                    dims.append(Int(x))  // checked: integral, below 9e15
                }
            }
            return wrap(try t.reshaped(dims))
        },
        def("concat(tensors..., axis=0)", "Joins tensors along an existing axis; all other sizes must match. Vectors join end to end.", differentiation: .rule { a in try Differentiable.concat(a.positional, axis: try a.keywordInt("axis", default: 0)) }) { a in
            let ts = try (0..<a.count).map { try a.tensor($0, "argument \($0 + 1)") }
            return wrap(try Tensor.concat(ts, axis: try a.axis() ?? 0))
        },
        def("stack(tensors..., axis=0)", "Joins tensors of one shape along a new axis: stacking n vectors of length d gives an n×d matrix.", differentiation: .rule { a in try Differentiable.stack(a.positional, axis: try a.keywordInt("axis", default: 0)) }) { a in
            if a.count == 1, case .list(let l) = a.positional[0] {
                let ts = try l.enumerated().map { i, v in
                    guard let t = Arguments.asTensor(v) else { throw a.error("item \(i) of the list is not a tensor", at: 0) }
                    return t
                }
                return wrap(try Tensor.stack(ts, axis: try a.axis() ?? 0))
            }
            let ts = try (0..<a.count).map { try a.tensor($0, "argument \($0 + 1)") }
            return wrap(try Tensor.stack(ts, axis: try a.axis() ?? 0))
        },
        def("transpose(x, axes=)", "x with its axes reversed (the same as `x.T`), or permuted as `axes` says.", differentiation: .rule { a in
            let axes = try a.keywordTensor("axes").map { try $0.scalars.map { try Arguments.checkInt($0, "axes", nil) { a.keywordError($0, "axes") } } }
            return try Differentiable.transpose(a.positional[0], axes: axes)
        }) { a in
            let t = try a.tensor(0, "x")
            guard let ax = a.keyword("axes"), let v = Arguments.asTensor(ax) else { return wrap(t.transposed()) }
            let axes = try v.scalars.map { try Arguments.checkInt($0, "axes", nil) { a.keywordError($0, "axes") } }
            return wrap(try t.transposed(axes: axes))
        },
        def("flatten(x)", "The elements of x as a vector, in row-major order.", differentiation: .rule { a in try Differentiable.reshape(a.positional[0], [-1]) }) { a in
            return wrap(try a.tensor(0, "x").flattened())
        },
        def("squeeze(x)", "x without its axes of size 1.", differentiation: .rule { a in
            try Differentiable.reshape(a.positional[0], Differentiable.shape(a.positional[0]).filter { $0 != 1 })
        }) { a in
            return wrap(try a.tensor(0, "x").squeezed())
        },
        def("where(cond, a, b)", "Elementwise choice: a where cond is non-zero, b elsewhere; the three broadcast together (NumPy's `where`).", differentiation: .rule { a in
            guard let c = Differentiable.tensor(a.positional[0]) else { throw a.error("cond must be a tensor", at: 0) }
            let cb = try Tensor.binary(.ne, c, 0)
            return try Differentiable.lift([a.positional[1], a.positional[2]], { p in
                try plain("where", [Value.from(cb), p[0], p[1]])
            }) { p, _, g, needs in
                let keepA = Value.from(cb), keepB = Value.from(try Tensor.binary(.sub, 1, cb))
                func back(_ k: Value, _ v: Value) throws -> Value {
                    let s = Differentiable.shape(v)
                    var d = try Differentiable.mul(g, k)
                    // Summed back to the operand's shape (the broadcasting rule).
                    while Differentiable.shape(d).count > s.count { d = try Differentiable.reduce(.sum, d, axis: 0, keepdims: false) }
                    for (i, n) in s.enumerated() where n == 1 && Differentiable.shape(d)[i] != 1 {
                        d = try Differentiable.reduce(.sum, d, axis: i, keepdims: true)
                    }
                    return d
                }
                return [needs[0] ? try back(keepA, p[0]) : nil, needs[1] ? try back(keepB, p[1]) : nil]
            }
        }) { a in
            let c = try a.tensor(0, "cond"), x = try a.tensor(1, "a"), y = try a.tensor(2, "b")
            // where = b + (a − b)·[c ≠ 0], done with exact selects rather than arithmetic so inf/nan in the unchosen branch do not leak.
            guard let s1 = Tensor.broadcastShape(c.shape, x.shape), let shape = Tensor.broadcastShape(s1, y.shape) else {
                throw BuiltinError("where: shapes \(shapeString(c.shape)), \(shapeString(x.shape)) and \(shapeString(y.shape)) do not broadcast together")
            }
            let cb = try c.broadcast(to: shape), xb = try x.broadcast(to: shape), yb = try y.broadcast(to: shape)
            return wrap(try Tensor.build(shape: shape) { p, n in
                for i in 0..<n { p[i] = cb.pointer[i] != 0 ? xb.pointer[i] : yb.pointer[i] }
            })
        },
        def("nonzero(x)", "The positions (0-based, row-major flat positions) of the non-zero elements of x, as a vector; with a 0/1 mask from a comparison this selects: `v[nonzero(v > 0)]`.") { a in
            let t = try a.tensor(0, "x")
            var idx: [Double] = []
            for i in 0..<t.count where t.pointer[i] != 0 { idx.append(Double(i)) }
            return .tensor(Tensor(idx))
        },
    ]
}
