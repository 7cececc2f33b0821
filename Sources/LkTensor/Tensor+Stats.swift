import CBLAS
import CVecMath

// Representation statistics on BLAS: Gram matrices, cosine similarities, PCA, k-means.

extension Tensor {
    /// The Gram matrix of the rows of `x` (N×d): `G = X Xᵀ`, `Gᵢⱼ = xᵢ·xⱼ`, N×N and exactly
    /// symmetric (`dsyrk` computes the lower triangle, which is mirrored). With `y` (M×d):
    /// the cross-Gram `X Yᵀ`, N×M (`dgemm`).
    public static func gram(_ x: Tensor, _ y: Tensor? = nil) throws -> Tensor {
        let (n, d) = try StatsSupport.rows(x, "gram", "X")
        guard let y else {
            if n == 0 || d == 0 { return try Tensor(shape: [n, n]) }
            let g = try gramLowerTriangle(x)
            g.mirrorLowerTriangle()
            return g
        }
        let (_, dy) = try StatsSupport.rows(y, "gram", "Y")
        guard d == dy else { throw TensorError("gram: X has \(d) columns but Y has \(dy)") }
        return try matmul(x, y, transB: true)
    }

    /// The lower triangle (diagonal included) of X Xᵀ for X n×d (d ≥ 1), by `dsyrk`;
    /// the entries above the diagonal are left unset, for a caller that fills them
    /// (`mirrorLowerTriangle`, or a kernel that overwrites every entry).
    public static func gramLowerTriangle(_ x: Tensor) throws -> Tensor {
        let (n, d) = try StatsSupport.rows(x, "gram", "X")
        let g = try Tensor(uninitializedShape: [n, n])
        if n > 0 && d > 0 { try Panels.syrkLower(n: n, d: d, x.pointer, g.pointer) }
        return g
    }

    /// Copies the lower triangle of a square matrix onto the upper one (A = Aᵀ from
    /// below), in 32×32 tiles so that the column-wise reads stay in cache (a plain
    /// row-by-row copy reads one cache line per element on a large matrix), the tile
    /// rows split across cores (CVecMath's lk_mirror_lower_rows). The buffer is written
    /// in place: the caller owns it.
    public func mirrorLowerTriangle() {
        precondition(rank == 2 && shape[0] == shape[1])
        let n = shape[0], p = pointer, tile = 32
        let blocks = (n + tile - 1) / tile
        // Block row b copies (blocks − b) tiles: pair b with blocks − 1 − b for equal shares.
        func blockRow(_ b: Int) { lk_mirror_lower_rows(p, n, b * tile, Swift.min(b * tile + tile, n)) }
        Parallel.forEachChunk(count: (blocks + 1) / 2, costPerItem: n * tile, align: 1) { r in
            for b in r {
                blockRow(b)
                if blocks - 1 - b != b { blockRow(blocks - 1 - b) }
            }
        }
    }

    /// Cosine similarity `a·b / (‖a‖ ‖b‖)`, clamped to [−1, 1] against rounding.
    ///
    /// Two vectors `(d,)` give a rank-0 tensor; matrices N×d and M×d give the N×M matrix of
    /// cosines between rows (one `dgemm`); a vector with a matrix gives the `(M,)` or `(N,)`
    /// cosines of that vector with each row. A zero vector has cosine 0 with everything
    /// (including another zero vector), rather than NaN; a NaN in a vector gives NaN.
    /// Each row is first scaled by a power of two to a largest entry in [0.5, 1) (exact,
    /// and the cosine does not depend on it), so rows of 1e160s or 1e-160s neither overflow
    /// nor underflow in the dot products, as BLAS `dnrm2` scales its sums.
    public static func cosine(_ a: Tensor, _ b: Tensor) throws -> Tensor {
        guard (1...2).contains(a.rank), (1...2).contains(b.rank) else {
            throw TensorError("cosine: expected vectors or matrices (one vector per row), got \(shapeString(a.shape)) and \(shapeString(b.shape))")
        }
        let am = a.rank == 1 ? try a.reshaped([1, a.count]) : a
        let bm = b.rank == 1 ? try b.reshaped([1, b.count]) : b
        guard am.shape[1] == bm.shape[1] else {
            throw TensorError("cosine: vectors have different lengths, \(shapeString(a.shape)) and \(shapeString(b.shape))")
        }
        let (as_, bs) = (try StatsSupport.rowsScaledByPowersOfTwo(am), try StatsSupport.rowsScaledByPowersOfTwo(bm))
        let c = try matmul(as_, bs, transB: true)
        let na = StatsSupport.rowNorms(as_), nb = StatsSupport.rowNorms(bs)
        let m = bm.shape[0]
        for i in 0..<am.shape[0] {
            for j in 0..<m {
                let den = na[i] * nb[j]
                let v = den == 0 ? 0 : c.pointer[i * m + j] / den
                // (Swift.max(-1, nan) is −1: NaN must stay NaN.)
                c.pointer[i * m + j] = v.isNaN ? v : Swift.min(1, Swift.max(-1, v))
            }
        }
        var outShape: [Int] = []
        if a.rank == 2 { outShape.append(a.shape[0]) }
        if b.rank == 2 { outShape.append(b.shape[0]) }
        return try c.reshaped(outShape)
    }

