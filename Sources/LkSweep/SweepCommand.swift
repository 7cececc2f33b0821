import ArgumentParser
import Foundation
import LkLang
import LkTensor

/// `lk sweep FILE.lk --out DIR …` (DESIGN.md §6; Docs/sweeps.md).
public struct SweepCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "lk sweep",
        abstract: "Run every task of a sweep file (a `grid` and `fn run(p)`) that is not done yet, storing the results in DIR.",
        discussion: """
        lk sweep FILE.lk --out DIR [-j N]   run what is not done, N local processes
        lk sweep FILE.lk --out DIR --task I run task I in this process
        lk sweep FILE.lk --out DIR --list   one command per task not done (| parallel)
        lk sweep FILE.lk --out DIR --slurm [sbatch options]   a Slurm job array
        mpirun -n R lk sweep FILE.lk --out DIR   rank r runs tasks r, r+R, …
        lk sweep FILE.lk --out DIR --status the done/failed/running/pending table
        lk sweep FILE.lk --count            how many tasks the grid has

        Exit status: 0 every task (of this launch's share) is done; 1 some task
        failed or is not done; 64 bad arguments; 65 not a sweep file; 70 its top
        level failed; 74 the store cannot be opened; 75 (--task) another process
        is running the task; 130 stopped by Ctrl-C. See Docs/sweeps.md.
        """,
        helpNames: [.short, .long]
    )

    /// Set by lk's main before `main(_:)`.
    nonisolated(unsafe) public static var host: SweepHost! = nil
    /// What follows `--slurm` on the command line (passed to sbatch as given).
    nonisolated(unsafe) static var sbatchOptions: [String]? = nil

    @ArgumentParser.Argument(help: "The sweep file: defines `grid` and `fn run(p)`.")
    var file: String

    @Option(name: .long, help: "The sweep's directory: sweep.sqlite, logs/, tensors/ (on a cluster: a shared file system).")
    var out: String?

    @Option(name: .customShort("j"), help: "How many tasks to run at once (default: the number of cores; under mpirun/srun: 1 per rank).")
    var jobs: Int?

    @Option(name: .long, help: "Run task I (0-based) alone, in this process.")
    var task: Int?

    @Flag(name: .long, help: "Print the number of tasks in the grid.")
    var count = false

    @Flag(name: .long, help: "Print one shell command per task not yet done (for GNU parallel or any launcher).")
    var list = false

    @Flag(name: .long, help: "Print the table of done, failed, running and pending tasks.")
    var status = false

    @Option(name: .long, help: "Fail a task that runs longer than this many seconds.")
    var timeout: Double?

    /// Given by the local engine to its task processes: the id the launch computed, so a
    /// task whose file was edited meanwhile does not run as a task of another version.
    @Option(name: .customLong("expect-id"), help: .hidden)
    var expectID: String?

    public init() {}

    /// Splits off `--slurm [sbatch options…]`, then parses the rest.
    public static func main(arguments: [String]) {
        var args = arguments
        if let i = args.firstIndex(of: "--slurm") {
            sbatchOptions = Array(args[(i + 1)...])
            args = Array(args[..<i])
        }
        main(args)
    }

    public func validate() throws {
        if let jobs, jobs < 1 { throw ValidationError("-j needs a positive number of processes, not \(jobs)") }
        if let task, task < 0 { throw ValidationError("--task needs a task number 0, 1, 2, …, not \(task)") }
        if let timeout, !(timeout > 0 && timeout.isFinite) { throw ValidationError("--timeout needs a positive number of seconds") }
        let modes = [task != nil, count, list, status, SweepCommand.sbatchOptions != nil].filter { $0 }.count
        if modes > 1 { throw ValidationError("--task, --count, --list, --status and --slurm are alternatives; give one") }
        if out == nil && !count { throw ValidationError("--out DIR is required: the directory that holds the sweep's results") }
    }

    public func run() throws {
        let host = SweepCommand.host!
        let script: SweepScript
        do { script = try SweepScript.load(file, host: host) }
        catch let f as ScriptFailure { TaskProcess.console(f.message); throw ExitCode(f.status) }
        if count { print(script.grid.count); return }
        let directory = absolute(out!)
        if let task {
            if let expectID, task >= 0, task < script.grid.count, script.grid.task(task).id != expectID {
                TaskProcess.console("lk sweep: \(file) changed after this sweep was launched (task \(task) is now \(script.grid.task(task).id), not \(expectID)); launch it again")
                throw ExitCode(TaskProcess.scriptChanged)
            }
            throw ExitCode(TaskProcess.run(script, directory: directory, index: task, timeout: timeout, host: host))
        }

        let store: Store
        let tasks = script.grid.tasks
        do {
            store = try Store(directory: directory)
            try store.register(script.grid, tasks: tasks, scriptPath: script.absolutePath, scriptText: script.text)
            try store.reclaimAbandoned()
        } catch {
            TaskProcess.console("lk sweep: \(error)")
            throw ExitCode(SweepScript.io)
        }
        if status { throw ExitCode(try printStatus(script, store: store, tasks: tasks)) }

        let rows = try store.rows(tasks.map { $0.id })
        let todo = tasks.filter { rows[$0.id]?.status != .done && !store.isRunningElsewhere($0.id) }
        if list {
            for t in todo { print(command(script, directory: directory, task: t.index)) }
            return
        }
        if let options = SweepCommand.sbatchOptions {
            throw ExitCode(try Slurm.submit(script, store: store, directory: directory, tasks: todo, throttle: jobs,
                                            options: options, timeout: timeout, status: { try printStatus(script, store: store, tasks: tasks) }))
        }

        // Local processes, or this rank's share under mpirun/srun.
        var share = tasks
        var label = ""
        var defaultJobs = ProcessInfo.processInfo.activeProcessorCount
        if let r = Launch.rank() {
            share = tasks.filter { $0.index % r.size == r.rank }
            label = "rank \(r.rank)/\(r.size): "
            defaultJobs = 1
        }
        let shareTodo = share.filter { rows[$0.id]?.status != .done }
        let engine = LocalEngine(script: script, store: store, directory: directory, jobs: jobs ?? defaultJobs,
                                 timeout: timeout, tasks: shareTodo, label: label.isEmpty ? "lk sweep: " : "lk sweep \(label)")
        let result = engine.run()
        store.checkpoint()
        let after = try store.rows(share.map { $0.id })
        let done = share.filter { after[$0.id]?.status == .done }.count
        if label.isEmpty {
            let code = try printStatus(script, store: store, tasks: tasks)
            throw ExitCode(result.stopped ? 130 : code)
        }
        TaskProcess.console("lk sweep \(label)\(done)/\(share.count) of its tasks done (\(result.done) run now, \(result.failed) failed)")
        throw ExitCode(result.stopped ? 130 : done == share.count ? 0 : 1)
    }

    func absolute(_ path: String) -> String {
        let p = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        return URL(fileURLWithPath: p).standardizedFileURL.path
    }

    func command(_ script: SweepScript, directory: String, task: Int) -> String {
        var words = [Launch.executable, "sweep", script.absolutePath, "--out", directory, "--task", String(task)]
        if let timeout { words += ["--timeout", "\(timeout)"] }
        return words.map(Launch.shellQuote).joined(separator: " ")
    }

    /// The table `--status` prints (and every local run ends with); 0 when all are done.
    func printStatus(_ script: SweepScript, store: Store, tasks: [SweepTask]) throws -> Int32 {
        let rows = try store.rows(tasks.map { $0.id })
        var counts: [Store.Status: Int] = [:]
        var failed: [(SweepTask, Store.Row)] = [], running: [(SweepTask, Store.Row)] = []
        var seconds: [Double] = []
        for t in tasks {
            let r = rows[t.id]
            let s = r?.status ?? .pending
            counts[s, default: 0] += 1
            if s == .failed, let r { failed.append((t, r)) }
            if s == .running, let r { running.append((t, r)) }
            if s == .done, let x = r?.seconds { seconds.append(x) }
        }
        var out = "\(script.path) → \(store.directory): \(tasks.count) task\(tasks.count == 1 ? "" : "s")\n"
        for s in [Store.Status.done, .failed, .running, .pending] {
            out += "  " + s.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0) + String(counts[s] ?? 0) + "\n"
        }
        if !seconds.isEmpty {
            out += "  task time: mean \(formatSeconds(seconds.reduce(0, +) / Double(seconds.count))), max \(formatSeconds(seconds.max()!))\n"
        }
        func describe(_ t: SweepTask) -> String {
            "#\(t.index) " + t.params.map { "\($0.name)=\($0.value.canonical.dropFirst(2))" }.joined(separator: " ")
        }
        if !running.isEmpty {
            out += "running:\n"
            for (t, r) in running.prefix(20) { out += "  \(describe(t)) on \(r.host ?? "?") pid \(r.pid ?? 0)\n" }
        }
        if !failed.isEmpty {
            out += "failed:\n"
            for (t, r) in failed.prefix(20) {
                out += "  \(describe(t)) (attempt\(r.attempts == 1 ? "" : "s") \(r.attempts)): \(r.error ?? "?")\n"
            }
            if failed.count > 20 { out += "  … and \(failed.count - 20) more (sweepload(\"\(store.directory)\") has them all)\n" }
        }
        print(out, terminator: "")
        fflush(nil)
        return counts[.done, default: 0] == tasks.count ? 0 : 1
    }
}

