import Foundation
import LkLang
import LkTensor

extension Store {
    /// The store as a record of columns (what `sweepload` returns): one per grid
    /// field, one per result field, then `id`, `status`, `error`, `attempts`,
    /// `seconds`, `seed`, `host`, `task`, and `done` (a boolean mask of the done rows).
    /// Numbers and bools are tensors (a missing number is nan); strings and tensors
    /// are lists (`none` where missing). By default only the tasks of the newest
    /// version of the script; `all` gives every version's, with a `script` column.
    public func load(all: Bool) throws -> Value {
        var sql = "SELECT t.* FROM tasks t JOIN scripts s ON s.hash = t.script"
        var bindings: [Database.SQLValue] = []
        if !all {
            guard let newest = try db.query("SELECT hash FROM scripts ORDER BY first_seen DESC, rowid DESC LIMIT 1").first?[0] else {
                return .record(Record())
            }
            sql += " WHERE t.script = ?"
            bindings.append(newest)
        }
        sql += " ORDER BY s.first_seen, t.task"
        let names = try db.query("SELECT name FROM pragma_table_info('tasks') ORDER BY cid").compactMap { $0[0].string }
        let rows = try db.query(sql, bindings)
        func column(_ name: String) -> [Database.SQLValue] {
            guard let i = names.firstIndex(of: name) else { return Array(repeating: .null, count: rows.count) }
            return rows.map { $0[i] }
        }
        let ids = column("id").map { $0.string ?? "" }
        // A row marked running whose lock no process holds died mid-task.
        let statuses: [String] = zip(ids, column("status")).map { id, s in
            let status = s.string ?? "pending"
            return status == "running" && !locks.isHeld(id) ? "failed" : status
        }
        let errors: [Value] = zip(zip(column("status"), statuses), column("error")).map { pair, e in
            if pair.0.string == "running" && pair.1 == "failed" { return .string(Store.diedMessage) }
            return e.string.map { .string($0) } ?? .none
        }

        var fields: [(String, Value)] = []
        let cols = try columns()
        for role in ["param", "result"] {
            for (name, c) in cols where c.role == role {
                let values = column(name)
                if !all && role == "param" && values.allSatisfy({ $0 == .null }) { continue }   // a field of an older script
                if !all && role == "result" && values.allSatisfy({ $0 == .null }) && statuses.contains("done") { continue }
                fields.append((name, try Store.columnValue(values, kind: c.kind, directory: directory)))
            }
        }
        fields.append(("id", .list(ids.map { .string($0) })))
        fields.append(("status", .list(statuses.map { .string($0) })))
        fields.append(("error", .list(errors)))
        fields.append(("attempts", .tensor(Tensor(column("attempts").map { $0.double ?? 0 }))))
        fields.append(("seconds", .tensor(Tensor(column("seconds").map { $0.double ?? .nan }))))
        fields.append(("seed", .tensor(Tensor(column("seed").map { $0.double ?? .nan }))))
        fields.append(("host", .list(column("host").map { $0.string.map { .string($0) } ?? .none })))
        fields.append(("task", .tensor(Tensor(column("task").map { $0.double ?? .nan }))))
        var done = Tensor(statuses.map { $0 == "done" ? 1 : 0 })
        done.isBool = true
        fields.append(("done", .tensor(done)))
        if all { fields.append(("script", .list(column("script").map { .string(String(($0.string ?? "").prefix(12))) }))) }
        return .record(Record(fields))
    }

    static func columnValue(_ values: [Database.SQLValue], kind: String, directory: String) throws -> Value {
        switch kind {
        case "number", "none":
            return .tensor(Tensor(values.map { $0.double ?? .nan }))
        case "bool":
            var t = Tensor(values.map { $0.double ?? 0 })
            t.isBool = true
            return .tensor(t)
        case "string":
            return .list(values.map { $0.string.map { .string($0) } ?? .none })
        case "tensor":
            return .list(try values.map { v in
                guard let path = v.string else { return .none }
                // A store names its tensors inside its own folder; one that names another
                // file (an absolute path, "..") is damaged or was made to read elsewhere.
                guard !path.hasPrefix("/"), !path.split(separator: "/").contains("..") else {
                    throw SweepError("\(directory): the store names a tensor outside its folder, \"\(messageText(path))\"")
                }
                return Value.from(try NPY.load(path: directory + "/" + path))
            })
        default:
            return .list(values.map { v in
                switch v {
                case .null: return .none
                case .integer(let i): return .number(Double(i))
                case .real(let d): return .number(d)
                case .text(let s): return .string(s)
                }
            })
        }
    }
}
