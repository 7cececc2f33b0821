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
///
/// Three kinds of target are not replaced by a rename, because a rename would
/// change what the name means (the choices of vim's `backupcopy=auto` and of
/// `cp`):
/// - a symbolic link: the file it points to is written (atomically, in the
///   link's target directory), and the link stays a link;
/// - something that is not a regular file — `/dev/null`, a FIFO, a terminal —
///   or a path under `/dev` or `/proc`: written directly, appending, as a
///   shell's `>>` would; `/dev/stdout` (`/proc/self/fd/1`, `/dev/fd/N`) is written
///   through lk's own descriptor, after what lk printed. The content is staged
///   first, so a failed producer writes nothing;
/// - a regular file with other hard links: written in place, so every name
///   keeps seeing the same file. The space is reserved first (posix_fallocate),
///   so a full disk fails before the old content is touched; a crash during the
///   copy itself can leave it torn, which a rename cannot avoid for a hard link.
public enum AtomicFile {
    /// Writes `bytes` to `path` atomically: a temporary file in the same
    /// directory, a full write, fsync, rename. On any error the temporary file
    /// is removed and a previous file at `path` is left as it was.
    ///
    /// A new file gets the usual permissions (`newFileMode`, 0666, minus the
    /// umask); a replaced file keeps its permissions. Errors read
    /// "cannot write /nope/x.npy: No such file or directory".
    public static func write(_ bytes: [UInt8], to path: String, newFileMode: mode_t = 0o666) throws {
        try write(to: path, newFileMode: newFileMode) { fd in try writeAll(bytes[...], to: fd) }
    }

