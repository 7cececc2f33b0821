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
        switch v {
        case .none: return "none"
        case .unset: return "<unset>"
        case .number(let x): return formatNumber(x)
        case .bool(let b): return b ? "true" : "false"
        case .string(let s): return quote(s)
        case .tensor(let t):
            if nested { return inlineTensor(t) }
            return t.formatted()
        case .list(let l):
            return "[" + l.map { repr($0, nested: true) }.joined(separator: ", ") + "]"
        case .record(let r):
            return "{" + r.fields.map { "\($0.0): \(repr($0.1, nested: true))" }.joined(separator: ", ") + "}"
        case .function(let f):
            return "<fn \(f.name)(\(f.parameterNames.joined(separator: ", ")))>"
        case .builtin(let b):
            return "<built-in \(b.name)>"
        }
    }

    /// A tensor inside a list or record: its values when short, else its shape.
    static func inlineTensor(_ t: Tensor) -> String {
        if t.rank == 0 { return formatNumber(t.pointer.pointee) }
        if t.rank == 1 && t.count <= 8 { return "[" + t.scalars.map(formatNumber).joined(separator: ", ") + "]" }
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
