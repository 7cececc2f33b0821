import Foundation
import LkBuiltins
import LkLang
import LkTensor

/// What running one cell (a REPL input, a script, a notebook cell, a Jupyter
/// `execute_request`) produced.
public struct CellResult {
    /// The value of the last statement, when it is an expression not ended by `;`
    /// and not `none`.
    public var value: Value? = nil
    /// `value` as the REPL shows it.
    public var shown: String? = nil
    /// Everything `print` and friends wrote while the cell ran (also streamed
    /// through `Session.onOutput` as it was written).
    public var output = ""
    /// Files of the figures the cell drew, when the session routes figures.
    public var figures: [String] = []
    /// Why the cell failed: a parse error, a runtime error, an interruption.
    public var diagnostic: Diagnostic? = nil

    public var ok: Bool { diagnostic == nil }
    public var interrupted: Bool { diagnostic?.kind == .interrupted }
    public init() {}
}

/// One workspace and everything that belongs to it: an interpreter, its
/// figures and where its output goes. Every front end — the REPL, the script
/// runner, `lk render` and the Jupyter kernel — runs code through `execute`
/// (Lua's `docall`, clox's `interpret()` returning a result are the models)
/// and shows the result its own way.
public final class Session {
    public let interpreter: Interpreter
    public let figures: SessionFigures
    /// What scripts see as `args`.
    public var arguments: [String]
    /// Called with printed text while a cell runs (the REPL prints it, the kernel
    /// sends it as a `stream` message). The text is also collected in the result.
    public var onOutput: ((String) -> Void)?
    /// Where relative data paths are looked up first (the script's folder).
    public var scriptDirectory: String? {
        get { interpreter.scriptDirectory }
        set { interpreter.scriptDirectory = newValue }
    }
    /// The file `:cells` listed last, for `:run N`.
    var listed: (path: String, notebook: Notebook)? = nil
    /// Diagnostics of code that a command ran (`:load`, `:run`, `:time`).
    var commandDiagnostic: Diagnostic? = nil
    private var collecting = ""

    public init(arguments: [String] = [], interactive: Bool = false) {
        self.arguments = arguments
        figures = SessionFigures(interactive: interactive)
        interpreter = BuiltinTable.makeInterpreter()
        interpreter.output = { [unowned self] text in
            collecting += text
            onOutput?(text)
        }
        interpreter.setGlobal("args", .list(arguments.map { .string($0) }))
    }

    deinit {
        figures.reset()
    }

    /// Parses `text` as a cell named `name`.
    public func parse(_ source: SourceFile) -> ParseResult { Interpreter.parse(source) }

    /// Parses and runs a cell (parsing, running and freeing its syntax tree all on
    /// the large stack: a deep tree recurses).
    public func execute(_ source: SourceFile, echo: Bool = true) -> CellResult {
        run(echo: echo) { [self] in
            switch parse(source) {
            case .complete(let program): return program
            case .incomplete(let d), .error(let d): throw d
            }
        }
    }

    /// Runs a parsed cell in the workspace on a thread with a large stack. Its
    /// value (unless `echo` is false or the cell ends in `;`) becomes `_`.
    public func execute(_ program: Program, echo: Bool = true) -> CellResult {
        run(echo: echo) { program }
    }

    private func run(echo: Bool, _ program: @escaping () throws -> Program) -> CellResult {
        var result = CellResult()
        var paths: [String] = []
        let previous = figures.onFigure
        figures.onFigure = { paths.append($0); previous?($0) }
        defer { figures.onFigure = previous }
        figures.activate()
        collecting = ""
        Interrupt.clear()
        onLargeStack { [self] in
            var source: SourceFile? = nil
            do {
                let p = try program()
                source = p.source
                if let v = try interpreter.run(p), !Self.isNone(v) {
                    interpreter.setGlobal("_", v)
                    if echo && !p.hidesValue {
                        result.value = v
                        result.shown = try Display.checkedRepr(v, what: "the text")
                    }
                }
                // Ctrl-C in a built-in that returned its partial result (PartialResult):
                // the value is kept, and the cell still ends as interrupted.
                if Interrupt.isRequested { result.diagnostic = Diagnostic(.interrupted, "interrupted", source: p.source) }
            } catch let d as Diagnostic {
                result.diagnostic = d
            } catch {
                result.diagnostic = Diagnostic(.runtime, "\(error)", source: source)
            }
        }
        Interrupt.clear()
        figures.deactivate()
        result.output = collecting
        collecting = ""
        result.figures = paths
        fflush(nil)
        return result
    }

    /// Forgets every variable (built-ins stay), the unfinished `subplot` grid and
    /// the last figure; `args` is set again as at the start.
    public func reset() {
        onLargeStack { [self] in interpreter.reset() }
        interpreter.setGlobal("args", .list(arguments.map { .string($0) }))
        figures.reset()
    }

    /// Completions of the text before the cursor: the offset (in UTF-8 bytes) where
    /// the completed word starts, and the candidates.
    public func complete(_ before: String) -> (replaceFrom: Int, candidates: [String]) {
        Completer(interpreter: interpreter).complete(before)
    }

    static func isNone(_ v: Value) -> Bool { if case .none = v { return true }; return false }
}

/// Runs `body` on a thread whose stack is `Interpreter.stackSize` and waits for it.
///
/// When the address space is limited (`ulimit -v 600000`), a 512 MB stack cannot be
/// mapped; Foundation's `Thread` then never runs its body and lk waited forever. So the
/// thread is made with pthreads, which report the failure, and the stack is halved until
/// it can be made (down to `Interpreter.minimumStackSize`); the recursion limit shrinks
/// with it (`Interpreter.grantedStackSize`). Below that, lk says why and exits 71.
public func onLargeStack(_ body: @escaping () -> Void) {
    var size = Interpreter.stackSize
    while size >= Interpreter.minimumStackSize {
        Interpreter.grantedStackSize = size
        if runOnThread(stackSize: size, body) { return }
        size /= 2
    }
    FileHandle.standardError.write(Data("lk: cannot start the interpreter: no thread with a stack of \(Interpreter.minimumStackSize >> 20) MB or more can be created (is the address space limited, ulimit -v?)\n".utf8))
    exit(71)
}

/// Runs `body` on a new thread with the given stack and waits for it; false if the
/// thread could not be created (then `body` has not run).
private func runOnThread(stackSize: Int, _ body: @escaping () -> Void) -> Bool {
    final class Work { let body: () -> Void; init(_ b: @escaping () -> Void) { body = b } }
    var attr = pthread_attr_t()
    pthread_attr_init(&attr)
    defer { pthread_attr_destroy(&attr) }
    guard pthread_attr_setstacksize(&attr, stackSize) == 0 else { return false }
    let context = Unmanaged.passRetained(Work(body)).toOpaque()
    var thread = pthread_t()
    let status = pthread_create(&thread, &attr, { raw in
        let work = Unmanaged<AnyObject>.fromOpaque(raw!).takeRetainedValue() as! Work
        work.body()
        return nil
    }, context)
    guard status == 0 else {
        Unmanaged<AnyObject>.fromOpaque(context).release()
        return false
    }
    pthread_join(thread, nil)
    return true
}

/// Carries a value across a thread boundary that the caller keeps ordered
/// (the caller waits for the thread before touching it again).
public struct UncheckedSendable<T>: @unchecked Sendable {
    public let value: T
    public init(_ value: T) { self.value = value }
}
