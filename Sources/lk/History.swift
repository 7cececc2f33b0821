import Foundation
import LkTensor

/// The REPL's persistent history: `~/.lk_history` (or `LK_HISTORY`), one entry
/// per line with `\n` and `\\` escaped so a multi-line input stays one entry.
///
/// Every accepted input is saved at once, by appending its line to the file in one
/// `write` under an exclusive lock (`<history>.lock`) and syncing it; a write that
/// falls short (a full disk) is truncated away again, and a file whose last line
/// was cut off (a kill in an older lk, an editor) gets a line end first. So the file
/// only ever holds whole entries, and two REPLs sharing it both keep theirs. A file
/// longer than the bound when loaded is trimmed by the first entry, and then whenever
/// this REPL has seen it grow past twice the bound: to the newest `limit` entries, found
/// by scanning back from the end, and by replacing it whole (temporary file, fsync,
/// rename: `AtomicFile.write`), as every input used to be: a 200 MB history took 18 s to
/// the prompt and rewrote 200 MB at each Enter. Loading decodes only the last `limit` lines.
final class History {
    let path: String
    let limit: Int
    /// Lines in the file, as far as this REPL knows (counted by `load`, then by its own
    /// appends; another REPL's appends only delay the trim until they are counted).
    private var lines: Int? = nil

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
    static func splitLines(_ data: Data) -> [Substring] {
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

    /// The entries, oldest first (at most `limit`): only the last `limit` lines are read.
    func load() -> [String] {
        guard isRegularFile(path), let data = FileManager.default.contents(atPath: path) else { lines = 0; return [] }
        let (start, count, more) = History.tail(data, lines: limit)
        // More lines than the bound: the first entry trims the file (from its tail only).
        lines = more ? 2 * limit + 1 : count
        return History.splitLines(data[start...]).map(History.decode)
    }

    /// Where the last `n` lines of `data` start, how many lines that is, and whether there
    /// are more before them. Scans back from the end: the cost is that of the tail, not of
    /// the file (a 200 MB history used to be split whole at every start and every Enter).
    static func tail(_ data: Data, lines n: Int) -> (start: Int, count: Int, more: Bool) {
        data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            let b = raw.bindMemory(to: UInt8.self)
            var i = b.count - 1
            if i >= 0 && b[i] == 10 { i -= 1 }     // the last line's own line end
            var seen = 0
            while i >= 0 {
                if b[i] == 10 {
                    seen += 1
                    if seen == n { return (i + 1, n, true) }
                }
                i -= 1
            }
            return (0, b.isEmpty ? 0 : seen + 1, false)
        }
    }

    /// Saves one entry. History is a convenience: a failure here (no such directory, a
    /// full disk) never fails the input, and leaves the file's whole lines as they were.
    func append(_ entry: String) {
        // Which file: a symlinked history (a dotfiles repository) is written where it
        // lives, so a trim's rename does not turn the link into a file.
        let file = resolved(path)
        guard isRegularFile(file) else {
            let fd = open(file, O_WRONLY | O_APPEND | O_NONBLOCK | O_CLOEXEC)
            if fd >= 0 { _ = try? AtomicFile.writeAll(Array((History.encode(entry) + "\n").utf8)[...], to: fd); close(fd) }
            return
        }
        // The lock cannot be taken on the history file itself: a trim's rename puts a
        // new inode at that name, so a REPL that opened the old file while another held
        // the lock would lock a file that is no longer the history, and both would write
        // at once. A separate lock file, `<history>.lock`, is never renamed or removed, so
        // every REPL locks the same inode. flock is released when the descriptor closes,
        // also when lk is killed, so a crash never leaves the history locked.
        let lock = open(file + ".lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard lock >= 0 else { return }
        defer { close(lock) }
        while flock(lock, LOCK_EX) != 0 {
            if errno != EINTR { return }
        }
        defer { flock(lock, LOCK_UN) }
        if let n = lines, n + 1 > 2 * limit {
            rewrite(file, adding: entry)
            return
        }
        let fd = open(file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { return }
        let size = off_t(st.st_size)
        var line = Array((History.encode(entry) + "\n").utf8)
        if size > 0 {
            var last: UInt8 = 0
            let r = open(file, O_RDONLY | O_CLOEXEC)
            if r >= 0 { if pread(r, &last, 1, size - 1) == 1 && last != 10 { line.insert(10, at: 0) }; close(r) }
        }
        let wrote = line.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        if wrote != line.count {
            // Short or failed (ENOSPC): take the partial line back out.
            _ = ftruncate(fd, size)
            return
        }
        _ = fsync(fd)
        lines = (lines ?? 0) + 1
    }

    /// Trims the file to the newest `limit` entries plus `entry`, replacing it whole.
    private func rewrite(_ file: String, adding entry: String) {
        var text = Data()
        if let data = FileManager.default.contents(atPath: file), limit > 1 {
            text = data[History.tail(data, lines: limit - 1).start...]
            if let last = text.last, last != 10 { text.append(10) }
        }
        text.append(contentsOf: Array((History.encode(entry) + "\n").utf8))
        // A new history file is private (0600); a replaced one keeps its mode.
        if (try? AtomicFile.write(Array(text), to: file, newFileMode: 0o600)) != nil { lines = Swift.min(limit, History.tail(text, lines: limit).count) }
    }

    /// `path` with symbolic links followed, or `path` when it does not exist yet.
    private func resolved(_ path: String) -> String {
        guard let real = realpath(path, nil) else { return path }
        defer { free(real) }
        return String(cString: real)
    }
}
