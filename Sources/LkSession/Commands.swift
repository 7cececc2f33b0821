import Foundation
import LkBuiltins
import LkLang
import LkTensor

/// What a `:command` gives back: the text to show, the diagnostic of code it ran
/// (shown where the front end shows errors), and whether to leave.
public struct CommandReply {
    public var text: String
    public var diagnostic: Diagnostic? = nil
    public var quit = false
}

/// The REPL's `:commands`, shared by every front end (the kernel runs a cell that
/// starts with `:` or `?` as a command). Each command is one function from its
/// argument to the text it shows; code it runs prints through `onOutput`.
extension Session {
    public static let commands: [(name: String, usage: String, help: String)] = [
        ("help", ":help [name]", "list the built-ins, or show one's documentation (also ?name)"),
        ("vars", ":vars", "the variables of the workspace: name, kind, shape, bytes"),
        ("time", ":time expr", "run an expression and report its wall time and tensor allocations"),
        ("load", ":load file.lk", "run a script in this workspace"),
        ("cells", ":cells file.lk", "list the cells of a notebook script with their titles"),
        ("run", ":run N", "run cell N of the file :cells listed last"),
        ("reset", ":reset", "forget every variable and figure (built-ins stay)"),
        ("save", ":save file", "write the whole workspace to one file (.npz: tensors as .npy, the rest described)"),
        ("restore", ":restore file", "read a workspace :save wrote into this one"),
        ("quit", ":quit", "leave (also Ctrl-D at an empty prompt)"),
    ]

    /// Whether a line is a command rather than code.
    public static func isCommand(_ line: String) -> Bool {
        guard let first = line.first else { return false }
        return first == ":" || first == "?"
    }

    /// Runs `:name args` or `?name`.
    public func command(_ line: String) -> CommandReply {
        commandDiagnostic = nil
        if line.hasPrefix("?") { return CommandReply(text: help(line.dropFirst().trimmingCharacters(in: .whitespaces))) }
        let body = line.dropFirst()
        let name = String(body.prefix(while: { !$0.isWhitespace }))
        let arg = body.dropFirst(name.count).trimmingCharacters(in: .whitespacesAndNewlines)
        let text: String
        switch name {
        case "quit", "q", "exit": return CommandReply(text: "", quit: true)
        case "help", "h": text = help(arg)
        case "vars": text = vars(arg)
        case "time": text = time(arg)
        case "load": text = load(arg)
        case "cells": text = cells(arg)
        case "run": text = runCell(arg)
        case "reset": reset(); text = "workspace cleared"
        case "save", "restore": text = workspaceCommand(name, arg)
        default:
            let hint = closestName(to: name, in: Session.commands.map { $0.name }).map { " (did you mean :\($0)?)" } ?? ""
            text = "unknown command :\(name)\(hint); :help lists the commands"
        }
        defer { commandDiagnostic = nil }
        return CommandReply(text: text, diagnostic: commandDiagnostic)
    }

    /// Runs code for a command; its value (if shown) is the returned text.
    func runForCommand(_ source: SourceFile, echo: Bool) -> (text: String, ok: Bool) {
        let r = execute(source, echo: echo)
        if let d = r.diagnostic { commandDiagnostic = d }
        return (r.shown ?? "", r.ok)
    }

    public func help(_ topic: String) -> String {
        var lines: [String] = []
        if topic.isEmpty {
            for g in BuiltinTable.groups {
                lines.append("\(g.title):")
                lines.append(wrap(g.builtins.map { $0.name }.joined(separator: " "), indent: "  "))
            }
            lines.append("Commands:")
            for c in Session.commands { lines.append("  " + c.usage.padding(toLength: 16, withPad: " ", startingAt: 0) + c.help) }
            lines.append("`:help name` or `?name` shows a built-in's documentation.")
            return lines.joined(separator: "\n")
        }
        if let doc = documentation(of: topic) { return doc }
        let hint = closestName(to: topic, in: Array(interpreter.builtins.keys)).map { " (did you mean \($0)?)" } ?? ""
        return "no built-in named '\(topic)'\(hint)"
    }

    /// A built-in's signature and documentation, or what a user function is; nil
    /// for a name that is neither (the kernel's `inspect_request`).
    public func documentation(of name: String) -> String? {
        if let b = interpreter.builtins[name] {
            return b.signature + "\n\n" + wrap(b.doc, indent: "")
        } else if case .function(let f)? = interpreter.value(of: name) {
            return "\(name) is a function: fn \(f.name)(\(f.parameterList))"
        }
        return nil
    }

    func wrap(_ text: String, indent: String, width: Int = 78) -> String {
        var lines: [String] = []
        var current = indent
        for word in text.split(separator: " ") {
            if current.count + word.count + 1 > width && current.count > indent.count {
                lines.append(current)
                current = indent
            }
            current += (current.count > indent.count ? " " : "") + word
        }
        lines.append(current)
        return lines.joined(separator: "\n")
    }

