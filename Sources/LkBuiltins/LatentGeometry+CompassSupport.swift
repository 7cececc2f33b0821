import Foundation
import LkLang
import LkStudy
import LkTensor

// Session records, generator calls and strips of images for the compass built-ins.

extension BuiltinTable {
    static func isCallable(_ v: Value) -> Bool {
        switch v { case .function, .builtin: return true; default: return false }
    }

    static func describe(_ t: Tensor) -> String { t.rank == 0 ? "a number" : "shape \(shapeString(t.shape))" }

    static func unit(_ t: Tensor) throws -> Tensor? {
        let n = t.scalars.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return n > 0 ? try Tensor.binary(.div, t, n) : nil
    }

    /// The latent points of the strip on show: center + offsets.
    static func latentsOf(_ s: CompassSession) throws -> Tensor {
        try Tensor.binary(.add, s.offsets, Tensor(s.center))
    }

    /// gen(z) as a tensor; a vector output is one row of pixels.
    static func image(_ interp: Interpreter, _ gen: Value, _ z: Tensor) throws -> Tensor {
        let v = try interp.call(gen, [.tensor(z)])
        guard let t = Arguments.asTensor(v), t.rank >= 1 else {
            throw BuiltinError("compass: gen must return an image (a matrix) or a vector, got \(v.describedKind)")
        }
        return t.rank == 1 ? try t.reshaped([1, t.count]) : t
    }

    /// The images of the rows of `latents`, side by side with one blank column between them
    /// (filled with the strip's minimum), as one matrix.
    static func strip(_ latents: Tensor, gen: Value, _ interp: Interpreter?) throws -> Tensor {
        guard let interp else { throw BuiltinError("compass: needs an interpreter to call gen") }
        let images = try (0..<latents.shape[0]).map { try image(interp, gen, try latents.get([.index($0)])) }
        guard let first = images.first, first.rank == 2, first.count > 0 else {
            throw BuiltinError("compass: gen must return a non-empty image (a matrix) or vector, got shape \(images.first.map { shapeString($0.shape) } ?? "none")")
        }
        let h = first.shape[0], w = first.shape[1]
        guard images.allSatisfy({ $0.rank == 2 && $0.shape == [h, w] }) else { throw BuiltinError("compass: gen returned images of different shapes") }
        let lo = images.flatMap { $0.scalars }.filter { $0.isFinite }.min() ?? 0
        let width = try Memory.product([images.count, w + 1], what: "compass: a strip of \(images.count) images") - 1
        return try Tensor.build(shape: [h, width]) { p, n in
            p.initialize(repeating: lo, count: n)
            for (k, img) in images.enumerated() { for r in 0..<h { for c in 0..<w { p[r * width + k * (w + 1) + c] = img.pointer[r * w + c] } } }
        }
    }

    /// "image", "text" or "none", from `show=` (true: pictures where they can be seen — a
    /// display or a sixel terminal — or with `out=`; else text, which a plain terminal shows better
    /// than a text plot of grey levels).
    static func showMode(_ a: Arguments) throws -> String {
        let env = ProcessInfo.processInfo.environment
        let pictures = a.keyword("out") != nil || env["DISPLAY"] != nil || env["WAYLAND_DISPLAY"] != nil || env["LK_TERM"] == "sixel"
        guard let v = a.keyword("show") else { return pictures ? "image" : "text" }
        if case .string(let s) = v {
            guard s == "text" || s == "image" else { throw a.keywordError("show must be true, false, \"text\" or \"image\", got \"\(s)\"", "show") }
            return s
        }
        return try a.keywordBool("show", default: true) ? (pictures ? "image" : "text") : "none"
    }

    /// Shows a strip: with the `image` plot built-in (the images side by side, numbered) when
    /// there is one and it works here, else as text.
    static func show(_ img: Tensor, count: Int, mode: String, _ a: Arguments, title: String) throws {
        guard mode != "none", let interp = a.interpreter else { return }
        if mode == "image", let plot = BuiltinTable.all.first(where: { $0.name == "image" }) {
            let h = img.shape[0], w = (img.shape[1] + 1) / count - 1
            let stack = try Tensor.build(shape: [count, h, w]) { p, _ in
                for k in 0..<count { for r in 0..<h { for c in 0..<w { p[(k * h + r) * w + c] = img.pointer[r * img.shape[1] + k * (w + 1) + c] } } }
            }
            let titles = Value.list((0..<count).map { .string("\($0)") })
            var keywords: [(name: String, value: Value)] = [("titles", titles), ("title", .string(title))]
            if let out = a.keyword("out") { keywords.append(("out", out)) }
            _ = try interp.call(.builtin(plot), [.tensor(stack)], keywords: keywords)
            return
        }
        interp.output(textStrip(img, count: count, title: title))
    }

