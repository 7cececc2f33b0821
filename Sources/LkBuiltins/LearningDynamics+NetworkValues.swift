import LkLang
import LkStudy
import LkTensor

// Conversion between the `mlp` record and the engine's `MLP`, and the checks on
// the data a network is given.

extension Arguments {
    static func checkWidth(_ x: Double, _ err: (String) -> BuiltinError) throws -> Int {
        guard x.isFinite, x == x.rounded(), x >= 1, x < 1e8 else { throw err("widths must be positive integers, got \(formatNumber(x))") }
        return Int(x)  // checked: finite, below 1e8
    }
}

extension BuiltinTable {
    static func netRecord(_ net: MLP, act: Value, seed: Value) -> Value {
        let actValue: Value = { if case .string = act { return act }; if case .function = act { return act }; return .string(net.activation.name) }()
        return record([
            ("widths", .tensor(Tensor(net.widths.map(Double.init)))), ("act", actValue), ("param", .string(net.parametrization.rawValue)),
            ("w_std", .number(net.wStd)), ("b_std", .number(net.bStd)), ("seed", seed),
            ("W", .list(net.weights.map { .tensor($0) })), ("b", .list(net.biases.map { .tensor($0) })),
            ("Wmult", .tensor(Tensor(net.weightScalings.map(\.multiplier)))), ("bmult", .tensor(Tensor(net.biasScalings.map(\.multiplier)))),
            ("Wlr", .tensor(Tensor(net.weightScalings.map(\.lrScale)))), ("blr", .tensor(Tensor(net.biasScalings.map(\.lrScale)))),
        ])
    }

    static func networkSeed(_ a: Arguments) throws -> Value {
        guard case .record(let r) = a.positional[0] else { return .none }
        return r["seed"] ?? .none
    }

    /// The network record at position i, checked field by field.
    static func networkArgument(_ a: Arguments, _ i: Int) throws -> (MLP, Value) {
        guard case .record(let r) = a.positional[i] else {
            throw a.error("net must be a network record from mlp(), got \(a.positional[i].describedKind)", at: i)
        }
        func field(_ name: String) throws -> Value {
            guard let v = r[name] else { throw a.error("net has no field '\(name)' (make it with mlp())", at: i) }
            return v
        }
        func vector(_ name: String, _ count: Int) throws -> [Double] {
            guard let t = Arguments.asTensor(try field(name)), t.count == count else { throw a.error("net.\(name) must have \(count) entries", at: i) }
            return t.scalars
        }
        guard let wt = Arguments.asTensor(try field("widths")), wt.rank == 1, wt.count >= 2 else { throw a.error("net.widths must be a vector of sizes", at: i) }
        let widths = try wt.scalars.map { try Arguments.checkWidth($0) { a.error("net.\($0)", at: i) } }
        guard case .string(let pname) = try field("param"), let param = Parametrization(rawValue: pname) else { throw a.error("net.param must be \"sp\", \"ntk\", \"mf\" or \"mup\"", at: i) }
        let actValue = try field("act")
        var actArgs = Arguments(callee: a.callee, positional: [], keywords: [("act", actValue)], interpreter: a.interpreter)
        actArgs.positionalSpans = a.positionalSpans
        let act: Activation
        do { act = try activationArgument(actArgs) } catch { throw a.error("net.act must be an activation name or a function", at: i) }
        guard let ws = Arguments.asTensor(try field("w_std"))?.scalarValue, let bs = Arguments.asTensor(try field("b_std"))?.scalarValue else {
            throw a.error("net.w_std and net.b_std must be numbers", at: i)
        }
        let layers = widths.count - 1
        guard case .list(let wl) = try field("W"), wl.count == layers, case .list(let bl) = try field("b"), bl.count == layers else {
            throw a.error("net.W and net.b must be lists of \(layers) tensors", at: i)
        }
        var weights = [Tensor](), biases = [Tensor]()
        for l in 0..<layers {
            guard let w = Arguments.asTensor(wl[l]), w.shape == [widths[l], widths[l + 1]] else {
                throw a.error("net.W[\(l)] must be \(widths[l])×\(widths[l + 1]) (fan-in × fan-out)", at: i)
            }
            guard let b = Arguments.asTensor(bl[l]), b.rank <= 1, b.count == widths[l + 1] else {
                throw a.error("net.b[\(l)] must have \(widths[l + 1]) entries", at: i)
            }
            weights.append(w); biases.append(try b.reshaped([widths[l + 1]]))
        }
        let wm = try vector("Wmult", layers), bm = try vector("bmult", layers), wlr = try vector("Wlr", layers), blr = try vector("blr", layers)
        let ws_ = (0..<layers).map { Parametrization.Scaling(multiplier: wm[$0], initStd: 0, lrScale: wlr[$0]) }
        let bs_ = (0..<layers).map { Parametrization.Scaling(multiplier: bm[$0], initStd: 0, lrScale: blr[$0]) }
        return (MLP(widths: widths, activation: act, parametrization: param, wStd: ws, bStd: bs,
                    weights: weights, biases: biases, weightScalings: ws_, biasScalings: bs_), actValue)
    }

