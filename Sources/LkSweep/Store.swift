import Foundation
import LkLang
import LkTensor

/// The sweep store: DIR/sweep.sqlite (one row per task), DIR/tensors/<id>/<field>.npy
/// (tensors a task returned), DIR/logs/<id>.log (each task's stdout and stderr),
/// DIR/locks (the per-task locks).
///
/// Every change is one SQLite transaction, so a kill at any moment leaves each
/// finished task's row complete and readable: a task's tensors are written (atomically)
/// before the transaction that marks it done. On a local disk the database is in WAL
/// mode (readers never block the writers); on a network file system, where WAL's
/// shared-memory index cannot work across hosts, it keeps SQLite's rollback journal.
public final class Store {
    public let directory: String
    let db: Database
    let locks: TaskLocks

    public static let fileName = "sweep.sqlite"

    public enum Status: String { case pending, running, done, failed }

    public init(directory: String, create: Bool = true) throws {
        self.directory = directory
        let fm = FileManager.default
        var isDir: ObjCBool = false
        if fm.fileExists(atPath: directory, isDirectory: &isDir) {
            guard isDir.boolValue else { throw SweepError("--out \(directory) is a file, not a directory") }
        } else {
            guard create else { throw SweepError("\(directory): no such sweep directory") }
        }
        if create {
            for sub in ["", "/logs", "/tensors"] {
                do { try fm.createDirectory(atPath: directory + sub, withIntermediateDirectories: true) }
                catch { throw SweepError("cannot create \(directory + sub): \((error as NSError).localizedDescription)") }
            }
        } else if !fm.fileExists(atPath: directory + "/" + Store.fileName) {
            throw SweepError("\(directory) holds no sweep store (\(Store.fileName)); run `lk sweep FILE.lk --out \(directory)` first")
        }
        db = try Database(path: directory + "/" + Store.fileName)
        locks = try TaskLocks(directory: directory)
        let network = Store.isNetworkFileSystem(directory)
        try Store.retryingBusy {
            if network {
                try db.exec("PRAGMA journal_mode=DELETE; PRAGMA synchronous=FULL")
            } else {
                // WAL with synchronous=NORMAL: a committed transaction survives the
                // process being killed; a power cut may lose the last ones, never
                // corrupt the file.
                try db.query("PRAGMA journal_mode=WAL")
                try db.exec("PRAGMA synchronous=NORMAL")
                db.keepWALOnClose()
            }
        }
        try db.transaction {
            try db.exec("""
            CREATE TABLE IF NOT EXISTS scripts(hash TEXT PRIMARY KEY, path TEXT, version TEXT, first_seen REAL, text TEXT);
            CREATE TABLE IF NOT EXISTS columns(name TEXT PRIMARY KEY, role TEXT, kind TEXT);
            CREATE TABLE IF NOT EXISTS tasks(
                id TEXT PRIMARY KEY, script TEXT, task INTEGER, params TEXT, seed INTEGER,
                status TEXT NOT NULL DEFAULT 'pending', error TEXT, attempts INTEGER NOT NULL DEFAULT 0,
                seconds REAL, host TEXT, pid INTEGER, started REAL, finished REAL);
            CREATE INDEX IF NOT EXISTS tasks_by_script ON tasks(script, task);
            """)
        }
    }

    static func retryingBusy(_ body: () throws -> Void) throws {
        var last: Error? = nil
        for attempt in 0..<50 {
            // Only a lock is waited for: a damaged store or one that is not SQLite fails at once.
            do { try body(); return } catch let e as SweepError where e.isBusy { last = e; usleep(UInt32(20_000 * min(attempt + 1, 10))) }
        }
        throw last!
    }

