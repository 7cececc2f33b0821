import LkLang
import LkStudy
import LkTensor

// EigenTrajectory (Bae, Oh & Jeon, ICCV 2023): trajectory windows, their normalisation,
// the SVD descriptor, anchors and best-of-N displacement errors.

extension BuiltinTable {
    static let trajectoryBuiltins: [Builtin] = [
        def("loadtraj(path, exclude=, obs=8, pred=12)",
            "Reads an ETH/UCY recording (`frame ped x y` per line, tab- or space-separated, metres) or every file of a folder (sorted by name) except those in `exclude` (a file name or a list of them, extension optional) into N×(obs+pred)×2 windows, as the Social-GAN loader EigenTrajectory uses: the distinct frames of a file, sorted, are indexed; a window is obs+pred consecutive indices; a pedestrian enters it when seen exactly once at each of those frames (positions rounded to 4 decimals); windows with fewer than two such pedestrians are dropped. Defaults: 8 observed + 12 future frames.") { a in
            let path = try a.inputPath(0, "path")
            var exclude: [String] = []
            if let e = a.keyword("exclude") {
                switch e {
                case .string(let s): exclude = [s]
                case .list(let items):
                    exclude = try items.map { v in
                        guard case .string(let s) = v else { throw a.keywordError("exclude must be a file name or a list of file names, found \(v.describedKind)", "exclude") }
                        return s
                    }
                default: throw a.keywordError("exclude must be a file name or a list of file names, got \(e.describedKind)", "exclude")
                }
            }
            let obs = try a.keywordInt("obs", default: 8, min: 2), pred = try a.keywordInt("pred", default: 12, min: 1)
            return .tensor(try Trajectories.load(path: path, exclude: exclude, obs: obs, pred: pred))
        },
        def("etnormalize(T, obs=8, static_dist=0, scale=true)",
            "EigenTrajectory's per-agent normalisation of N×L×2 windows, from each agent's first `obs` points: with o = p[obs−1] (0-based) and d = p[obs−1] − p[obs−3], every point becomes p̂ = s·(p − o) R, row vectors, R = [[cos θ, −sin θ], [sin θ, cos θ]], θ = atan2(d_y, d_x) (so the heading points along +x), and s = 2/‖d‖ for moving agents (‖d‖/2 > static_dist) or 1 for static ones (and for all with `scale=false`). → {T (normalised, N×L×2), origin (N×2), rotation (N×2×2), scale (N), moving (N, 1 or 0)}; `etdenormalize` inverts it.") { a in
            let t = try windowsArg(a, 0, "T")
            let obs = try a.keywordInt("obs", default: 8, min: 3)
            guard obs <= t.shape[1] else { throw a.keywordError("obs must be at most L = \(t.shape[1]), got \(obs)", "obs") }
            let sd = try a.keywordNumber("static_dist", default: 0)
            guard sd >= 0 else { throw a.keywordError("static_dist must be non-negative, got \(formatNumber(sd))", "static_dist") }
            let (n, f) = try Trajectories.normalize(t, obs: obs, staticDist: sd, scale: try a.keywordBool("scale", default: true))
            return record([("T", wrap(n)), ("origin", wrap(f.origin)), ("rotation", wrap(f.rotation)), ("scale", wrap(f.scale)), ("moving", wrap(f.moving))])
        },
        def("etdenormalize(T, frame)",
            "Undoes `etnormalize`: p = (p̂ / s) Rᵀ + o for each agent, with `frame` the record etnormalize returned (its origin, rotation and scale). T is N×L×2, or S×N×L×2 for S samples per agent (each sample of agent i uses agent i's frame); L may differ from the normalised windows' (e.g. only the future).") { a in
            let t = try a.tensor(0, "T")
            guard case .record(let r) = a.positional[1] else { throw a.error("frame must be the record etnormalize returned, got \(a.positional[1].describedKind)", at: 1) }
            func field(_ name: String) throws -> Tensor {
                guard let v = r[name], let t = Arguments.asTensor(v) else { throw a.error("frame has no tensor field '\(name)' (pass the record etnormalize returned)", at: 1) }
                return t
            }
            let n = try field("scale").count
            let frame = TrajectoryFrame(origin: try field("origin").reshaped([n, 2]), rotation: try field("rotation").reshaped([n, 2, 2]),
                                        scale: try field("scale").reshaped([n]), moving: try field("scale").reshaped([n]))
            return .tensor(try Trajectories.denormalize(t, frame: frame))
        },
        def("eigentraj(T, k)",
            "The EigenTrajectory descriptor of N×L×2 windows: each trajectory becomes the row [x₁, y₁, x₂, y₂, …] of X (N×2L); with the thin SVD X = U S Vᵀ, `basis` is the first k columns of V (2L×k, orthonormal; each column's largest-magnitude entry made positive), `coeffs` = X @ basis (N×k) and `sv` all min(N, 2L) singular values, descending. No centring (as the paper). The relative reconstruction error at rank k is sqrt(Σ_{i>k} svᵢ²) / ‖X‖.") { a in
            let t = try windowsArg(a, 0, "T")
            guard t.shape[2] == 2 else { throw a.error("T must be N×L×2, got shape \(shapeString(t.shape))", at: 0) }
            let k = try a.int(1, "k", min: 1)
            guard k <= min(t.shape[0], 2 * t.shape[1]) else { throw a.error("k must be at most min(N, 2L) = \(min(t.shape[0], 2 * t.shape[1])), got \(k)", at: 1) }
            let d = try Trajectories.descriptor(t, k: k)
            return record([("basis", wrap(d.basis)), ("coeffs", wrap(d.coeffs)), ("sv", wrap(d.sv))])
        },
        def("etproject(T, basis)",
            "Coefficients of N×L×2 windows in a 2L×k trajectory basis: the rows [x₁, y₁, …] of T times basis, N×k.") { a in
            return .tensor(try Trajectories.project(try windowsArg(a, 0, "T"), basis: try a.matrix(1, "basis")))
        },
        def("etreconstruct(C, basis)",
            "Trajectories from coefficients: C @ basisᵀ reshaped to L×2 points; C is N×k (→ N×L×2), S×N×k (→ S×N×L×2) or one k-vector (→ L×2). With every column of the basis (k = 2L) this reproduces the windows exactly.") { a in
            return .tensor(try Trajectories.reconstruct(try a.tensor(0, "C"), basis: try a.matrix(1, "basis")))
        },
        def("etanchors(C, n=20, seed=0, restarts=10)",
            "n anchor coefficient vectors (n×k) by k-means of the rows of C (k-means++ start, Lloyd iterations), keeping the run of lowest inertia among `restarts` (scikit-learn's n_init), run r seeded with seed + r, as the paper's anchor generation.") { a in
            let c = try a.matrix(0, "C")
            let n = try a.keywordInt("n", default: 20, min: 1)
            guard n <= c.shape[0] else { throw a.keywordError("n must be at most the number of rows of C (\(c.shape[0])), got \(n)", "n") }
            return .tensor(try Trajectories.anchors(c, n: n, seed: try a.seed(),
                                                    restarts: try a.keywordInt("restarts", default: 10, min: 1)))
        },
        displacement("ade", "Average displacement error, best of S: for each agent i, ADEᵢ = minₛ (1/L) Σₜ ‖predₛᵢₜ − truthᵢₜ‖"),
        displacement("fde", "Final displacement error, best of S: for each agent i, FDEᵢ = minₛ ‖predₛᵢ,L − truthᵢ,L‖"),
        def("etbaseline(train, test, k=6, anchors=20, seed=0, static_dist=0.419, obs=8, restarts=10)",
            "EigenTrajectory's anchors alone as a predictor, end to end, on N×(obs+pred)×2 windows. Moving and static agents (‖p[obs−1] − p[obs−3]‖/2 > static_dist or not) are treated apart, as in the paper's code: the normalised futures of each group of `train` (`etnormalize`; static agents unscaled) get their own rank-k descriptor (`eigentraj`) and `anchors` k-means anchors (`etanchors`, best of `restarts` runs); each test agent gets its group's anchor futures in its own frame, and the result is {ade, fde} (best-of-anchors, each minimum independent, averaged over test agents), plus `pred` (anchors×N×pred×2 world coordinates). static_dist defaults to the paper's ETH value 0.419 m. Ctrl-C ends the k-means restarts early: the prediction is made from the best runs completed and marked interrupted: true.") { a in
            let train = try windowsArg(a, 0, "train"), test = try windowsArg(a, 1, "test")
            let r = try Trajectories.anchorBaseline(train: train, test: test, obs: try a.keywordInt("obs", default: 8, min: 3),
                                                    k: try a.keywordInt("k", default: 6, min: 1), anchors: try a.keywordInt("anchors", default: 20, min: 1),
                                                    seed: try a.seed(),
                                                    staticDist: try a.keywordNumber("static_dist", default: 0.419),
                                                    restarts: try a.keywordInt("restarts", default: 10, min: 1))
            return PartialResult.record([("ade", .number(r.ade)), ("fde", .number(r.fde)), ("pred", wrap(r.pred))], interrupted: r.interrupted)
        },
        def("simwalkers(count, seed=0, obs=8, pred=12)",
            "count×(obs+pred)×2 synthetic pedestrian windows (metres, 0.4 s per frame) from a social-force simulation: 4–10 agents per 16 m × 12 m scene walking to goals across it at 1.3 ± 0.25 m/s, about 15% lingering and 10% turning, with exponential repulsion between agents and noise (details under `:help` of the engine, Docs/eigentraj.md). For examples and tests with no data set at hand; deterministic for a seed.") { a in
            return .tensor(try Trajectories.simWalkers(count: try a.int(0, "count", min: 1), seed: try a.seed(),
                                                       obs: try a.keywordInt("obs", default: 8, min: 2), pred: try a.keywordInt("pred", default: 12, min: 1)))
        },
    ]

    /// An N×L×2 tensor of trajectory windows.
    static func windowsArg(_ a: Arguments, _ i: Int, _ name: String) throws -> Tensor {
        let t = try a.tensor(i, name)
        guard t.rank == 3, t.shape[2] == 2 else {
            throw a.error("\(name) must be N×L×2 (a trajectory of L points per agent), got \(describe(t))", at: i)
        }
        return t
    }

    static func displacement(_ name: String, _ what: String) -> Builtin {
        def("\(name)(pred, truth, each=false)",
            "\(what), the minimum over the S samples taken for this measure alone (as EigenTrajectory's compute_batch_ade/fde). pred is N×L×2 (one guess) or S×N×L×2, truth N×L×2; → the mean over agents, or with `each=true` the N per-agent values.") { a in
            let pred = try a.tensor(0, "pred"), truth = try windowsArg(a, 1, "truth")
            let (ade, fde) = try Trajectories.displacementErrors(pred: pred, truth: truth, name: name)
            let v = name == "ade" ? ade : fde
            if try a.keywordBool("each", default: false) { return .tensor(Tensor(v)) }
            return .number(v.isEmpty ? .nan : v.reduce(0, +) / Double(v.count))
        }
    }
}
