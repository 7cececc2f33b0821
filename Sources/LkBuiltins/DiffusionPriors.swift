import Foundation
import LkLang
import LkStudy
import LkTensor

/// A prior known by a score function whose sample shape is fixed only when it is used.
final class ScorePriorTemplate {
    let shape: [Int]?
    let make: ([Int]) -> DiffusionPrior
    init(shape: [Int]?, make: @escaping ([Int]) -> DiffusionPrior) { self.shape = shape; self.make = make }
}

/// The noise level a call names: `sigma=` (VE, xt = x0 + σε) or `abar=` (VP,
/// xt = √ᾱ·x0 + √(1−ᾱ)·ε, the same as VE at σ = √((1−ᾱ)/ᾱ) after dividing xt by √ᾱ).
struct NoiseLevel {
    let sigma: Double
    /// √ᾱ for VP, 1 for VE: u = xt/scale is the VE variable.
    let scale: Double

    init(_ a: Arguments) throws {
        func given(_ name: String) -> Bool {
            guard let v = a.keyword(name) else { return false }
            if case .none = v { return false }
            return true
        }
        switch (given("sigma"), given("abar")) {
        case (true, true): throw a.keywordError("give either sigma= (VE) or abar= (VP), not both", "abar")
        case (false, false): throw BuiltinError("\(a.callee): give the noise level, sigma= (VE: xt = x0 + sigma·ε) or abar= (VP: xt = √abar·x0 + √(1−abar)·ε)")
        case (true, false):
            sigma = try a.keywordNumber("sigma", default: 1, min: 0, open: true)
            guard sigma.isFinite else { throw a.keywordError("sigma must be finite", "sigma") }
            scale = 1
        case (false, true):
            let abar = try a.keywordNumber("abar", default: 0.5, min: 0, open: true)
            guard abar < 1 else { throw a.keywordError("abar must be in (0, 1), got \(formatNumber(abar))", "abar") }
            sigma = VPVE.sigma(abar: abar); scale = abar.squareRoot()
        }
    }
}

extension Arguments {
    /// The prior at position i: a record from gaussprior/gmmprior/empiricalprior/scoreprior,
    /// or any record with a `denoise(x, sigma)` function and optionally a `shape` field (else
    /// the sample shape is `hint`).
    func prior(_ i: Int, shape hint: [Int]?) throws -> DiffusionPrior {
        let v = positional[i]
        guard case .record(let r) = v, let d = r["denoise"] else {
            throw error("prior must be a prior record (gaussprior, gmmprior, empiricalprior, scoreprior) or a record with a denoise(x, sigma) function, got \(v.describedKind)", at: i)
        }
        let object = EngineObjects.shared.object(for: d)
        if let p = object as? DiffusionPrior { return p }
        if let t = object as? ScorePriorTemplate {
            guard let shape = t.shape ?? hint else { throw error("this scoreprior has no sample shape: give scoreprior(f, shape=)", at: i) }
            return t.make(shape)
        }
        guard Arguments.isCallable(d) else { throw error("prior.denoise must be a function denoise(x, sigma), got \(d.describedKind)", at: i) }
        var own: [Int]? = nil
        if let sv = r["shape"], let st = Arguments.asTensor(sv), st.rank == 1, st.scalars.allSatisfy({ $0 >= 1 && $0 < 1e9 && $0 == $0.rounded() }) {
            own = st.scalars.map { Int($0) }  // checked: 1 ≤ x < 1e9, integral
        }
        guard let shape = own ?? hint else {
            throw error("the prior's sample shape is unknown: give the record a shape field ({denoise: f, shape: [n, n]}) or use a matrix or built-in operator", at: i)
        }
        let f = LkCallback(interpreter: interpreter!, function: d, callee: callee, what: "prior.denoise(x, sigma)")
        return FunctionPrior(sampleShape: shape, label: "denoise function") { x, sigma in try f.call([.tensor(x), .number(sigma)]) }
    }

