import Foundation
import LkLang
import LkStudy
import LkTensor

extension Arguments {
    /// `schedule=`: "vp" (DDPM linear β, 1000 steps), "ve" (geometric σ 0.01…50, 1000 steps),
    /// or a record from vpschedule/veschedule.
    func schedule() throws -> NoiseSchedule {
        guard let v = keyword("schedule") else { return try .linearVP() }
        switch v {
        case .string("vp"): return try .linearVP()
        case .string("ve"): return try .geometricVE()
        case .record(let r):
            if case .string("vp")? = r["kind"], let b = r["beta"].flatMap(Arguments.asTensor) {
                return try NoiseSchedule.linearVP(timesteps: b.count, betaStart: b.scalars.first ?? 0, betaEnd: b.scalars.last ?? 0)
            }
            if case .string("ve")? = r["kind"], let s = r["sigma"].flatMap(Arguments.asTensor), s.count >= 2 {
                return try NoiseSchedule.geometricVE(timesteps: s.count, sigmaMin: s.scalars.first!, sigmaMax: s.scalars.last!)
            }
            fallthrough
        default:
            throw keywordError("schedule must be \"vp\", \"ve\" or a record from vpschedule()/veschedule(), got \(v.describedKind)", "schedule")
        }
    }

    /// The settings every sampler shares: steps, eta and its rule, schedule, ref, every.
    func samplerSettings(defaultSteps: Int, defaultEta: Double, defaultRule: EtaRule) throws -> SamplerSettings {
        let schedule = try schedule()
        let steps = try keywordInt("steps", default: min(defaultSteps, schedule.length), min: 1)
        guard steps <= schedule.length else { throw keywordError("steps must be at most the schedule's \(schedule.length) timesteps, got \(steps)", "steps") }
        var s = SamplerSettings(schedule: schedule, steps: steps, eta: try keywordNumber("eta", default: defaultEta, min: 0, max: 1))
        s.etaRule = EtaRule(rawValue: try keywordString("etarule", default: defaultRule.rawValue, allowed: ["ddim", "dds"]))!
        s.reference = try keywordTensor("ref")
        if let r = s.reference, !r.scalars.allSatisfy({ $0.isFinite }) { throw keywordError("ref must be finite", "ref") }
        s.keepEvery = try keywordInt("every", default: 0, min: 0)
        return s
    }

    /// The operator at position i: a record from mriop/ctop, a record of forward/adjoint
    /// (and optionally normal) functions, or an m×d matrix acting on flattened samples.
    func linearOperator(_ i: Int, inputShape: [Int]?, outputShape: [Int]) throws -> LinearOperator {
        let v = positional[i]
        if case .record(let r) = v, let f = r["forward"] {
            if let box = EngineObjects.shared.object(for: f) as? OperatorBox { return box.op }
            guard let adj = r["adjoint"], Arguments.isCallable(f), Arguments.isCallable(adj) else {
                throw error("op must have forward and adjoint functions", at: i)
            }
            guard let shape = inputShape else { throw error("the image shape is unknown: give the prior a shape", at: i) }
            let interp = interpreter!
            let fw = LkCallback(interpreter: interp, function: f, callee: callee, what: "op.forward(x)")
            let ad = LkCallback(interpreter: interp, function: adj, callee: callee, what: "op.adjoint(y)")
            var normal: ((Tensor) throws -> Tensor)? = nil
            if let n = r["normal"], Arguments.isCallable(n) {
                let nf = LkCallback(interpreter: interp, function: n, callee: callee, what: "op.normal(x)")
                normal = { try nf($0) }
            }
            return LinearOperator(name: "op", inputShape: shape, outputShape: outputShape,
                                  forward: { try fw($0) }, adjoint: { try ad($0) }, normal: normal)
        }
        if let m = Arguments.asTensor(v), m.rank == 2 {
            guard let shape = inputShape else { throw error("the image shape is unknown: give the prior a shape", at: i) }
            guard m.shape[1] == shape.reduce(1, *) else {
                throw error("op is \(m.shape[0])×\(m.shape[1]) but the prior's samples have \(shape.reduce(1, *)) elements \(shapeString(shape))", at: i)
            }
            // A NaN in the operator would spread through every step of the sampler.
            return try LinearOperator.matrix(try finite(m, i, "op"), inputShape: shape)
        }
        throw error("op must be a record with forward and adjoint functions (mriop, ctop) or a matrix, got \(v.describedKind)", at: i)
    }

    /// The image shape an operator value implies, if it says (built-in operators, matrices).
    func operatorInputShape(_ i: Int) -> [Int]? {
        let v = positional[i]
        if case .record(let r) = v, let f = r["forward"], let box = EngineObjects.shared.object(for: f) as? OperatorBox {
            return box.op.inputShape
        }
        if let m = Arguments.asTensor(v), m.rank == 2 { return [m.shape[1]] }
        return nil
    }

