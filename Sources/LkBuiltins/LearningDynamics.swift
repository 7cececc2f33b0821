import LkLang
import LkStudy
import LkTensor

// Learning dynamics (issue 6): infinite-width kernels and kernel gradient flow.
// The networks (mlp, train, …) are in LearningDynamics+Networks.swift, the
// representational geometry (cka, rsa, …) in LearningDynamics+Geometry.swift.

extension BuiltinTable {
    static let learningDynamics: [Builtin] = kernelBuiltins + networkBuiltins + geometryBuiltins

    static let kernelKeywords = ["depth", "act", "w_std", "b_std", "param", "width"]

    static let kernelBuiltins: [Builtin] = [
        def("ntk(X1, [X2], depth=1, act=\"relu\", w_std=1, b_std=0, param=\"ntk\", width=, nngp=false)",
            "The analytic neural tangent kernel Θ(x, x′) of an infinitely wide fully connected network with `depth` hidden layers and a scalar readout, between the rows of X1 (N₁×d) and X2 (N₂×d; omit it for X1 against itself) → N₁×N₂, in neural-tangents' `stax.Dense(W_std, b_std)` conventions. Input kernel Σ = x·x′/d and Θ = 0; each Dense layer (param=\"ntk\"): Σ ← w_std²Σ + b_std², Θ ← Σ + w_std²Θ; (param=\"standard\", fan-in n: d for the first layer, `width` after it): Θ ← n·Σ + 1 + w_std²Θ, then Σ ← w_std²Σ + b_std²; each activation: Σ ← E[φ(u)φ(v)], Θ ← Θ·E[φ′(u)φ′(v)] with (u, v) Gaussian with covariance Σ. `act`: \"relu\" (arc-cosine closed form), \"erf\" (closed form), \"sin\" (closed form), \"identity\", or any other (\"tanh\", \"gelu\", \"sigmoid\", an lk function) by a Mehler–Hermite series from a 160-node Gauss–Hermite rule, truncated where the tail of every point is below 1e-13 of E[φ²] (order ≤ 120; entry error ≤ 2√(tᵢtⱼ)|ρ|^{K+1}). The diagonal is exact: it follows the recursion on the variances with ρ = 1. `width` (param=\"standard\" only) is the hidden width, a number or one per hidden layer. `nngp=true` returns both kernels, {ntk, nngp}, from the one recursion (which computes Σ on the way): the cost of one `ntk` call, where `ntk` then `nngp` pay for the recursion twice.") { a in
            let both = try a.keywordBool("nngp", default: false)
            let (x1, x2, net) = try infiniteWidthArguments(&a)
            let k = try InfiniteWidth.kernels(x1, x2, net)
            return both ? record([("ntk", wrap(k.ntk)), ("nngp", wrap(k.nngp))]) : wrap(k.ntk)
        },
        def("nngp(X1, [X2], depth=1, act=\"relu\", w_std=1, b_std=0, param=, width=)",
            "The analytic NNGP kernel (the covariance of the outputs of the infinitely wide random network at initialisation) of the fully connected network of `ntk`, between the rows of X1 and X2 (omit X2 for X1 against itself) → N₁×N₂: Σ⁰ = x·x′/d; Dense: Σ ← w_std²Σ + b_std²; activation: Σ ← E[φ(u)φ(v)]; `depth` hidden layers then a Dense readout. Same activations, conventions and accuracy as `ntk`; the NNGP does not depend on the parametrization. It skips the NTK half of the recursion; for both kernels use `ntk(…, nngp=true)`.") { a in
            let (x1, x2, net) = try infiniteWidthArguments(&a)
            return wrap(try InfiniteWidth.nngp(x1, x2, net))
        },
        def("kernelflow(K, Ktest, y, t, lr=1, scale=\"mean\", ridge=0)",
            "The mean prediction on test points of gradient-descent training from f = 0 under a fixed kernel (the infinite-width network in the NTK regime), at time t, through one eigendecomposition K = V diag(λ) Vᵀ: f(t) = Ktest V diag((1 − e^{−lr·λ·t/m})/λ) Vᵀ y. K is the N×N train kernel, Ktest the M×N test-train kernel, y N targets (or N×k), t a number, a vector of times (steps of gradient descent with rate `lr`) or `inf` (kernel regression Ktest K⁺ y; eigenvalues below N·ε·λmax count as zero). scale=\"mean\": m = number of targets (the loss ½·mean((f − y)²), as neural-tangents' `gradient_descent_mse` and `train(loss=\"mse\")`); scale=\"sum\": m = 1 (the loss ½·Σ(f − y)²). `ridge` adds ridge·I to K. → M (or M×k) for one time, T×M (or T×M×k) for T times.") { a in
            let (flow, ktest, times, vector) = try kernelFlowArguments(&a, test: true)
            let p = try flow.predict(ktest!, times: times)
            return wrap(try shapeTimes(p, times: times, vector: vector, yIsVector: a.positional.count > 2 && (try a.tensor(2, "y")).rank == 1))
        },
        def("kernelmodes(K, y, t, lr=1, scale=\"mean\", ridge=0)",
            "The training-set side of `kernelflow`, mode by mode: → {values (eigenvalues of K, descending), vectors (columns), coeffs (Vᵀy, the targets in the eigenbasis), decay (T×N: e^{−lr·λᵢ·t/m}, the fraction of mode i not yet learned), loss (T: ½·Σ(f − y)²/m, m as in `scale`), train (T×N or T×N×k: the training predictions V diag(1 − decay) Vᵀ y)}. t is a number, a vector of times or `inf`; `lr`, `scale`, `ridge` as in `kernelflow`. Modes with large λ are learned first: the spectral bias of kernel gradient descent.") { a in
            let (flow, _, times, _) = try kernelFlowArguments(&a, test: false)
            let scale = KernelFlow.Scale(rawValue: try a.keywordString("scale", default: "mean", allowed: ["mean", "sum"]))!
            let n = flow.values.count
            let decay = try Tensor(shape: [times.count, n], data: times.flatMap { flow.decay($0) })
            var train = try flow.trainPredictions(times: times)
            let y = try a.tensor(1, "y")
            train = try train.reshaped(y.rank == 1 ? [times.count, n] : [times.count, n, y.shape[1]])
            return record([("values", .tensor(Tensor(flow.values))), ("vectors", wrap(flow.vectors)),
                           ("coeffs", wrap(y.rank == 1 ? try flow.coefficients.reshaped([n]) : flow.coefficients)),
                           ("decay", wrap(decay)), ("loss", .tensor(Tensor(flow.loss(times: times, scale: scale)))),
                           ("train", wrap(train))])
        },
    ]