    /// A tensor argument as rows of the prior's samples: one sample (the sample shape) or a
    /// batch along the first axis. Returns the B×d rows and the shape to give results.
    func samples(_ i: Int, _ name: String, of prior: DiffusionPrior) throws -> (Tensor, [Int]) {
        let t = try tensor(i, name)
        let shape = prior.sampleShape
        if t.shape == shape { return (try t.reshaped([1, prior.dimension]), shape) }
        if t.rank == shape.count + 1, Array(t.shape.dropFirst()) == shape {
            return (try t.reshaped([t.shape[0], prior.dimension]), t.shape)
        }
        throw error("\(name) has shape \(shapeString(t.shape)) but the prior's samples have shape \(shapeString(shape)) (give one sample, or one per index of the first axis)", at: i)
    }
}

/// An lk record for an engine prior: its kind, sample shape, a description, and
/// `denoise(x, sigma)`, the built-in that identifies it.
func priorRecord(_ kind: String, _ prior: DiffusionPrior, extra: [(String, Value)] = []) -> Value {
    let denoise = def("prior.denoise(x, sigma)", "E[x0 | x0 + sigma·ε = x] for this prior (one sample or one per row).") { a in
        let sigma = try a.number(1, "sigma")
        guard sigma > 0, sigma.isFinite else { throw a.error("sigma must be positive and finite, got \(formatNumber(sigma))", at: 1) }
        let (rows, shape) = try a.samples(0, "x", of: prior)
        return wrap(try prior.denoise(rows, sigma: sigma).reshaped(shape))
    }
    EngineObjects.shared.register(denoise, prior)
    return record([("kind", .string(kind)), ("shape", vector(prior.sampleShape.map(Double.init))),
                   ("summary", .string(prior.summary))] + extra + [("denoise", .builtin(denoise))])
}

extension BuiltinTable {
    static let noiseKeywordsDoc = "The noise level is sigma= (VE: xt = x0 + σε) or abar= (VP: xt = √ᾱ·x0 + √(1−ᾱ)·ε, handled as VE at σ = √((1−ᾱ)/ᾱ) on xt/√ᾱ)."