    /// Resolves (y, op, prior) for dds/dps and checks that y fits the operator.
    func inverseProblem() throws -> (Tensor, LinearOperator, DiffusionPrior) {
        let y = try finite(try tensor(0, "y"), 0, "y")
        let opShape = operatorInputShape(1)
        let prior = try self.prior(2, shape: opShape)
        let op = try linearOperator(1, inputShape: prior.sampleShape, outputShape: y.shape)
        guard op.inputShape.reduce(1, *) == prior.dimension else {
            throw error("op acts on images of shape \(shapeString(op.inputShape)) but the prior's samples have shape \(shapeString(prior.sampleShape))", at: 1)
        }
        guard y.count == op.outputShape.reduce(1, *) else {
            throw error("y has shape \(shapeString(y.shape)) but op gives measurements of shape \(shapeString(op.outputShape))", at: 0)
        }
        return (try y.reshaped(op.outputShape), op, prior)
    }
}

/// {x, nfe, history, ...} from a sampler's result.
func samplerRecord(_ r: SamplerResult, cgIterations: Int? = nil) -> Value {
    var history: [(String, Value)] = [("t", vector(r.timesteps.map(Double.init))), ("sigma", vector(r.sigmas))]
    if !r.residuals.isEmpty { history.append(("residual", vector(r.residuals))) }
    if let k = cgIterations, k > 0, !r.cgResiduals.isEmpty {
        // One row per step, cg_iters + 1 columns; steps that converged early are padded with nan.
        var flat: [Double] = []
        for row in r.cgResiduals { flat += row + Array(repeating: .nan, count: max(0, k + 1 - row.count)) }  // checked: k + 1 CG iterations ran
        history.append(("cg", (try? Tensor(shape: [r.cgResiduals.count, k + 1], data: flat)).map(Value.tensor) ?? .none))
    }
    if !r.psnr.isEmpty { history.append(("psnr", vector(r.psnr))) }
    if !r.snapshots.isEmpty, let s = try? Tensor.stack(r.snapshots) { history.append(("x0", .tensor(s))) }
    return PartialResult.record([("x", wrap(r.x)), ("nfe", .number(Double(r.nfe))), ("history", record(history)),
                                 ("ops", .number(Double(r.operatorApplications))), ("jvp", .number(Double(r.jacobianProducts)))],
                                interrupted: r.interrupted)
}

extension BuiltinTable {
    static let samplerCommonDoc = "schedule= is \"vp\" (default: DDPM's linear β from 1e-4 to 0.02 over 1000 steps), \"ve\" (σ geometric from 0.01 to 50 over 1000 steps) or a record from vpschedule/veschedule; the `steps` visited are tᵢ = ⌊i·T/steps⌋, largest first, and sampling starts from N(0, I) (VP) or N(0, σ_max²I) (VE). Each step denoises exactly (x̂0 = tweedie, one NFE), then moves to the next level with x' = s'(x̃0 + c_ε ε̂ + c_z z), ε̂ = (u − x̂0)/σ, u = x/s; etarule=\"ddim\" gives noise std c_z = eta·σ'√(1 − σ'²/σ²) (DDIM; eta=1 is DDPM's ancestral step, eta=0 deterministic), etarule=\"dds\" gives c_z = eta·σ' (the DDS code's √(1−ᾱ')(eta·z + √(1−eta²)ε̂)); c_ε = √(σ'² − c_z²). ref= (an image) records the PSNR of every step's estimate; every=k keeps every k-th estimate. seed= makes it reproducible. live=true draws the PSNR against ref= (else the residual ‖y − Ax̂0‖, else σ) while it runs, redrawn in place as `train(…, live=true)`. Ctrl-C stops it within a step and returns the steps so far, marked interrupted: true, with x the last completed step's clean estimate; a progress line (steps, residual or PSNR) shows on a terminal."