    /// Principal component analysis of the rows of `x` (N samples × d features), keeping
    /// `k` components (`1 ≤ k ≤ min(N, d)`).
    ///
    /// With `μ` the column mean and `X − μ = U S Vᵀ` (thin SVD): `components` (k×d) are the
    /// first k rows of `Vᵀ` (unit principal axes, by decreasing variance), `scores` (N×k) are
    /// `(X − μ) componentsᵀ = U S`, `explained` `(k,)` is the variance along each axis,
    /// `Sᵢ² / N` (dividing by N like lk's `var`; scikit-learn divides by N − 1), and `mean` is `μ`.
    /// Sign convention: each component is flipped so that its entry of largest magnitude
    /// (the first such entry on ties) is positive; its column of scores flips with it.
    public static func pca(_ x: Tensor, k: Int) throws -> (components: Tensor, scores: Tensor, explained: Tensor, mean: Tensor) {
        let (n, d) = try StatsSupport.rows(x, "pca", "X")
        guard n >= 1, d >= 1 else { throw TensorError("pca: X must have at least one row and one column, got \(shapeString(x.shape))") }
        guard k >= 1 && k <= Swift.min(n, d) else {
            throw TensorError("pca: k must be between 1 and \(Swift.min(n, d)) for X of shape \(shapeString(x.shape)), got \(k)")
        }
        let mean = try Tensor.build(shape: [d]) { p, _ in
            p.initialize(repeating: 0, count: d)
            for i in 0..<n { for j in 0..<d { p[j] += x.pointer[i * d + j] } }
            for j in 0..<d { p[j] /= Double(n) }
        }
        let centered = try Tensor.build(shape: [n, d]) { p, _ in
            for i in 0..<n { for j in 0..<d { p[i * d + j] = x.pointer[i * d + j] - mean.pointer[j] } }
        }
        let (u, s, v) = try centered.svd()
        let r = s.count
        let components = try Tensor(uninitializedShape: [k, d])
        let scores = try Tensor(uninitializedShape: [n, k])
        let explained = try Tensor(uninitializedShape: [k])
        for c in 0..<k {
            var big = 0
            for j in 0..<d where abs(v.pointer[j * r + c]) > abs(v.pointer[big * r + c]) { big = j }
            let sign: Double = v.pointer[big * r + c] < 0 ? -1 : 1
            for j in 0..<d { components.pointer[c * d + j] = sign * v.pointer[j * r + c] }
            for i in 0..<n { scores.pointer[i * k + c] = sign * u.pointer[i * r + c] * s.pointer[c] }
            explained.pointer[c] = s.pointer[c] * s.pointer[c] / Double(n)
        }
        return (components, scores, explained, mean)
    }

