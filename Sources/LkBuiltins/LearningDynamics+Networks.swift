import LkLang
import LkStudy
import LkTensor

// Networks as values: an `mlp` is an lk record that users can inspect (and edit:
// the multipliers and learning-rate scales are read back), converted to and
// from the engine's `MLP` here.

extension BuiltinTable {
    static let networkBuiltins: [Builtin] = [
        def("mlp(widths, act=\"relu\", param=\"ntk\", seed=, w_std=1, b_std=0)",
            "A fully connected network with layer widths `widths` = [d, n₁, …, n_L, k] (input, hidden, output) in an abc-parametrization (Yang & Hu, Tensor Programs IV): each layer computes z = m·(x @ W) + m_b·b, then `act` on hidden layers, with the trained W ~ N(0, init²) and per-tensor learning-rate scales. param=\"ntk\": m = w_std/√fan_in, W ~ N(0, 1), m_b = b_std, b ~ N(0, 1) (neural-tangents' ntk Dense); \"sp\": m = 1, W ~ N(0, w_std²/fan_in), b ~ N(0, b_std²); \"mup\": input m = w_std√n/√d, hidden m = w_std, output m = w_std/√n, all W ~ N(0, 1/n), hidden biases m_b = b_std√n, b ~ N(0, 1/n), learning rates unscaled; \"mf\": µP shifted along the abc symmetry by θ = ½ (m·n^{−½}, init·n^{½}, learning rate·n), which trains identically. → a record {widths, act, param, w_std, b_std, seed, W (list of fan_in×fan_out), b (list), Wmult, bmult, Wlr, blr}. `seed` fixes the weights (the global generator draws one otherwise); act as in `ntk` (a name or an lk function).") { a in
            let wt = try a.tensor(0, "widths")
            guard wt.rank == 1, wt.count >= 2 else { throw a.error("widths must be a vector [d, n₁, …, k] of at least 2 sizes, got \(wt.rank == 0 ? "a number" : "shape \(shapeString(wt.shape))")", at: 0) }
            let widths = try wt.scalars.map { try Arguments.checkWidth($0) { a.error($0, at: 0) } }
            let act = try activationArgument(a)
            let param = Parametrization(rawValue: try a.keywordString("param", default: "ntk", allowed: Parametrization.allCases.map(\.rawValue)))!
            let w = try a.keywordNumber("w_std", default: 1), b = try a.keywordNumber("b_std", default: 0)
            guard w.isFinite, w > 0 else { throw a.keywordError("w_std must be a positive number, got \(formatNumber(w))", "w_std") }
            guard b.isFinite, b >= 0 else { throw a.keywordError("b_std must be a non-negative number, got \(formatNumber(b))", "b_std") }
            let seed = try a.seed()
            var rng = RNG(seed: seed)
            let net = try MLP(widths: widths, activation: act, parametrization: param, wStd: w, bStd: b, rng: &rng)
            return netRecord(net, act: a.keyword("act") ?? .string("relu"), seed: .number(Double(seed)))
        },
        def("forward(net, X)", "The output of network `net` (from `mlp`) on the rows of X (N×d) → N×k.") { a in
            let (net, _) = try networkArgument(a, 0)
            return wrap(try net.forward(try inputArgument(a, 1, "X", net)))
        },
        def("hidden(net, X, layer, pre=false)",
            "The representation of the rows of X at `layer` of `net`: 0 is the input, 1 … L the hidden layers (after the activation, or before it with pre=true), L+1 the output → N×n.") { a in
            let (net, _) = try networkArgument(a, 0)
            let x = try inputArgument(a, 1, "X", net)
            let layer = try a.int(2, "layer", min: 0)
            guard layer <= net.layers else { throw a.error("layer must be 0 … \(net.layers) (0 the input, \(net.layers) the output), got \(layer)", at: 2) }
            return wrap(try net.hidden(x, layer: layer, pre: try a.keywordBool("pre", default: false)))
        },
        def("entk(net, X1, [X2]) / entk(f, params, X1, [X2])", "The empirical neural tangent kernel of `net` between the rows of X1 and X2 (omit X2 for X1 against itself) → N₁×N₂: Θ(x, x′) = Σ_p r_p ∂f(x)/∂θ_p · ∂f(x′)/∂θ_p over every trained parameter, r_p its learning-rate scale (1 except in param=\"mf\"), so that gradient flow at rate η changes f by −η·Θ·∂L/∂f; the mean over outputs for k > 1. Computed layer by layer from backprop, (x x′ᵀ)∘(g g′ᵀ), without forming the Jacobian. For a param=\"ntk\" net it tends to `ntk(X1, X2, depth=L, act=, w_std=, b_std=)` as the width grows, with fluctuations O(n^{−½}). **A model written in lk**, `entk(f, params, X1, [X2])` with f(params, X) giving one output (an N-vector) or k outputs (N×k) per row of X: Θ(x, x′) = Σₚ ∂f(x)/∂p·∂f(x′)/∂p over every number and tensor in params (any structure), N₁×N₂ for one output and N₁×N₂×k×k for k (neural-tangents' trace_axes=()). Where each parameter enters through a matrix product with the rows (`h @ W`) or a broadcast elementwise operation (`+ b`, `* s`), one backward pass per output gives every per-example gradient in factored form and Θ is a sum of Gram-matrix products, Σ (H₁H₂ᵀ)∘(G₁G₂ᵀ), without forming the Jacobian (neural-tangents' structured derivatives); otherwise (a parameter transposed, reshaped or indexed first) each example gets its own backward pass and Θ = J₁J₂ᵀ.") { a in
            if Arguments.isCallable(a.positional[0]) { return try modelNTK(a) }
            guard a.count <= 3 else { throw a.error("entk(net, X1, X2) takes at most 3 arguments (a model written in lk: entk(f, params, X1, X2))", at: 0) }
            let (net, _) = try networkArgument(a, 0)
            let x1 = try inputArgument(a, 1, "X1", net)
            var x2 = a.count > 2 ? try inputArgument(a, 2, "X2", net) : nil
            // X1 again (the same tensor or equal numbers): the symmetric kernel, half the work.
            if let t = x2, Tensor.identical(t, x1) { x2 = nil }
            return wrap(try EmpiricalNTK.kernel(net, x1, x2))
        },
        def("train(net, X, Y, steps=100, lr=0.1, loss=\"mse\", opt=\"sgd\", momentum=0, weight_decay=0, batch=0, every=0, keep=\"loss\", probe=X, seed=0, live=false) → {net, loss, record, diverged} / train(f, params, X, Y, steps=100, lr=0.1, loss=\"mse\", opt=\"sgd\", momentum=0, weight_decay=0, batch=0, every=0, keep=\"loss\", seed=0, live=false) → {params, loss, record, diverged, opt}",
            "Trains a network. **A model written in lk**, `train(f, params, X, Y)`: f(params, X) gives the predictions for the rows of X, params is a number, tensor, or records and lists of them (any structure), and each step differentiates the loss on a batch with the tape (see :help grad) and updates every tensor in params; `loss` is \"mse\", \"xent\" (as below) or an lk function loss(pred, Y) returning a number; → {params (trained, same structure), loss (the batch loss before each step), record {steps, loss (on all of X), params (snapshots, with keep=\"params\")}, diverged, opt (the optimizer with its state, to continue)}. **A built-in network** `train(net, X, Y)`: hand-written backprop on BLAS. Both: opt=\"sgd\" is w ← w − lr·r·(∂L/∂w + weight_decay·w) with heavy-ball `momentum` (PyTorch's SGD), \"adam\"/\"adamw\" Adam (L2 or decoupled decay), or a record from `optimizer(…)` for beta1, beta2, eps, nesterov; r is the net's learning-rate scale for SGD, and for Adam in µP (param=\"mup\" or \"mf\") Tensor Programs V's Adam scaling (input weights and biases η, hidden and output weights η/fan_in in effective terms), 1 otherwise. loss=\"mse\": L = ½·Σ(f − Y)²/(N·k) (Y N×k, or a vector when k = 1; at rate lr this is `kernelflow(…, lr=lr, scale=\"mean\")` in the kernel regime); \"xent\": softmax cross-entropy −(1/N)Σ y·log softmax(f) (Y one-hot N×k, or 0-based class indices). batch=0 is full-batch; otherwise mini-batches of that size through a fresh permutation each epoch (from `seed`). every=s takes snapshots at steps 0, s, 2s, … and the end, keeping the full-data loss and what `keep` lists: \"hidden\" (every hidden layer on the probe points), \"ntk\" (their empirical NTK), \"output\". → {net (the trained network), loss (the batch loss before each step), record {steps, loss, hidden (list per layer, T×P×n), ntk (T×P×P), output (T×P×k)}, diverged}. A loss that is not finite stops training (diverged = true; the remaining losses repeat it), so a learning-rate sweep runs on. Ctrl-C stops it between steps. `live=true` draws the batch loss curve while it trains, redrawn in place (the same window, or the text plot over itself on a terminal; `live=\"loss.png\"` keeps rewriting that file). Ctrl-C stops it within a step and returns what it has so far — the net or params after the last completed step, the losses and snapshots — marked interrupted: true (`res = train(…)` keeps it at the REPL; a script still stops). Shows a progress line (steps, loss) on a terminal.") { a in
            if Arguments.isCallable(a.positional[0]) { return try trainModel(a) }
            guard a.count == 3 else { throw a.error("train(net, X, Y) takes 3 arguments (a model written in lk: train(f, params, X, Y))", at: 0) }
            var (net, actValue) = try networkArgument(a, 0)
            // Data with NaN would only show up as a diverged run; say what is wrong instead.
            let x = try a.finite(try inputArgument(a, 1, "X", net), 1, "X")
            var t = Training()
            t.loss = Loss(rawValue: try a.keywordString("loss", default: "mse", allowed: ["mse", "xent"]))!
            let y = try a.finite(try targetArgument(a, 2, rows: x.shape[0], outputs: net.widths.last!, loss: t.loss), 2, "Y")
            t.steps = try a.keywordInt("steps", default: 100, min: 0)
            t.lr = try a.keywordNumber("lr", default: 0.1)
            guard t.lr.isFinite, t.lr > 0 else { throw a.keywordError("lr must be a positive number, got \(formatNumber(t.lr))", "lr") }
            if a.keyword("opt") != nil || a.keyword("momentum") != nil || a.keyword("weight_decay") != nil {
                t.optimizer = try a.optimizerArgument(defaultLR: t.lr)
                t.lr = t.optimizer!.lr
            }
            t.batch = try a.keywordInt("batch", default: 0, min: 0)
            t.every = try a.keywordInt("every", default: 0, min: 0)
            t.seed = try a.seed()
            let keep = try keepArgument(a)
            t.keepHidden = keep.contains("hidden"); t.keepNTK = keep.contains("ntk"); t.keepOutput = keep.contains("output")
            if let p = a.keyword("probe") {
                guard let pt = Arguments.asTensor(p), pt.rank == 2, pt.shape[1] == net.widths[0] else {
                    throw a.keywordError("probe must be a matrix with \(net.widths[0]) columns (the network's input size)", "probe")
                }
                t.probe = pt
            }
            let seedValue = (try? networkSeed(a)) ?? .none
            let live = try FigureOutput.liveFigure(a, title: "train: batch loss", ylabel: "loss", logy: true)
            if let live { t.onStep = { s, l in live.append(Double(s), l) } }
            let (losses, rec, diverged, interrupted) = try t.run(&net, x: x, y: y)
            try FigureOutput.finish(live, a)
            var fields: [(String, Value)] = [("steps", .tensor(Tensor(rec.steps.map(Double.init)))), ("loss", .tensor(Tensor(rec.loss)))]
            if t.keepHidden { fields.append(("hidden", .list(rec.hidden.map { .tensor($0) }))) }
            if t.keepNTK { fields.append(("ntk", rec.ntk.isEmpty ? .none : .tensor(try Tensor.stack(rec.ntk)))) }
            if t.keepOutput { fields.append(("output", rec.output.isEmpty ? .none : .tensor(try Tensor.stack(rec.output)))) }
            return PartialResult.record([("net", netRecord(net, act: actValue, seed: seedValue)), ("loss", .tensor(Tensor(losses))), ("record", record(fields)), ("diverged", .bool(diverged))],
                                        interrupted: interrupted)
        },
        def("abc(param, [depth], c=)",
            "The abc-parametrization `param` (\"sp\", \"ntk\", \"mf\", \"mup\", or a record {a, b, c} of exponents, a and b with depth+1 entries) of an MLP with `depth` hidden layers, classified by Tensor Programs IV (Yang & Hu 2021, Def. 3.2, Thm. 3.3): W^l = n^{−a_l}w^l, w^l ~ N(0, n^{−2b_l}), learning rate η·n^{−c}; r = min(a_{L+1} + b_{L+1}, 2a_{L+1} + c) + c − 1 + min_{l≤L}(2a_l + 𝟙[l=1]) (features move as n^{−r}); stable iff a₁ + b₁ = 0, a_l + b_l = ½ (1 < l ≤ L), a_{L+1} + b_{L+1} ≥ ½ and r ≥ 0; nontrivial iff a_{L+1} + b_{L+1} + r = 1 or 2a_{L+1} + c = 1; then feature learning iff r = 0, kernel regime iff r > 0. `c=` overrides the table's c (SP with c=1 is the kernel regime). → {a, b, c, r, stable, nontrivial, regime}.") { a in
            try a.expect(1...2)
            var ea: [Double], eb: [Double], c: Double
            if case .record(let r) = a.positional[0] {
                guard let av = r["a"].flatMap(Arguments.asTensor), let bv = r["b"].flatMap(Arguments.asTensor), av.rank == 1, av.count >= 2, bv.shape == av.shape else {
                    throw a.error("a record of exponents needs a and b, vectors of the same length L+1 ≥ 2", at: 0)
                }
                ea = av.scalars; eb = bv.scalars; c = r["c"].flatMap(Arguments.asTensor)?.scalarValue ?? 0
            } else {
                let name = try a.string(0, "param")
                guard let p = Parametrization(rawValue: name) else { throw a.error("param must be \"sp\", \"ntk\", \"mf\", \"mup\" or a record {a, b, c}, got \"\(name)\"", at: 0) }
                guard a.count == 2 else { throw a.error("abc(\"\(name)\", depth) needs the number of hidden layers", at: 0) }
                (ea, eb, c) = p.exponents(depth: try a.int(1, "depth", min: 1))
            }
            if a.keyword("c") != nil { c = try a.keywordNumber("c", default: c) }
            let reg = ABCRegime(a: ea, b: eb, c: c)
            return record([("a", .tensor(Tensor(ea))), ("b", .tensor(Tensor(eb))), ("c", .number(c)), ("r", .number(reg.r)),
                           ("stable", .bool(reg.stable)), ("nontrivial", .bool(reg.nontrivial)), ("regime", .string(reg.regime))])
        },
        def("coordcheck(widths, param=\"mup\", steps=3, depth=2, act=\"relu\", lr=0.1, dim=16, samples=64, seed=0, repeats=4, w_std=1, b_std=0)",
            "The coordinate check of Tensor Programs IV/V: for each hidden width n in `widths`, an mlp([dim, n × depth, 1]) trained on the same N(0, 1) data (samples×dim inputs, scalar targets, from `seed`) for `steps` full-batch gradient-descent steps on the squared loss at rate `lr`, averaged over `repeats` initialisations. → {widths, size (W×(L+1): RMS of each hidden layer's activations and of the output at initialisation), change (steps×W×(L+1): RMS of x_t − x_0 after each step), slopes (L+1: the log–log slope of the last change against width)}. µP: slopes ≈ 0 at every layer; ntk: ≈ −½ in the hidden layers; sp at fixed lr: > 0 (unstable).") { a in
            let wt = try a.tensor(0, "widths")
            guard wt.rank == 1, wt.count >= 2 else { throw a.error("widths must be a vector of at least 2 widths", at: 0) }
            let widths = try wt.scalars.map { try Arguments.checkWidth($0) { a.error($0, at: 0) } }
            let param = Parametrization(rawValue: try a.keywordString("param", default: "mup", allowed: Parametrization.allCases.map(\.rawValue)))!
            let lr = try a.keywordNumber("lr", default: 0.1)
            guard lr.isFinite, lr > 0 else { throw a.keywordError("lr must be a positive number, got \(formatNumber(lr))", "lr") }
            let r = try CoordinateCheck.run(widths: widths, parametrization: param, activation: try activationArgument(a),
                                            depth: try a.keywordInt("depth", default: 2, min: 1), steps: try a.keywordInt("steps", default: 3, min: 1),
                                            lr: lr, inputDim: try a.keywordInt("dim", default: 16, min: 1),
                                            samples: try a.keywordInt("samples", default: 64, min: 1), seed: try a.seed(),
                                            repeats: try a.keywordInt("repeats", default: 4, min: 1),
                                            wStd: try a.keywordNumber("w_std", default: 1), bStd: try a.keywordNumber("b_std", default: 0))
            return record([("widths", .tensor(Tensor(widths.map(Double.init)))), ("size", wrap(r.size)), ("change", wrap(r.change)), ("slopes", .tensor(Tensor(r.slopes)))])
        },
    ]
}