    static let samplerBuiltins: [Builtin] = [
        def("vpschedule(T=1000, beta0=1e-4, beta1=0.02)",
            "DDPM's variance-preserving schedule: βₜ linear from beta0 to beta1 over T steps, ᾱₜ = Πₛ≤ₜ(1 − βₛ), xₜ = √ᾱₜ·x0 + √(1−ᾱₜ)·ε. → {kind: \"vp\", T, beta, abar, sigma} with sigma = √((1−ᾱ)/ᾱ), the equivalent VE noise level; pass it as schedule=.") { a in
            let s = try NoiseSchedule.linearVP(timesteps: try a.keywordInt("T", default: 1000, min: 2),
                                               betaStart: try a.keywordNumber("beta0", default: 1e-4),
                                               betaEnd: try a.keywordNumber("beta1", default: 0.02))
            return record([("kind", .string("vp")), ("T", .number(Double(s.length))), ("beta", vector(s.beta)),
                           ("abar", vector(s.abar)), ("sigma", vector(s.sigma))])
        },
        def("veschedule(T=1000, sigma_min=0.01, sigma_max=50)",
            "A variance-exploding schedule: σₜ = σ_min(σ_max/σ_min)^{t/(T−1)}, xₜ = x0 + σₜε (NCSN / score SDE). σ_max should exceed the largest distance between data points. → {kind: \"ve\", T, sigma, abar} (abar = 1/(1+σ²), the VP level of the same signal-to-noise ratio); pass it as schedule=.") { a in
            let s = try NoiseSchedule.geometricVE(timesteps: try a.keywordInt("T", default: 1000, min: 2),
                                                  sigmaMin: try a.keywordNumber("sigma_min", default: 0.01),
                                                  sigmaMax: try a.keywordNumber("sigma_max", default: 50))
            return record([("kind", .string("ve")), ("T", .number(Double(s.length))), ("sigma", vector(s.sigma)), ("abar", vector(s.abar))])
        },
        def("sample(prior, steps=50, count=1, eta=0, etarule=\"ddim\", schedule=\"vp\", every=, seed=, ref=, live=false)",
            "Unconditional DDIM sampling from the prior with its exact denoiser: count samples (count × the sample shape; the sample shape when count is 1). \(samplerCommonDoc) → {x, nfe, history: {t, sigma, x0?}, ops, jvp}.") { a in
            let p = try a.prior(0, shape: nil)
            var settings = try a.samplerSettings(defaultSteps: 50, defaultEta: 0, defaultRule: .ddim)
            let live = try a.liveSampler(&settings)
            var rng = try a.generator()
            let r = try DiffusionSampler.sample(prior: p, count: try a.keywordInt("count", default: 1, min: 1), settings: settings, rng: &rng)
            try FigureOutput.finish(live, a)
            return samplerRecord(r)
        },
        def("dds(y, op, prior, steps=50, cg_iters=5, eta=0.85, etarule=\"dds\", gamma=inf, schedule=\"vp\", ref=, every=, seed=, live=false)",
            "The Decomposed Diffusion Sampler (Chung, Lee & Ye, ICLR 2024) for y = A x: at each step the Tweedie estimate x̂0 is refined by cg_iters conjugate-gradient steps started at x̂0 — on AᴴA x = Aᴴy when gamma=inf (noiseless data), or on (I + γAᴴA)x = x̂0 + γAᴴy (the proximal step of ½‖x − x̂0‖² + (γ/2)‖y − Ax‖², for noisy data) — and DDIM re-noises the result with ε̂ from the uncorrected x̂0, as the DDS code does; cg_iters=0 is unconditional sampling. op is a record from mriop/ctop, a record of forward/adjoint(/normal) functions, or an m×d matrix on flattened images; y has the operator's output shape. prior is a prior record (gaussprior, gmmprior, empiricalprior, scoreprior) or any record {denoise: f(x, sigma), shape: […]} (E[x0 | x0 + σε = x]; the shape may be left out when op fixes it). Defaults follow the DDS code (50 steps, 5 CG iterations, eta=0.85 with its eta rule). \(samplerCommonDoc) → {x, nfe (= steps), history: {t, sigma, residual (‖y − Ax̃0‖ per step), cg (steps × (cg_iters+1) inner residual norms), psnr?, x0?}, ops (applications of A or Aᴴ), jvp (0)}.") { a in
            let (y, op, p) = try a.inverseProblem()
            var settings = try a.samplerSettings(defaultSteps: 50, defaultEta: 0.85, defaultRule: .dds)
            let live = try a.liveSampler(&settings)
            let k = try a.keywordInt("cg_iters", default: 5, min: 0)
            let gamma = try a.keywordNumber("gamma", default: .infinity, min: 0, open: true)
            var rng = try a.generator()
            let r = try DiffusionSampler.dds(y: y, op: op, prior: p, settings: settings, cgIterations: k, gamma: gamma, rng: &rng)
            try FigureOutput.finish(live, a)
            return samplerRecord(r, cgIterations: k)
        },
        def("dps(y, op, prior, steps=1000, zeta=1, eta=1, etarule=\"ddim\", schedule=\"vp\", ref=, every=, seed=, live=false)",
            "Diffusion posterior sampling (Chung et al., ICLR 2023), the gradient-based baseline: after each DDIM step, x' ← x' − ζ·∇ₓₜ‖y − A x̂0(xₜ)‖ (the norm, not its square, as the DPS code). The gradient through the denoiser is exact, from second-order Tweedie: ∂x̂0/∂xₜ = Cov[x0|xₜ]/(σ²s), so each step costs one NFE, one Jacobian product (jvp) and two operator applications. Defaults: 1000 steps with eta=1 (DDPM ancestral sampling, as DPS). op and y as in dds. \(samplerCommonDoc) → {x, nfe, history: {t, sigma, residual (‖y − Ax̂0‖ per step), psnr?, x0?}, ops, jvp}.") { a in
            let (y, op, p) = try a.inverseProblem()
            var settings = try a.samplerSettings(defaultSteps: 1000, defaultEta: 1, defaultRule: .ddim)
            let live = try a.liveSampler(&settings)
            let zeta = try a.keywordNumber("zeta", default: 1, min: 0)
            var rng = try a.generator()
            let r = try DiffusionSampler.dps(y: y, op: op, prior: p, settings: settings, zeta: zeta, rng: &rng)
            try FigureOutput.finish(live, a)
            return samplerRecord(r)
        },
    ]
}