extension Launch {
    /// This process's rank when an MPI or Slurm launcher started several:
    /// Open MPI (OMPI_COMM_WORLD_RANK/SIZE), PMI (MPICH, Intel MPI: PMI_RANK/SIZE),
    /// Slurm's srun (SLURM_PROCID/NTASKS). nil for a single process.
    static func rank(_ env: [String: String] = ProcessInfo.processInfo.environment) -> (rank: Int, size: Int)? {
        for (r, s) in [("OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE"), ("PMI_RANK", "PMI_SIZE"), ("SLURM_PROCID", "SLURM_NTASKS")] {
            if let rank = env[r].flatMap({ Int($0) }), let size = env[s].flatMap({ Int($0) }), size > 1, rank >= 0, rank < size {
                return (rank, size)
            }
        }
        return nil
    }
}

/// `--slurm [sbatch options]`: a job array over the tasks not yet done.
enum Slurm {
    /// "0-3,7,9-11": the indices as sbatch's --array wants them.
    static func ranges(_ indices: [Int]) -> String {
        var parts: [String] = []
        var i = 0
        let xs = indices.sorted()
        while i < xs.count {
            var j = i
            while j + 1 < xs.count && xs[j + 1] == xs[j] + 1 { j += 1 }
            parts.append(i == j ? "\(xs[i])" : "\(xs[i])-\(xs[j])")
            i = j + 1
        }
        return parts.joined(separator: ",")
    }

