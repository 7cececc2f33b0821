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
    /// A new file gets the usual permissions (`newFileMode`, 0666, minus the
    /// umask); a replaced file keeps its permissions. Errors read
    /// "cannot write /nope/x.npy: No such file or directory".
    public static func write(_ bytes: [UInt8], to path: String, newFileMode: mode_t = 0o666) throws {
        try write(to: path, newFileMode: newFileMode) { fd in
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
    static func write(to path: String, newFileMode: mode_t = 0o666, _ produce: (Int32) throws -> Void) throws {
        let staged = try stage(path, newFileMode: newFileMode)
        do {
            try produce(staged.descriptor)
        } catch {
            staged.discard()
            throw staged.failure(error)
        }
        try staged.commit()
    }

    /// The first half of an atomic write, for writers that lk does not drive
    /// byte by byte (gnuplot writes figures itself): a new temporary file next
    /// to `path`, already carrying the permissions the target will have. Let the
    /// writer fill `temporaryPath` (it may open it again by name; keep its
    /// inode), then `commit()` to rename it over `path`, or `discard()` to
    /// remove it and leave `path` as it was. Errors name `path`. Permissions as
    /// for `write`: those of the file replaced, else `newFileMode` minus the umask.
    public static func stage(_ path: String, newFileMode: mode_t = 0o666) throws -> Staged {
        var info = stat()
        let existing = stat(path, &info) == 0 ? info : nil
        if let existing, existing.st_mode & S_IFMT == S_IFDIR {
            throw TensorError("cannot write \(path): Is a directory")
        }
        let (fd, temporary) = try createTemporary(besides: path, mode: newFileMode) { Staged.failure(path: path, $0) }
        if let existing { _ = fchmod(fd, existing.st_mode & 0o7777) }
        return Staged(path: path, temporaryPath: temporary, descriptor: fd)
    }

    /// A temporary file waiting to replace its target (see `stage`). Exactly one
    /// of `commit()` and `discard()` must be called.
    public final class Staged {
        /// The file to be replaced, as the caller named it.
        public let path: String
        /// The temporary file: ".name.XXXXXX.tmp" in the target's directory.
        public let temporaryPath: String
        /// Open for writing until `commit` or `discard`.
        let descriptor: Int32
        private var isOpen = true

        fileprivate init(path: String, temporaryPath: String, descriptor: Int32) {
            self.path = path
            self.temporaryPath = temporaryPath
            self.descriptor = descriptor
        }

        /// Flushes the temporary file to disk (fsync; any descriptor of the file
        /// flushes its data, whoever wrote it), renames it over the target and
        /// makes the rename durable. On failure the temporary file is removed and
        /// the target is left as it was.
        public func commit() throws {
            precondition(isOpen, "a staged file is committed or discarded once")
            isOpen = false
            if fsync(descriptor) != 0 {
                let error = systemError()
                _ = close(descriptor)
                unlink(temporaryPath)
                throw failure(error)
            }
            if close(descriptor) != 0 {
                let error = systemError()
                unlink(temporaryPath)
                throw failure(error)
            }
            if rename(temporaryPath, path) != 0 {
                let error = systemError()
                unlink(temporaryPath)
                throw failure(error)
            }
            // Make the rename itself durable; failing here loses nothing already written.
            let directory = open(directoryOf(path), O_RDONLY)
            if directory >= 0 { _ = fsync(directory); _ = close(directory) }
        }

        /// Removes the temporary file; the target is untouched.
        public func discard() {
            guard isOpen else { return }
            isOpen = false
            _ = close(descriptor)
            unlink(temporaryPath)
        }

        deinit { discard() }

        /// An error while writing, as "cannot write <target>: <reason>".
        func failure(_ error: Error) -> TensorError { Staged.failure(path: path, error) }

        static func failure(path: String, _ error: Error) -> TensorError {
            if let e = error as? SystemError { return TensorError("cannot write \(path): \(e.reason)") }
            if let e = error as? TensorError { return e }
            return TensorError("cannot write \(path): \(error)")
        }
    }

    /// Reads a whole file, at most `limit` bytes (the memory limit unless given):
    /// a larger regular file is refused before anything is read, and a pipe or a
    /// device (`/dev/zero`, a FIFO) is read only until it passes the limit.
    /// Errors read "cannot read x.csv: No such file or directory".
    public static func read(_ path: String, limit: Int = Tensor.memoryLimit) throws -> [UInt8] {
        let file = try InputFile(path)
        return try file.read(upTo: limit, refusingMore: true)
    }

    /// Opens a new file ".name.XXXXXX.tmp" next to `path` with O_EXCL, as mkstemp
    /// does, but with `mode` (0666 by default) so that the kernel applies the
    /// umask (mkstemp would make it 0600).
    private static func createTemporary(besides path: String, mode: mode_t, failure: (Error) -> TensorError) throws -> (Int32, String) {
        let directory = directoryOf(path)
        var name = path.split(separator: "/").last.map(String.init) ?? path
        // Room for the dot and suffix within a file name's 255 bytes.
        while name.utf8.count > 200 { name.removeLast() }
        for _ in 0..<100 {
            let suffix = String(UInt32.random(in: 0...UInt32.max), radix: 36)
            let temporary = (directory == "." && !path.hasPrefix("./") ? "" : directory + "/") + ".\(name).\(suffix).tmp"
            let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
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

/// A file open for reading, for loaders that look at a header before they
/// decide to read the rest (an .npy file whose header promises more data than
/// the file holds is refused without reading a byte of its data).
public final class InputFile {
    public let path: String
    private let descriptor: Int32
    /// The size of a regular file; nil for a pipe, a terminal or a device,
    /// whose length is only known once it has been read.
    public let regularSize: Int?
    /// Bytes read so far.
    public private(set) var position = 0

    public init(_ path: String) throws {
        self.path = path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw TensorError("cannot read \(path): \(systemError().reason)") }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let e = systemError()
            close(fd)
            throw TensorError("cannot read \(path): \(e.reason)")
        }
        if info.st_mode & S_IFMT == S_IFDIR {
            close(fd)
            throw TensorError("cannot read \(path): Is a directory")
        }
        descriptor = fd
        regularSize = info.st_mode & S_IFMT == S_IFREG ? Int(info.st_size) : nil
    }

    deinit { close(descriptor) }

    /// The next bytes of the file, `count` of them unless it ends first. With
    /// `refusingMore`, a file that holds more than `count` bytes from here is an
    /// error naming the memory limit (the reason callers bound their reads).
    public func read(upTo count: Int, refusingMore: Bool = false) throws -> [UInt8] {
        if refusingMore, let size = regularSize, size - position > count {
            throw tooLarge(Double(size - position), limit: count)
        }
        // A regular file: its size; anything else: grow as it comes, up to count + 1.
        let wanted = refusingMore ? (count == Int.max ? Int.max : count + 1) : count
        var bytes: [UInt8] = []
        if let size = regularSize { bytes.reserveCapacity(max(0, min(wanted, size - position))) }
        var chunk = [UInt8](repeating: 0, count: min(1 << 16, max(1, wanted)))
        while bytes.count < wanted {
            let asked = min(chunk.count, wanted - bytes.count)
            let n = chunk.withUnsafeMutableBytes { Foundation.read(descriptor, $0.baseAddress!, asked) }
            if n < 0 {
                if errno == EINTR { continue }
                throw TensorError("cannot read \(path): \(systemError().reason)")
            }
            if n == 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
            position += n
            // Grow the chunk for large files so a gigabyte is not read 64 KB at a time.
            if chunk.count < 1 << 24 && bytes.count >= chunk.count * 4 {
                chunk = [UInt8](repeating: 0, count: chunk.count * 4)
            }
        }
        if refusingMore && bytes.count > count { throw tooLarge(nil, limit: count) }
        return bytes
    }

    private func tooLarge(_ size: Double?, limit: Int) -> TensorError {
        let what = size.map { "it is \(formatBytes($0))" } ?? "it holds more than \(formatBytes(Double(limit)))"
        return TensorError("cannot read \(path): \(what), over the memory limit of \(formatBytes(Double(limit))) (set LK_MEMORY_LIMIT to change it)")
    }
}