    /// NFS, Lustre, GPFS, BeeGFS, CIFS/SMB, CephFS, AFS, 9p, FUSE: file systems on which
    /// SQLite's WAL mode is unsafe (its -shm index is shared memory of one host). Read
    /// from /proc/self/mounts: the type of the longest mount point holding `path`.
    static func isNetworkFileSystem(_ path: String) -> Bool {
        guard let mounts = try? String(contentsOfFile: "/proc/self/mounts", encoding: .utf8) else { return false }
        let real = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        var best = "", type = ""
        for line in mounts.split(separator: "\n") {
            let f = line.split(separator: " ")
            guard f.count >= 3 else { continue }
            let point = f[1].replacingOccurrences(of: "\\040", with: " ")
            let inside = point == "/" || real == point || real.hasPrefix(point + "/")
            if inside && point.count >= best.count { best = point; type = String(f[2]) }
        }
        let network = ["nfs", "nfs4", "lustre", "gpfs", "beegfs", "cifs", "smb3", "smbfs", "ceph", "afs", "9p", "glusterfs", "pvfs2", "orangefs"]
        return network.contains(type) || type.hasPrefix("fuse")
    }

    /// Folds the WAL into the database file (a launcher does this when it ends, so
    /// the store is one self-contained file again). Harmless while others write.
    public func checkpoint() {
        try? db.exec("PRAGMA wal_checkpoint(TRUNCATE)")
    }

    public var logsDirectory: String { directory + "/logs" }
    public func logPath(_ id: String) -> String { directory + "/logs/\(id).log" }

    // MARK: columns

    struct Column { var role: String; var kind: String }

    func columns() throws -> [(String, Column)] {
        try db.query("SELECT name, role, kind FROM columns ORDER BY rowid").map {
            ($0[0].string ?? "", Column(role: $0[1].string ?? "", kind: $0[2].string ?? ""))
        }
    }

    /// Adds a column per new field (inside the caller's transaction); a field whose kind
    /// differs from the one the store already holds is an error naming both.
    func ensureColumns(_ wanted: [(name: String, role: String, kind: String)], script: String) throws {
        let existing = Dictionary(try columns(), uniquingKeysWith: { a, _ in a })
        for w in wanted {
            if let c = existing[w.name] {
                if c.role != w.role {
                    throw SweepError("'\(w.name)' is a \(c.role == "param" ? "grid field" : "result field") in this store; a \(w.role == "param" ? "grid field" : "result field") cannot have the same name")
                }
                if c.kind == "none" && w.kind != "none" {
                    try db.query("UPDATE columns SET kind = ? WHERE name = ?", [.text(w.kind), .text(w.name)])
                } else if c.kind != w.kind && w.kind != "none" {
                    // An edited script may change a field's kind: the older version's
                    // values stay in their rows (sweepload(all=true) reads them as the new kind).
                    let same = try db.query("SELECT count(*) FROM tasks WHERE script = ? AND \(quoteIdentifier(w.name)) IS NOT NULL", [.text(script)])
                    guard (same.first?[0].int ?? 0) == 0 else {
                        throw SweepError("'\(w.name)' was a \(c.kind) in earlier tasks of this sweep, here a \(w.kind)")
                    }
                    try db.query("UPDATE columns SET kind = ? WHERE name = ?", [.text(w.kind), .text(w.name)])
                }
                continue
            }
            try db.exec("ALTER TABLE tasks ADD COLUMN \(quoteIdentifier(w.name))")
            try db.query("INSERT INTO columns(name, role, kind) VALUES (?, ?, ?)", [.text(w.name), .text(w.role), .text(w.kind)])
        }
    }

    // MARK: registering tasks

    /// A column per grid field, except `seed`, which the store's own seed column holds.
    static func paramColumns(_ grid: Grid) -> [(name: String, role: String, kind: String)] {
        zip(grid.fields, grid.values).filter { $0.0 != "seed" }.map { (name: $0.0, role: "param", kind: $0.1[0].kind) }
    }

    /// Records the script and inserts a `pending` row for each task the store lacks.
    public func register(_ grid: Grid, tasks: [SweepTask], scriptPath: String, scriptText: String) throws {
        try db.transaction {
            try registerScript(grid, path: scriptPath, text: scriptText)
            try ensureColumns(Store.paramColumns(grid), script: grid.scriptHash)
            for t in tasks { try insert(t, grid: grid) }
        }
    }

    private func registerScript(_ grid: Grid, path: String, text: String) throws {
        try db.query("INSERT OR IGNORE INTO scripts(hash, path, version, first_seen, text) VALUES (?, ?, ?, ?, ?)",
                     [.text(grid.scriptHash), .text(path), .text(grid.version), .real(Date().timeIntervalSince1970), .text(text)])
    }