    static func submit(_ script: SweepScript, store: Store, directory: String, tasks: [SweepTask], throttle: Int?,
                       options: [String], timeout: Double?, status: () throws -> Int32) throws -> Int32 {
        guard !tasks.isEmpty else {
            print("lk sweep: every task is done or running; nothing to submit")
            return try status()
        }
        var command = [Launch.executable, "sweep", script.absolutePath, "--out", directory].map(Launch.shellQuote).joined(separator: " ")
        command += " --task \"$SLURM_ARRAY_TASK_ID\""
        if let timeout { command += " --timeout \(timeout)" }
        let array = ranges(tasks.map { $0.index }) + (throttle.map { "%\($0)" } ?? "")
        let text = """
        #!/bin/bash
        # Written by `lk sweep \(script.path) --slurm`: one array task per task of the sweep
        # not yet done. Options given after --slurm are passed to sbatch and override these.
        #SBATCH --job-name=lk-sweep
        #SBATCH --array=\(array)
        #SBATCH --output=\(directory)/logs/slurm-%A_%a.out
        exec \(command)

        """
        let path = directory + "/sweep.sbatch"
        do { try AtomicFile.write(Array(text.utf8), to: path, newFileMode: 0o755) }
        catch { TaskProcess.console("lk sweep: \(error)"); return SweepScript.io }

        guard let sbatch = findOnPath("sbatch") else {
            TaskProcess.console("lk sweep --slurm: sbatch is not on PATH (is Slurm installed here?); the job script is \(path)")
            return 69
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: sbatch)
        p.arguments = ["--parsable"] + options + [path]
        let pipe = Pipe()
        p.standardOutput = pipe
        do { try p.run() } catch { TaskProcess.console("lk sweep --slurm: cannot run \(sbatch): \(error)"); return 69 }
        TaskProcess.console("lk sweep: submitting \(tasks.count) task\(tasks.count == 1 ? "" : "s") as a Slurm job array (\(path))")
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let job = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        let waited = options.contains(where: { $0 == "--wait" || $0 == "-W" })
        // With --wait, sbatch exits non-zero when an array task failed; the table says which.
        guard p.terminationStatus == 0 || (waited && !job.isEmpty) else {
            TaskProcess.console("lk sweep --slurm: sbatch exited with status \(p.terminationStatus)")
            return p.terminationStatus
        }
        if waited {
            store.checkpoint()
            print("job \(job) ended")
            return try status()
        }
        print("submitted job \(job); `lk sweep \(script.path) --out \(directory) --status` shows its progress")
        return 0
    }

    static func findOnPath(_ name: String) -> String? {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let p = "\(dir)/\(name)"
            if access(p, X_OK) == 0 { return p }
        }
        return nil
    }
}
