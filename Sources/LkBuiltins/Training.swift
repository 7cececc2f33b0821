import LkLang
import LkStudy
import LkTensor

// Training models written in lk — `train(f, params, X, Y, …)` — and the
// optimizers, shared with the built-in networks' `train` and exposed for
// hand-written loops (`optimizer`, `optstep`).

/// The numbers and tensors inside a value (a number, tensor, or records and lists
/// of them, nested), in order — and the value rebuilt from new ones.
enum Leaves {
    static func tensors(_ v: Value, _ what: String) throws -> [Tensor] {
        switch v.normalized {
        case .number(let x): return [Tensor(scalar: x)]
        case .tensor(let t): return [t]
        case .list(let l): return try l.flatMap { try tensors($0, what) }
        case .record(let r): return try r.values.flatMap { try tensors($0, what) }
        default: throw BuiltinError("\(what) must hold numbers and tensors (in records and lists), got \(v.describedKind)")
        }
    }

    static func rebuild(_ like: Value, _ ts: [Tensor], _ i: inout Int) -> Value {
        switch like.normalized {
        case .number: i += 1; return .number(ts[i - 1].scalars[0])
        case .tensor: i += 1; return .tensor(ts[i - 1])
        case .list(let l): return .list(l.map { rebuild($0, ts, &i) })
        case .record(let r): return .record(Record(r.fields.map { ($0.0, rebuild($0.1, ts, &i)) }))
        default: return like
        }
    }

    static func rebuild(_ like: Value, _ ts: [Tensor]) -> Value { var i = 0; return rebuild(like, ts, &i) }
}

extension Arguments {
    /// `opt=` ("sgd", "adam", "adamw" or an `optimizer` record) with `lr=`, `momentum=`, `weight_decay=`.
    func optimizerArgument(defaultLR: Double) throws -> Optimizer {
        var o: Optimizer
        switch keyword("opt") {
        case .record(let r)?: o = try BuiltinTable.optimizer(from: r) { keywordError($0, "opt") }
        case nil: o = Optimizer(kind: .sgd, lr: defaultLR)
        default:
            let name = try keywordString("opt", default: "sgd", allowed: Optimizer.Kind.allCases.map(\.rawValue))
            o = Optimizer(kind: Optimizer.Kind(rawValue: name)!, lr: defaultLR)
        }
        if keyword("lr") != nil { o.lr = try keywordNumber("lr", default: defaultLR) }
        if keyword("momentum") != nil { o.momentum = try keywordNumber("momentum", default: 0) }
        if keyword("weight_decay") != nil { o.weightDecay = try keywordNumber("weight_decay", default: 0) }
        if let (k, m) = o.validate() { throw keywordError(m + ", got \(formatNumber(k == "lr" ? o.lr : k == "momentum" ? o.momentum : k == "weight_decay" ? o.weightDecay : .nan))", k == "lr" || k == "momentum" || k == "weight_decay" ? k : "opt") }
        if o.momentum > 0 && o.kind != .sgd { throw keywordError("momentum is for opt=\"sgd\" (Adam's is beta1, in optimizer(…))", "momentum") }
        return o
    }
}

extension BuiltinTable {
    static func optimizer(from r: Record, _ fail: (String) -> BuiltinError) throws -> Optimizer {
        guard case .string(let k)? = r["kind"], let kind = Optimizer.Kind(rawValue: k) else { throw fail("not an optimizer record (make one with optimizer(…))") }
        func number(_ name: String) throws -> Double {
            guard case .number(let x)? = r[name]?.normalized else { throw fail("optimizer record: \(name) must be a number") }
            return x
        }
        var o = Optimizer(kind: kind, lr: try number("lr"))
        o.momentum = try number("momentum"); o.weightDecay = try number("weight_decay")
        o.beta1 = try number("beta1"); o.beta2 = try number("beta2"); o.eps = try number("eps")
        if case .bool(let b)? = r["nesterov"] { o.nesterov = b }
        o.t = try Arguments.checkInt(try number("t"), "optimizer record: t", 0, fail)
        if case .list(let l)? = r["first"] { o.first = l.compactMap(Arguments.asTensor) }
        if case .list(let l)? = r["second"] { o.second = l.compactMap(Arguments.asTensor) }
        if let (_, m) = o.validate() { throw fail("optimizer record: " + m) }
        return o
    }

    static func optimizerRecord(_ o: Optimizer) -> Value {
        record([("kind", .string(o.kind.rawValue)), ("lr", .number(o.lr)), ("momentum", .number(o.momentum)),
                ("nesterov", .bool(o.nesterov)), ("weight_decay", .number(o.weightDecay)), ("beta1", .number(o.beta1)),
                ("beta2", .number(o.beta2)), ("eps", .number(o.eps)), ("t", .number(Double(o.t))),
                ("first", .list(o.first.map { .tensor($0) })), ("second", .list(o.second.map { .tensor($0) }))])
    }

