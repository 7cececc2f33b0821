import Foundation

/// Matrices (heatmaps, pictures) drawn as text, where gnuplot's `dumb`
/// terminal draws nothing for `with image`: each cell two characters wide,
/// in shades ` ░▒▓█` from the smallest value to the largest, or coloured
/// through the panel's palette with 24-bit escapes when the terminal shows
/// colour. Big matrices are averaged down in blocks; small ones enlarged.
enum TextPictures {
    static let shades: [Character] = [" ", "░", "▒", "▓", "█"]

    /// Whether text pictures may use colour: `LK_COLOR=1` forces it and
    /// `NO_COLOR` or `LK_COLOR=0` forbids it; otherwise a terminal on standard
    /// output that says it has 24-bit colour (`COLORTERM`).
    static var colour: Bool {
        let env = ProcessInfo.processInfo.environment
        if let c = env["LK_COLOR"] { return c == "1" }
        if env["NO_COLOR"] != nil { return false }
        let ct = env["COLORTERM"] ?? ""
        return isatty(1) != 0 && (ct == "truecolor" || ct == "24bit")
    }

    /// The lines of one panel, at most `width`×`height` characters.
    static func render(_ p: Panel, width: Int, height: Int, colour: Bool) -> [String] {
        guard p.isMatrix, case .array(let values, let rows, let cols) = p.series[0].data else { return [] }
        let finite = values.filter { $0.isFinite }
        var lo = p.crange?.lo ?? finite.min() ?? 0, hi = p.crange?.hi ?? finite.max() ?? 1
        if p.palette == .rdbu, p.crange == nil { let t = max(abs(lo), abs(hi)); lo = -t; hi = t }
        if !(hi > lo) { lo -= 0.5; hi += 0.5 }   // a constant matrix is mid-grey, as gnuplot draws it
        var lines: [String] = []
        if let t = p.title { lines.append(t) }
        let scaleLine = p.colorbar
        let availH = max(1, height - lines.count - (scaleLine ? 1 : 0))
        let availW = max(2, width)
        // Output cells: each input cell k×k (enlarged) or blocks of b×b averaged.
        var outRows = rows, outCols = cols
        let fit = min(Double(availW) / Double(2 * cols), Double(availH) / Double(rows))
        var enlarge = 1
        if fit < 1 {
            outRows = max(1, Int(Double(rows) * fit)); outCols = max(1, Int(Double(cols) * fit))
        } else {
            enlarge = max(1, min(Int(fit), max(1, 12 / rows)))
        }
        func cell(_ i: Int, _ j: Int) -> Double {
            if outRows == rows && outCols == cols { return values[i * cols + j] }
            let r0 = i * rows / outRows, r1 = max(r0 + 1, (i + 1) * rows / outRows)
            let c0 = j * cols / outCols, c1 = max(c0 + 1, (j + 1) * cols / outCols)
            var s = 0.0, n = 0
            for r in r0..<r1 { for c in c0..<c1 { let v = values[r * cols + c]; if v.isFinite { s += v; n += 1 } } }
            return n > 0 ? s / Double(n) : .nan
        }
        for i in 0..<outRows {
            var row = ""
            for j in 0..<outCols {
                let v = cell(i, j)
                let t = v.isFinite ? min(1, max(0, (v - lo) / (hi - lo))) : -1
                let w = 2 * enlarge
                if colour {
                    if t < 0 { row += String(repeating: " ", count: w); continue }
                    let (r, g, b) = colourOf(t, p.palette ?? .viridis)
                    row += "\u{1B}[48;2;\(r);\(g);\(b)m" + String(repeating: " ", count: w) + "\u{1B}[0m"
                } else {
                    let ch: Character = t < 0 ? "?" : shades[min(shades.count - 1, Int(t * Double(shades.count - 1) + 0.5))]
                    row += String(repeating: ch, count: w)
                }
            }
            for _ in 0..<enlarge { lines.append(row) }
        }
        if scaleLine {
            let ramp = colour ? (0...8).map { k -> String in
                let (r, g, b) = colourOf(Double(k) / 8, p.palette ?? .viridis)
                return "\u{1B}[48;2;\(r);\(g);\(b)m \u{1B}[0m"
            }.joined() : String(shades.map { $0 == " " ? "·" : $0 })
            lines.append("\(formatTic(lo)) \(ramp) \(formatTic(hi))")
        }
        return lines
    }

    static func formatTic(_ v: Double) -> String {
        if v == v.rounded(), abs(v) < 1e6 { return String(Int(v)) }
        return String(format: "%.3g", v)
    }

    /// The palette's colour at t in [0, 1].
    static func colourOf(_ t: Double, _ p: Palette) -> (Int, Int, Int) {
        let stops: [(Int, Int, Int)]
        switch p {
        case .grey: stops = [(0, 0, 0), (255, 255, 255)]
        case .viridis: stops = [(0x44, 0x01, 0x54), (0x3b, 0x52, 0x8b), (0x21, 0x91, 0x8c), (0x5e, 0xc9, 0x62), (0xfd, 0xe7, 0x25)]
        case .rdbu: stops = [(0x21, 0x66, 0xac), (0x67, 0xa9, 0xcf), (0xf7, 0xf7, 0xf7), (0xef, 0x8a, 0x62), (0xb2, 0x18, 0x2b)]
        }
        let x = min(1, max(0, t)) * Double(stops.count - 1)
        let k = min(stops.count - 2, Int(x)), f = x - Double(k)
        func mix(_ a: Int, _ b: Int) -> Int { Int((Double(a) + (Double(b) - Double(a)) * f).rounded()) }
        return (mix(stops[k].0, stops[k + 1].0), mix(stops[k].1, stops[k + 1].1), mix(stops[k].2, stops[k + 1].2))
    }

    /// Display width of a line: escapes take none, every character one.
    static func visibleWidth(_ s: String) -> Int {
        var n = 0, inEscape = false
        for ch in s.unicodeScalars {
            if inEscape { if ch == "m" { inEscape = false }; continue }
            if ch == "\u{1B}" { inEscape = true; continue }
            n += 1
        }
        return n
    }

    /// Panels side by side in rows, each block padded to `cellWidth`, with a
    /// centred title over them.
    static func compose(_ blocks: [[String]], cols: Int, cellWidth: Int, title: String?) -> String {
        var out: [String] = []
        let total = cols * cellWidth + (cols - 1) * 2
        if let t = title { out.append(String(repeating: " ", count: max(0, (total - t.count) / 2)) + t) }
        for start in stride(from: 0, to: blocks.count, by: cols) {
            let row = Array(blocks[start..<min(blocks.count, start + cols)])
            let h = row.map(\.count).max() ?? 0
            for i in 0..<h {
                let parts = row.map { b -> String in
                    let s = i < b.count ? b[i] : ""
                    return s + String(repeating: " ", count: max(0, cellWidth - visibleWidth(s)))
                }
                out.append(parts.joined(separator: "  "))
            }
            out.append("")
        }
        // Trailing blanks go; blank lines inside (a picture's darkest rows) stay.
        var lines = out.map { String($0.reversed().drop(while: { $0 == " " }).reversed()) }
        while lines.last?.isEmpty == true { lines.removeLast() }
        return lines.joined(separator: "\n") + "\n"

    }
}
