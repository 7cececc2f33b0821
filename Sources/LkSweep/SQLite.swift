import CSQLite
import Foundation

/// A thin layer over SQLite's C API (Debian's libsqlite3 through Sources/CSQLite):
/// open, prepared statements with bound values, transactions. Errors carry
/// SQLite's own message and the database's path.
final class Database {
    let path: String
    private(set) var handle: OpaquePointer?

    enum SQLValue: Equatable {
        case null, integer(Int64), real(Double), text(String)
        var double: Double? {
            switch self {
            case .integer(let i): return Double(i)
            case .real(let d): return d
            default: return nil
            }
        }
        var string: String? { if case .text(let s) = self { return s }; return nil }
        var int: Int? {
            switch self {
            case .integer(let i): return Int(i)
            case .real(let d): return Int(d)
            default: return nil
            }
        }
    }

    init(path: String, readOnly: Bool = false) throws {
        self.path = path
        let flags = readOnly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)
        var db: OpaquePointer?
        let rc = sqlite3_open_v2(path, &db, flags | SQLITE_OPEN_NOMUTEX, nil)
        handle = db
        if rc != SQLITE_OK {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            sqlite3_close(db)
            handle = nil
            throw SweepError("cannot open the sweep store \(path): \(message)")
        }
        // Many task processes write to one store: wait for a lock rather than fail.
        sqlite3_busy_timeout(db, 120_000)
    }

    deinit { close() }

    func keepWALOnClose() { _ = lk_sqlite_keep_wal_on_close(handle) }

    func close() {
        if let h = handle { sqlite3_close_v2(h) }
        handle = nil
    }

    func failure(_ what: String) -> SweepError {
        SweepError("sweep store \(path): \(what): \(String(cString: sqlite3_errmsg(handle)))", busy: isBusy)
    }

    /// Whether the last call failed because another connection holds a lock.
    private var isBusy: Bool {
        let code = sqlite3_errcode(handle) & 0xff
        return code == SQLITE_BUSY || code == SQLITE_LOCKED
    }

    /// Runs one or more statements that return no rows.
    func exec(_ sql: String) throws {
        var err: UnsafeMutablePointer<CChar>?
        if sqlite3_exec(handle, sql, nil, nil, &err) != SQLITE_OK {
            let message = err.map { String(cString: $0) } ?? "unknown error"
            sqlite3_free(err)
            throw SweepError("sweep store \(path): \(message) (in: \(sql.prefix(80)))", busy: isBusy)
        }
    }

    /// Runs a statement with bound values; returns every row.
    @discardableResult
    func query(_ sql: String, _ bindings: [SQLValue] = []) throws -> [[SQLValue]] {
        var stmt: OpaquePointer?
        guard sqlite3_prepare_v2(handle, sql, -1, &stmt, nil) == SQLITE_OK else { throw failure("cannot prepare \(sql.prefix(80))") }
        defer { sqlite3_finalize(stmt) }
        for (i, b) in bindings.enumerated() {
            let at = Int32(i + 1)
            switch b {
            case .null: sqlite3_bind_null(stmt, at)
            case .integer(let v): sqlite3_bind_int64(stmt, at, v)
            case .real(let v): sqlite3_bind_double(stmt, at, v)
            case .text(let s): sqlite3_bind_text(stmt, at, s, -1, lk_sqlite_transient)
            }
        }
        var rows: [[SQLValue]] = []
        while true {
            let rc = sqlite3_step(stmt)
            if rc == SQLITE_DONE { break }
            guard rc == SQLITE_ROW else { throw failure("cannot run \(sql.prefix(80))") }
            let n = sqlite3_column_count(stmt)
            var row: [SQLValue] = []
            row.reserveCapacity(Int(n))
            for c in 0..<n {
                switch sqlite3_column_type(stmt, c) {
                case SQLITE_INTEGER: row.append(.integer(sqlite3_column_int64(stmt, c)))
                case SQLITE_FLOAT: row.append(.real(sqlite3_column_double(stmt, c)))
                case SQLITE_NULL: row.append(.null)
                default:
                    // A zero-length blob has no text pointer at all.
                    row.append(.text(sqlite3_column_text(stmt, c).map { String(cString: $0) } ?? ""))
                }
            }
            rows.append(row)
        }
        return rows
    }

    /// Runs `body` in one write transaction (BEGIN IMMEDIATE takes the write lock
    /// at once, so two processes never both read-then-write the same row); rolls
    /// back if it throws.
    @discardableResult
    func transaction<R>(_ body: () throws -> R) throws -> R {
        try exec("BEGIN IMMEDIATE")
        do {
            let r = try body()
            try exec("COMMIT")
            return r
        } catch {
            try? exec("ROLLBACK")
            throw error
        }
    }
}

/// A name as an SQL identifier: "name" with inner quotes doubled.
func quoteIdentifier(_ name: String) -> String { "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