    /// k-means clustering of the rows of `x` (N×d; a vector is N points on a line).
    ///
    /// Initialisation is k-means++ (Arthur & Vassilvitskii): the first centre is a uniformly
    /// chosen row, each next one a row chosen with probability proportional to its squared
    /// distance to the nearest centre so far. Then Lloyd iterations: each centre moves to the
    /// mean of its points, and every point is assigned to its nearest centre (ties to the
    /// lowest index), with squared distances `‖x‖² − 2 x·c + ‖c‖²` from one `dgemm`. A centre
    /// that loses all its points moves to the point farthest from its own centre. The loop stops
    /// when no label changes or after `iterations` updates; `iterations` in the result counts
    /// the updates made. The returned labels (0-based, `(N,)`) are always the nearest centres
    /// to the returned centres, and `inertia = Σᵢ ‖xᵢ − c_{labelᵢ}‖²` is computed directly.
    ///
    /// Randomness: `seed` gives a private `RNG(seed:)`; without it, one `nextUInt64()` is drawn
    /// from the process-wide generator to seed it. `interrupt` is polled before every
    /// iteration and every step of the k-means++ start; when it returns true the call
    /// throws `Interrupted` — or, with `keepPartial` and once the Lloyd iterations have
    /// begun, stops there and returns the clustering so far with `interrupted` true.
    /// Reports progress (iterations) to `ProgressReporter`.
    public static func kmeans(_ x: Tensor, k: Int, iterations: Int = 100, seed: UInt64? = nil,
                              interrupt: (() -> Bool)? = nil, keepPartial: Bool = false)
        throws -> (centers: Tensor, labels: Tensor, inertia: Double, iterations: Int, interrupted: Bool) {
        guard x.rank == 1 || x.rank == 2 else {
            throw TensorError("kmeans: expected a matrix with one point per row, got \(shapeString(x.shape))")
        }
        let pts = x.rank == 1 ? try x.reshaped([x.count, 1]) : x
        let n = pts.shape[0], d = pts.shape[1]
        guard k >= 1 && k <= n else { throw TensorError("kmeans: k must be between 1 and the number of points (\(n)), got \(k)") }
        guard iterations >= 0 else { throw TensorError("kmeans: iterations must be non-negative, got \(iterations)") }
        try LinalgSupport.requireFinite(pts, "kmeans")
        var rng = RNG(seed: seed ?? Random.withGenerator { $0.nextUInt64() })
        let xx = StatsSupport.rowNorms(pts).map { $0 * $0 }

        // k-means++ initialisation.
        var centers = try Tensor(uninitializedShape: [k, d])
        var nearest = [Double](repeating: .infinity, count: n)
        var pick = rng.int(below: n)
        for c in 0..<k {
            // The start is k passes over the data: as long as several iterations.
            if let interrupt, interrupt() { throw Interrupted() }
            (centers.pointer + c * d).update(from: pts.pointer + pick * d, count: d)
            var total = 0.0
            for i in 0..<n {
                nearest[i] = Swift.min(nearest[i], StatsSupport.squaredDistance(pts.pointer + i * d, pts.pointer + pick * d, d))
                total += nearest[i]
            }
            if c == k - 1 { break }
            if total > 0 {
                var target = rng.uniform() * total
                // Rounding may leave target ≥ 0 after the sum; then take the last eligible point.
                pick = nearest.lastIndex { $0 > 0 }!
                for i in 0..<n { target -= nearest[i]; if target < 0 && nearest[i] > 0 { pick = i; break } }
            } else {
                pick = rng.int(below: n)   // every point already coincides with a centre
            }
        }

        var labels = try StatsSupport.assign(pts, centers, xx)
        var done = 0, stopped = false
        let progress = ProgressReporter("kmeans", total: iterations, unit: "iter")
        defer { progress.finish() }
        while done < iterations {
            if let interrupt, interrupt() {
                if keepPartial { stopped = true; break }
                throw Interrupted()
            }
            progress.update(done)
            // An iteration is kept whole or not at all, so centres and labels always agree.
            let newCenters: Tensor, next: [Int]
            do {
                newCenters = try StatsSupport.update(pts, labels, k: k, previous: centers)
                next = try StatsSupport.assign(pts, newCenters, xx)
            } catch where keepPartial && Interrupt.isInterruption(error) {
                stopped = true
                break
            }
            centers = newCenters
            done += 1
            let changed = next != labels
            labels = next
            if !changed { break }
        }
        var inertia = 0.0
        for i in 0..<n { inertia += StatsSupport.squaredDistance(pts.pointer + i * d, centers.pointer + labels[i] * d, d) }
        return (centers, Tensor(labels.map(Double.init)), inertia, done, stopped)
    }
}

