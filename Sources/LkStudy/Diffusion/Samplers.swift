import Foundation
import LkTensor

/// What a sampler returns: the sample, its cost, and a per-step record.
public struct SamplerResult {
    public var x: Tensor
    /// Denoiser evaluations (network function evaluations, NFE).
    public var nfe = 0
    /// Products with the denoiser's Jacobian (DPS's backpropagation through the network).
    public var jacobianProducts = 0
    /// Applications of A or Aᴴ (one CG iteration on AᴴA costs two).
    public var operatorApplications = 0
    /// The timesteps visited, largest first, and their VE-equivalent σ.
    public var timesteps: [Int] = []
    public var sigmas: [Double] = []
    /// ‖y − A x̂₀‖ after the data step of each step (conditional samplers).
    public var residuals: [Double] = []
    /// The inner CG residual norms of each step (DDS), `cg_iters + 1` numbers each.
    public var cgResiduals: [[Double]] = []
    /// PSNR of each step's clean estimate against a reference, when one was given.
    public var psnr: [Double] = []
    /// Clean estimates kept every `keepEvery` steps.
    public var snapshots: [Tensor] = []

    init(x: Tensor) { self.x = x }
}

/// Common settings of the DDIM-type samplers.
public struct SamplerSettings {
    public var schedule: NoiseSchedule
    public var steps: Int
    public var eta: Double
    public var etaRule: EtaRule = .ddim
    public var reference: Tensor? = nil
    public var keepEvery = 0
    /// Called after each step with its index and the result so far (live figures).
    public var onStep: ((Int, SamplerResult) throws -> Void)? = nil
    public init(schedule: NoiseSchedule, steps: Int, eta: Double) {
        self.schedule = schedule; self.steps = steps; self.eta = eta
    }
}

/// One step's state, handed to a sampler's data step (DDS's CG, DPS's gradient).
struct StepState {
    /// The Tweedie estimate E[x₀ | u] (B×d), u = x_t/s_t, at noise level σ; s = s_t.
    let x0: Tensor, u: Tensor, sigma: Double, scale: Double
    /// The data-corrected estimate the step continues from (x̂₀ unless changed).
    var corrected: Tensor
    /// A step subtracted from x' after the DDIM update (DPS: ζ∇‖y − Ax̂₀‖).
    var guidance: Tensor? = nil
    /// ‖y − A·corrected‖ after the data step.
    var residual: Double? = nil
}

/// Diffusion samplers with an exact denoiser: DDIM (unconditional), DDS and DPS.
///
/// All run in the schedule's own variable x_t = s_t(x₀ + σ_t ε) and share one step. With
/// u = x_t/s_t, the Tweedie estimate x̂₀ = E[x₀ | u] (one NFE) and ε̂ = (u − x̂₀)/σ_t, a
/// step to the next level (σ', s') is
/// `x' = s'·(x̃₀ + c_ε ε̂ + c_z z)`, z ~ N(0, I),
/// with (c_z, c_ε) from `EtaRule` and x̃₀ the data-corrected estimate (x̂₀ when unconditional).
/// The last step goes to σ' = 0 and returns x̃₀. Sampling starts from x_T ~ N(0, I) (VP) or
/// N(0, σ_max² I) (VE).
public enum DiffusionSampler {
    /// Unconditional DDIM sampling of `count` samples (count × sample shape, or the sample
    /// shape when count is 1).
    public static func sample(prior: DiffusionPrior, count: Int, settings: SamplerSettings, rng: inout RNG) throws -> SamplerResult {
        guard count >= 1 else { throw TensorError("count must be at least 1, got \(count)") }
        return try run(prior: prior, count: count, settings: settings, rng: &rng) { _ in }
    }