    func vars(_ arg: String) -> String {
        let rows = interpreter.userVariables.filter { $0.0 != "_" && $0.0 != "args" }
        if rows.isEmpty { return "no variables" }
        let table = rows.map { (name, value) -> [String] in
            var shape = ""
            if case .tensor(let t) = value { shape = shapeString(t.shape) }
            if case .list(let l) = value { shape = "\(l.count) items" }
            if case .record(let r) = value { shape = "\(r.names.count) fields" }
            return [name, value.typeName, shape, formatBytes(Double(Session.bytes(of: value)))]
        }
        let header = ["name", "kind", "shape", "bytes"]
        let widths = (0..<4).map { c in max(header[c].count, table.map { $0[c].count }.max() ?? 0) }
        func row(_ r: [String]) -> String {
            r.enumerated().map { c, s in c == 3 ? s : s.padding(toLength: widths[c], withPad: " ", startingAt: 0) }.joined(separator: "  ")
        }
        return ([row(header)] + table.map(row)).joined(separator: "\n")
    }

    static func bytes(of v: Value) -> Int {
        switch v {
        case .tensor(let t): return t.count * 8
        case .number: return 8
        case .bool: return 1
        case .string(let s): return s.utf8.count
        case .list(let l): return l.reduce(0) { $0 + bytes(of: $1) }
        case .record(let r): return r.values.reduce(0) { $0 + bytes(of: $1) }
        default: return 0
        }
    }

    func time(_ code: String) -> String {
        guard !code.isEmpty else { return "usage: :time expr" }
        let n0 = TensorStorage.allocations.load(ordering: .relaxed), b0 = TensorStorage.allocatedBytes.load(ordering: .relaxed)
        let t0 = DispatchTime.now().uptimeNanoseconds
        let (shown, ok) = runForCommand(SourceFile(name: "<repl>", text: code), echo: true)
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
        let n = TensorStorage.allocations.load(ordering: .relaxed) - n0
        let b = TensorStorage.allocatedBytes.load(ordering: .relaxed) - b0
        let wall = seconds < 1e-3 ? String(format: "%.1f µs", seconds * 1e6) : seconds < 1 ? String(format: "%.2f ms", seconds * 1e3) : String(format: "%.3f s", seconds)
        let report = "\(ok ? "" : "(failed) ")time: \(wall), \(n) tensor allocation\(n == 1 ? "" : "s") (\(formatBytes(Double(b))))"
        return shown.isEmpty ? report : shown + "\n" + report
    }

    /// A script's text, or the message saying why not.
    func readScript(_ path: String) -> Result<String, CommandFailure> {
        guard !path.isEmpty else { return .failure(CommandFailure("usage: give a file name")) }
        let p = path.hasPrefix("~/") ? NSHomeDirectory() + path.dropFirst(1) : path
        let data: Data
        do { data = Data(try InputFile.readRegular(p, what: "a script")) }
        catch let e as TensorError { return .failure(CommandFailure(e.message)) }
        catch { return .failure(CommandFailure("cannot read \(path)")) }
        guard let text = String(data: data, encoding: .utf8) else { return .failure(CommandFailure("\(path) is not valid UTF-8")) }
        return .success(text)
    }

    func load(_ path: String) -> String {
        switch readScript(path) {
        case .failure(let f): return f.message
        case .success(let text):
            // The script reads its data from beside it, as when it runs on its own.
            let previous = scriptDirectory
            scriptDirectory = URL(fileURLWithPath: path).deletingLastPathComponent().path
            defer { scriptDirectory = previous }
            return runForCommand(SourceFile(name: path, text: text), echo: false).text
        }
    }

    /// `:save FILE` and `:restore FILE` (see `Workspace`).
    func workspaceCommand(_ name: String, _ arg: String) -> String {
        guard !arg.isEmpty else { return "usage: :\(name) file" }
        let path = arg.hasPrefix("~/") ? NSHomeDirectory() + arg.dropFirst(1) : arg
        var text = ""
        onLargeStack { [self] in
            do {
                let s = name == "save" ? try Workspace.save(interpreter, to: path) : try Workspace.restore(interpreter, from: path)
                let n = s.variables.count
                var lines = ["\(name == "save" ? "saved" : "restored") \(n) variable\(n == 1 ? "" : "s") (\(formatBytes(Double(s.bytes)))) \(name == "save" ? "to" : "from") \(arg)"]
                for (v, why) in s.skipped { lines.append("  not saved: \(v) (\(why))") }
                text = lines.joined(separator: "\n")
            } catch let d as Diagnostic { commandDiagnostic = d } catch { text = "error: \(error)" }
        }
        return text
    }

    func cells(_ path: String) -> String {
        let text: String
        switch readScript(path) {
        case .failure(let f): return f.message
        case .success(let t): text = t
        }
        let nb = Notebook(text: text)
        listed = (path, nb)
        if nb.cells.isEmpty { return "\(path) has no cells" }
        return nb.cells.enumerated().map { i, c in
            let tag = c.kind == .markdown ? "[markdown] " : ""
            return String(format: "%3d  ", i + 1) + tag + Notebook.title(of: c) + "  (line \(c.firstLine))"
        }.joined(separator: "\n")
    }

    func runCell(_ arg: String) -> String {
        guard let (path, nb) = listed else { return "list a file's cells first: :cells file.lk" }
        guard let n = Int(arg), n >= 1, n <= nb.cells.count else { return "usage: :run N, with N from 1 to \(nb.cells.count)" }
        let cell = nb.cells[n - 1]
        if cell.kind == .markdown { return cell.prose }
        return runForCommand(SourceFile(name: path, text: nb.sourceText(of: n - 1)), echo: true).text
    }
}

/// Why a command could not do its work, as the text it shows.
struct CommandFailure: Error {
    let message: String
    init(_ message: String) { self.message = message }
}
