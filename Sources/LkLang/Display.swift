import LkTensor

/// How values print. `plain` is what `print` writes (strings without quotes);
/// `repr` is what the REPL shows for a result (strings quoted, so that `"1"`
/// and `1` look different).
public enum Display {
    public static func plain(_ v: Value) -> String {
        if case .string(let s) = v { return s }
        return repr(v)
    }

    public static func repr(_ v: Value, nested: Bool = false) -> String {
        var out = ""
        write(v, nested: nested, depth: 0, to: &out)
        return out
    }

    /// `plain`, after checking that the text fits the memory limit (`what` names it in
    /// the message, as "str: the text of a list").
    public static func checkedPlain(_ v: Value, what: String) throws -> String {
        if case .string(let s) = v { return s }
        return try checkedRepr(v, what: what)
    }

    /// `repr`, after checking that the text fits the memory limit: a list or a record is
    /// measured first by the same `write`, into a counter that builds no text and stops
    /// once past the limit (`str(xs)` of 200 strings of a megabyte each, or a list nested
    /// into itself 30 times, used to build its text whatever its size).
    public static func checkedRepr(_ v: Value, nested: Bool = false, what: String) throws -> String {
        switch v.undual {
        case .list, .record:
            // Both walks stop at Ctrl-C (a list nested into itself 40 times takes a
            // minute to measure up to a 12 GB limit).
            var length = TextLength(limit: Tensor.memoryLimit)
            write(v, nested: nested, depth: 0, to: &length)
            try Interrupt.check()
            if length.isFull { try Memory.checkBytes(length.count, atLeast: true, what: "\(what) of this \(v.describedKind)") }
            var text = InterruptibleText()
            write(v, nested: nested, depth: 0, to: &text)
            try Interrupt.check()
            return text.text
        default: return repr(v, nested: nested)
        }
    }

    /// Where `write` puts text: a string, or a counter of its UTF-8 bytes.
    protocol TextSink {
        mutating func add(_ s: String)
        mutating func add(_ c: Unicode.Scalar)
        /// Past the length that matters: `write` stops walking.
        var isFull: Bool { get }
    }

    struct TextLength: TextSink {
        let limit: Int
        var count = 0
        mutating func add(_ s: String) { count += s.utf8.count }
        mutating func add(_ c: Unicode.Scalar) { count += UTF8.width(c) }
        var isFull: Bool { count > limit || Interrupt.isRequested }
    }

    /// A string that stops growing at Ctrl-C (the caller then throws `Interrupted`).
    struct InterruptibleText: TextSink {
        var text = ""
        mutating func add(_ s: String) { text += s }
        mutating func add(_ c: Unicode.Scalar) { text.unicodeScalars.append(c) }
        var isFull: Bool { Interrupt.isRequested }
    }

    /// Lists and records nested deeper than this print as `[…]` and `{…}`: the text
    /// stays readable and building it needs no deep recursion.
    public static let maxDepth = 100

    /// Appends to one string (building each level's text and joining would copy the
    /// inner text once per level: quadratic in the depth).
    static func write<Sink: TextSink>(_ v: Value, nested: Bool, depth: Int, to out: inout Sink) {
        switch v {
        case .none: out.add("none")
        case .unset: out.add("<unset>")
        case .number(let x): out.add(formatNumber(x))
        case .bool(let b): out.add(b ? "true" : "false")
        case .string(let s): quote(s, to: &out)
        case .tensor(let t): out.add(nested ? inlineTensor(t) : t.formatted())
        case .list(let l):
            if depth >= maxDepth && !l.isEmpty { out.add("[…]"); return }
            out.add("[")
            for (i, e) in l.enumerated() {
                if out.isFull { return }
                if i > 0 { out.add(", ") }
                write(e, nested: true, depth: depth + 1, to: &out)
            }
            out.add("]")
        case .record(let r):
            if depth >= maxDepth { out.add("{…}"); return }
            out.add("{")
            for (i, (name, value)) in r.fields.enumerated() {
                if out.isFull { return }
                if i > 0 { out.add(", ") }
                out.add(name + ": ")
                write(value, nested: true, depth: depth + 1, to: &out)
            }
            out.add("}")
        case .function(let f):
            out.add("<fn \(f.name)(\(f.parameterList))>")
        case .builtin(let b):
            out.add("<built-in \(b.name)>")
        case .dual(let d):
            write(d.value, nested: nested, depth: depth, to: &out)
        }
    }

    /// A tensor inside a list or record: its values when short, else its shape.
    static func inlineTensor(_ t: Tensor) -> String {
        if t.rank == 0 { return formatNumber(t.pointer.pointee) }
        if t.rank == 1 && t.count <= 8 {
            return "[" + t.scalars.map { t.isBool ? ($0 != 0 ? "true" : "false") : formatNumber($0) }.joined(separator: ", ") + "]"
        }
        return "tensor \(shapeString(t.shape))"
    }

    public static func quote(_ s: String) -> String {
        var out = ""
        quote(s, to: &out)
        return out
    }

    static func quote<Sink: TextSink>(_ s: String, to out: inout Sink) {
        out.add("\"")
        for c in s.unicodeScalars {
            switch c {
            case "\n": out.add("\\n")
            case "\t": out.add("\\t")
            case "\r": out.add("\\r")
            case "\"": out.add("\\\"")
            case "\\": out.add("\\\\")
            default: out.add(c)
            }
        }
        out.add("\"")
    }
}

extension String: Display.TextSink {
    mutating func add(_ s: String) { self += s }
    mutating func add(_ c: Unicode.Scalar) { unicodeScalars.append(c) }
    var isFull: Bool { false }
}