    /// The Decomposed Diffusion Sampler (Chung, Lee & Ye, ICLR 2024). At each step the
    /// Tweedie estimate x̂₀ is moved towards the data by `cgIterations` CG steps started at x̂₀
    /// (a Krylov-subspace step that replaces the manifold-constrained gradient), on
    /// - γ = ∞ (noiseless): AᴴA x = Aᴴy;
    /// - γ < ∞: (I + γAᴴA) x = x̂₀ + γAᴴy, the proximal step of ½‖x − x̂₀‖² + (γ/2)‖y − Ax‖²;
    /// then DDIM re-noises with ε̂ from the *uncorrected* x̂₀, as the DDS code does.
    /// The inner CG stops early only when ‖r‖ ≤ 1e-10‖b‖ (converged to rounding).
    public static func dds(y: Tensor, op: LinearOperator, prior: DiffusionPrior, settings: SamplerSettings,
                           cgIterations: Int, gamma: Double = .infinity, rng: inout RNG) throws -> SamplerResult {
        try checkShapes(op, prior)
        let aty = try op.adjoint(y)
        var ops = 1
        var cgLog: [[Double]] = []
        var result = try run(prior: prior, count: 1, settings: settings, rng: &rng) { st in
            var x = try st.x0.reshaped(op.inputShape)
            if cgIterations > 0 {
                let cg = try dataConsistency(x, aty: aty, op: op, iterations: cgIterations, gamma: gamma)
                cgLog.append(cg.residuals)
                ops += 2 * (cg.iterations + 1)
                x = cg.x
            }
            st.corrected = try x.reshaped(st.x0.shape)
            st.residual = VectorSpace.norm(VectorSpace.combine(1, y, -1, try op.forward(x)))
            ops += 1
        }
        result.cgResiduals = cgLog
        result.operatorApplications = ops
        return result
    }

    /// Diffusion posterior sampling (Chung, Kim, McCann, Klasky & Ye, ICLR 2023): the DDIM step
    /// from x̂₀, then x' ← x' − ζ∇_{x_t}‖y − Ax̂₀(x_t)‖. The gradient goes through the denoiser
    /// exactly: ∂x̂₀/∂x_t = Cov[x₀ | x_t]/(σ_t² s_t) (second-order Tweedie, symmetric), so
    /// ∇ = −Cov·Aᴴ(y − Ax̂₀)/(σ_t² s_t‖y − Ax̂₀‖). As in the DPS code, the step is on the norm,
    /// not its square.
    public static func dps(y: Tensor, op: LinearOperator, prior: DiffusionPrior, settings: SamplerSettings,
                           zeta: Double, rng: inout RNG) throws -> SamplerResult {
        try checkShapes(op, prior)
        var ops = 0, products = 0
        var result = try run(prior: prior, count: 1, settings: settings, rng: &rng) { st in
            let (g, rn) = try dpsGradient(u: st.u, x0: st.x0, sigma: st.sigma, scale: st.scale, y: y, op: op, prior: prior)
            st.residual = rn
            ops += 2
            if rn > 0 { products += 1; st.guidance = VectorSpace.scaled(zeta, g) }
        }
        result.operatorApplications = ops
        result.jacobianProducts = products
        return result
    }

    /// DDS's data step from an estimate x̂₀ (an image): `iterations` CG steps started at x̂₀ on
    /// AᴴA x = Aᴴy (γ = ∞), or on (I + γAᴴA)x = x̂₀ + γAᴴy. Because CG from x̂₀ stays in
    /// x̂₀ + range(Aᴴ), the noiseless step converges to x̂₀ + A⁺(y − Ax̂₀), the point of the
    /// measurement-consistent set nearest to x̂₀; fewer iterations stop on the way there.
    public static func dataConsistency(_ x0: Tensor, aty: Tensor, op: LinearOperator, iterations: Int,
                                       gamma: Double = .infinity) throws -> CGResult {
        do {
            if gamma.isInfinite {
                return try Krylov.conjugateGradient({ try op.normal($0) }, aty, x0: x0, tol: 1e-10, maxIterations: iterations)
            }
            let rhs = VectorSpace.combine(1, x0, gamma, aty)
            return try Krylov.conjugateGradient({ VectorSpace.combine(1, $0, gamma, try op.normal($0)) }, rhs,
                                                x0: x0, tol: 1e-10, maxIterations: iterations)
        } catch let e as TensorError where e.message.contains("not positive definite") {
            throw TensorError("the data-consistency CG broke down (\(e.message)); is normal(x) = adjoint(forward(x))?")
        }
    }

