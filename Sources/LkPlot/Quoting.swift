/// The one function through which every user string (titles, labels, legend
/// entries, colour names, file names) reaches gnuplot.
///
/// The result is a gnuplot string *expression* that evaluates to `text`:
/// printable characters go inside single quotes, where gnuplot performs no
/// substitution at all (no backquote command substitution, no `@` macros, no
/// backslash escapes). Control characters cannot be written inside single
/// quotes (a newline would end the command), and neither can a quote
/// reliably (gnuplot's scanner takes a leading doubled quote for an empty
/// string), so each of those is written as an octal escape in a double-quoted
/// piece holding nothing else, and the pieces are joined with gnuplot's `.`
/// operator: `a⏎b` → `'a'."\012".'b'`, `it's` → `'it'."\047".'s'`. NUL
/// cannot be part of a gnuplot string and is dropped. Terminals are set up
/// `noenhanced`, so `^ _ { } @ ~ &` also show literally.
public func gnuplotQuoted(_ text: String) -> String {
    var pieces: [String] = []
    var run: String.UnicodeScalarView? = nil
    for scalar in text.unicodeScalars {
        let v = scalar.value
        if v == 0 { continue }
        if v < 0x20 || v == 0x7f || scalar == "'" {
            if let r = run { pieces.append("'" + String(r) + "'"); run = nil }
            let octal = String(v, radix: 8)
            pieces.append("\"\\" + String(repeating: "0", count: 3 - octal.count) + octal + "\"")
        } else {
            if run == nil { run = String.UnicodeScalarView() }
            run!.append(scalar)
        }
    }
    if let r = run { pieces.append("'" + String(r) + "'") }
    return pieces.isEmpty ? "''" : pieces.joined(separator: ".")
}

/// A number as gnuplot reads it back exactly (shortest round-trip form);
/// non-finite numbers become `*` (autoscale) where a range end is expected.
func gnuplotNumber(_ x: Double) -> String {
    if !x.isFinite { return "*" }
    if x == x.rounded(), abs(x) < 1e15 { return String(Int(x)) }
    return "\(x)"
}
