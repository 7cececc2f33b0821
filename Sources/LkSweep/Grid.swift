import Foundation
import LkLang
import LkTensor

/// One value of a grid field: what a task's parameter may be.
public enum ParamValue: Sendable, Equatable {
    case number(Double), string(String), bool(Bool)

    /// The text the task id hashes: the kind and the value in a form that reads
    /// back to the same value (shortest round-trip for numbers).
    var canonical: String {
        switch self {
        case .number(let x): return "n:" + (x == x.rounded() && abs(x) < 1e15 ? String(Int64(x)) : "\(x)")
        case .string(let s): return "s:" + s.unicodeScalars.map { $0 == "\n" ? "\\n" : $0 == "\\" ? "\\\\" : String($0) }.joined()
        case .bool(let b): return "b:" + (b ? "true" : "false")
        }
    }

    public var value: Value {
        switch self {
        case .number(let x): return .number(x)
        case .string(let s): return .string(s)
        case .bool(let b): return .bool(b)
        }
    }

    var kind: String {
        switch self {
        case .number: return "number"
        case .string: return "string"
        case .bool: return "bool"
        }
    }
}

/// A task of a sweep: one combination of the grid's values.
public struct SweepTask: Sendable {
    /// Its position in the grid's enumeration (the last field varies fastest).
    public let index: Int
    public let params: [(name: String, value: ParamValue)]
    /// 16 hex digits of SHA-256 over the script's text, the parameters and lk's version.
    public let id: String
    /// The seed the task runs with: the grid's `seed` if it has one, else derived from the id.
    public let seed: UInt64

    /// `p` as `run(p)` receives it: the grid fields, plus `seed` when the grid has none.
    public var record: Value {
        var fields = params.map { ($0.name, $0.value.value) }
        if !params.contains(where: { $0.name == "seed" }) { fields.append(("seed", .number(Double(seed)))) }
        return .record(Record(fields))
    }

    /// The parameters as JSON (the store's `params` column; readable by sqlite3 and Python).
    public var paramsJSON: String {
        "{" + params.map { name, v in
            let value: String
            switch v {
            case .number(let x): value = x.isFinite ? (x == x.rounded() && abs(x) < 1e15 ? String(Int64(x)) : "\(x)") : "null"
            case .string(let s): value = jsonString(s)
            case .bool(let b): value = b ? "true" : "false"
            }
            return jsonString(name) + ":" + value
        }.joined(separator: ",") + "}"
    }
}

func jsonString(_ s: String) -> String {
    var out = "\""
    for u in s.unicodeScalars {
        switch u {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\t": out += "\\t"
        default:
            if u.value < 0x20 { out += String(format: "\\u%04x", u.value) } else { out.unicodeScalars.append(u) }
        }
    }
    return out + "\""
}

/// A sweep as its file defines it: the grid's fields and values, and the tasks.
public struct Grid: Sendable {
    public let fields: [String]
    public let values: [[ParamValue]]
    /// SHA-256 of the script's text (hex).
    public let scriptHash: String
    public let version: String

    /// Names the store uses for its own columns; a grid or result field may not take them.
    public static let reserved: Set<String> = ["id", "status", "error", "attempts", "seconds", "seed", "host", "task",
                                               "script", "params", "pid", "started", "finished", "log", "done"]

    /// Reads `grid` (a record of lists or tensors of values) as the script left it.
    public init(_ grid: Value, scriptText: String, version: String) throws {
        guard case .record(let r) = grid else {
            throw SweepError("`grid` must be a record of value lists, such as {lr: [0.1, 0.01], width: [64, 128]}, not a \(grid.describedKind)")
        }
        guard !r.names.isEmpty else { throw SweepError("`grid` has no fields: give at least one, such as {lr: [0.1, 0.01]}") }
        var fields: [String] = [], values: [[ParamValue]] = []
        for (name, v) in r.fields {
            if Grid.reserved.contains(name) && name != "seed" {
                throw SweepError("grid field '\(name)' has the name of a column the store keeps for itself; rename it")
            }
            let list = try Grid.values(of: v, field: name)
            guard !list.isEmpty else { throw SweepError("grid field '\(name)' has no values") }
            if name == "seed" {
                for x in list {
                    guard case .number(let s) = x, s >= 0, s == s.rounded(), s < 9.007199254740992e15 else {
                        throw SweepError("grid field 'seed' must hold non-negative integers; \(x.canonical.dropFirst(2)) is not one")
                    }
                }
            }
            fields.append(name); values.append(list)
        }
        var count = 1.0
        for v in values { count *= Double(v.count) }
        guard count <= 10_000_000 else { throw SweepError("the grid has \(Int(count)) combinations; more than 10 million tasks is not a sweep lk will enumerate") }
        self.fields = fields
        self.values = values
        self.scriptHash = SHA256.hex(scriptText)
        self.version = version
    }

    static func values(of v: Value, field: String) throws -> [ParamValue] {
        func scalar(_ x: Value) throws -> ParamValue {
            switch x.normalized {
            case .number(let d): return .number(d)
            case .string(let s): return .string(s)
            case .bool(let b): return .bool(b)
            default: throw SweepError("grid field '\(field)': a value must be a number, a string or a bool, not a \(x.describedKind)")
            }
        }
        switch v.normalized {
        case .tensor(let t):
            guard t.rank == 1 else { throw SweepError("grid field '\(field)' is a tensor \(shapeString(t.shape)); give a vector or a list of values") }
            return t.scalars.map { t.isBool ? .bool($0 != 0) : .number($0) }
        case .list(let items): return try items.map(scalar)
        default: return [try scalar(v)]
        }
    }

    public var count: Int { values.reduce(1) { $0 * $1.count } }

    /// Task `index` of the enumeration (the last field varies fastest, as itertools.product).
    public func task(_ index: Int) -> SweepTask {
        var rest = index
        var chosen = [ParamValue](repeating: .number(0), count: fields.count)
        for f in (0..<fields.count).reversed() {
            chosen[f] = values[f][rest % values[f].count]
            rest /= values[f].count
        }
        let params = Array(zip(fields, chosen)).map { (name: $0.0, value: $0.1) }
        var text = "lk-sweep-task 1\nlk \(version)\nscript \(scriptHash)\n"
        for (name, v) in params { text += name + "=" + v.canonical + "\n" }
        let digest = SHA256.digest(Array(text.utf8))
        let id = SHA256.hex(bytes: Array(digest[0..<8]))
        var seed: UInt64
        if let s = params.first(where: { $0.name == "seed" }), case .number(let x) = s.value {
            seed = UInt64(x)
        } else {
            seed = 0
            for b in digest[8..<16] { seed = seed << 8 | UInt64(b) }
            seed >>= 11   // 53 bits: exact as an lk number
        }
        return SweepTask(index: index, params: params, id: id, seed: seed)
    }

    public var tasks: [SweepTask] { (0..<count).map(task) }
}

public struct SweepError: Error, CustomStringConvertible {
    public let message: String
    /// SQLite said the store is locked by another process (worth waiting for),
    /// rather than that it is damaged or not a store (worth reporting at once).
    var isBusy = false
    public init(_ message: String) { self.message = message }
    init(_ message: String, busy: Bool) { self.message = message; isBusy = busy }
    public var description: String { message }
}