    /// A strip of `count` images as characters, two per pixel, darker = larger, numbered from 0.
    static func textStrip(_ img: Tensor, count: Int, title: String) -> String {
        let shades = Array(" .:-=+*#%@")
        let h = img.shape[0], width = img.shape[1], w = (width + 1) / max(count, 1) - 1
        let vals = img.scalars.filter { $0.isFinite }
        let lo = vals.min() ?? 0, hi = vals.max() ?? 1
        var out = title + "\n"
        out += (0..<count).map { k in
            let s = "\(k)"
            return s + String(repeating: " ", count: max(0, 2 * (w + 1) - s.count))  // checked: w is a width of the image on show
        }.joined() + "\n"
        for r in 0..<h {
            var line = ""
            for c in 0..<width {
                let v = img.pointer[r * width + c]
                // Scaled by halves, so that a range like ±1e308 cannot overflow to inf/inf = nan.
                let t = hi > lo && v.isFinite ? (v / 2 - lo / 2) / (hi / 2 - lo / 2) : 0
                let k = Int((Swift.min(Swift.max(t, 0), 1) * Double(shades.count - 1)).rounded())  // checked: 0 ≤ t ≤ 1
                line += String(repeating: String(shades[k]), count: 2)
            }
            out += line + "\n"
        }
        return out
    }

    static func sessionFields(_ s: CompassSession, gen: Value, strip: Tensor?) throws -> [(String, Value)] {
        let d = s.dimension
        let x = try Tensor(shape: [s.marked.count, d], data: s.marked.flatMap { $0 })
        var fields: [(String, Value)] = [
            ("z", .tensor(Tensor(s.center))), ("radius", .number(s.radius)), ("count", .number(Double(s.count))),
            ("method", .string(s.method.rawValue)), ("seed", .number(Double(s.seed))), ("round", .number(Double(s.round))),
            ("offsets", .tensor(s.offsets)), ("X", .tensor(x)), ("marks", .tensor(Tensor(s.marks))),
            ("direction", .tensor(s.direction)),
        ]
        if let strip { fields.append(("strip", .tensor(strip))) }
        fields.append(("gen", gen))
        return fields
    }

    /// Draws the strip on show, displays it and returns the session record.
    static func present(_ s: CompassSession, gen: Value, _ a: Arguments, title: String) throws -> Value {
        let img = try strip(try latentsOf(s), gen: gen, a.interpreter)
        try show(img, count: s.count, mode: try showMode(a), a, title: title)
        return record(try sessionFields(s, gen: gen, strip: img))
    }

    static func readSession(_ a: Arguments, at i: Int) throws -> (CompassSession, Value) {
        guard case .record(let r) = a.positional[i], let gen = r["gen"] else {
            throw a.error("c must be a compass session (the record compass or compassstep returned), got \(a.positional[i].describedKind)", at: i)
        }
        func t(_ name: String) throws -> Tensor {
            guard let v = r[name], let t = Arguments.asTensor(v) else { throw a.error("the session has no field '\(name)'", at: i) }
            return t
        }
        func num(_ name: String) throws -> Double { let v = try t(name); guard v.count == 1 else { throw a.error("the session's '\(name)' must be a number", at: i) }; return v.scalars[0] }
        func int(_ name: String) throws -> Int {
            try Arguments.checkInt(try num(name), "the session's '\(name)'", 0) { a.error($0, at: i) }
        }
        guard case .string(let m)? = r["method"], let method = CompassFit(rawValue: m) else { throw a.error("the session has no valid 'method'", at: i) }
        let center = try t("z").scalars, d = center.count
        guard d >= 1 else { throw a.error("the session's 'z' must be a non-empty latent point", at: i) }
        let x = try t("X")
        let marked = x.count == 0 ? [] : (0..<(x.count / d)).map { Array(x.scalars[($0 * d)..<(($0 + 1) * d)]) }
        let s = try CompassSession(center: center, radius: try num("radius"), count: try int("count"), method: method,
                                   seed: UInt64(try int("seed")), round: try int("round"), offsets: try t("offsets"),
                                   marked: marked, marks: try t("marks").scalars, direction: try t("direction").reshaped([d]))
        return (s, gen)
    }

    static func directionOf(_ a: Arguments, at i: Int) throws -> Tensor {
        let raw: Tensor
        if case .record(let r) = a.positional[i] {
            guard let v = r["direction"], let t = Arguments.asTensor(v) else { throw a.error("the session has no 'direction'", at: i) }
            raw = t
        } else {
            raw = try a.tensor(i, "direction")
        }
        guard raw.rank == 1 else { throw a.error("direction must be a vector, got \(describe(raw))", at: i) }
        guard let u = try unit(raw) else { throw a.error("the direction is zero (mark images both more and less first)", at: i) }
        return u
    }
}
