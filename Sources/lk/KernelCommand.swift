import ArgumentParser
import Foundation
import LkJupyter

/// `lk kernel -f CONNECTION_FILE` and `lk kernel install` (DESIGN.md §5).
struct KernelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "lk kernel",
        abstract: "Run lk as a Jupyter kernel (JupyterLab, VS Code, nbclient, papermill).",
        discussion: "Jupyter starts `lk kernel -f CONNECTION_FILE` itself once the kernelspec is installed: run `lk kernel install --user` first.",
        subcommands: [KernelInstall.self])

    @Option(name: .customShort("f"), help: "The connection file Jupyter wrote (ports, key).")
    var connectionFile: String?

    func run() throws {
        guard let connectionFile else { throw ValidationError("give the connection file: lk kernel -f CONNECTION_FILE (or `lk kernel install --user`)") }
        let kernel: Kernel
        do { kernel = try Kernel(connectionFile: connectionFile) } catch {
            FileHandle.standardError.write(Data("lk kernel: \(error)\n".utf8))
            throw ExitCode(Runner.ioError)
        }
        throw ExitCode(kernel.run())
    }
}

/// `lk kernel install [--user | --prefix DIR] [--name NAME]`
struct KernelInstall: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "install",
        abstract: "Install the kernelspec, so Jupyter lists lk as a kernel.")

    @Flag(help: "Install for this user (the user's Jupyter data directory).")
    var user = false

    @Option(help: "Install into DIR/share/jupyter/kernels (a virtual environment, a conda prefix).")
    var prefix: String?

    @Option(help: "The kernel's name (default lk).")
    var name = "lk"

    func validate() throws {
        if user && prefix != nil { throw ValidationError("give --user or --prefix, not both") }
    }

    func run() throws {
        do {
            let dir = try KernelSpec.install(name: name, user: user, prefix: prefix, executable: KernelSpec.currentExecutable)
            print("installed the kernelspec \(name) in \(dir.path)")
        } catch {
            FileHandle.standardError.write(Data("lk kernel install: \(error)\n".utf8))
            throw ExitCode(Runner.ioError)
        }
    }
}
