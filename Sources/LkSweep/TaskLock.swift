import Foundation

/// One lock per task, so that two launches over the same store never run a task
/// twice: an exclusive open-file-description lock (Linux's F_OFD_SETLK) on one
/// byte of DIR/locks, at an offset taken from the task's id. The kernel drops it
/// when the process ends however it ends (a crash, SIGKILL, a node's reboot for
/// NFS's lock manager), so a task whose row says `running` but whose lock is free
/// belongs to a process that died. OFD locks are POSIX record locks owned by the
/// open file rather than the process, so they also work over NFS.
final class TaskLocks {
    let path: String
    private let fd: Int32

    // <fcntl.h> on Linux; Glibc's module does not export the _GNU_SOURCE names.
    private static let getLock: Int32 = 36, setLock: Int32 = 37

    init(directory: String) throws {
        path = directory + "/locks"
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o666)
        if fd < 0 { throw SweepError("cannot open the lock file \(path): \(String(cString: strerror(errno)))") }
    }

    deinit { close(fd) }

    private static func offset(_ id: String) -> off_t {
        // 15 hex digits: 60 bits, well inside off_t.
        off_t(UInt64(id.prefix(15), radix: 16) ?? 0)
    }

    private func request(_ type: Int32, _ id: String) -> flock {
        var l = flock()
        l.l_type = Int16(type)
        l.l_whence = Int16(SEEK_SET)
        l.l_start = TaskLocks.offset(id)
        l.l_len = 1
        l.l_pid = 0   // required for OFD locks
        return l
    }

    /// Takes the task's lock if no other process holds it.
    func tryLock(_ id: String) throws -> Bool {
        var l = request(Int32(F_WRLCK), id)
        while true {
            if fcntl(fd, TaskLocks.setLock, &l) == 0 { return true }
            if errno == EINTR { continue }
            if errno == EAGAIN || errno == EACCES { return false }
            throw SweepError("cannot lock task \(id) in \(path): \(String(cString: strerror(errno)))")
        }
    }

    func unlock(_ id: String) {
        var l = request(Int32(F_UNLCK), id)
        _ = fcntl(fd, TaskLocks.setLock, &l)
    }

    /// Whether another process holds the task's lock (it is running the task now).
    func isHeld(_ id: String) -> Bool {
        var l = request(Int32(F_WRLCK), id)
        guard fcntl(fd, TaskLocks.getLock, &l) == 0 else { return false }
        return l.l_type != Int16(F_UNLCK)
    }
}