    static let training: [Builtin] = [
        def("optimizer(kind=\"sgd\", lr=0.01, momentum=0, nesterov=false, weight_decay=0, beta1=0.9, beta2=0.999, eps=1e-8) → optimizer record",
            """
            An optimizer for a training loop written in lk, with PyTorch's update rules: \
            "sgd" (g = ∇ + λw; v ← μv + g; w ← w − η·v; `nesterov` steps along g + μv), \
            "adam" (g = ∇ + λw; m ← β₁m + (1−β₁)g; v ← β₂v + (1−β₂)g²; w ← w − η·m̂/(√v̂ + ε) \
            with bias-corrected m̂, v̂) or "adamw" (Adam with decoupled decay w ← w − ηλw). \
            → a record holding the hyper-parameters and the state (t, first, second); pass it \
            to `optstep` and keep the one it returns, or to `train(…, opt=)`.
            """) { a in
            var o = Optimizer(kind: Optimizer.Kind(rawValue: try a.keywordString("kind", default: "sgd", allowed: Optimizer.Kind.allCases.map(\.rawValue)))!,
                              lr: try a.keywordNumber("lr", default: 0.01))
            o.momentum = try a.keywordNumber("momentum", default: 0); o.nesterov = try a.keywordBool("nesterov", default: false)
            o.weightDecay = try a.keywordNumber("weight_decay", default: 0)
            o.beta1 = try a.keywordNumber("beta1", default: 0.9); o.beta2 = try a.keywordNumber("beta2", default: 0.999)
            o.eps = try a.keywordNumber("eps", default: 1e-8)
            if let (k, m) = o.validate() { throw a.keywordError(m, k) }
            return optimizerRecord(o)
        },
        def("optstep(opt, params, grads) → {params, opt}",
            """
            One optimizer step: params (a number, tensor, or records and lists of them) \
            moved by grads (the same structure, e.g. from `grad`/`valuegrad`) under `opt` \
            (from `optimizer`). → {params (new, same structure), opt (with its state \
            advanced: use it for the next step)}. `o = optimizer(kind="adam", lr=1e-3); \
            for s in 0..100 { r = valuegrad(L)(p); u = optstep(o, p, r.grad); p = u.params; o = u.opt }`.
            """) { a in
            guard case .record(let r) = a.positional[0] else { throw a.error("opt must be an optimizer record (from optimizer(…)), got \(a.positional[0].describedKind)", at: 0) }
            var o = try optimizer(from: r) { a.error($0, at: 0) }
            var ps = try Leaves.tensors(a.positional[1], "params")
            let gs = try Leaves.tensors(a.positional[2], "grads")
            guard gs.count == ps.count, zip(ps, gs).allSatisfy({ $0.shape == $1.shape }) else {
                throw a.error("grads must have the structure and shapes of params (\(ps.count) tensors: \(ps.map { shapeString($0.shape) }.joined(separator: ", ")))", at: 2)
            }
            guard o.first.isEmpty || (o.first.count == ps.count && zip(o.first, ps).allSatisfy { $0.shape == $1.shape }) else {
                throw a.error("this optimizer's state belongs to parameters of other shapes (make a new optimizer)", at: 0)
            }
            try o.step(&ps, gs, scales: Array(repeating: 1, count: ps.count))
            return record([("params", Leaves.rebuild(a.positional[1], ps)), ("opt", optimizerRecord(o))])
        },
    ]

    /// Runs a built-in's body so that every error it raises names the built-in.
    static func named<T>(_ a: Arguments, _ body: () throws -> T) throws -> T {
        do { return try body() } catch let e as BuiltinError where !e.message.hasPrefix(a.callee + ":") {
            throw BuiltinError("\(a.callee): \(e.message)", at: e.at)
        }
    }

    /// `train(f, params, X, Y, …)`: a model written in lk, differentiated by the tape.
    static func trainModel(_ a: Arguments) throws -> Value { try named(a) { try trainModelBody(a) } }