    /// The activation in `act=`: a name, or an lk function (or built-in) on tensors.
    /// A built-in with a known name (act=tanh) uses the engine's own function.
    static func activationArgument(_ a: Arguments, default name: String = "relu") throws -> Activation {
        guard let v = a.keyword("act") else { return Activation.named(name)! }
        let allowed = Activation.builtinNames.map { "\"\($0)\"" }.joined(separator: ", ")
        switch v {
        case .string(let s):
            guard let act = Activation.named(s) else { throw a.keywordError("act must be one of \(allowed) or a function, got \"\(s)\"", "act") }
            return act
        case .builtin(let b):
            if let act = Activation.named(b.name) { return act }
            fallthrough
        case .function:
            guard let interp = a.interpreter else { throw a.keywordError("act: a function activation needs the interpreter", "act") }
            return Activation.custom(name: "function") { t in
                let r = try interp.call(v, [.tensor(t)])
                guard let out = Arguments.asTensor(r) else { throw TensorError("act must return a tensor, got \(r.describedKind)") }
                return out.count == 1 && t.count != 1 ? try out.broadcast(to: t.shape) : out
            }
        default:
            throw a.keywordError("act must be one of \(allowed) or a function, got \(v.describedKind)", "act")
        }
    }

    /// X1, X2 (nil for X1 against itself) and the network of `ntk` and `nngp`.
    static func infiniteWidthArguments(_ a: inout Arguments) throws -> (Tensor, Tensor?, FullyConnected) {
        let x1 = try a.matrix(0, "X1")
        var x2: Tensor? = nil
        if a.count > 1 {
            let t = try a.matrix(1, "X2")
            guard t.shape[1] == x1.shape[1] else { throw a.error("X2 has \(t.shape[1]) columns but X1 has \(x1.shape[1])", at: 1) }
            // The same tensor twice is the symmetric case (exact diagonal, half the work).
            if t.pointer != x1.pointer || t.shape != x1.shape { x2 = t }
        }
        guard x1.shape[1] > 0 else { throw a.error("X1 has no columns", at: 0) }
        let depth = try a.keywordInt("depth", default: 1, min: 0)
        // Each layer is a pass over the n1×n2 kernel: a typo like depth=1e9 would run for hours.
        guard depth <= 10_000 else { throw a.keywordError("depth must be at most 10000 hidden layers, got \(depth)", "depth") }
        let act = try activationArgument(a)
        let w = try a.keywordNumber("w_std", default: 1), b = try a.keywordNumber("b_std", default: 0)
        guard w.isFinite, w >= 0 else { throw a.keywordError("w_std must be a non-negative number, got \(formatNumber(w))", "w_std") }
        guard b.isFinite, b >= 0 else { throw a.keywordError("b_std must be a non-negative number, got \(formatNumber(b))", "b_std") }
        let param = try a.keywordString("param", default: "ntk", allowed: ["ntk", "standard"])
        var net = FullyConnected(depth: depth, activation: act, wStd: w, bStd: b, standard: param == "standard")
        if let wv = a.keyword("width") {
            guard param == "standard" else { throw a.keywordError("width is only used with param=\"standard\" (the ntk parametrization does not depend on it)", "width") }
            guard let t = Arguments.asTensor(wv), t.rank <= 1, t.count == 1 || t.count == depth,
                  t.scalars.allSatisfy({ $0 >= 1 && $0.isFinite }) else {
                throw a.keywordError("width must be a positive number or a vector of \(depth) widths (one per hidden layer)", "width")
            }
            net.hiddenWidths = t.count == 1 ? Array(repeating: t.scalars[0], count: depth) : t.scalars
        } else if param == "standard" && depth > 0 {
            throw a.keywordError("param=\"standard\" needs width= (the hidden width: the standard-parametrization NTK grows with it)", "param")
        }
        return (x1, x2, net)
    }