    private func insert(_ t: SweepTask, grid: Grid) throws {
        var names = ["id", "script", "task", "params", "seed", "status"]
        var values: [Database.SQLValue] = [.text(t.id), .text(grid.scriptHash), .integer(Int64(t.index)), .text(t.paramsJSON),
                                           .integer(Int64(t.seed)), .text(Status.pending.rawValue)]
        for (name, v) in t.params where name != "seed" {   // a grid's seed is the seed column
            names.append(name)
            switch v {
            case .number(let x): values.append(x.isNaN ? .null : .real(x))
            case .string(let s): values.append(.text(s))
            case .bool(let b): values.append(.integer(b ? 1 : 0))
            }
        }
        let sql = "INSERT OR IGNORE INTO tasks(" + names.map(quoteIdentifier).joined(separator: ", ") + ") VALUES (" +
            Array(repeating: "?", count: names.count).joined(separator: ", ") + ")"
        try db.query(sql, values)
    }

    // MARK: a task's life

    public struct Row {
        public var id: String
        public var index: Int
        public var status: Status
        public var error: String?
        public var attempts: Int
        public var seconds: Double?
        public var host: String?
        public var pid: Int?
    }

    /// The rows of the given ids (those the store has).
    public func rows(_ ids: [String]) throws -> [String: Row] {
        var out: [String: Row] = [:]
        let wanted = Set(ids)
        // One scan is faster than a query per id for whole grids.
        for r in try db.query("SELECT id, task, status, error, attempts, seconds, host, pid FROM tasks") {
            guard let id = r[0].string, wanted.contains(id) else { continue }
            out[id] = Row(id: id, index: r[1].int ?? 0, status: Status(rawValue: r[2].string ?? "") ?? .pending, error: r[3].string,
                          attempts: r[4].int ?? 0, seconds: r[5].double, host: r[6].string, pid: r[7].int)
        }
        return out
    }

    public enum Claim { case claimed(attempt: Int), alreadyDone, busy }

    /// Takes the task's lock and marks it running (attempts + 1). The lock is held until
    /// `finish`/`fail` or the process ends.
    public func claim(_ t: SweepTask, grid: Grid, scriptPath: String, scriptText: String) throws -> Claim {
        guard try locks.tryLock(t.id) else { return .busy }
        do {
            return try db.transaction {
                try registerScript(grid, path: scriptPath, text: scriptText)
                var row = try db.query("SELECT status, attempts FROM tasks WHERE id = ?", [.text(t.id)])
                if row.isEmpty {
                    try ensureColumns(Store.paramColumns(grid), script: grid.scriptHash)
                    try insert(t, grid: grid)
                    row = [[.text("pending"), .integer(0)]]
                }
                if row[0][0].string == Status.done.rawValue {
                    locks.unlock(t.id)
                    return .alreadyDone
                }
                let attempt = (row[0][1].int ?? 0) + 1
                try db.query("UPDATE tasks SET status = 'running', attempts = ?, host = ?, pid = ?, started = ?, error = NULL WHERE id = ?",
                             [.integer(Int64(attempt)), .text(Store.hostName), .integer(Int64(getpid())),
                              .real(Date().timeIntervalSince1970), .text(t.id)])
                return .claimed(attempt: attempt)
            }
        } catch {
            locks.unlock(t.id)
            throw error
        }
    }

    static let hostName: String = {
        var buffer = [CChar](repeating: 0, count: 256)
        gethostname(&buffer, 255)
        return String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }()