    static let priorBuiltins: [Builtin] = [
        def("gaussprior(mu, Sigma) / gaussprior(mu, spectrum=P)",
            "The Gaussian prior N(mu, Sigma): mu has the sample's shape (a vector of d, or an n×n image) and Sigma is d×d, symmetric positive semidefinite; its exact denoiser is the Wiener filter E[x0|y] = mu + Σ(Σ + σ²I)⁻¹(y − mu), with posterior covariance Σ − Σ(Σ + σ²I)⁻¹Σ (Sigma is eigendecomposed once, LAPACK dsyevd). With spectrum=P instead of Sigma the prior is stationary (circulant): Σ = Fᴴ diag(P) F with F the orthonormal DFT over the sample's axes, applied per frequency with FFTW and never formed; P (a vector or a matrix, the sample's shape, zero frequency first) must be non-negative and symmetric, P[k] = P[−k]; mu may then be a number. → a prior record {kind, shape, summary, denoise}.") { a in
            let spectrum = try a.keywordTensor("spectrum")
            if let spectrum {
                try a.expect(1...1)
                let mu = try a.finite(try a.tensor(0, "mu"), 0, "mu")
                guard spectrum.scalars.allSatisfy({ $0.isFinite }) else { throw a.keywordError("spectrum must be finite", "spectrum") }
                return priorRecord("stationary gaussian", try StationaryGaussianPrior(mean: mu, spectrum: spectrum))
            }
            try a.expect(2...2)
            let mu = try a.finite(try a.tensor(0, "mu"), 0, "mu")
            guard mu.rank >= 1 else { throw a.error("mu must be a vector or an image, got a number", at: 0) }
            let sigma = try a.finite(try a.tensor(1, "Sigma"), 1, "Sigma")
            guard sigma.shape == [mu.count, mu.count] else {
                throw a.error("Sigma has shape \(shapeString(sigma.shape)) but mu has \(mu.count) elements (expected \(mu.count)×\(mu.count))", at: 1)
            }
            return priorRecord("gaussian", try GaussianPrior(mean: mu, covariance: sigma))
        },
        def("gmmprior(weights, means, covs)",
            "A Gaussian mixture Σₖ wₖ N(meansₖ, covsₖ): weights a vector of K (normalised to sum 1), means K×d (or K×n×n images), covs K×d×d, K×d (diagonal) or K (isotropic variances). Its exact denoiser: with responsibilities πₖ(y) ∝ wₖ N(y; μₖ, Σₖ + σ²I) (a log-sum-exp softmax), E[x0|y] = Σₖ πₖ mₖ(y) with mₖ each component's Wiener filter; the posterior covariance is Σₖ πₖ(Cₖ + mₖmₖᵀ) − mmᵀ. → a prior record.") { a in
            let w = try a.finite(try a.tensor(0, "weights"), 0, "weights"), m = try a.finite(try a.tensor(1, "means"), 1, "means")
            let c = try a.finite(try a.tensor(2, "covs"), 2, "covs")
            guard w.rank == 1 else { throw a.error("weights must be a vector of K weights, got shape \(shapeString(w.shape))", at: 0) }
            guard m.rank >= 2, m.shape[0] == w.count else {
                throw a.error("means must have one row per component (\(w.count)×d), got shape \(shapeString(m.shape))", at: 1)
            }
            return priorRecord("gaussian mixture", try MixturePrior(weights: w, means: m, covs: c))
        },
        def("empiricalprior(X)",
            "The empirical distribution of a data set, one sample per index of the first axis of X (N×d vectors or N×n×n images): the prior a diffusion network trained to zero loss on X would learn. Its exact (ideal) denoiser is a softmax-weighted average of the data, wᵢ(y) = softmax_i((y·xᵢ − ½‖xᵢ‖²)/σ²), E[x0|y] = Σᵢ wᵢxᵢ, computed with one matrix product and a log-sum-exp per row; the posterior covariance is Σᵢ wᵢxᵢxᵢᵀ − mmᵀ. At small σ it returns the nearest data point: it memorises. → a prior record.") { a in
            let x = try a.finite(try a.tensor(0, "X"), 0, "X")
            guard x.rank >= 2 else { throw a.error("X must hold one sample per index of its first axis (N×d or N×n×n), got \(x.rank == 0 ? "a number" : "shape \(shapeString(x.shape))")", at: 0) }
            return priorRecord("empirical", try EmpiricalPrior(samples: x), extra: [("count", .number(Double(x.shape[0])))])
        },
        def("scoreprior(f, shape=)",
            "A prior known by its score: f(x, sigma) returns ∇log p_σ(x) for one sample x (VE noise level sigma). Its denoiser is Tweedie's E[x0|x] = x + σ²f(x, σ); the posterior covariance (for dps and tweediecov) is σ² times the denoiser's Jacobian, applied by a central difference along the vector. shape= fixes the sample shape (otherwise it is taken from the first use). → a prior record.") { a in
            let f = a.positional[0]
            guard Arguments.isCallable(f) else { throw a.error("f must be a function f(x, sigma) returning the score, got \(f.describedKind)", at: 0) }
            var shape: [Int]? = nil
            if let s = try a.keywordTensor("shape") {
                shape = try s.scalars.map { x in
                    guard x >= 1, x < 1e9, x == x.rounded() else { throw a.keywordError("shape must hold positive integers", "shape") }
                    return Int(x)  // checked: 1 ≤ x < 1e9, integral
                }
            }
            let cb = LkCallback(interpreter: a.interpreter!, function: f, callee: "scoreprior", what: "the score f(x, sigma)")
            let template = ScorePriorTemplate(shape: shape) { sh in
                FunctionPrior.fromScore(sampleShape: sh) { x, sigma in try cb.call([.tensor(x), .number(sigma)]) }
            }
            let denoise = def("prior.denoise(x, sigma)", "x + σ²·f(x, σ).") { b in
                try b.expect(2...2)
                let x = try b.tensor(0, "x"), sigma = try b.number(1, "sigma")
                let p = template.make(template.shape ?? x.shape)
                let (rows, sh) = try b.samples(0, "x", of: p)
                return wrap(try p.denoise(rows, sigma: sigma).reshaped(sh))
            }
            EngineObjects.shared.register(denoise, template)
            return record([("kind", .string("score")), ("shape", shape.map { vector($0.map(Double.init)) } ?? .none),
                           ("summary", .string("score function")), ("denoise", .builtin(denoise))])
        },
        def("tweedie(xt, prior, abar=, sigma=)",
            "The posterior mean E[x0 | xt] under the prior (Tweedie's formula, exact for every built-in prior): xt is one sample or one per index of the first axis. \(noiseKeywordsDoc) E[x0|xt] = u + σ²∇log p_σ(u) with u = xt/√ᾱ (VP) or xt (VE).") { a in
            let (level, p, rows, shape) = try noisedSamples(a)
            return wrap(try p.denoise(VectorSpaceScale(rows, 1 / level.scale), sigma: level.sigma).reshaped(shape))
        },
        def("tweediecov(xt, prior, v, abar=, sigma=)",
            "Second-order Tweedie: the posterior covariance times a vector, Cov[x0 | xt]·v = σ²(I + σ²∇²log p_σ(u))v (u, σ as in tweedie), which is σ²·s·∂E[x0|xt]/∂xt with s = √ᾱ (VP) or 1 (VE) — the Jacobian DPS needs. v has the shape of xt. \(noiseKeywordsDoc)") { a in
            let (level, p, rows, shape) = try noisedSamples(a)
            let v = try a.tensor(2, "v")
            guard v.count == rows.count else { throw a.error("v has shape \(shapeString(v.shape)) but xt has shape \(shapeString(shape))", at: 2) }
            let out = try p.posteriorCovariance(VectorSpaceScale(rows, 1 / level.scale), sigma: level.sigma, times: try v.reshaped(rows.shape))
            return wrap(try out.reshaped(shape))
        },
        def("priorscore(xt, prior, abar=, sigma=)",
            "The score ∇log p_t(xt) of the noised prior in xt's own variable: (E[x0|xt] − xt)/σ² for VE, (√ᾱ·E[x0|xt] − xt)/(1 − ᾱ) for VP. \(noiseKeywordsDoc)") { a in
            let (level, p, rows, shape) = try noisedSamples(a)
            let u = VectorSpaceScale(rows, 1 / level.scale)
            let s = try p.score(u, sigma: level.sigma)
            return wrap(try VectorSpaceScale(s, 1 / level.scale).reshaped(shape))
        },
        def("priorlogpdf(xt, prior, abar=, sigma=)",
            "log p_t(xt), the log density of the noised prior (of xt itself: for VP, log p_σ(xt/√ᾱ) − (d/2)·log ᾱ); one number per sample. For the Gaussian, stationary Gaussian, mixture and empirical priors (not for scoreprior). \(noiseKeywordsDoc)") { a in
            let (level, p, rows, shape) = try noisedSamples(a)
            guard let l = try p.logDensity(VectorSpaceScale(rows, 1 / level.scale), sigma: level.sigma) else {
                throw a.error("this prior (\(p.summary)) has no closed-form density", at: 1)
            }
            let shift = -0.5 * Double(p.dimension) * Foundation.log(level.scale * level.scale)
            let out = l.scalars.map { $0 + shift }
            return shape == p.sampleShape ? .number(out[0]) : vector(out)
        },
        def("priordraw(prior, count, seed=)",
            "count exact samples from the prior (count × the sample shape): Gaussian μ + U√λ·z, mixtures by component then Gaussian, empirical by picking data points uniformly. Not for scoreprior (use sample). Reproducible with seed=.") { a in
            let p = try a.prior(0, shape: nil)
            let n = try a.int(1, "count", min: 1)
            var rng = try a.generator()
            guard let x = try p.draw(n, rng: &rng) else { throw a.error("this prior (\(p.summary)) cannot be sampled directly; use sample(prior)", at: 0) }
            return wrap(try x.reshaped([n] + p.sampleShape))
        },
    ]
}

/// αx for a tensor (a no-op when α = 1).
func VectorSpaceScale(_ x: Tensor, _ alpha: Double) -> Tensor { alpha == 1 ? x : VectorSpace.scaled(alpha, x) }

/// What tweedie, tweediecov, priorscore and priorlogpdf all start from: the noise
/// level (abar= or sigma=), the prior (argument 2) and xt (argument 1) as sample rows
/// with the shape to give results back in.
private func noisedSamples(_ a: Arguments) throws -> (NoiseLevel, DiffusionPrior, Tensor, [Int]) {
    let level = try NoiseLevel(a)
    let p = try a.prior(1, shape: try a.tensor(0, "xt").shape)
    let (rows, shape) = try a.samples(0, "xt", of: p)
    return (level, p, rows, shape)
}
