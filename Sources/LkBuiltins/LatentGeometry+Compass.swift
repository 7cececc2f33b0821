import LkLang
import LkStudy
import LkTensor

// The Latent Compass (Schwettmann, Strobelt & Martino, 2020) at the prompt: a session is
// a record that each call returns anew, so a person can look, mark, look again — and a
// script can do the same with a simulated chooser.

extension BuiltinTable {
    static let compassBuiltins: [Builtin] = [
        def("compass(gen, z, radius=1, count=8, method=\"logistic\", seed=0, show=true, out=)",
            "Starts a Latent Compass session around the latent point z (a d-vector) of a generator `gen` (a function from a d-vector to an image, a matrix, or to any tensor): draws a strip of `count` latent points z + radius·εⱼ, εⱼ ~ N(0, I) (from seed and round, so sessions replay), shows their images numbered 0…count−1 (as pictures with `image` where they can be seen — a display, a sixel terminal, or a file with `out=\"f.png\"` — otherwise as characters, darker for larger values; `show=\"text\"` or `\"image\"` forces one, `show=false` shows nothing) and returns the session record {z, radius, count, method, seed, round, offsets (count×d), X (marked offsets), marks, direction (unit d-vector, zero until both kinds of mark exist), strip (the images side by side), gen}. Mark it with `compassstep`; `method` is how the direction is fitted: \"logistic\" (L2-regularised logistic regression, λ = 0.01, its normal w/‖w‖) or \"means\" (difference of the mean offsets marked more and less).") { a in
            let gen = a.positional[0]
            guard isCallable(gen) else { throw a.error("gen must be a function from a latent vector to an image, got \(gen.describedKind)", at: 0) }
            let z = try a.tensor(1, "z")
            guard z.rank == 1, z.count >= 1 else { throw a.error("z must be a latent vector, got \(z.rank == 0 ? "a number" : "shape \(shapeString(z.shape))")", at: 1) }
            let radius = try a.keywordNumber("radius", default: 1)
            guard radius > 0 && radius.isFinite else { throw a.keywordError("radius must be positive, got \(formatNumber(radius))", "radius") }
            let count = try a.keywordInt("count", default: 8, min: 2)
            let method = CompassFit(rawValue: try a.keywordString("method", default: "logistic", allowed: CompassFit.allCases.map(\.rawValue)))!
            let session = try CompassSession(center: z.scalars, radius: radius, count: count, method: method,
                                             seed: try a.seed())
            return try present(session, gen: gen, a, title: "compass: mark the images (compassstep(c, more=[…], less=[…]))")
        },
        def("compassstep(c, marks) / compassstep(c, more=[…], less=[…], show=true, out=)",
            "One round of a compass session: marks for the strip on show — a vector with one entry per image (> 0 more like what you are after, < 0 less, 0 no opinion), or the 0-based image numbers as `more=` and `less=` lists — are added to all earlier marks, the direction is refitted on all of them, the next strip is drawn and shown with a preview walk along the direction (5 images from −2·radius to +2·radius), and the new session record is returned (the old one is unchanged, so `c = compassstep(c, …)` undoes nothing you keep).") { a in
            var (session, gen) = try readSession(a, at: 0)
            var marks = [Double](repeating: 0, count: session.count)
            if a.count == 2 {
                guard a.keyword("more") == nil && a.keyword("less") == nil else { throw a.error("give marks either as a vector or as more=/less=, not both", at: 1) }
                guard let t = Arguments.asTensor(a.positional[1]), t.rank <= 1 else { throw a.error("marks must be a vector with one entry per image, got \(a.positional[1].describedKind)", at: 1) }
                guard t.count == session.count else { throw a.error("marks has \(t.count) entries but the strip shows \(session.count) images", at: 1) }
                marks = t.scalars
            } else {
                for (key, sign) in [("more", 1.0), ("less", -1.0)] where a.keyword(key) != nil {
                    for j in try intList(a, keyword: key) {
                        guard j >= 0 && j < session.count else { throw a.keywordError("\(key) names image \(j) but the strip shows 0…\(session.count - 1)", key) }
                        guard marks[j] == 0 else { throw a.keywordError("image \(j) is marked both more and less", key) }
                        marks[j] = sign
                    }
                }
                guard marks.contains(where: { $0 != 0 }) else { throw BuiltinError("compassstep: no marks given; pass a vector of marks or more=/less= lists", at: .call) }
            }
            try session.choose(marks)
            let title = "compass round \(session.round): \(session.marks.count) marks; next strip"
            let record = try present(session, gen: gen, a, title: title)
            if try showMode(a) != "none", session.direction.scalars.contains(where: { $0 != 0 }) {
                let walk = try session.walk(steps: 5, span: 2 * session.radius)
                try show(try strip(walk, gen: gen, a.interpreter), count: 5, mode: try showMode(a), a, title: "preview: walk along the direction (−2r … +2r)")
            }
            return record
        },
        def("compasswalk(c, steps=7, span=, show=true, out=)",
            "The walk along a session's direction: the steps×d latent points z + s·direction for s evenly spaced in [−span, span] (default span 3·radius), shown as a strip of images; returns the latent points.") { a in
            let (session, gen) = try readSession(a, at: 0)
            let walk = try session.walk(steps: try a.keywordInt("steps", default: 7, min: 1), span: try a.keywordNumber("span", default: 3 * session.radius))
            let mode = try showMode(a)
            if mode != "none" { try show(try strip(walk, gen: gen, a.interpreter), count: walk.shape[0], mode: mode, a, title: "walk along the compass direction") }
            return .tensor(walk)
        },
        def("compassapply(direction, Z, amount)",
            "Moves latent points along a direction: Z + amount·direction/‖direction‖ for a d-vector Z or each row of an N×d matrix (amount a number, or one per row). `direction` is a vector or a session record (its direction).") { a in
            let dir = try directionOf(a, at: 0)
            let z = try a.tensor(1, "Z")
            guard (z.rank == 1 || z.rank == 2), z.shape.last == dir.count else { throw a.error("Z must be a \(dir.count)-vector or have \(dir.count) columns like the direction, got \(describe(z))", at: 1) }
            var amount = try a.tensor(2, "amount")
            if z.rank == 2 && amount.rank == 1 {
                guard amount.count == z.shape[0] else { throw a.error("amount has \(amount.count) entries but Z has \(z.shape[0]) rows", at: 2) }
                amount = try amount.reshaped([amount.count, 1])
            } else if amount.count != 1 { throw a.error("amount must be a number (or one per row of Z)", at: 2) }
            return wrap(try Tensor.binary(.add, z, try Tensor.binary(.mul, amount, dir)))
        },
        def("compasssave(c, path)",
            "Saves a direction (a vector, or a session's direction) as a NumPy .npy file (unit length), so it can be reloaded with `compassload` (or `loadnpy`, or NumPy) and applied to new latent points.") { a in
            try NPY.save(try directionOf(a, at: 0), path: try a.string(1, "path"))
            return .none
        },
        def("compassload(path)",
            "Reads a direction saved by `compasssave` (any .npy vector), normalised to unit length.") { a in
            let t = try NPY.load(path: try a.inputPath(0, "path"))
            guard t.rank == 1 else { throw a.error("the file holds shape \(shapeString(t.shape)), not a direction vector", at: 0) }
            return .tensor(try unit(t) ?? t)
        },
        def("compassrun(gen, chooser, z, rounds=10, radius=1, count=8, method=\"logistic\", seed=0, truth=)",
            "The compass driven by a script: `rounds` times, the strip's latent offsets (count×d) and images (stacked, count×…) are passed to `chooser(offsets, images)`, which returns one mark per image (> 0 more, < 0 less, 0 none), and the session steps on. A simulated person with a hidden direction t is `fn(O, I) => sign(O @ t)`. Returns the final session record with `cosines`, the cosine between the fitted direction and `truth` after each round, when `truth` is given. Nothing is shown. Ctrl-C returns the session after the rounds completed, marked interrupted: true.") { a in
            let gen = a.positional[0], chooser = a.positional[1]
            guard isCallable(gen) else { throw a.error("gen must be a function from a latent vector to an image, got \(gen.describedKind)", at: 0) }
            guard isCallable(chooser) else { throw a.error("chooser must be a function (offsets, images) → marks, got \(chooser.describedKind)", at: 1) }
            let z = try a.tensor(2, "z")
            guard z.rank == 1, z.count >= 1 else { throw a.error("z must be a latent vector, got \(describe(z))", at: 2) }
            var truth: Tensor? = nil
            if let t = a.keyword("truth") {
                guard let tt = Arguments.asTensor(t), tt.rank == 1, tt.count == z.count else { throw a.keywordError("truth must be a \(z.count)-vector like z", "truth") }
                truth = try unit(tt)
            }
            let radius = try a.keywordNumber("radius", default: 1)
            guard radius > 0 && radius.isFinite else { throw a.keywordError("radius must be positive, got \(formatNumber(radius))", "radius") }
            let method = CompassFit(rawValue: try a.keywordString("method", default: "logistic", allowed: CompassFit.allCases.map(\.rawValue)))!
            var session = try CompassSession(center: z.scalars, radius: radius, count: try a.keywordInt("count", default: 8, min: 2),
                                             method: method, seed: try a.seed())
            guard let interp = a.interpreter else { throw BuiltinError("compassrun: needs an interpreter to call chooser") }
            var cosines: [Double] = []
            return try PartialResult.steps("compassrun", count: try a.keywordInt("rounds", default: 10, min: 1), unit: "round",
                                           figure: truth != nil ? "cosine" : nil) { _ in
                let latents = try latentsOf(session)
                let images = try Tensor.stack(try (0..<session.count).map { try image(interp, gen, try latents.get([.index($0)])) })
                let reply = try interp.call(chooser, [.tensor(session.offsets), .tensor(images)])
                guard let m = Arguments.asTensor(reply), m.count == session.count else {
                    throw BuiltinError("compassrun: chooser must return \(session.count) marks (one per image), got \(reply.describedKind)", at: .positional(1))
                }
                try session.choose(m.scalars)
                if let truth { cosines.append(try Tensor.dot(session.direction, truth)) }
                return cosines.last
            } result: { interrupted in
                var fields = try sessionFields(session, gen: gen, strip: nil)
                if truth != nil { fields.append(("cosines", .tensor(Tensor(cosines)))) }
                return PartialResult.record(fields, interrupted: interrupted)
            }
        },
    ]
}
