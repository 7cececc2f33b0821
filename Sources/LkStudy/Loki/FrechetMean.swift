import LkTensor

// Loki (Roberts et al., NeurIPS 2023): adapt a classifier trained on some classes to a
// larger label space with a metric, by predicting the Fréchet mean of its output
// distribution instead of the argmax.

public enum Loki {
    /// The squared distances from each observed class to every class: m×K, from D given
    /// either as the full K×K metric (rows `observed` are taken) or as its m observed rows.
    static func observedSquared(_ d: Tensor, observed: [Int], name: String) throws -> Tensor {
        guard d.rank == 2 else { throw TensorError("\(name): D must be a matrix of distances, got \(shapeString(d.shape))") }
        let rows = d.shape[0], k = d.shape[1], m = observed.count
        guard m >= 1 else { throw TensorError("\(name): observed must name at least one class") }
        guard rows == k || rows == m else {
            throw TensorError("\(name): D must be K×K or have one row per observed class (\(m)), got \(shapeString(d.shape))")
        }
        try checkClasses(observed, k: k, name: name, what: "observed")
        let full = rows == k   // a square D is always the whole metric
        let out = try Tensor(uninitializedShape: [m, k])
        for (r, c) in observed.enumerated() {
            let src = d.pointer + (full ? c : r) * k
            for j in 0..<k {
                let v = src[j]
                guard v.isFinite && v >= 0 else {
                    throw TensorError("\(name): D must hold finite non-negative distances, found \(formatNumber(v)) at (\(full ? c : r), \(j))")
                }
                out.pointer[r * k + j] = v * v
            }
        }
        return out
    }

    static func checkClasses(_ classes: [Int], k: Int, name: String, what: String) throws {
        var seen = Set<Int>()
        for c in classes {
            guard c >= 0 && c < k else { throw TensorError("\(name): \(what) class \(c) is outside 0..\(k - 1)") }
            guard seen.insert(c).inserted else { throw TensorError("\(name): \(what) lists class \(c) twice") }
        }
    }

    /// For each row `p` of `P` (N×m weights over the observed classes), the class
    /// `argmin_y Σᵢ pᵢ d(observedᵢ, y)²` of the whole label space (ties to the lowest index).
    ///
    /// One matrix product per block of rows, `P_block @ D²[observed, :]`, over only the columns
    /// of P that are non-zero somewhere (P sparse in columns costs nothing extra); memory is
    /// the m×K observed rows of D² plus one block of at most ~4·10⁶ entries. The weights need
    /// not sum to one (the minimiser is scale-free) but must be finite and non-negative.
    public static func frechetMean(_ p: Tensor, distances d: Tensor, observed: [Int]) throws -> [Int] {
        guard p.rank == 2 else { throw TensorError("frechet: P must be a matrix with one distribution per row, got \(shapeString(p.shape))") }
        let n = p.shape[0], m = p.shape[1]
        guard m == observed.count else {
            throw TensorError("frechet: P has \(m) columns but observed lists \(observed.count) classes")
        }
        let d2 = try observedSquared(d, observed: observed, name: "frechet")
        let k = d2.shape[1]
        var active: [Int] = []
        for j in 0..<m {
            var used = false
            for i in 0..<n {
                let v = p.pointer[i * m + j]
                guard v.isFinite && v >= 0 else {
                    throw TensorError("frechet: P must hold finite non-negative weights, found \(formatNumber(v)) at (\(i), \(j))")
                }
                if v != 0 { used = true }
            }
            if used { active.append(j) }
        }
        if active.isEmpty { return [Int](repeating: 0, count: n) }   // all-zero rows: every class ties
        let a = active.count
        let pa = try Tensor.build(shape: [n, a]) { q, _ in
            for i in 0..<n { for (c, j) in active.enumerated() { q[i * a + c] = p.pointer[i * m + j] } }
        }
        let da = try Tensor.build(shape: [a, k]) { q, _ in
            for (c, j) in active.enumerated() { (q + c * k).update(from: d2.pointer + j * k, count: k) }
        }
        var out = [Int](repeating: 0, count: n)
        let block = max(1, min(n, 4_000_000 / max(k, 1)))
        var start = 0
        while start < n {
            try Interrupt.check()
            let rows = min(block, n - start)
            let pb = try Tensor.build(shape: [rows, a]) { q, _ in q.update(from: pa.pointer + start * a, count: rows * a) }
            let e = try Tensor.matmul(pb, da)
            for r in 0..<rows {
                let row = e.pointer + r * k
                var best = row[0], arg = 0
                for j in 1..<k where row[j] < best { best = row[j]; arg = j }
                out[start + r] = arg
            }
            start += rows
        }
        return out
    }