    static func trainModelBody(_ a: Arguments) throws -> Value {
        let f = try a.callable(0, "f")
        guard a.count == 4 else { throw a.error("train(f, params, X, Y) takes 4 arguments for a model written in lk, got \(a.count)", at: 0) }
        let interp = a.interpreter!
        var params = a.positional[1]
        var tensors = try Leaves.tensors(params, "params")
        guard !tensors.isEmpty else { throw a.error("params holds no numbers or tensors to train", at: 1) }
        guard let x = Arguments.asTensor(a.positional[2]), x.rank >= 1 else { throw a.error("X must be a tensor with one example per row", at: 2) }
        guard let y = Arguments.asTensor(a.positional[3]), y.rank >= 1 else { throw a.error("Y must be a tensor with one target per row", at: 3) }
        _ = try a.finite(x, 2, "X"); _ = try a.finite(y, 3, "Y")
        let n = x.shape[0]
        guard y.shape[0] == n else { throw a.error("Y has \(y.shape[0]) rows but X has \(n)", at: 3) }
        let steps = try a.keywordInt("steps", default: 100, min: 0)
        // One loss a step, as an array and then as the result's tensor.
        do { _ = try Memory.checkedCount([steps, 2], what: "the losses of \(steps) steps") } catch let e as TensorError { throw a.keywordError(e.message, "steps") }
        var opt = try a.optimizerArgument(defaultLR: 0.1)
        let batch = try a.keywordInt("batch", default: 0, min: 0)
        let every = try a.keywordInt("every", default: 0, min: 0)
        let keep = try keepArgument(a, allowed: ["loss", "params"])
        var rng = RNG(seed: try a.seed())
        let lossValue = a.keyword("loss") ?? .string("mse")
        let lossFn: (Value, Value) throws -> Value
        switch lossValue {
        case .string(let s):
            guard let kind = Loss(rawValue: s) else { throw a.keywordError("loss must be \"mse\", \"xent\" or a function loss(pred, Y), got \"\(s)\"", "loss") }
            lossFn = { pred, t in try standardLoss(kind, pred, t) }
        case _ where Arguments.isCallable(lossValue):
            lossFn = { pred, t in try interp.call(lossValue, [pred, t]) }
        default: throw a.keywordError("loss must be \"mse\", \"xent\" or a function loss(pred, Y), got \(lossValue.describedKind)", "loss")
        }
        func objective(_ bx: Value, _ by: Value) -> Value {
            .builtin(Builtin(signature: "loss(params)", doc: "", differentiation: .passthrough) { b in
                try lossFn(try interp.call(f, [b.positional[0], bx]), by)
            })
        }
        func number(_ v: Value, _ what: String) throws -> Double {
            guard case .number(let l) = v.undual.normalized else { throw a.error("the loss must be a number, got \(v.describedKind) (\(what))", at: 0) }
            return l
        }
        let full = objective(.tensor(x), .tensor(y))
        var order = Array(0..<n), cursor = n
        let size = batch <= 0 || batch >= n ? n : batch
        var losses: [Double] = [], recSteps: [Double] = [], recLoss: [Double] = [], recParams: [Value] = []
        func snapshot(_ s: Int) throws {
            recSteps.append(Double(s)); recLoss.append(try number(try interp.call(full, [params]), "on all of X"))
            if keep.contains("params") { recParams.append(params) }
        }
        var diverged = false
        let live = try FigureOutput.liveFigure(a, title: "train: batch loss", ylabel: "loss", logy: true)
        let progress = ProgressReporter("train", total: steps, figure: "loss")
        defer { progress.finish() }
        var interrupted = false
        for s in 0..<steps {
          do {
            try Interrupt.check()
            if every > 0 && s % every == 0 { try snapshot(s) }
            var obj = full
            if size < n {
                if cursor + size > n {
                    for i in stride(from: n - 1, to: 0, by: -1) { order.swapAt(i, rng.int(below: i + 1)) }
                    cursor = 0
                }
                let rows = Tensor(order[cursor..<(cursor + size)].map(Double.init))
                cursor += size
                obj = objective(.tensor(try x.get(subscript: [.array(rows)])), .tensor(try y.get(subscript: [.array(rows)])))
            }
            let (v, g) = try Autodiff.valueAndGradient(interp, obj, [params], keywords: [], argnums: [0], callee: "train")
            let l = try number(v, "on a batch")
            guard l.isFinite else {
                losses += Array(repeating: l.isNaN ? .nan : .infinity, count: steps - s)
                if every > 0 { recSteps.append(Double(s)); recLoss.append(.nan) }
                diverged = true
                break
            }
            losses.append(l)
            live?.append(Double(s), l)
            var updated = tensors
            try opt.step(&updated, try Leaves.tensors(g[0], "the gradient"), scales: Array(repeating: 1, count: tensors.count))
            // A step is all or nothing: Ctrl-C before this point keeps the previous parameters.
            tensors = updated
            params = Leaves.rebuild(params, tensors)
            progress.update(s + 1, figure: l)
          } catch where Interrupt.isInterruption(error) {
            // Ctrl-C (in the engine or in the model's lk code): keep what the completed steps made.
            interrupted = true
            break
          }
        }
        if every > 0 && !diverged && !interrupted { try snapshot(steps) }
        try FigureOutput.finish(live, a)
        var rec: [(String, Value)] = [("steps", .tensor(Tensor(recSteps))), ("loss", .tensor(Tensor(recLoss)))]
        if keep.contains("params") { rec.append(("params", .list(recParams))) }
        return PartialResult.record([("params", params), ("loss", .tensor(Tensor(losses))), ("record", record(rec)), ("diverged", .bool(diverged)),
                                     ("opt", optimizerRecord(opt))], interrupted: interrupted)
    }