    static func inputArgument(_ a: Arguments, _ i: Int, _ name: String, _ net: MLP) throws -> Tensor {
        let x = try a.matrix(i, name)
        guard x.shape[1] == net.widths[0] else {
            throw a.error("\(name) has \(x.shape[1]) columns but the network takes \(net.widths[0]) inputs", at: i)
        }
        return x
    }

    /// Targets as N×k: a vector is one output (mse) or class indices (xent).
    static func targetArgument(_ a: Arguments, _ i: Int, rows n: Int, outputs k: Int, loss: Loss) throws -> Tensor {
        let y = try a.tensor(i, "Y")
        guard y.rank >= 1, y.shape[0] == n else {
            throw a.error("Y must have \(n) rows (one per row of X), got \(y.rank == 0 ? "a number" : "shape \(shapeString(y.shape))")", at: i)
        }
        if y.rank == 2 {
            guard y.shape[1] == k else { throw a.error("Y has \(y.shape[1]) columns but the network has \(k) outputs", at: i) }
            return y
        }
        guard y.rank == 1 else { throw a.error("Y must be a vector or an N×\(k) matrix, got shape \(shapeString(y.shape))", at: i) }
        if loss == .mse {
            guard k == 1 else { throw a.error("Y is a vector but the network has \(k) outputs: give an N×\(k) matrix", at: i) }
            return try y.reshaped([n, 1])
        }
        let onehot = try Tensor(shape: [n, k])
        for r in 0..<n {
            let c = y.pointer[r]
            guard c == c.rounded(), c >= 0, c < Double(k) else {
                throw a.error("class labels must be integers 0 … \(k - 1) (the network has \(k) outputs), got \(formatNumber(c)) in row \(r)", at: i)
            }
            onehot.pointer[r * k + Int(c)] = 1  // checked: 0 ≤ c < k, integral
        }
        return onehot
    }

    static func keepArgument(_ a: Arguments, allowed: [String] = ["loss", "hidden", "ntk", "output"]) throws -> Set<String> {
        guard let v = a.keyword("keep") else { return ["loss"] }
        var names: [String] = []
        switch v {
        case .string(let s): names = [s]
        case .list(let l):
            for e in l { guard case .string(let s) = e else { throw a.keywordError("keep must be a string or a list of strings", "keep") }; names.append(s) }
        default: throw a.keywordError("keep must be a string or a list of strings, got \(v.describedKind)", "keep")
        }
        for n in names where !allowed.contains(n) {
            throw a.keywordError("keep: unknown snapshot \"\(n)\"; choose from \(allowed.map { "\"\($0)\"" }.joined(separator: ", "))", "keep")
        }
        return Set(names)
    }
}
