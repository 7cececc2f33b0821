import ArgumentParser
import Foundation
import LkBuiltins
import LkLang
import LkSession
import LkSweep
import LkTensor
import Synchronization

/// `lk` — the command line of DESIGN.md §5.
struct LK: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lk",
        abstract: "A notebook-style tensor REPL for studying how neural networks learn.",
        discussion: """
        lk                 start the REPL
        lk FILE.lk [args]  run a script (exit 0 ok, 65 parse error, 70 runtime error, 74 unreadable file, 130 Ctrl-C)
        lk -e 'code'       run code given on the command line
        lk -               read a script from standard input
        lk render FILE.lk -o OUT.md|OUT.html|OUT.ipynb [args]
                           run a notebook script cell by cell and write a document
        lk kernel install [--user | --prefix DIR] [--name NAME]
                           make lk a Jupyter kernel (JupyterLab, VS Code, nbclient)
        """,
        version: versionText(),
        subcommands: [],
        helpNames: [.short, .long]
    )

    @Option(name: .customShort("e"), help: "Run this code and exit.")
    var code: String?

    @Option(name: .long, help: "Stop a script that runs longer than this many seconds (exit 70).")
    var timeout: Double?

    @Flag(name: .customLong("builtins-md"), help: .hidden)
    var builtinsMarkdown = false

    @ArgumentParser.Argument(help: "A script to run ('-' for standard input), then arguments the script sees as `args`.")
    var file: String?

    @ArgumentParser.Argument(parsing: .captureForPassthrough, help: .hidden)
    var scriptArguments: [String] = []

    func run() throws {
        if builtinsMarkdown { print(BuiltinTable.markdownReference(), terminator: ""); return }
        installInterruptHandler()
        configureProgress(render: false)
        if let s = ProcessInfo.processInfo.environment["LK_MEMORY_LIMIT"], parseByteSize(s) == nil {
            FileHandle.standardError.write(Data("lk: warning: LK_MEMORY_LIMIT=\(s) is not a size such as 8G or 512M; using the default, half of RAM (\(formatBytes(Double(Tensor.memoryLimit))))\n".utf8))
        }
        if let timeout {
            guard timeout > 0, timeout.isFinite else { throw ValidationError("--timeout needs a positive number of seconds") }
            Runner.armTimeout(timeout)
        }
        let status: Int32
        if let code {
            status = Runner.runSource(SourceFile(name: "<-e>", text: code), arguments: [file].compactMap { $0 } + scriptArguments, echoResult: true)
        } else if let file {
            status = Runner.runFile(file, arguments: scriptArguments)
        } else {
            status = REPL().run()
        }
        throw ExitCode(status)
    }
}

/// lk's version (also part of every sweep task's id).
let lkVersion = "0.1.0"

func versionText() -> String {
    var text = "lk \(lkVersion)\n" + BLASInfo.summary
    if let w = BLASInfo.warning { text += "\nwarning: " + w }
    return text
}

/// SIGINT only sets the interrupt flag. A second Ctrl-C while the flag is still set
/// (the computation has not reached its next check yet) never ends a REPL: the
/// workspace is worth more than the seconds a single uninterruptible library call
/// may take, so lk says so and keeps waiting (Ctrl-\ still quits). A script has no
/// workspace to keep: there a second Ctrl-C ends the process (exit 130).
func installInterruptHandler() {
    _ = InterruptMessages.stillStopping   // made now: the handler may not allocate
    _ = InterruptMessages.keepSession
    signal(SIGINT) { _ in
        // At the prompt a Ctrl-C only abandons the line, however often it is pressed.
        if Interrupt.flag.pointee != 0 && LineEditor.atPrompt.pointee == 0 {
            if InterruptMessages.keepSession.pointee == 0 { _exit(130) }
            let m = InterruptMessages.stillStopping
            _ = write(2, m.pointer, m.count)
            return
        }
        Interrupt.flag.pointee = 1
    }
}

/// What the SIGINT handler needs, prepared before it is installed.
enum InterruptMessages {
    /// Set by the REPL: a second Ctrl-C must not end the session.
    nonisolated(unsafe) static let keepSession: UnsafeMutablePointer<Int32> = {
        let p = UnsafeMutablePointer<Int32>.allocate(capacity: 1); p.initialize(to: 0); return p
    }()
    nonisolated(unsafe) static let stillStopping: (pointer: UnsafeMutablePointer<CChar>, count: Int) = {
        let text = "\nlk: still stopping: the running operation cannot be interrupted until it returns; "
            + "the workspace is kept and the prompt comes back then (Ctrl-\\ quits lk)\n"
        return (strdup(text)!, text.utf8.count)
    }()
}

