import Foundation

/// Runs `lk` on a pseudo-terminal as its controlling terminal (a new session),
/// so keys typed into it behave as at a real prompt: Ctrl-C becomes SIGINT
/// through the terminal, Tab completes, arrows recall history.
final class PTYSession {
    let master: Int32
    let pid: pid_t
    private(set) var transcript = ""

    init(executable: String, arguments: [String] = [], environment: [String: String] = [:]) throws {
        var m: Int32 = 0, s: Int32 = 0
        var size = winsize(ws_row: 40, ws_col: 120, ws_xpixel: 0, ws_ypixel: 0)
        var name = [CChar](repeating: 0, count: 256)
        guard openpty(&m, &s, &name, nil, &size) == 0 else { throw POSIXError(.EIO) }
        master = m
        let slaveName = String(decoding: name.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        close(s)
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        // POSIX_SPAWN_SETSID: a new session, so opening the terminal below makes it controlling.
        posix_spawnattr_setflags(&attr, Int16(0x80))
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addclose(&actions, m)
        posix_spawn_file_actions_addopen(&actions, 0, slaveName, O_RDWR, 0)
        posix_spawn_file_actions_adddup2(&actions, 0, 1)
        posix_spawn_file_actions_adddup2(&actions, 0, 2)
        var env = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        env["TERM"] = "xterm"
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { argv.forEach { free($0) }; envp.forEach { free($0) } }
        var child: pid_t = 0
        let rc = posix_spawn(&child, executable, &actions, &attr, argv, envp)
        guard rc == 0 else { throw POSIXError(POSIXErrorCode(rawValue: rc) ?? .EIO) }
        pid = child
        let flags = fcntl(m, F_GETFL)
        _ = fcntl(m, F_SETFL, flags | O_NONBLOCK)
    }

    deinit {
        kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        close(master)
    }

    func send(_ text: String) {
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { write(master, $0.baseAddress, $0.count) }
    }

    /// Reads until `marker` appears in the output after `offset` (or the timeout); returns whether it did.
    @discardableResult
    func expect(_ marker: String, after offset: String.Index? = nil, timeout: Double = 10) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            pump()
            let start = offset ?? transcript.startIndex
            if transcript[start...].contains(marker) { return true }
            usleep(10_000)
        }
        return false
    }

    /// Collects what is available right now.
    func pump() {
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = read(master, &buffer, buffer.count)
            if n <= 0 { break }
            transcript += String(decoding: buffer[0..<n], as: UTF8.self)
        }
    }

    var end: String.Index { pump(); return transcript.endIndex }

    /// Waits for the process to end; its exit status, or nil on timeout.
    func waitForExit(timeout: Double = 10) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            pump()
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid { return (status >> 8) & 0xff }
            usleep(10_000)
        }
        return nil
    }
}
