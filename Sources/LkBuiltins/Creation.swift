import LkLang
import LkTensor

extension BuiltinTable {
    static let creation: [Builtin] = [
        def("zeros([sizes...])", "A tensor of zeros with the given sizes, given as separate arguments (`zeros(3, 4)`) or as one vector of sizes (`zeros(shape(x))`). `zeros()` is the number 0.") { a in
            wrap(try Tensor(shape: try a.sizes(from: 0)))
        },
        def("ones([sizes...])", "A tensor of ones with the given sizes, as for `zeros`.") { a in
            wrap(try Tensor(shape: try a.sizes(from: 0), repeating: 1))
        },
        def("full([sizes...], value=)", "A tensor with every element equal to `value` (required), e.g. `full(2, 3, value=7)`.", differentiation: .rule { a in
            guard let value = a.keyword("value") else { return try plain("full", a.positional) }
            let shape = try call("full", a.positional.map(\.deepUndual), keywords: [("value", .number(0))])
            return try Differentiable.broadcast(value, to: Differentiable.shape(shape))
        }) { a in
            guard a.keyword("value") != nil else { throw BuiltinError("full: missing keyword argument value=, e.g. full(2, 3, value=7)") }
            return wrap(try Tensor(shape: try a.sizes(from: 0), repeating: try a.keywordNumber("value", default: 0)))
        },
        def("eye(n, [m])", "The n×m identity matrix (ones on the main diagonal).") { a in
            let n = try a.int(0, "n", min: 0)
            let m = a.count > 1 ? try a.int(1, "m", min: 0) : n
            return wrap(try Tensor.eye(n, m))
        },
        def("arange(stop) / arange(start, stop, [step])", "Evenly spaced values in the half-open interval [start, stop), like NumPy: the length is ceil((stop − start) / step). `arange(5)` is [0 1 2 3 4]; `a..b` in a `for` header counts without building a tensor.") { a in
            if a.count == 1 { return wrap(try Tensor.arange(0, try a.number(0, "stop"), 1)) }
            let step = a.count == 3 ? try a.number(2, "step") : 1
            if step == 0 { throw a.error("step must not be zero", at: 2) }
            return wrap(try Tensor.arange(try a.number(0, "start"), try a.number(1, "stop"), step))
        },
        def("linspace(a, b, n)", "n evenly spaced values from a to b, both included (the last is exactly b).") { a in
            return wrap(try Tensor.linspace(try a.number(0, "a"), try a.number(1, "b"), try a.int(2, "n", min: 0)))
        },
        def("randn([sizes...])", "Standard normal samples N(0, 1) with the given sizes, from lk's seeded generator: the same script gives the same numbers on every run and machine. The generator is xoshiro256** seeded through splitmix64 (seed 0 at start-up; see `seed`).") { a in
            wrap(try Random.randn(try a.sizes(from: 0)))
        },
        def("rand([sizes...])", "Uniform samples in [0, 1) with the given sizes, from the seeded generator (see `randn`, `seed`).") { a in
            wrap(try Random.rand(try a.sizes(from: 0)))
        },
        def("randint(low, high, [sizes...])", "Uniform random integers in [low, high) with the given sizes, from the seeded generator.") { a in
            let lo = try a.int(0, "low"), hi = try a.int(1, "high")
            if hi <= lo { throw a.error("high (\(hi)) must be greater than low (\(lo))", at: 1) }
            return wrap(try Random.randint(lo, hi, try a.sizes(from: 2)))
        },
        def("seed(n)", "Restarts the random generator from seed n (a non-negative integer), so what follows is reproducible. The process starts as if `seed(0)` had been called.") { a in
            Random.seed(UInt64(try a.int(0, "n", min: 0)))
            return .none
        },
        def("permutation(n)", "A random ordering of 0, 1, …, n−1 (from the seeded generator), e.g. to shuffle rows: `X[permutation(len(X))]`.") { a in
            let n = try a.int(0, "n", min: 0)
            // The positions as Ints, then as Doubles, then as the tensor: three buffers of n.
            _ = try Memory.checkedCount([n, 3], what: "a permutation of \(n)")
            return .tensor(Tensor(Random.permutation(n).map(Double.init)))
        },
    ]
}