/// The progress line (`ProgressReporter`): on standard error when it is a terminal, never
/// under `lk render`; LK_PROGRESS=1 shows it anywhere, LK_PROGRESS=0 nowhere.
func configureProgress(render: Bool) {
    // LK_PROGRESS_DELAY: seconds before the line appears (default 1; tests set 0).
    if let d = ProcessInfo.processInfo.environment["LK_PROGRESS_DELAY"].flatMap(Double.init), d >= 0 { ProgressReporter.delay = d }
    switch ProcessInfo.processInfo.environment["LK_PROGRESS"] {
    case "0": ProgressReporter.sink = nil
    case "1": ProgressReporter.sink = StderrProgressSink()
    default: ProgressReporter.sink = !render && isatty(2) != 0 ? StderrProgressSink() : nil
    }
}

/// `lk render FILE.lk -o OUT.md [--html]`
/// `lk render FILE.lk -o OUT.md|OUT.html|OUT.ipynb [args…]`
struct Render: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "lk render",
        abstract: "Run a notebook script cell by cell and write a document with its output and figures.",
        discussion: """
        The format follows OUT's extension: .md (Markdown; figures as SVG files in OUT_files/ beside it),
        .html (one self-contained page), .ipynb (a Jupyter notebook with its outputs).
        `lk render NOTEBOOK.ipynb -o FILE.lk` turns an lk notebook back into a # %% script.
        Arguments after the script are what it sees as `args`.
        """)

    @ArgumentParser.Argument(help: "The notebook script (Jupytext percent format: # %% cells), or an .ipynb to turn into a script.")
    var file: String

    @Option(name: .shortAndLong, help: "The document to write: OUT.md, OUT.html or OUT.ipynb (or FILE.lk from an .ipynb).")
    var output: String?

    @Flag(help: .hidden)
    var html = false

    @ArgumentParser.Argument(parsing: .allUnrecognized, help: "Arguments the script sees as `args`.")
    var scriptArguments: [String] = []

    func run() throws {
        configureProgress(render: true)
        guard let output else {
            throw ValidationError("give the document to write with -o OUT.md, OUT.html or OUT.ipynb (lk render writes nothing beside the script unasked)")
        }
        let format: Renderer.Format
        switch Renderer.format(of: output) {
        case .success(let f): format = f
        case .failure(let e): throw ValidationError(e.message)
        }
        if html && format != .html { throw ValidationError("--html with -o \(output): name an .html file (the extension picks the format)") }
        installInterruptHandler()
        throw ExitCode(Renderer(input: file, output: output, format: format, arguments: scriptArguments).run())
    }
}

// Registered first, so it runs after every other exit handler and just before the
// libraries' own: if Ctrl-C abandoned a LAPACK call that is still running on its
// thread (Interrupt.abandonable), OpenBLAS's exit handler would wait forever for its
// busy thread pool, so lk ends here — a script stopped by Ctrl-C with 130, the REPL 0.
atexit {
    guard Interrupt.runningAbandoned.load(ordering: .relaxed) > 0 else { return }
    fflush(nil)
    _exit(InterruptMessages.keepSession.pointee != 0 ? 0 : 130)
}

// OpenBLAS's idle workers sleep at once instead of spinning against lk's own threads
// (Sources/LkTensor/BLASThreads.swift); the user's OPENBLAS_THREAD_TIMEOUT wins.
BLASThreads.quietWorkers()

// `render` is a verb, not a script name: dispatch it before the script runner's parser.
if CommandLine.arguments.count > 1 && CommandLine.arguments[1] == "render" {
    Render.main(Array(CommandLine.arguments.dropFirst(2)))
} else if CommandLine.arguments.count > 1 && CommandLine.arguments[1] == "kernel" {
    KernelCommand.main(Array(CommandLine.arguments.dropFirst(2)))
} else if CommandLine.arguments.count > 1 && CommandLine.arguments[1] == "sweep" {
    // `lk sweep FILE.lk --out DIR …` (Sources/LkSweep, Docs/sweeps.md).
    FigureOutput.setInteractive(false)
    SweepCommand.host = SweepHost(version: lkVersion, makeInterpreter: BuiltinTable.makeInterpreter, onLargeStack: onLargeStack)
    SweepCommand.main(arguments: Array(CommandLine.arguments.dropFirst(2)))
} else {
    LK.main()
}
