import Foundation
import LkTensor

/// The REPL's persistent history: `~/.lk_history` (or `LK_HISTORY`), one entry
/// per line with `\n` and `\\` escaped so a multi-line input stays one entry.
///
/// Every accepted input is saved at once, and the file is only ever replaced
/// whole: under an exclusive lock, the current file is read, the entry
/// appended, the list trimmed to the newest `limit` entries, and the result
/// written to a temporary file in the same directory, fsynced and renamed over
/// the history (`AtomicFile.write`). A kill or a full disk at any moment leaves
/// the old file or the new one, never a torn or truncated one; and because
/// each writer rereads the file under the lock, two REPLs sharing one history
/// both keep their entries.
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

    /// The lines of a history file; "\r\n" ends a line too (a history edited on
    /// Windows; "\r\n" is one Character in Swift, so it must be named).
    static func lines(_ data: Data) -> [Substring] {
        String(decoding: data, as: UTF8.self).split(whereSeparator: { $0 == "\n" || $0 == "\r\n" })
    }

    /// Whether the history is (or will be) a regular file. A FIFO or a device
    /// (`LK_HISTORY=/dev/null` turns history off) is never read — reading a FIFO
    /// would wait for a writer forever — and entries are written to it as they
    /// come, without waiting for a reader.
    private func isRegularFile(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) != 0 || info.st_mode & S_IFMT == S_IFREG
    }

    /// The entries, oldest first (at most `limit`).
    func load() -> [String] {
        guard isRegularFile(path), let data = FileManager.default.contents(atPath: path) else { return [] }
        return Array(History.lines(data).map(History.decode).suffix(limit))
    }

    /// Saves one entry: the file is replaced by its entries plus this one, the
    /// newest `limit` kept. History is a convenience: a failure here (no such
    /// directory, a full disk) never fails the input, and leaves the old file.
    func append(_ entry: String) {
        // Which file: a symlinked history (a dotfiles repository) is replaced
        // where it lives, so the rename does not turn the link into a file.
        let file = resolved(path)
        guard isRegularFile(file) else {
            let fd = open(file, O_WRONLY | O_APPEND | O_NONBLOCK | O_CLOEXEC)
            if fd >= 0 { _ = try? AtomicFile.writeAll(Array((History.encode(entry) + "\n").utf8)[...], to: fd); close(fd) }
            return
        }
        // The lock cannot be taken on the history file itself: a rename puts a
        // new inode at that name, so a REPL that opened the old file while
        // another held the lock would lock a file that is no longer the history,
        // and both would write at once (one losing its entry). A separate lock
        // file, `<history>.lock`, is never renamed or removed, so every REPL
        // locks the same inode. flock is released when the descriptor closes,
        // also when lk is killed, so a crash never leaves the history locked.
        let lock = open(file + ".lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard lock >= 0 else { return }
        defer { close(lock) }
        while flock(lock, LOCK_EX) != 0 {
            if errno != EINTR { return }
        }
        defer { flock(lock, LOCK_UN) }
        var lines: [Substring] = []
        if let data = FileManager.default.contents(atPath: file) {
            lines = History.lines(data)
        }
        lines.append(Substring(History.encode(entry)))
        let kept = lines.suffix(limit).joined(separator: "\n") + "\n"
        // A new history file is private (0600); a replaced one keeps its mode.
        try? AtomicFile.write(Array(kept.utf8), to: file, newFileMode: 0o600)
    }

    /// `path` with symbolic links followed, or `path` when it does not exist yet.
    private func resolved(_ path: String) -> String {
        guard let real = realpath(path, nil) else { return path }
        defer { free(real) }
        return String(cString: real)
    }
}
