import Foundation
import LkLang

/// `-j N`: runs tasks as N concurrent child processes `lk sweep FILE --out DIR --task I`,
/// so a task that crashes, leaks or is killed takes nothing else down. A child whose
/// process ends without recording an outcome (a signal, an exit before the task ran)
/// becomes a failed row with the reason. Tasks another launch is running are left to it
/// and waited for at the end.
final class LocalEngine: @unchecked Sendable {
    let script: SweepScript
    let store: Store
    let directory: String
    let jobs: Int
    let timeout: Double?
    let tasks: [SweepTask]
    let label: String

    private struct Finished { let pid: pid_t; let status: Int32 }
    private let lock = NSLock()
    private var finished: [Finished] = []
    private let wake = DispatchSemaphore(value: 0)

    nonisolated(unsafe) static var stopRequested: Int32 = 0

    init(script: SweepScript, store: Store, directory: String, jobs: Int, timeout: Double?, tasks: [SweepTask], label: String) {
        self.script = script; self.store = store; self.directory = directory
        self.jobs = max(1, jobs); self.timeout = timeout; self.tasks = tasks; self.label = label
    }

    /// Runs the tasks; returns how many are done, failed, and whether Ctrl-C stopped it.
    func run() -> (done: Int, failed: Int, stopped: Bool) {
        LocalEngine.stopRequested = 0   // initialised here, not first inside a signal handler
        signal(SIGINT) { _ in LocalEngine.stopRequested = 1 }
        signal(SIGTERM) { _ in LocalEngine.stopRequested = 1 }
        let executable = Launch.executable
        var queue = tasks[...]
        var running: [pid_t: (task: SweepTask, started: DispatchTime)] = [:]
        var elsewhere: [SweepTask] = []
        var done = 0, failed = 0
        let progress = Progress(label: label, total: tasks.count)
        var lastDraw = DispatchTime(uptimeNanoseconds: 0)
        var forwarded = false
        var changed = true
        var scriptChanged = false

        while true {
            while LocalEngine.stopRequested == 0 && !scriptChanged && running.count < jobs, let t = queue.first {
                queue = queue.dropFirst()
                var argv = [executable, "sweep", script.absolutePath, "--out", directory, "--task", String(t.index), "--expect-id", t.id]
                if let timeout { argv += ["--timeout", "\(timeout)"] }
                switch Launch.spawn(argv, output: store.logPath(t.id)) {
                case .success(let pid):
                    running[pid] = (t, .now())
                    reap(pid)
                case .failure(let message):
                    try? store.failAbandoned(t.id, reason: "lk sweep could not start the task's process: \(message)")
                    failed += 1
                }
            }
            if running.isEmpty { break }
            let now = DispatchTime.now()
            if changed || now.uptimeNanoseconds - lastDraw.uptimeNanoseconds > 500_000_000 {
                progress.draw(done: done, failed: failed, running: running.count, pending: queue.count + elsewhere.count)
                lastDraw = now
                changed = false
            }
            _ = wake.wait(timeout: .now() + 0.5)
            lock.lock(); let ended = finished; finished.removeAll(); lock.unlock()
            for e in ended {
                guard let (t, _) = running.removeValue(forKey: e.pid) else { continue }
                switch Launch.describe(e.status) {
                case .exited(0): done += 1
                case .exited(1): failed += 1
                case .exited(TaskProcess.busy): elsewhere.append(t)
                case .exited(TaskProcess.scriptChanged):
                    // Every later task would find the same: stop starting them.
                    try? store.failAbandoned(t.id, reason: "\(script.path) was edited while the sweep ran, so its tasks have new ids; launch the sweep again")
                    failed += 1
                    if !scriptChanged {
                        scriptChanged = true
                        TaskProcess.console("\nlk sweep: \(script.path) was edited while the sweep ran; starting no more of its tasks (launch it again to run the edited version)")
                    }
                case .exited(let code):
                    try? store.failAbandoned(t.id, reason: "the task's process exited with status \(code) before recording an outcome; see logs/\(t.id).log")
                    failed += 1
                case .signalled(let s):
                    try? store.failAbandoned(t.id, reason: "the task's process was killed by signal \(s) (\(signalName(s))) before it finished; see logs/\(t.id).log")
                    failed += 1
                }
            }
            // Stopping: the tasks running now are asked to stop too (from a terminal they
            // already had the Ctrl-C); each records `interrupted`, and a rerun retries it.
            if LocalEngine.stopRequested != 0 && !forwarded {
                for pid in running.keys { kill(pid, SIGTERM) }
                forwarded = true
            }
            // A task that ignores the interrupt past its time limit is ended from here.
            if let timeout {
                for (pid, r) in running where Double(DispatchTime.now().uptimeNanoseconds - r.started.uptimeNanoseconds) * 1e-9 > timeout + 15 {
                    kill(pid, SIGKILL)
                }
            }
            if !ended.isEmpty { changed = true }
        }
        // Tasks another launch holds: wait for it to finish them.
        while LocalEngine.stopRequested == 0, !elsewhere.isEmpty {
            elsewhere.removeAll { !store.isRunningElsewhere($0.id) }
            progress.draw(done: done, failed: failed, running: elsewhere.count, pending: queue.count)
            if !elsewhere.isEmpty { usleep(200_000) }
        }
        progress.finish()
        return (done, failed, LocalEngine.stopRequested != 0)
    }

