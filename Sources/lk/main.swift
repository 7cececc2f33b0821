import ArgumentParser
import Foundation
import LkBuiltins
import LkLang
import LkSession
import LkSweep
import LkTensor

/// `lk` — the command line of DESIGN.md §5.
struct LK: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lk",
        abstract: "A notebook-style tensor REPL for studying how neural networks learn.",
        discussion: """
        lk                 start the REPL
        lk FILE.lk [args]  run a script (exit 0 ok, 65 parse error, 70 runtime error, 74 unreadable file)
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

/// SIGINT only sets the interrupt flag; a second Ctrl-C while the flag is still
/// set (a computation that does not check it) ends the process.
func installInterruptHandler() {
    signal(SIGINT) { _ in
        // At the prompt a Ctrl-C only abandons the line, however often it is pressed.
        if Interrupt.flag.pointee != 0 && LineEditor.atPrompt.pointee == 0 { _exit(130) }
        Interrupt.flag.pointee = 1
    }
}

/// `lk render FILE.lk -o OUT.md [--html]`
struct Render: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "lk render",
        abstract: "Run a notebook script cell by cell and write Markdown (or HTML) with its output and figures.")

    @ArgumentParser.Argument(help: "The notebook script (Jupytext percent format: # %% cells).")
    var file: String

    @Option(name: .shortAndLong, help: "The document to write (.md, or .html with --html).")
    var output: String?

    @Flag(help: "Write one self-contained HTML page (figures inlined).")
    var html = false

    func run() throws {
        let out = output ?? (URL(fileURLWithPath: file).deletingPathExtension().path + (html ? ".html" : ".md"))
        throw ExitCode(Renderer(input: file, output: out, html: html).run())
    }
}

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
