import Foundation
import LkTensor

/// Parallel-beam CT: the discrete Radon transform of an n×n image onto `views` angles
/// θ_k = kπ/views and `ndet` detector bins, as a sparse matrix (pixel-driven, linear
/// interpolation). The image covers [−1, 1]² (pixel width 2/n, row 0 at the top); the
/// detector covers [−√2, √2] (the image's diagonal) in bins of width Δ = 2√2/ndet. Pixel
/// (i, j) at (x, y) projects to s = x cos θ + y sin θ and spreads its mass (2/n)²/Δ over the
/// two bins whose centres bracket s, in proportion to the distance: so a sinogram entry
/// approximates the line integral ∫ f along the ray, and a disc of radius r of ones gives
/// ≈ 2√(r² − s²). The adjoint is the exact transpose (back-projection). Sinograms are views×ndet.
public struct CTOperator {
    public let n: Int
    public let views: Int
    public let detectors: Int
    public let angles: [Double]
    public let op: LinearOperator

    public init(n: Int, views: Int, detectors: Int? = nil) throws {
        guard n >= 2 else { throw TensorError("n must be at least 2, got \(n)") }
        guard views >= 1 else { throw TensorError("views must be at least 1, got \(views)") }
        let ndet = try detectors ?? Memory.int((2.0.squareRoot() * Double(n)).rounded(.up), "ndet")
        guard ndet >= 2 else { throw TensorError("ndet must be at least 2, got \(ndet)") }
        // The weights take 20 bytes per pixel and view (a 4-byte bin, two 8-byte weights),
        // and the sinogram views·ndet doubles: check both before building anything.
        let count = try Memory.checkedCount([n, n, views], elementBytes: 20, what: "ctop: the projection weights of \(n)×\(n) pixels and \(views) views")
        _ = try Memory.checkedCount([views, ndet], what: "ctop: a sinogram of \(views) views and \(ndet) detectors")
        self.n = n; self.views = views; self.detectors = ndet
        let thetas = (0..<views).map { Double.pi * Double($0) / Double(views) }
        angles = thetas
        // For each pixel and view: the lower bin and the two weights.
        var bins = [Int32](repeating: 0, count: count)  // checked: count checked above
        var w0 = [Double](repeating: 0, count: count), w1 = w0
        let width = 2 * 2.0.squareRoot() / Double(ndet)
        let mass = (2 / Double(n)) * (2 / Double(n)) / width
        let half = Double(n - 1) / 2
        for i in 0..<n {
            let y = (half - Double(i)) * 2 / Double(n)
            for j in 0..<n {
                let x = (Double(j) - half) * 2 / Double(n)
                for (k, t) in thetas.enumerated() {
                    let s = x * Foundation.cos(t) + y * Foundation.sin(t)
                    let u = (s + 2.0.squareRoot()) / width - 0.5    // continuous bin index
                    let b = Int(u.rounded(.down)), f = u - Double(b)  // checked: |s| ≤ √2, so 0 ≤ u ≤ ndet
                    let e = (i * n + j) * views + k
                    bins[e] = Int32(b)
                    w0[e] = b >= 0 && b < ndet ? mass * (1 - f) : 0
                    w1[e] = b + 1 >= 0 && b + 1 < ndet ? mass * f : 0
                }
            }
        }
        let (nv, nd) = (views, ndet)
        let (b, a0, a1) = (bins, w0, w1)
        op = LinearOperator(
            name: "ctop", inputShape: [n, n], outputShape: [views, ndet],
            forward: { x in
                let out = try Tensor(shape: [nv, nd], repeating: 0)
                for p in 0..<(n * n) {
                    let v = x.pointer[p]
                    if v == 0 { continue }
                    for k in 0..<nv {
                        let e = p * nv + k, row = k * nd + Int(b[e])  // checked: an Int32 bin
                        if a0[e] != 0 { out.pointer[row] += a0[e] * v }
                        if a1[e] != 0 { out.pointer[row + 1] += a1[e] * v }
                    }
                }
                return out
            },
            adjoint: { y in
                let out = try Tensor(uninitializedShape: [n, n])
                for p in 0..<(n * n) {
                    var s = 0.0
                    for k in 0..<nv {
                        let e = p * nv + k, row = k * nd + Int(b[e])  // checked: an Int32 bin
                        if a0[e] != 0 { s += a0[e] * y.pointer[row] }
                        if a1[e] != 0 { s += a1[e] * y.pointer[row + 1] }
                    }
                    out.pointer[p] = s
                }
                return out
            })
    }
}
