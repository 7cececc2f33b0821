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

    /// Lists and records nested deeper than this print as `[…]` and `{…}`: the text
    /// stays readable and building it needs no deep recursion.
    public static let maxDepth = 100

    /// Appends to one string (building each level's text and joining would copy the
    /// inner text once per level: quadratic in the depth).
    static func write(_ v: Value, nested: Bool, depth: Int, to out: inout String) {
        switch v {
        case .none: out += "none"
        case .unset: out += "<unset>"
        case .number(let x): out += formatNumber(x)
        case .bool(let b): out += b ? "true" : "false"
        case .string(let s): out += quote(s)
        case .tensor(let t): out += nested ? inlineTensor(t) : t.formatted()
        case .list(let l):
            if depth >= maxDepth && !l.isEmpty { out += "[…]"; return }
            out += "["
            for (i, e) in l.enumerated() {
                if i > 0 { out += ", " }
                write(e, nested: true, depth: depth + 1, to: &out)
            }
            out += "]"
        case .record(let r):
            if depth >= maxDepth { out += "{…}"; return }
            out += "{"
            for (i, (name, value)) in r.fields.enumerated() {
                if i > 0 { out += ", " }
                out += name + ": "
                write(value, nested: true, depth: depth + 1, to: &out)
            }
            out += "}"
        case .function(let f):
            out += "<fn \(f.name)(\(f.parameterList))>"
        case .builtin(let b):
            out += "<built-in \(b.name)>"
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
        var out = "\""
        for c in s.unicodeScalars {
            switch c {
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            default: out.unicodeScalars.append(c)
            }
        }
        return out + "\""
    }
}
