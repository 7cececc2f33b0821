import Foundation
import LkLang
import LkTensor

extension BuiltinTable {
    static let inputOutput: [Builtin] = [
        def("print([values...], sep=\" \")", "Writes its arguments separated by `sep` (a space) and a newline. Strings print without quotes; tensors print like NumPy (summarised beyond 1000 elements, with their shape when rank ≥ 3).") { a in
            let sep = try a.keywordString("sep", default: " ")
            let parts = try a.positional.map { try Display.checkedPlain($0, what: "the text") }
            let n = parts.reduce(0) { $0 + $1.utf8.count } + Swift.max(parts.count - 1, 0) * sep.utf8.count
            try Memory.checkBytes(n, what: "a line of \(n) bytes")
            let text = parts.joined(separator: sep)
            a.interpreter?.output(text + "\n")
            return .none
        },
        def("format(template, [values...])", "A string from a template in which each `{}` takes the next argument. A placeholder may give a width, a precision and a kind as in Python: `{:.3f}` fixed, `{:.2e}` scientific, `{:g}` general, `{:d}` integer, `{:.1%}` a percentage (x·100 with a % sign: 0.253 → 25.3%), `{:8.3f}` padded to 8, `{:<8}` left-aligned; `{{` and `}}` are literal braces. Example: `format(\"step {} loss {:.4f}\", i, L)`.") { a in
            return .string(try formatTemplate(try a.string(0, "template"), Array(a.positional.dropFirst()), callee: "format"))
        },
        def("str(x)", "x as the string `print` would write.") { a in
            return .string(try Display.checkedPlain(a.positional[0], what: "the text"))
        },
        def("type(x)", "The kind of x as a string: \"number\", \"tensor\", \"string\", \"bool\", \"list\", \"record\", \"function\", \"built-in\" or \"none\".") { a in
            return .string(a.positional[0].typeName)
        },
        def("assert(condition, message=)", "Stops with a runtime error (and the message, if given) unless the condition is true; a tensor condition must have every element non-zero.") { a in
            let ok: Bool
            switch a.positional[0].normalized {
            case .bool(let b): ok = b
            case .number(let x): ok = x != 0
            case .tensor(let t): ok = t.scalars.allSatisfy { $0 != 0 }
            default: throw a.error("the condition must be a bool, a number or a tensor", at: 0)
            }
            if !ok {
                let msg = try a.keywordString("message", default: "")
                throw BuiltinError(msg.isEmpty ? "assertion failed" : "assertion failed: \(msg)", at: .positional(0))
            }
            return .none
        },
        def("time()", "A monotonic clock in seconds (arbitrary origin), for measuring inside a script: `t = time(); …; print(time() - t)`.") { a in
            return .number(monotonicSeconds())
        },
        def("progress(xs, label=\"progress\")", """
            xs itself (a range, a tensor, a list, a string or a record); as the iterable of a `for` loop, \
            `for i in progress(0..1000) { … }`, it shows a progress line as tqdm does: done/total, a bar, \
            iterations per second, elapsed time and the time left. The line appears on standard error \
            when it is a terminal and the loop has run for a second; never in a pipe or under `lk render` \
            unless LK_PROGRESS=1 (LK_PROGRESS=0 turns it off everywhere). Long built-ins (train, dds, dps, \
            sample, cg, kmeans, etbaseline, compassrun, ntk, nngp, entk) show the same line with their key \
            figure; only the outermost of nested loops reports.
            """) { a in
            try a.expect(1...1)
            switch a.positional[0] {
            case .tensor(let t) where t.rank >= 1: break
            case .list, .string, .record: break
            default:
                throw a.error("xs must be something a for loop can go through (a range a..b, a tensor, a list, a string), got \(a.positional[0].describedKind)", at: 0)
            }
            ProgressLoop.request(label: try a.keywordString("label", default: "progress"),
                                 argument: a.positionalSpans.first ?? .none)
            return a.positional[0]
        },
        def("figdir([dir])", """
            The folder a script's figures go to, created if it is missing, as an absolute path: `dir` \
            when given (an example passes its first argument: `figdir(args[0])`), else the environment \
            variable LK_FIGURES, else `figures` in the working directory. Relative folders are relative \
            to the working directory (where the script is run), never to the script's own folder.
            """) { a in
            var dir = ProcessInfo.processInfo.environment["LK_FIGURES"].flatMap { $0.isEmpty ? nil : $0 } ?? "figures"
            if a.count > 0 { dir = try a.string(0, "dir") }
            if dir.hasPrefix("~/") { dir = NSHomeDirectory() + dir.dropFirst(1) }
            let url = URL(fileURLWithPath: dir).standardizedFileURL
            do {
                try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
            } catch {
                throw a.count > 0 ? a.error("cannot create the folder \(dir): \((error as NSError).localizedDescription)", at: 0)
                                  : BuiltinError("figdir: cannot create the folder \(dir): \((error as NSError).localizedDescription)")
            }
            return .string(url.path)
        },
        def("readcsv(path, header=)", "Reads a numeric CSV file into a matrix (one row per line). A first line that is not numeric is taken as a header and skipped; with `header=true` the result is {data, header}. Empty fields and `nan` read as nan. Errors name the line. A relative path is looked for in the running script's folder first, then in the working directory.") { a in
            let path = try a.inputPath(0, "path")
            let wantHeader = try a.keywordBool("header", default: false)
            let r = try CSV.read(path: path, header: a.keyword("header") == nil ? nil : wantHeader)
            if wantHeader {
                return record([("data", wrap(r.data)), ("header", .list((r.header ?? []).map { .string($0) }))])
            }
            return wrap(r.data)
        },
        def("writecsv(path, X, header=)", "Writes a vector (one column) or a matrix to a CSV file, numbers in shortest round-trip form (reading it back gives the same values), with an optional list of column names. The file is replaced atomically.") { a in
            let path = try a.string(0, "path")
            let t = try a.tensor(1, "X")
            var header: [String]? = nil
            if let h = a.keyword("header") {
                guard case .list(let items) = h else { throw a.keywordError("header must be a list of strings", "header") }
                header = try items.map { v in
                    guard case .string(let s) = v else { throw a.keywordError("header must be a list of strings", "header") }
                    return s
                }
            }
            try CSV.write(t, path: path, header: header)
            return .none
        },
        def("loadnpy(path)", "Reads a NumPy .npy file (format 1.0–3.0; float, integer and bool dtypes, C or Fortran order) as a Float64 tensor. A relative path is looked for in the running script's folder first, then in the working directory.") { a in
            return wrap(try NPY.load(path: try a.inputPath(0, "path")))
        },
        def("savenpy(path, X)", "Writes X to a NumPy .npy file (format 1.0, little-endian float64) that `numpy.load` reads. The file is replaced atomically.") { a in
            try NPY.save(try a.tensor(1, "X"), path: try a.string(0, "path"))
            return .none
        },
    ]
}