enum StatsSupport {
    static func rows(_ t: Tensor, _ name: String, _ arg: String) throws -> (Int, Int) {
        guard t.rank == 2 else {
            throw TensorError("\(name): \(arg) must be a matrix with one sample per row, got \(shapeString(t.shape))")
        }
        try LinalgSupport.requireBLASSize(name, [t.count])
        return (t.shape[0], t.shape[1])
    }

    /// Euclidean norm of each row (`cblas_dnrm2`, which avoids overflow).
    /// Each row of a matrix times the power of two that brings its largest finite magnitude
    /// into [0.5, 1) (rows of zeros, or with no finite entry, unchanged): exact, so any
    /// scale-invariant quantity (a cosine) is unchanged and cannot overflow.
    static func rowsScaledByPowersOfTwo(_ t: Tensor) throws -> Tensor {
        let d = t.shape[1]
        return try Tensor.build(shape: t.shape) { p, _ in
            for i in 0..<t.shape[0] {
                let row = t.pointer + i * d
                var big = 0.0
                for j in 0..<d where row[j].isFinite { big = Swift.max(big, Swift.abs(row[j])) }
                let e = big > 0 ? big.exponent + 1 : 0
                for j in 0..<d { p[i * d + j] = Double(sign: .plus, exponent: -e, significand: row[j]) }
            }
        }
    }

    static func rowNorms(_ t: Tensor) -> [Double] {
        let d = t.shape[1]
        return (0..<t.shape[0]).map { d == 0 ? 0 : cblas_dnrm2(Int32(d), t.pointer + $0 * d, 1) }
    }

    static func squaredDistance(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, _ d: Int) -> Double {
        var s = 0.0
        for j in 0..<d { let t = a[j] - b[j]; s += t * t }
        return s
    }

    /// Nearest centre of every row: argminⱼ ‖cⱼ‖² − 2 xᵢ·cⱼ (‖xᵢ‖² is the same for all j).
    static func assign(_ x: Tensor, _ centers: Tensor, _ xx: [Double]) throws -> [Int] {
        let n = x.shape[0], k = centers.shape[0], d = x.shape[1]
        let cross = try Tensor.matmul(x, centers, transB: true)   // N×k
        let cc = (0..<k).map { c in norm2(centers.pointer + c * d, d) }
        var labels = [Int](repeating: 0, count: n)
        for i in 0..<n {
            if i & 0x3fff == 0 { try Interrupt.check() }   // a large assignment step answers Ctrl-C within it
            var best = Double.infinity
            for c in 0..<k {
                let dist = xx[i] - 2 * cross.pointer[i * k + c] + cc[c]
                if dist < best { best = dist; labels[i] = c }
            }
        }
        return labels
    }

    static func norm2(_ p: UnsafePointer<Double>, _ d: Int) -> Double {
        var s = 0.0
        for j in 0..<d { s += p[j] * p[j] }
        return s
    }

    /// Centres as the means of their points; an empty cluster takes the point farthest from its centre.
    static func update(_ x: Tensor, _ labels: [Int], k: Int, previous: Tensor) throws -> Tensor {
        let n = x.shape[0], d = x.shape[1]
        let c = try Tensor(shape: [k, d])
        var counts = [Int](repeating: 0, count: k)
        for i in 0..<n {
            counts[labels[i]] += 1
            for j in 0..<d { c.pointer[labels[i] * d + j] += x.pointer[i * d + j] }
        }
        var taken = Set<Int>()
        for cl in 0..<k {
            if counts[cl] > 0 {
                for j in 0..<d { c.pointer[cl * d + j] /= Double(counts[cl]) }
                continue
            }
            var far = -1, farDist = -1.0
            for i in 0..<n where !taken.contains(i) {
                let dist = squaredDistance(x.pointer + i * d, previous.pointer + labels[i] * d, d)
                if dist > farDist { farDist = dist; far = i }
            }
            taken.insert(far)
            (c.pointer + cl * d).update(from: x.pointer + far * d, count: d)
        }
        return c
    }
}