    /// A thread per child waits for it (waitpid blocks), so the loop wakes the moment
    /// any child ends instead of polling.
    private func reap(_ pid: pid_t) {
        let t = Thread { [self] in
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            lock.lock(); finished.append(Finished(pid: pid, status: status)); lock.unlock()
            wake.signal()
        }
        t.start()
    }
}

func signalName(_ s: Int32) -> String {
    let names: [Int32: String] = [SIGKILL: "SIGKILL", SIGSEGV: "SIGSEGV", SIGABRT: "SIGABRT", SIGTERM: "SIGTERM", SIGINT: "SIGINT",
                                  SIGBUS: "SIGBUS", SIGILL: "SIGILL", SIGFPE: "SIGFPE", SIGHUP: "SIGHUP", SIGTRAP: "SIGTRAP"]
    return names[s] ?? "signal \(s)"
}

/// Starting processes: posix_spawn with stdout/stderr to a file and stdin from /dev/null.
enum Launch {
    /// This lk executable, by absolute path (children, --list and Slurm scripts run it).
    static let executable: String = {
        var buffer = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buffer, 4095)
        if n > 0 { return String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self) }
        return CommandLine.arguments[0]
    }()

    enum SpawnResult { case success(pid_t), failure(String) }

    static func spawn(_ argv: [String], output: String) -> SpawnResult {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_APPEND, 0o666)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var cArgs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        defer { for p in cArgs { free(p) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, argv[0], &actions, nil, &cArgs, environ)
        if rc != 0 { return .failure("\(argv[0]): \(String(cString: strerror(rc)))") }
        return .success(pid)
    }

    enum Ending { case exited(Int32), signalled(Int32) }

    static func describe(_ status: Int32) -> Ending {
        let signal = status & 0x7f
        return signal == 0 ? .exited((status >> 8) & 0xff) : .signalled(signal)
    }

    /// A word as a POSIX shell reads it back: bare when safe, else in single quotes.
    static func shellQuote(_ s: String) -> String {
        let safe = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+@%")
        if !s.isEmpty && s.allSatisfy({ safe.contains($0) }) { return s }
        return "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}

/// The progress line: done/failed/running/pending and an ETA from the rate so far.
/// On a terminal one line redrawn in place; otherwise a line every 10 s and at the end.
final class Progress {
    let label: String
    let total: Int
    let start = DispatchTime.now()
    let tty = isatty(2) != 0
    var lastLine = DispatchTime.now()
    var drawn = false
    var last = ""

    init(label: String, total: Int) { self.label = label; self.total = total }

    func line(done: Int, failed: Int, running: Int, pending: Int) -> String {
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) * 1e-9
        let finished = done + failed
        var s = "\(label)\(done)/\(total) done · \(failed) failed · \(running) running · \(pending) pending · \(formatSeconds(elapsed))"
        if finished > 0 && running + pending > 0 {
            s += " · ETA \(formatSeconds(elapsed / Double(finished) * Double(running + pending)))"
        }
        return s
    }

    func draw(done: Int, failed: Int, running: Int, pending: Int) {
        last = line(done: done, failed: failed, running: running, pending: pending)
        if tty {
            TaskProcess.write(2, "\r\u{1B}[K" + last)
            drawn = true
        } else if Double(DispatchTime.now().uptimeNanoseconds - lastLine.uptimeNanoseconds) * 1e-9 >= 10 {
            TaskProcess.write(2, last + "\n")
            lastLine = .now()
        }
    }

    func finish() {
        if tty && drawn { TaskProcess.write(2, "\r\u{1B}[K") }
    }
}