    /// DPS's guidance direction ∇_{x_t}‖y − A x̂₀(x_t)‖ at x_t = s·u (u the VE variable, one row
    /// 1×d), with x̂₀ = E[x₀ | u] at σ: −Cov[x₀|u]·Aᴴ(y − Ax̂₀)/(σ²s‖y − Ax̂₀‖). Returns it
    /// (zero when the residual is) and the residual norm.
    public static func dpsGradient(u: Tensor, x0: Tensor, sigma: Double, scale: Double, y: Tensor,
                                   op: LinearOperator, prior: DiffusionPrior) throws -> (Tensor, Double) {
        let r = VectorSpace.combine(1, y, -1, try op.forward(try x0.reshaped(op.inputShape)))
        let rn = VectorSpace.norm(r)
        guard rn > 0 else { return (try VectorSpace.zeros(u.shape), 0) }
        let g0 = try op.adjoint(r).reshaped([1, prior.dimension])
        let cov = try prior.posteriorCovariance(u, sigma: sigma, times: g0)
        return (VectorSpace.scaled(-1 / (sigma * sigma * scale * rn), cov), rn)
    }

    static func checkShapes(_ op: LinearOperator, _ prior: DiffusionPrior) throws {
        guard op.inputShape.reduce(1, *) == prior.dimension else {
            throw TensorError("the operator acts on \(shapeString(op.inputShape)) but the prior's samples have shape \(shapeString(prior.sampleShape))")
        }
    }

    /// The shared DDIM loop; `dataStep` may correct x̂₀ or add guidance.
    static func run(prior: DiffusionPrior, count: Int, settings: SamplerSettings, rng: inout RNG,
                    dataStep: (inout StepState) throws -> Void) throws -> SamplerResult {
        let sched = settings.schedule
        let ts = try sched.timesteps(settings.steps)
        guard settings.eta >= 0, settings.eta <= 1 else { throw TensorError("eta must be in [0, 1], got \(settings.eta)") }
        let d = prior.dimension
        if let ref = settings.reference, ref.count != d {
            throw TensorError("ref has shape \(shapeString(ref.shape)) but samples have shape \(shapeString(prior.sampleShape))")
        }
        func noise() throws -> Tensor {
            let z = try Tensor(uninitializedShape: [count, d])
            for i in 0..<z.count { z.pointer[i] = rng.normal() }
            return z
        }
        var x = VectorSpace.scaled(sched.startStandardDeviation, try noise())
        var result = SamplerResult(x: x)
        for (i, t) in ts.enumerated() {
            try Interrupt.check()
            let (sigma, scale) = sched.level(t)
            let (next, nextScale) = sched.level(i + 1 < ts.count ? ts[i + 1] : -1)
            let u = VectorSpace.scaled(1 / scale, x)
            let x0 = try prior.denoise(u, sigma: sigma)
            guard VectorSpace.isFinite(x0) else { throw TensorError("the denoiser returned a non-finite value at σ = \(sigma)") }
            result.nfe += 1
            var st = StepState(x0: x0, u: u, sigma: sigma, scale: scale, corrected: x0)
            try dataStep(&st)
            let (cz, ce) = settings.etaRule.coefficients(eta: settings.eta, sigma: sigma, next: next)
            var un = st.corrected
            if ce != 0 { VectorSpace.axpy(ce / sigma, VectorSpace.combine(1, u, -1, x0), &un) }
            if cz != 0 { VectorSpace.axpy(cz, try noise(), &un) }
            x = VectorSpace.scaled(nextScale, un)
            if let g = st.guidance { VectorSpace.axpy(-1, g, &x) }
            result.timesteps.append(t)
            result.sigmas.append(sigma)
            if let r = st.residual { result.residuals.append(r) }
            if let ref = settings.reference {
                result.psnr.append(try ImageMetrics.psnr(try st.corrected.reshaped(ref.shape), ref))
            }
            if settings.keepEvery > 0 && (i % settings.keepEvery == 0 || i == ts.count - 1) {
                result.snapshots.append(try st.corrected.reshaped(count == 1 ? prior.sampleShape : [count] + prior.sampleShape))
            }
            try settings.onStep?(i, result)
        }
        result.x = try x.reshaped(count == 1 ? prior.sampleShape : [count] + prior.sampleShape)
        return result
    }
}