    static func kernelFlowArguments(_ a: inout Arguments, test: Bool) throws -> (KernelFlow, Tensor?, [Double], Bool) {
        let k = try a.matrix(0, "K")
        guard k.shape[0] == k.shape[1] else { throw a.error("K must be square (N×N train kernel), got \(shapeString(k.shape))", at: 0) }
        let n = k.shape[0]
        var ktest: Tensor? = nil
        var i = 1
        if test {
            let kt = try a.matrix(1, "Ktest")
            guard kt.shape[1] == n else { throw a.error("Ktest has \(kt.shape[1]) columns but K is \(n)×\(n) (Ktest is test × train)", at: 1) }
            ktest = kt; i = 2
        }
        let y = try a.tensor(i, "y")
        guard (y.rank == 1 || y.rank == 2), y.shape[0] == n else {
            throw a.error("y must have \(n) rows (one target per training point, as K), got shape \(shapeString(y.shape))", at: i)
        }
        let tt = try a.tensor(i + 1, "t")
        guard tt.rank <= 1, tt.count >= 1 else { throw a.error("t must be a number or a vector of times, got shape \(shapeString(tt.shape))", at: i + 1) }
        for v in tt.scalars where !(v >= 0) { throw a.error("times must be non-negative (or inf), got \(formatNumber(v))", at: i + 1) }
        let lr = try a.keywordNumber("lr", default: 1)
        guard lr.isFinite, lr > 0 else { throw a.keywordError("lr must be a positive number, got \(formatNumber(lr))", "lr") }
        let ridge = try a.keywordNumber("ridge", default: 0)
        guard ridge.isFinite, ridge >= 0 else { throw a.keywordError("ridge must be a non-negative number, got \(formatNumber(ridge))", "ridge") }
        let scale = KernelFlow.Scale(rawValue: try a.keywordString("scale", default: "mean", allowed: ["mean", "sum"]))!
        let flow = try KernelFlow(kernel: k, targets: y, lr: lr, scale: scale, ridge: ridge)
        return (flow, ktest, tt.scalars, tt.rank == 1)
    }

    /// T×M×k → M, M×k, T×M or T×M×k as the times and targets were given.
    static func shapeTimes(_ p: Tensor, times: [Double], vector: Bool, yIsVector: Bool) throws -> Tensor {
        var shape = p.shape
        if yIsVector { shape.removeLast() }
        if !vector { shape.removeFirst() }
        return try p.reshaped(shape)
    }
}