    /// `entk(f, params, X1, [X2])` for a model written in lk.
    static func modelNTK(_ a: Arguments) throws -> Value { try named(a) { try modelNTKBody(a) } }

    static func modelNTKBody(_ a: Arguments) throws -> Value {
        guard a.count >= 3 else { throw a.error("entk(f, params, X1, [X2]) needs params and X1", at: 0) }
        let f = try a.callable(0, "f")
        _ = try Leaves.tensors(a.positional[1], "params")
        func data(_ i: Int, _ name: String) throws -> Tensor {
            guard let t = Arguments.asTensor(a.positional[i]), t.rank >= 1 else {
                throw a.error("\(name) must be a tensor with one example per row, got \(a.positional[i].describedKind)", at: i)
            }
            return try a.finite(t, i, name)
        }
        let x1 = try data(2, "X1")
        var x2 = a.count > 3 ? try data(3, "X2") : nil
        if let x2, x2.shape.dropFirst() != x1.shape.dropFirst() {
            throw a.error("X2 has rows of shape \(shapeString(Array(x2.shape.dropFirst()))) but X1 \(shapeString(Array(x1.shape.dropFirst())))", at: 3)
        }
        // X1 again (the same tensor or equal numbers): the symmetric kernel, half the work.
        if let t = x2, Tensor.identical(t, x1) { x2 = nil }
        return wrap(try Autodiff.empiricalNTK(a.interpreter!, f, a.positional[1], x1, x2))
    }

    /// The built-in losses on (possibly differentiated) predictions, as `train` of
    /// built-in networks defines them: mse ½·mean((f − Y)²); xent −mean over rows of
    /// Σ_c y_c log softmax(f)_c, Y one-hot or 0-based class indices.
    static func standardLoss(_ kind: Loss, _ pred: Value, _ y: Value) throws -> Value {
        let ps = Differentiable.shape(pred)
        guard var yt = Differentiable.tensor(y) else { throw BuiltinError("Y must be a tensor") }
        switch kind {
        case .mse:
            if yt.shape != ps {
                guard yt.count == ps.reduce(1, *) else {
                    throw BuiltinError("train: the model's output has shape \(shapeString(ps)) but Y has \(shapeString(yt.shape))")
                }
                yt = try yt.reshaped(ps)
            }
            // One operation: L = ½·mean((f − y)²), ∂L/∂f = (f − y)/m.
            let target = Value.tensor(yt)
            return try Differentiable.lift([pred], { p in
                guard let f = Differentiable.tensor(p[0]) else { throw BuiltinError("train: the model must return a tensor") }
                let m = Double(Swift.max(f.count, 1))
                var total = 0.0
                for i in 0..<f.count { let r = f.pointer[i] - yt.pointer[i]; total += r * r }
                return .number(0.5 * total / m)
            }) { p, _, g, _ in
                let m = Double(Swift.max(Differentiable.shape(p[0]).reduce(1, *), 1))
                return [try Differentiable.mul(try Differentiable.sub(p[0], target), try Differentiable.div(g, .number(m)))]
            }
        case .xent:
            guard ps.count == 2 else { throw BuiltinError("train: loss=\"xent\" needs outputs N×k (one score per class), got \(shapeString(ps))") }
            let (rows, k) = (ps[0], ps[1])
            if yt.rank == 1 {
                var onehot = try Tensor(shape: [rows, k], repeating: 0)
                for i in 0..<rows {
                    let c = yt[flat: i]
                    guard c >= 0, c < Double(k), c == c.rounded() else { throw BuiltinError("train: class index \(formatNumber(c)) is not in 0…\(k - 1)") }
                    onehot[flat: i * k + Int(c)] = 1  // checked: 0 ≤ c < k, integral
                }
                yt = onehot
            }
            guard yt.shape == ps else { throw BuiltinError("train: the model's output has shape \(shapeString(ps)) but Y has \(shapeString(yt.shape))") }
            let lse = try call("logsumexp", [pred], keywords: [("axis", .number(1)), ("keepdims", .bool(true))])
            let logp = try Differentiable.sub(pred, lse)
            let total = try Differentiable.reduce(.sum, try Differentiable.mul(.tensor(yt), logp), axis: nil, keepdims: false)
            return try Differentiable.div(try Differentiable.unary(.neg, total), .number(Double(rows)))
        }
    }
}