    /// All of `bytes` to an open descriptor (retrying short writes and EINTR).
    public static func writeAll(_ bytes: ArraySlice<UInt8>, to fd: Int32) throws {
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

    /// How a staged file reaches its target.
    enum Delivery {
        /// Renamed over the target (the atomic case).
        case rename
        /// Copied into the existing file, which keeps its inode (hard links).
        case inPlace
        /// Written to a device, FIFO or descriptor alias, appending.
        case direct
    }

    /// The first half of an atomic write, for writers that lk does not drive
    /// byte by byte (gnuplot writes figures itself): a new temporary file next
    /// to `path`, already carrying the permissions the target will have. Let the
    /// writer fill `temporaryPath` (it may open it again by name; keep its
    /// inode), then `commit()` to rename it over `path`, or `discard()` to
    /// remove it and leave `path` as it was. Errors name `path`. Permissions as
    /// for `write`: those of the file replaced, else `newFileMode` minus the umask.
    /// Symbolic links, devices and hard links are delivered as the type's
    /// documentation says.
    public static func stage(_ path: String, newFileMode: mode_t = 0o666) throws -> Staged {
        let target = try resolvingLinks(path)
        var info = stat()
        let existing = stat(target, &info) == 0 ? info : nil
        let type = existing.map { $0.st_mode & S_IFMT }
        if type == S_IFDIR { throw TensorError("cannot write \(path): Is a directory") }
        let special = target.hasPrefix("/proc/") || (target.hasPrefix("/dev/") && !target.hasPrefix("/dev/shm/"))
        let delivery: Delivery = special || (type != nil && type != S_IFREG) ? .direct
            : (existing.map { $0.st_nlink > 1 } ?? false) ? .inPlace : .rename
        // A device's directory is no place for a temporary file.
        let besides = delivery == .direct ? NSTemporaryDirectory() + "/lk-output" : target
        let (fd, temporary) = try createTemporary(besides: besides, mode: newFileMode) { Staged.failure(path: path, $0) }
        if let existing, delivery == .rename { _ = fchmod(fd, existing.st_mode & 0o7777) }
        return Staged(path: path, target: target, delivery: delivery, temporaryPath: temporary, descriptor: fd)
    }

    /// The file a path names once symbolic links are followed (the last
    /// component's links; a directory's links do not matter to a rename). A link
    /// to a file that does not exist yet resolves to that file, which is created.
    static func resolvingLinks(_ path: String) throws -> String {
        var current = path
        for _ in 0..<40 {
            // /proc's links (/dev/stdout → /proc/self/fd/1 → "pipe:[…]") are not paths to follow.
            if current.hasPrefix("/proc/") { return current }
            var info = stat()
            guard lstat(current, &info) == 0, info.st_mode & S_IFMT == S_IFLNK else { return current }
            var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            let n = readlink(current, &buffer, buffer.count - 1)
            guard n > 0 else { return current }
            let link = String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            current = link.hasPrefix("/") ? link : directoryOf(current) + "/" + link
        }
        throw TensorError("cannot write \(path): Too many levels of symbolic links")
    }

    /// A temporary file waiting to replace its target (see `stage`). Exactly one
    /// of `commit()` and `discard()` must be called.
    public final class Staged {
        /// The file to be replaced, as the caller named it.
        public let path: String
        /// The file written: `path` with symbolic links followed.
        let target: String
        let delivery: Delivery
        /// The temporary file: ".name.XXXXXX.tmp" in the target's directory.
        public let temporaryPath: String
        /// Open for writing until `commit` or `discard`.
        let descriptor: Int32
        private var isOpen = true

        fileprivate init(path: String, target: String, delivery: Delivery, temporaryPath: String, descriptor: Int32) {
            self.path = path
            self.target = target
            self.delivery = delivery
            self.temporaryPath = temporaryPath
            self.descriptor = descriptor
        }

        /// Flushes the temporary file to disk (fsync; any descriptor of the file
        /// flushes its data, whoever wrote it), renames it over the target and
        /// makes the rename durable. On failure the temporary file is removed and
        /// the target is left as it was. (A hard-linked file or a device gets the
        /// temporary file's content copied instead.)
        public func commit() throws {
            precondition(isOpen, "a staged file is committed or discarded once")
            isOpen = false
            if delivery != .rename {
                defer { _ = close(descriptor); unlink(temporaryPath) }
                do { try copyOut() } catch { throw failure(error) }
                return
            }
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
            if rename(temporaryPath, target) != 0 {
                let error = systemError()
                unlink(temporaryPath)
                throw failure(error)
            }
            // Make the rename itself durable; failing here loses nothing already written.
            let directory = open(directoryOf(target), O_RDONLY)
            if directory >= 0 { _ = fsync(directory); _ = close(directory) }
        }

        /// The staged content into the target itself (`inPlace` or `direct`).
        private func copyOut() throws {
            // Read back from the start through a descriptor of our own: gnuplot may
            // have written the file by name.
            let source = open(temporaryPath, O_RDONLY | O_CLOEXEC)
            guard source >= 0 else { throw systemError() }
            defer { _ = close(source) }
            let out: Int32
            if let fd = Staged.descriptorAlias(target) {
                // /dev/stdout, /proc/self/fd/1: lk's own descriptor, so the bytes land
                // where its printed output goes (same offset), after what it printed.
                fflush(nil)
                out = dup(fd)
            } else {
                out = open(target, delivery == .direct ? O_WRONLY | O_APPEND | O_CLOEXEC : O_WRONLY | O_CLOEXEC)
            }
            guard out >= 0 else { throw systemError() }
            var size = 0
            if delivery == .inPlace {
                var info = stat()
                guard fstat(source, &info) == 0 else { throw systemError() }
                size = Int(info.st_size)
                // Reserve the space before touching the old content: a full disk fails here.
                let rc = size > 0 ? posix_fallocate(out, 0, off_t(size)) : 0
                if rc != 0 && rc != EOPNOTSUPP && rc != EINVAL { _ = close(out); errno = rc; throw systemError() }
            }
            var chunk = [UInt8](repeating: 0, count: 1 << 16)
            do {
                while true {
                    let n = chunk.withUnsafeMutableBytes { Foundation.read(source, $0.baseAddress!, $0.count) }
                    if n < 0 { if errno == EINTR { continue }; throw systemError() }
                    if n == 0 { break }
                    try writeAll(chunk[0..<n], to: out)
                }
                if delivery == .inPlace {
                    guard ftruncate(out, off_t(size)) == 0, fsync(out) == 0 else { throw systemError() }
                }
            } catch {
                _ = close(out)
                throw error
            }
            guard close(out) == 0 else { throw systemError() }
        }

        /// N for "/proc/self/fd/N" and "/dev/fd/N" (where /dev/stdout and /dev/stderr lead).
        static func descriptorAlias(_ path: String) -> Int32? {
            for prefix in ["/proc/self/fd/", "/dev/fd/"] where path.hasPrefix(prefix) {
                return Int32(path.dropFirst(prefix.count))
            }
            return nil
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

extension InputFile {
    /// The largest script or notebook lk reads (`lk - < /dev/zero` used to read until
    /// memory ran out). Parsing takes up to ~90 bytes of memory per byte of source (a list
    /// of one-digit numbers), so 64 MB of source is already several GB.
    public static let maxScriptBytes = 64 << 20

    /// A script or a notebook: a regular file of at most `atMost` bytes, read whole. A
    /// device or a FIFO is refused before it is opened (`/dev/zero` would be read without
    /// end, a FIFO with no writer waits forever), a larger file from its size before a
    /// byte is read. `what` names it: "cannot read nb.ipynb: it is 80.0 MB; a notebook may
    /// be at most 64.0 MB", "cannot read /dev/zero: a notebook must be a regular file".
    public static func readRegular(_ path: String, atMost limit: Int = maxScriptBytes, what: String) throws -> [UInt8] {
        var info = stat()
        guard stat(path, &info) == 0 else { throw TensorError("cannot read \(path): \(systemError().reason)") }
        guard info.st_mode & S_IFMT == S_IFREG else {
            throw TensorError("cannot read \(path): \(what) must be a regular file, not \(info.st_mode & S_IFMT == S_IFDIR ? "a directory" : "a device or a pipe")")
        }
        let file = try InputFile(path)
        let tooLarge = { (size: String) in TensorError("cannot read \(path): it is \(size); \(what) may be at most \(formatBytes(Double(limit)))") }
        if let size = file.regularSize, size > limit { throw tooLarge(formatBytes(Double(size))) }
        // The file may have grown since: read one byte more to tell.
        let bytes = try file.read(upTo: limit + 1)
        if bytes.count > limit { throw tooLarge("more than \(formatBytes(Double(limit)))") }
        return bytes
    }
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
