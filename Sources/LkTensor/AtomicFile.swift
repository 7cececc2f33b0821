import Foundation

/// Whole-file reads and atomic whole-file writes, with errors that name the
/// path and the operating system's reason.
///
/// A save in lk must never leave a half-written file behind: a script that is
/// interrupted, a full disk or a crash would otherwise destroy the previous
/// results. So every write goes to a fresh temporary file in the target's
/// directory (same file system, so the final rename is atomic), is flushed to
/// disk with fsync, and only then renamed over the target. Readers therefore see
/// either the old file or the complete new one.
public enum AtomicFile {
    /// Writes `bytes` to `path` atomically: a temporary file in the same
    /// directory, a full write, fsync, rename. On any error the temporary file
    /// is removed and a previous file at `path` is left as it was.
    ///
    /// A new file gets the usual permissions (0666 minus the umask); a replaced
    /// file keeps its permissions. Errors read
    /// "cannot write /nope/x.npy: No such file or directory".
    public static func write(_ bytes: [UInt8], to path: String) throws {
        try write(to: path) { fd in
            try bytes.withUnsafeBytes { buffer in
                var written = 0
                while written < buffer.count {
                    let n = Foundation.write(fd, buffer.baseAddress! + written, buffer.count - written)
                    if n < 0 {
                        if errno == EINTR { continue }
                        throw systemError()
                    }
                    written += n
                }
            }
        }
    }

    /// The atomic-write protocol around any producer of the file's contents.
    /// `produce` writes to the open temporary file; if it throws, the write is
    /// abandoned as if the disk had failed. (Internal so that tests can make a
    /// write fail halfway.)
    static func write(to path: String, _ produce: (Int32) throws -> Void) throws {
        func failure(_ error: Error) -> TensorError {
            if let e = error as? SystemError { return TensorError("cannot write \(path): \(e.reason)") }
            if let e = error as? TensorError { return e }
            return TensorError("cannot write \(path): \(error)")
        }
        var info = stat()
        let existing = stat(path, &info) == 0 ? info : nil
        if let existing, existing.st_mode & S_IFMT == S_IFDIR {
            throw TensorError("cannot write \(path): Is a directory")
        }
        let (fd, temporary) = try createTemporary(besides: path, failure: failure)
        var isOpen = true
        do {
            if let existing { _ = fchmod(fd, existing.st_mode & 0o7777) }
            try produce(fd)
            if fsync(fd) != 0 { throw systemError() }
            isOpen = false
            if close(fd) != 0 { throw systemError() }
        } catch {
            if isOpen { _ = close(fd) }
            unlink(temporary)
            throw failure(error)
        }
        if rename(temporary, path) != 0 {
            let error = systemError()
            unlink(temporary)
            throw failure(error)
        }
        // Make the rename itself durable; failing here loses nothing already written.
        let directory = open(directoryOf(path), O_RDONLY)
        if directory >= 0 { _ = fsync(directory); _ = close(directory) }
    }

    /// Reads a whole file. Errors read "cannot read x.csv: No such file or directory".
    static func read(_ path: String) throws -> [UInt8] {
        let fd = open(path, O_RDONLY)
        if fd < 0 { throw TensorError("cannot read \(path): \(systemError().reason)") }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { Foundation.read(fd, $0.baseAddress!, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw TensorError("cannot read \(path): \(systemError().reason)")
            }
            if n == 0 { return bytes }
            bytes.append(contentsOf: chunk[0..<n])
            // Grow the chunk for large files so a gigabyte is not read 64 KB at a time.
            if chunk.count < 1 << 24 && bytes.count >= chunk.count * 4 {
                chunk = [UInt8](repeating: 0, count: chunk.count * 4)
            }
        }
    }

    /// Opens a new file ".name.XXXXXX.tmp" next to `path` with O_EXCL, as mkstemp
    /// does, but with mode 0666 so that the kernel applies the umask (mkstemp
    /// would make it 0600).
    private static func createTemporary(besides path: String, failure: (Error) -> TensorError) throws -> (Int32, String) {
        let directory = directoryOf(path)
        let name = path.split(separator: "/").last.map(String.init) ?? path
        for _ in 0..<100 {
            let suffix = String(UInt32.random(in: 0...UInt32.max), radix: 36)
            let temporary = (directory == "." && !path.hasPrefix("./") ? "" : directory + "/") + ".\(name).\(suffix).tmp"
            let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
            if fd >= 0 { return (fd, temporary) }
            if errno != EEXIST { throw failure(systemError()) }
        }
        throw failure(SystemError(reason: "cannot create a temporary file"))
    }

    /// The directory part of a path: "a/b/c.npy" → "a/b", "c.npy" → ".", "/c" → "/".
    static func directoryOf(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        if slash == path.startIndex { return "/" }
        return String(path[..<slash])
    }
}

/// errno at the point of failure, with its text from strerror.
struct SystemError: Error {
    let reason: String
}

func systemError() -> SystemError {
    SystemError(reason: String(cString: strerror(errno)))
}
