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
    /// update, `steps` values) and the snapshots. A loss that is not finite ends
    /// training there (`diverged`): the remaining losses repeat it, so a
    /// learning-rate sweep can go on past the runs that blow up. Ctrl-C ends it too
    /// (`interrupted`), within a step's matrix product: `net` then holds the last
    /// completed step and the losses and snapshots stop there. Reports progress
    /// (steps, loss) to `ProgressReporter`.
    public func run(_ net: inout MLP, x: Tensor, y: Tensor) throws -> (losses: [Double], record: Record, diverged: Bool, interrupted: Bool) {
        let n = x.shape[0], d = x.shape[1], k = y.shape[1]
        var rng = RNG(seed: seed)
        var order = Array(0..<n), cursor = n
        let size = batch <= 0 || batch >= n ? n : batch
        var record = Record()
        var hiddenSnapshots: [[Tensor]] = []
        let probe = self.probe ?? x
        func snapshot(_ s: Int) throws {
            // Everything is computed before anything is kept, so an interrupted snapshot leaves no trace.
            let l = try net.loss(x, y, loss)
            let h = keepHidden ? try (0..<net.depth).map { try net.hidden(probe, layer: $0 + 1) } : nil
            let k = keepNTK ? try EmpiricalNTK.kernel(net, probe, nil) : nil
            let o = keepOutput ? try net.forward(probe) : nil
            record.steps.append(s); record.loss.append(l)
            if let h { hiddenSnapshots.append(h) }
            if let k { record.ntk.append(k) }
            if let o { record.output.append(o) }
        }
        // One loss a step, as an array and then as the result's tensor.
        var losses = try Memory.reserved(Double.self, steps, 2, what: "the losses of \(steps) steps")
        let progress = ProgressReporter("train", total: steps, figure: "loss")
        defer { progress.finish() }
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
          do {
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
                return (losses, try regrouped(record, hiddenSnapshots), true, false)
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
            progress.update(s + 1, figure: g.loss)
          } catch where Interrupt.isInterruption(error) {
            return (losses, try regrouped(record, hiddenSnapshots), false, true)
          }
        }
        do { if every > 0 { try snapshot(steps) } } catch where Interrupt.isInterruption(error) {}
        return (losses, try regrouped(record, hiddenSnapshots), false, Interrupt.isRequested)
    }

    /// Hidden snapshots regrouped per layer: T × P × n.
    func regrouped(_ r: Record, _ hidden: [[Tensor]]) throws -> Record {
        var r = r
        if let first = hidden.first { r.hidden = try (0..<first.count).map { l in try Tensor.stack(hidden.map { $0[l] }) } }
        return r
    }
}
