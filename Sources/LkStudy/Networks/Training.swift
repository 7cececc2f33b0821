import Foundation
import LkTensor

/// Full-batch or mini-batch SGD on an `MLP`, with snapshots at chosen steps.
public struct Training {
    public var steps = 100
    public var lr = 0.1
    public var loss = Loss.mse
    /// Mini-batch size; 0 (or ≥ N) is full-batch gradient descent. Batches walk
    /// through a fresh random permutation of the rows every epoch.
    public var batch = 0
    /// Snapshot every `every` steps (0: none) — at steps 0, every, 2·every, … and the last.
    public var every = 0
    /// What a snapshot keeps: the full-data loss always; `hidden` (every hidden layer
    /// on the probe points), `ntk` (the empirical NTK of the probe points), `output`.
    public var keepHidden = false, keepNTK = false, keepOutput = false
    public var probe: Tensor? = nil
    public var seed: UInt64 = 0
    /// The update rule (nil: plain gradient descent at `lr`, the parametrization's scales).
    public var optimizer: Optimizer? = nil
    /// Called after each step with its index and batch loss (live figures).
    public var onStep: ((Int, Double) throws -> Void)? = nil

    public init() {}

    public struct Record {
        public var steps: [Int] = []
        public var loss: [Double] = []
        /// hidden[l] stacks hidden layer l+1 on the probe points over the snapshots: T × P × n.
        public var hidden: [Tensor] = []
        public var ntk: [Tensor] = []
        public var output: [Tensor] = []
    }

    /// Trains `net` in place; returns the loss of the batch at each step (before its
    /// update, `steps` values) and the snapshots. Ctrl-C stops between steps. A loss
    /// that is not finite ends training there (`diverged`): the remaining losses
    /// repeat it, so a learning-rate sweep can go on past the runs that blow up.
    public func run(_ net: inout MLP, x: Tensor, y: Tensor) throws -> (losses: [Double], record: Record, diverged: Bool) {
        let n = x.shape[0], d = x.shape[1], k = y.shape[1]
        var rng = RNG(seed: seed)
        var order = Array(0..<n), cursor = n
        let size = batch <= 0 || batch >= n ? n : batch
        var record = Record()
        var hiddenSnapshots: [[Tensor]] = []
        let probe = self.probe ?? x
        func snapshot(_ s: Int) throws {
            record.steps.append(s)
            record.loss.append(try net.loss(x, y, loss))
            if keepHidden { hiddenSnapshots.append(try (0..<net.depth).map { try net.hidden(probe, layer: $0 + 1) }) }
            if keepNTK { record.ntk.append(try EmpiricalNTK.kernel(net, probe, nil)) }
            if keepOutput { record.output.append(try net.forward(probe)) }
        }
        var losses = [Double]()
        losses.reserveCapacity(steps)
        var opt = optimizer
        let scales: [Double] = opt.map { o in
            let w = (0..<net.layers).map { l in
                o.kind == .sgd ? net.weightScalings[l].lrScale
                    : net.parametrization.adamScale(net.weightScalings[l], isBias: false, input: l == 0, fanIn: net.widths[l])
            }
            let b = (0..<net.layers).map { l in
                o.kind == .sgd ? net.biasScalings[l].lrScale
                    : net.parametrization.adamScale(net.biasScalings[l], isBias: true, input: l == 0, fanIn: net.widths[l])
            }
            return w + b
        } ?? []
        for s in 0..<steps {
            try Interrupt.check()
            if every > 0 && s % every == 0 { try snapshot(s) }
            var bx = x, by = y
            if size < n {
                if cursor + size > n {
                    for i in stride(from: n - 1, to: 0, by: -1) { order.swapAt(i, rng.int(below: i + 1)) }
                    cursor = 0
                }
                let rows = order[cursor..<(cursor + size)]
                cursor += size
                bx = try Tensor.build(shape: [size, d]) { p, _ in
                    for (r, i) in rows.enumerated() { (p + r * d).update(from: x.pointer + i * d, count: d) }
                }
                by = try Tensor.build(shape: [size, k]) { p, _ in
                    for (r, i) in rows.enumerated() { (p + r * k).update(from: y.pointer + i * k, count: k) }
                }
            }
            let g = try net.gradients(bx, by, loss)
            guard g.loss.isFinite else {
                losses += Array(repeating: g.loss.isNaN ? .nan : .infinity, count: steps - s)
                if every > 0 { record.steps.append(s); record.loss.append(.nan) }
                return (losses, try regrouped(record, hiddenSnapshots), true)
            }
            losses.append(g.loss)
            if opt != nil {
                var tensors = net.weights + net.biases
                try opt!.step(&tensors, g.weights + g.biases, scales: scales)
                net.weights = Array(tensors[0..<net.layers]); net.biases = Array(tensors[net.layers...])
            } else {
                net.step((g.weights, g.biases), lr: lr)
            }
            try onStep?(s, g.loss)
        }
        if every > 0 { try snapshot(steps) }
        return (losses, try regrouped(record, hiddenSnapshots), false)
    }

    /// Hidden snapshots regrouped per layer: T × P × n.
    func regrouped(_ r: Record, _ hidden: [[Tensor]]) throws -> Record {
        var r = r
        if let first = hidden.first { r.hidden = try (0..<first.count).map { l in try Tensor.stack(hidden.map { $0[l] }) } }
        return r
    }
}