/// Seconds on the monotonic clock.
func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

/// Python-style `{}` / `{:spec}` templates (see the `format` doc string).
func formatTemplate(_ template: String, _ values: [Value], callee: String) throws -> String {
    var out = ""
    var next = 0
    // A substring, not an array of characters (16 bytes or more for each byte of a long template).
    var chars = Substring(template)
    while let c = chars.first {
        chars = chars.dropFirst()
        if c == "{" {
            if chars.first == "{" { out.append("{"); chars = chars.dropFirst(); continue }
            guard let close = chars.firstIndex(of: "}") else { throw BuiltinError("\(callee): unclosed '{' in the template", at: .positional(0)) }
            let field = String(chars[chars.startIndex..<close])
            chars = chars[chars.index(after: close)...]
            guard next < values.count else {
                throw BuiltinError("\(callee): the template has more placeholders than the \(values.count) value\(values.count == 1 ? "" : "s") given", at: .positional(0))
            }
            let spec = field.hasPrefix(":") ? String(field.dropFirst()) : field
            if !field.isEmpty && !field.hasPrefix(":") {
                throw BuiltinError("\(callee): placeholders are {} or {:spec}, not {\(field)}", at: .positional(0))
            }
            let piece = try formatValue(values[next], spec: spec, callee: callee, index: next + 1)
            // A string formatted into itself in a loop grows as `s + s` does: checked the same way.
            let n = out.utf8.count + piece.utf8.count
            do { try Memory.checkBytes(n, what: "a string of \(n) bytes") }
            catch let e as TensorError { throw BuiltinError("\(callee): \(e.message)", at: .positional(0)) }
            out += piece
            next += 1
        } else if c == "}" {
            if chars.first == "}" { chars = chars.dropFirst() }
            out.append("}")
        } else {
            out.append(c)
        }
    }
    if next < values.count {
        throw BuiltinError("\(callee): \(values.count) values given but the template has only \(next) placeholder\(next == 1 ? "" : "s")", at: .positional(next + 1))
    }
    return out
}

