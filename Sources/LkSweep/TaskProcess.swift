import Foundation
import LkLang
import LkTensor

/// `lk sweep FILE.lk --out DIR --task I`: runs one task in this process, every engine's
/// unit of work. Its stdout and stderr go to DIR/logs/<id>.log (appended, one header per
/// attempt); one line on the console says how it ended.
///
/// Exit status: 0 the task is done (now or before), 1 it failed (the row says why),
/// 75 another process is running it, 64 bad arguments, 65/70 the sweep file does not
/// parse or its top level fails, 74 the store cannot be opened.
enum TaskProcess {
    static let busy: Int32 = 75
    /// `--expect-id` did not match: the file was edited after the launch began.
    static let scriptChanged: Int32 = 76

    static func run(_ script: SweepScript, directory: String, index: Int, timeout: Double?, host: SweepHost) -> Int32 {
        let grid = script.grid
        guard index >= 0 && index < grid.count else {
            console("lk sweep: --task \(index) is out of range: \(script.path) has \(grid.count) task\(grid.count == 1 ? "" : "s") (0…\(grid.count - 1))")
            return SweepScript.usage
        }
        let task = grid.task(index)
        let store: Store
        do { store = try Store(directory: directory) } catch { console("lk sweep: \(error)"); return SweepScript.io }
        let claim: Store.Claim
        do { claim = try store.claim(task, grid: grid, scriptPath: script.absolutePath, scriptText: script.text) }
        catch { console("lk sweep: \(error)"); return SweepScript.io }
        let label = "task \(index) (\(task.id))"
        let attempt: Int
        switch claim {
        case .busy: console("\(label): another process is running it; skipped"); return busy
        case .alreadyDone: console("\(label): already done"); return 0
        case .claimed(let a): attempt = a
        }

        // Everything the task prints, from Swift, C or gnuplot, goes to its log.
        let consoleFD = dup(2)
        let logFD = open(store.logPath(task.id), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o666)
        fflush(nil)
        if logFD >= 0 { dup2(logFD, 1); dup2(logFD, 2); close(logFD) }
        let stamp = ISO8601DateFormatter().string(from: Date())
        write(1, "== lk sweep \(script.path) task \(index) id \(task.id) attempt \(attempt) on \(Store.hostName) pid \(getpid()) at \(stamp)\n== p = \(Display.plain(task.record))\n" + script.topLevelOutput)

        TaskTimer.installSignalHandlers()
        let id = task.id
        if let timeout {
            TaskTimer.arm(timeout) {
                let reason = "time limit of \(formatNumber(timeout)) s exceeded (--timeout); the computation did not stop, so the process was ended"
                write(2, "lk sweep: \(reason)\n")
                try? Store(directory: directory).fail(id, error: "\(script.path): error: \(reason)", seconds: timeout)
                _exit(SweepScript.runtime)
            }
        }
        let start = DispatchTime.now()
        let outcome = script.run(task, host: host)
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) * 1e-9
        fflush(nil)
        var status: Int32 = 0
        var line: String
        switch outcome {
        case .done(let results):
            do {
                try store.finish(task, grid: grid, results: results, seconds: seconds)
                line = "\(label): done in \(formatSeconds(seconds))"
            } catch {
                let message = "\(script.path): error: \(error)"
                write(2, message + "\n")
                try? store.fail(task.id, error: message, seconds: seconds)
                line = "\(label): failed: \(message)"
                status = 1
            }
        case .failed(let first, let full):
            write(2, (full.isEmpty ? first : full) + "\n")
            do { try store.fail(task.id, error: first, seconds: seconds) }
            catch { write(2, "lk sweep: \(error)\n") }
            line = "\(label): failed: \(first)"
            status = 1
        }
        write(1, "== \(line)\n")
        write(consoleFD, line + "\n")
        return status
    }

    static func console(_ s: String) { write(2, s + "\n") }

    static func write(_ fd: Int32, _ s: String) {
        var bytes = Array(s.utf8)[...]
        while !bytes.isEmpty {
            let n = bytes.withUnsafeBytes { Foundation.write(fd, $0.baseAddress!, $0.count) }
            if n < 0 { if errno == EINTR { continue }; return }
            bytes = bytes.dropFirst(n)
        }
    }
}

/// 0.42 s, 12.3 s, 4:05, 1:02:03.
func formatSeconds(_ s: Double) -> String {
    if !s.isFinite { return "?" }
    if s < 10 { return String(format: "%.2f s", s) }
    if s < 60 { return String(format: "%.1f s", s) }
    let t = Int(s.rounded())
    return t < 3600 ? String(format: "%d:%02d", t / 60, t % 60) : String(format: "%d:%02d:%02d", t / 3600, t / 60 % 60, t % 60)
}