    /// Stores a task's results and marks it done, in one transaction; tensors are
    /// written first, as .npy files under tensors/<id>/.
    public func finish(_ t: SweepTask, grid: Grid, results: Value, seconds: Double) throws {
        guard case .record(let r) = results.normalized else {
            throw SweepError("run(p) must return a record of results, such as {loss: L}, not a \(results.describedKind)")
        }
        var wanted: [(name: String, role: String, kind: String)] = []
        var values: [Database.SQLValue] = []
        for (name, v) in r.fields {
            if Grid.reserved.contains(name) { throw SweepError("run(p) returned a field '\(name)', the name of a column the store keeps for itself; rename it") }
            if grid.fields.contains(name) { throw SweepError("run(p) returned a field '\(name)', which is also a grid field; rename it") }
            let (kind, value) = try storable(v, field: name, id: t.id)
            wanted.append((name, "result", kind))
            values.append(value)
        }
        try db.transaction {
            try ensureColumns(wanted, script: grid.scriptHash)
            var sql = "UPDATE tasks SET status = 'done', error = NULL, seconds = ?, finished = ?"
            for w in wanted { sql += ", \(quoteIdentifier(w.name)) = ?" }
            sql += " WHERE id = ?"
            try db.query(sql, [.real(seconds), .real(Date().timeIntervalSince1970)] + values + [.text(t.id)])
        }
        locks.unlock(t.id)
    }

    /// A result field as a column value.
    private func storable(_ v: Value, field: String, id: String) throws -> (String, Database.SQLValue) {
        switch v.normalized {
        case .none: return ("none", .null)
        case .number(let x): return ("number", x.isNaN ? .null : .real(x))
        case .bool(let b): return ("bool", .integer(b ? 1 : 0))
        case .string(let s): return ("string", .text(s))
        case .tensor(let t): return ("tensor", .text(try saveTensor(t, field: field, id: id)))
        case .list(let items):
            var xs: [Double] = []
            for item in items {
                guard case .number(let x) = item.normalized else {
                    throw SweepError("run(p) returned '\(field)' as a list holding a \(item.describedKind); a result field is a number, a bool, a string, a tensor or a list of numbers")
                }
                xs.append(x)
            }
            return ("tensor", .text(try saveTensor(Tensor(xs), field: field, id: id)))
        default:
            throw SweepError("run(p) returned '\(field)' as a \(v.describedKind); a result field is a number, a bool, a string, a tensor or a list of numbers")
        }
    }

    private func saveTensor(_ t: Tensor, field: String, id: String) throws -> String {
        let relative = "tensors/\(id)/\(field).npy"
        do { try FileManager.default.createDirectory(atPath: directory + "/tensors/\(id)", withIntermediateDirectories: true) }
        catch { throw SweepError("cannot create \(directory)/tensors/\(id): \((error as NSError).localizedDescription)") }
        try NPY.save(t, path: directory + "/" + relative)
        return relative
    }

    /// Marks a task failed with the reason (the first line of the error, with file:line:col).
    public func fail(_ id: String, error: String, seconds: Double?) throws {
        try db.transaction {
            try db.query("UPDATE tasks SET status = 'failed', error = ?, seconds = ?, finished = ? WHERE id = ?",
                         [.text(error), seconds.map { .real($0) } ?? .null, .real(Date().timeIntervalSince1970), .text(id)])
        }
        locks.unlock(id)
    }

    public static let diedMessage = "the task's process ended before the task finished (killed, out of memory, or crashed); see its log"

    /// Rows marked running whose lock no process holds belong to processes that died:
    /// they become failed rows (a launch retries them).
    @discardableResult
    public func reclaimAbandoned() throws -> Int {
        let running = try db.query("SELECT id FROM tasks WHERE status = 'running'").compactMap { $0[0].string }
        var n = 0
        for id in running where !locks.isHeld(id) {
            guard try locks.tryLock(id) else { continue }
            defer { locks.unlock(id) }
            try db.transaction {
                try db.query("UPDATE tasks SET status = 'failed', error = ? WHERE id = ? AND status = 'running'", [.text(Store.diedMessage), .text(id)])
            }
            n += 1
        }
        return n
    }

    /// A task whose process the caller saw end without recording an outcome: a failed
    /// row with `reason`, unless another process has meanwhile taken the task.
    public func failAbandoned(_ id: String, reason: String) throws {
        guard try locks.tryLock(id) else { return }
        defer { locks.unlock(id) }
        try db.transaction {
            try db.query("UPDATE tasks SET status = 'failed', error = ?, finished = ? WHERE id = ? AND status IN ('running', 'pending')",
                         [.text(reason), .real(Date().timeIntervalSince1970), .text(id)])
        }
    }

    /// Whether some process is running the task now.
    public func isRunningElsewhere(_ id: String) -> Bool { locks.isHeld(id) }
}