    /// The paper's metric: the mean squared distance `(1/N) Σᵢ d(predᵢ, truthᵢ)²`.
    public static func expectedSquaredDistance(pred: [Int], truth: [Int], distances d: Tensor) throws -> Double {
        guard d.rank == 2, d.shape[0] == d.shape[1] else { throw TensorError("expdist2: D must be a square K×K matrix, got \(shapeString(d.shape))") }
        guard pred.count == truth.count else { throw TensorError("expdist2: pred has \(pred.count) entries but truth has \(truth.count)") }
        let k = d.shape[0]
        guard !pred.isEmpty else { return .nan }
        var s = 0.0
        for (a, b) in zip(pred, truth) {
            guard a >= 0 && a < k else { throw TensorError("expdist2: pred class \(a) is outside 0..\(k - 1)") }
            guard b >= 0 && b < k else { throw TensorError("expdist2: truth class \(b) is outside 0..\(k - 1)") }
            let v = d.pointer[a * k + b]
            s += v * v
        }
        return s / Double(pred.count)
    }

    /// The path metric of a rooted tree: `parents[i]` is the parent of node i, −1 for the
    /// root (exactly one); `weights[i]` (default 1) is the length of the edge from i to its
    /// parent. Returns the K×K matrix of path lengths, by a breadth-first walk from every node.
    public static func treeMetric(parents: [Int], weights: [Double]? = nil) throws -> Tensor {
        let k = parents.count
        guard k >= 1 else { throw TensorError("treemetric: parents must name at least one node") }
        if let weights, weights.count != k { throw TensorError("treemetric: weights has \(weights.count) entries but parents has \(k)") }
        var children = [[Int]](repeating: [], count: k)
        var roots = 0
        for (i, p) in parents.enumerated() {
            if p == -1 { roots += 1; continue }
            guard p >= 0 && p < k && p != i else { throw TensorError("treemetric: parent of node \(i) is \(p), not a node 0..\(k - 1) other than itself (−1 marks the root)") }
            children[p].append(i)
            if let w = weights?[i], !(w.isFinite && w >= 0) { throw TensorError("treemetric: weight of edge \(i)–\(p) must be finite and non-negative, got \(formatNumber(w))") }
        }
        guard roots == 1 else { throw TensorError("treemetric: a tree has exactly one root (parent −1), found \(roots)") }
        var adjacency = children
        for (i, p) in parents.enumerated() where p >= 0 { adjacency[i].append(p) }
        let out = try Tensor(shape: [k, k], repeating: -1)
        for s in 0..<k {
            if s % 64 == 0 { try Interrupt.check() }
            let row = out.pointer + s * k
            row[s] = 0
            var queue = [s], head = 0
            while head < queue.count {
                let u = queue[head]; head += 1
                for v in adjacency[u] where row[v] < 0 {
                    let w = weights.map { parents[v] == u ? $0[v] : $0[u] } ?? 1
                    row[v] = row[u] + w
                    queue.append(v)
                }
            }
            if (0..<k).contains(where: { row[$0] < 0 }) {
                throw TensorError("treemetric: parents contain a cycle, so not every node reaches node \(s)")
            }
        }
        return out
    }
}