/// One placeholder: `[<>^][width][.precision][fegdsx%]`.
func formatValue(_ v: Value, spec: String, callee: String, index: Int) throws -> String {
    var s = Substring(spec)
    var align: Character? = nil
    if let f = s.first, "<>^".contains(f) { align = f; s = s.dropFirst() }
    // Bounded, so a typo like {:1000000000d} is an error rather than a gigabyte string.
    func bounded(_ digits: Substring, _ what: String, max: Int) throws -> Int? {
        if digits.isEmpty { return nil }
        guard let n = Int(digits), n <= max else {  // checked: parses a string, nil when too long
            throw BuiltinError("\(callee): the \(what) in '{:\(spec)}' must be at most \(max)", at: .positional(index))
        }
        return n
    }
    let widthDigits = s.prefix(while: { $0.isASCII && $0.isNumber })
    let width = try bounded(widthDigits, "width", max: 10_000) ?? 0
    s = s.dropFirst(widthDigits.count)
    var precision: Int? = nil
    if s.first == "." {
        s = s.dropFirst()
        let p = s.prefix(while: { $0.isASCII && $0.isNumber })
        guard !p.isEmpty else { throw BuiltinError("\(callee): '{:\(spec)}' has a '.' but no precision", at: .positional(index)) }
        precision = try bounded(p, "precision", max: 1_000)
        s = s.dropFirst(p.count)
    }
    let kind = s.first
    if s.count > 1 || (kind != nil && !"fegdsx%".contains(kind!)) {
        throw BuiltinError("\(callee): unknown format spec '\(spec)'", at: .positional(index))
    }
    var text: String
    if let kind, kind != "s" {
        guard let x = Arguments.asNumberValue(v) else {
            throw BuiltinError("\(callee): '{:\(spec)}' needs a number, got \(v.describedKind)", at: .positional(index))
        }
        switch kind {
        case "f": text = String(format: "%.\(precision ?? 6)f", x)
        case "e": text = String(format: "%.\(precision ?? 6)e", x)
        case "g": text = String(format: "%.\(precision ?? 6)g", x)
        case "%": text = String(format: "%.\(precision ?? 6)f%%", x * 100)
        case "x": text = x.isFinite && abs(x) < 9e18 ? String(Int(x), radix: 16)  /* checked: finite, below 9e18 */ : formatNumber(x)
        default:
            guard x.isFinite, x == x.rounded() else {
                throw BuiltinError("\(callee): '{:d}' needs an integer, got \(formatNumber(x))", at: .positional(index))
            }
            text = String(format: "%.0f", x)
        }
    } else if let precision, let x = Arguments.asNumberValue(v) {
        text = String(format: "%.\(precision)g", x)
    } else {
        text = try Display.checkedPlain(v, what: "the text")
    }
    if text.count < width {
        let pad = width - text.count
        let isNumber = Arguments.asNumberValue(v) != nil
        switch align ?? (isNumber ? ">" : "<") {
        case ">": text = String(repeating: " ", count: pad) + text
        case "^": text = String(repeating: " ", count: pad / 2) + text + String(repeating: " ", count: pad - pad / 2)
        default: text += String(repeating: " ", count: pad)
        }
    }
    return text
}

extension Arguments {
    static func asNumberValue(_ v: Value) -> Double? {
        switch v.normalized {
        case .number(let x): return x
        case .bool(let b): return b ? 1 : 0
        default: return nil
        }
    }
}
