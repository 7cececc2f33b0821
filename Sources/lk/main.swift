import ArgumentParser
import Foundation
import LkBuiltins
import LkLang
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

func versionText() -> String {
    var text = "lk 0.1.0\n" + BLASInfo.summary
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

// `render` is a verb, not a script name: dispatch it before the script runner's parser.
if CommandLine.arguments.count > 1 && CommandLine.arguments[1] == "render" {
    Render.main(Array(CommandLine.arguments.dropFirst(2)))
} else if CommandLine.arguments.count > 1 && CommandLine.arguments[1] == "kernel" {
    KernelCommand.main(Array(CommandLine.arguments.dropFirst(2)))
} else {
    LK.main()
}
