import Foundation
import LkTensor

/// Image-quality metrics.
public enum ImageMetrics {
    /// Peak signal-to-noise ratio 10·log₁₀(L² / MSE) in dB, with L the data range
    /// (default max(ref) − min(ref)); +inf for identical images.
    public static func psnr(_ x: Tensor, _ ref: Tensor, range: Double? = nil) throws -> Double {
        guard x.shape == ref.shape else {
            throw TensorError("x has shape \(shapeString(x.shape)) but ref has shape \(shapeString(ref.shape))")
        }
        guard ref.count > 0 else { throw TensorError("the images are empty") }
        let l = try range ?? dataRange(ref)
        var mse = 0.0
        for i in 0..<x.count { let e = x.pointer[i] - ref.pointer[i]; mse += e * e }
        mse /= Double(x.count)
        return 10 * Foundation.log10(l * l / mse)
    }

    static func dataRange(_ ref: Tensor) throws -> Double {
        let v = ref.scalars
        let r = (v.max() ?? 0) - (v.min() ?? 0)
        guard r > 0 else { throw TensorError("ref is constant, so its data range is 0: pass range=") }
        return r
    }

    /// The structural similarity index of Wang, Bovik, Sheikh & Simoncelli (2004) between two
    /// 2-D images: the mean over the image of
    /// SSIM = (2μₓμᵧ + C₁)(2σₓᵧ + C₂) / ((μₓ² + μᵧ² + C₁)(σₓ² + σᵧ² + C₂)),
    /// C₁ = (0.01L)², C₂ = (0.03L)², with local statistics weighted by a Gaussian window of
    /// σ = 1.5 truncated at 3.5σ (11×11), applied separably with mirror ("reflect") borders,
    /// population (not sample) variances, and the mean taken over the pixels at least 5 from
    /// the border — scikit-image's `structural_similarity(gaussian_weights=True, sigma=1.5,
    /// use_sample_covariance=False, data_range=L)`. L defaults to max(ref) − min(ref).
    public static func ssim(_ x: Tensor, _ ref: Tensor, range: Double? = nil) throws -> Double {
        guard x.shape == ref.shape else {
            throw TensorError("x has shape \(shapeString(x.shape)) but ref has shape \(shapeString(ref.shape))")
        }
        guard x.rank == 2 else { throw TensorError("ssim needs 2-D images, got shape \(shapeString(x.shape))") }
        let (h, w) = (x.shape[0], x.shape[1])
        let radius = 5
        guard h > 2 * radius, w > 2 * radius else { throw TensorError("ssim needs images of at least 11×11, got \(h)×\(w)") }
        let l = try range ?? dataRange(ref)
        let c1 = (0.01 * l) * (0.01 * l), c2 = (0.03 * l) * (0.03 * l)
        let a = x.scalars, b = ref.scalars
        let mx = gaussianFilter(a, h, w), my = gaussianFilter(b, h, w)
        let mxx = gaussianFilter(a.map { $0 * $0 }, h, w)
        let myy = gaussianFilter(b.map { $0 * $0 }, h, w)
        let mxy = gaussianFilter(zip(a, b).map { $0 * $1 }, h, w)
        var total = 0.0, count = 0
        for i in radius..<(h - radius) {
            for j in radius..<(w - radius) {
                let k = i * w + j
                let vx = mxx[k] - mx[k] * mx[k], vy = myy[k] - my[k] * my[k], cxy = mxy[k] - mx[k] * my[k]
                total += (2 * mx[k] * my[k] + c1) * (2 * cxy + c2) / ((mx[k] * mx[k] + my[k] * my[k] + c1) * (vx + vy + c2))
                count += 1
            }
        }
        return total / Double(count)
    }

    /// The normalised Gaussian weights exp(−k²/2σ²), k = −5…5, σ = 1.5.
    static let window: [Double] = {
        let w = (-5...5).map { Foundation.exp(-Double($0 * $0) / (2 * 1.5 * 1.5)) }
        let s = w.reduce(0, +)
        return w.map { $0 / s }
    }()

    /// Mirror index with the edge sample repeated (… c b a | a b c …), SciPy's "reflect".
    static func reflect(_ i: Int, _ n: Int) -> Int {
        var k = i
        while k < 0 || k >= n { k = k < 0 ? -k - 1 : 2 * n - k - 1 }
        return k
    }

    /// Separable Gaussian filtering of an h×w image (rows then columns).
    static func gaussianFilter(_ img: [Double], _ h: Int, _ w: Int) -> [Double] {
        var tmp = [Double](repeating: 0, count: h * w), out = tmp  // checked: the h×w image img exists
        for i in 0..<h {
            for j in 0..<w {
                var s = 0.0
                for (t, wt) in window.enumerated() { s += wt * img[i * w + reflect(j + t - 5, w)] }
                tmp[i * w + j] = s
            }
        }
        for i in 0..<h {
            for j in 0..<w {
                var s = 0.0
                for (t, wt) in window.enumerated() { s += wt * tmp[reflect(i + t - 5, h) * w + j] }
                out[i * w + j] = s
            }
        }
        return out
    }
}
