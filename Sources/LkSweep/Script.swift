import Foundation
import LkLang
import LkTensor

/// What lk's executable lends the sweep runner: its version (part of every task id),
/// a fresh interpreter with every built-in, and its large-stack runner.
public struct SweepHost: @unchecked Sendable {
    public var version: String
    public var makeInterpreter: () -> Interpreter
    public var onLargeStack: (@escaping () -> Void) -> Void

    public init(version: String, makeInterpreter: @escaping () -> Interpreter, onLargeStack: @escaping (@escaping () -> Void) -> Void) {
        self.version = version
        self.makeInterpreter = makeInterpreter
        self.onLargeStack = onLargeStack
    }
}

/// A sweep that cannot start, with the exit status lk uses for it.
struct ScriptFailure: Error {
    let status: Int32
    let message: String
}

/// The sweep file after its top level has run: its text, `grid` and `run`.
final class SweepScript: @unchecked Sendable {
    static let usage: Int32 = 64, parse: Int32 = 65, runtime: Int32 = 70, io: Int32 = 74

    let path: String
    let absolutePath: String
    let text: String
    let source: SourceFile
    let interpreter: Interpreter
    let grid: Grid
    let runFunction: Value
    /// What the top level printed (a task's log starts with it).
    let topLevelOutput: String

    private init(path: String, absolutePath: String, text: String, source: SourceFile, interpreter: Interpreter,
                 grid: Grid, runFunction: Value, topLevelOutput: String) {
        self.path = path; self.absolutePath = absolutePath; self.text = text; self.source = source
        self.interpreter = interpreter; self.grid = grid; self.runFunction = runFunction; self.topLevelOutput = topLevelOutput
    }

    static func load(_ path: String, host: SweepHost) throws -> SweepScript {
        let data: Data
        do { data = Data(try InputFile.readRegular(path, what: "a script")) }
        catch let e as TensorError { throw ScriptFailure(status: io, message: "lk sweep: \(e.message)") }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ScriptFailure(status: parse, message: "\(path): error: the file is not valid UTF-8")
        }
        let absolute = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        let source = SourceFile(name: path, text: text)
        var failure: ScriptFailure? = nil
        var interpreter: Interpreter! = nil
        var output = ""
        host.onLargeStack {
            interpreter = host.makeInterpreter()
            interpreter.output = { output += $0 }
            interpreter.setGlobal("args", .list([]))
            do {
                try interpreter.run(source)
            } catch let d as Diagnostic {
                failure = ScriptFailure(status: d.kind == .parse ? parse : runtime, message: d.render())
            } catch {
                failure = ScriptFailure(status: runtime, message: "\(path): error: \(error)")
            }
        }
        if let failure { throw failure }
        guard let gridValue = interpreter.value(of: "grid") else {
            throw ScriptFailure(status: parse, message: "\(path): error: a sweep file defines `grid`, a record of value lists (grid = {lr: [0.1, 0.01]}), and `fn run(p)`; this one has no `grid`")
        }
        guard let run = interpreter.value(of: "run") else {
            throw ScriptFailure(status: parse, message: "\(path): error: a sweep file defines `fn run(p)`, returning a record of results; this one has no `run`")
        }
        switch run {
        case .function(let f):
            guard f.parameterNames.count >= 1 else {
                throw ScriptFailure(status: parse, message: "\(path): error: `run` must take one parameter, the task's record p: fn run(p) { … }")
            }
        default:
            throw ScriptFailure(status: parse, message: "\(path): error: `run` must be a function fn run(p), not a \(run.describedKind)")
        }
        let grid: Grid
        do { grid = try Grid(gridValue, scriptText: text, version: host.version) }
        catch let e as SweepError { throw ScriptFailure(status: parse, message: "\(path): error: \(e.message)") }
        return SweepScript(path: path, absolutePath: absolute, text: text, source: source, interpreter: interpreter,
                           grid: grid, runFunction: run, topLevelOutput: output)
    }

    enum Outcome { case done(Value), failed(first: String, full: String) }

    /// Calls run(p) for a task, with the process-wide generator seeded by the task's seed.
    func run(_ task: SweepTask, host: SweepHost) -> Outcome {
        var outcome: Outcome = .failed(first: "error: run(p) did not return", full: "")
        let p = task.record
        Random.seed(task.seed)
        interpreter.output = { s in FileHandle.standardOutput.write(Data(s.utf8)) }
        host.onLargeStack {
            do {
                outcome = .done(try self.interpreter.call(self.runFunction, [p]))
            } catch var d as Diagnostic {
                if d.kind == .interrupted { d = Diagnostic(.runtime, TaskTimer.interruptionReason, span: d.span, source: d.source) }
                if d.source == nil { d.source = self.source }
                let text = d.render()
                outcome = .failed(first: String(text.split(separator: "\n", omittingEmptySubsequences: false).first ?? ""), full: text)
            } catch is Interrupted {
                outcome = .failed(first: "\(self.path): error: \(TaskTimer.interruptionReason)", full: "")
            } catch let e as BuiltinError {
                outcome = .failed(first: "\(self.path): error: \(e.message)", full: "")
            } catch let e as TensorError {
                outcome = .failed(first: "\(self.path): error: \(e.message)", full: "")
            } catch {
                outcome = .failed(first: "\(self.path): error: \(error)", full: "")
            }
        }
        return outcome
    }
}

/// `--timeout` inside a task process, and SIGINT/SIGTERM (Ctrl-C, `scancel`): both set
/// the interrupt flag the evaluator polls, so run(p) stops at a safe point and the
/// task becomes a failed row with the reason. A computation that does not stop within
/// 5 more seconds (one huge BLAS call) ends the process; the launcher then records it.
enum TaskTimer {
    nonisolated(unsafe) static var limit: Double? = nil
    nonisolated(unsafe) static var deadline: DispatchTime? = nil
    nonisolated(unsafe) static var signalled: Int32 = 0

    static var interruptionReason: String {
        if let limit, let deadline, DispatchTime.now() >= deadline { return "time limit of \(formatNumber(limit)) s exceeded (--timeout)" }
        switch signalled {
        case SIGTERM: return "stopped by SIGTERM (the launcher or scheduler cancelled the task)"
        case SIGINT: return "interrupted (SIGINT)"
        default: return "interrupted"
        }
    }

    static func installSignalHandlers() {
        signalled = 0   // initialised here, not first inside a signal handler
        signal(SIGINT) { s in TaskTimer.signalled = s; Interrupt.flag.pointee = 1 }
        signal(SIGTERM) { s in TaskTimer.signalled = s; Interrupt.flag.pointee = 1 }
    }

    static func arm(_ seconds: Double, onGiveUp: @escaping @Sendable () -> Void) {
        limit = seconds
        deadline = .now() + seconds
        DispatchQueue.global().asyncAfter(deadline: .now() + seconds) {
            Interrupt.request()
            DispatchQueue.global().asyncAfter(deadline: .now() + 5) { onGiveUp() }
        }
    }
}
