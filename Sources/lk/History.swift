import Foundation

/// The REPL's persistent history: `~/.lk_history` (or `LK_HISTORY`), one entry
/// per line with `\n` and `\\` escaped so a multi-line input stays one entry.
/// Every accepted input is appended at once, under an exclusive `flock`, so a
/// crash loses nothing and two REPLs never interleave or truncate each other.
/// When the file grows past the bound it is rewritten (temp file + rename,
/// still under the lock) with the newest `limit` entries.
struct History {
    let path: String
    let limit: Int

    init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        if let p = environment["LK_HISTORY"], !p.isEmpty { path = p }
        else { path = (environment["HOME"] ?? NSHomeDirectory()) + "/.lk_history" }
        limit = environment["LK_HISTORY_SIZE"].flatMap(Int.init).map { max(1, $0) } ?? 10_000
    }

    static func encode(_ entry: String) -> String {
        entry.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\n", with: "\\n")
    }

    static func decode(_ line: Substring) -> String {
        var out = ""
        var escaped = false
        for c in line {
            if escaped { out.append(c == "n" ? "\n" : c); escaped = false }
            else if c == "\\" { escaped = true }
            else { out.append(c) }
        }
        return out
    }

    /// The entries, oldest first (at most `limit`).
    func load() -> [String] {
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        let entries = String(decoding: data, as: UTF8.self).split(separator: "\n").map(History.decode)
        return Array(entries.suffix(limit))
    }

    /// Appends one entry; trims the file when it has grown 10% past the bound.
    func append(_ entry: String) {
        // Open and lock; if another REPL replaced the file (trim) while we waited
        // for the lock, our descriptor is the old file: open the new one instead.
        var fd: Int32 = -1
        for _ in 0..<5 {
            fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
            guard fd >= 0 else { return }   // history is a convenience: never fail an input over it
            guard flock(fd, LOCK_EX) == 0 else { close(fd); return }
            var mine = stat(), current = stat()
            if fstat(fd, &mine) == 0, stat(path, &current) == 0, mine.st_ino == current.st_ino { break }
            flock(fd, LOCK_UN)
            close(fd)
            fd = -1
        }
        guard fd >= 0 else { return }
        defer { flock(fd, LOCK_UN); close(fd) }
        let line = Array((History.encode(entry) + "\n").utf8)
        _ = line.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        var st = stat()
        // Rewriting costs a read of the file: only when it is clearly over the bound
        // (an entry averages well over 10 bytes, so this check is cheap and rare).
        if fstat(fd, &st) == 0, Int(st.st_size) > limit * 11 {
            trim(lockedFD: fd)
        }
    }

    private func trim(lockedFD fd: Int32) {
        guard let data = FileManager.default.contents(atPath: path) else { return }
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n")
        guard lines.count > limit + limit / 10 else { return }
        let kept = lines.suffix(limit).joined(separator: "\n") + "\n"
        let tmp = path + ".tmp-\(getpid())"
        guard FileManager.default.createFile(atPath: tmp, contents: Data(kept.utf8), attributes: [.posixPermissions: 0o600]) else { return }
        if rename(tmp, path) != 0 { unlink(tmp) }
    }
}
