import Foundation
import LkBuiltins
import LkLang
import LkTensor

/// The interactive prompt. With a terminal: libedit line editing, persistent
/// history, completion, a banner naming the BLAS. Without one (piped input):
/// plain lines, no prompts and no escape codes, so it can be scripted.
final class REPL {
    let interpreter = BuiltinTable.makeInterpreter()
    let isTerminal = isatty(0) != 0 && isatty(1) != 0
    let history = History()
    var editor: LineEditor? = nil
    /// The file `:cells` listed last, for `:run N`.
    var listed: (path: String, notebook: Notebook)? = nil

    static let commands: [(name: String, usage: String, help: String)] = [
        ("help", ":help [name]", "list the built-ins, or show one's documentation (also ?name)"),
        ("vars", ":vars", "the variables of the workspace: name, kind, shape, bytes"),
        ("time", ":time expr", "run an expression and report its wall time and tensor allocations"),
        ("load", ":load file.lk", "run a script in this workspace"),
        ("cells", ":cells file.lk", "list the cells of a notebook script with their titles"),
        ("run", ":run N", "run cell N of the file :cells listed last"),
        ("reset", ":reset", "forget every variable (built-ins stay)"),
        ("save", ":save file", "write the whole workspace to one file (.npz: tensors as .npy, the rest described)"),
        ("restore", ":restore file", "read a workspace :save wrote into this one"),
        ("quit", ":quit", "leave (also Ctrl-D at an empty prompt)"),
    ]

    func run() -> Int32 {
        interpreter.output = { text in ProgressReporter.clearLine(); print(text, terminator: "") }
        InterruptMessages.keepSession.pointee = 1   // a second Ctrl-C must not end the session
        interpreter.setGlobal("args", .list([]))   // scripts read `args`; at the prompt there are none
        FigureOutput.setInteractive(isTerminal)
        defer { FigureOutput.endSession() }
        if isTerminal {
            editor = LineEditor(history: history.load())
            let interp = interpreter
            LineEditor.completer = { Completer(interpreter: interp).complete($0) }
            print("lk 0.1.0 — \(BLASInfo.summary). :help for help, Ctrl-D to quit.")
            if let w = BLASInfo.warning { print("warning: \(w)") }
        }
        var pending = ""
        while true {
            let line: String
            do {
                guard let l = try readLine(prompt: pending.isEmpty ? "lk> " : "... ") else {
                    if isTerminal { print("") }
                    return 0
                }
                line = l
            } catch {
                pending = ""   // Ctrl-C at the prompt abandons the input
                continue
            }
            let blank = line.trimmingCharacters(in: .whitespaces).isEmpty
            if pending.isEmpty && blank { continue }
            if !pending.isEmpty && blank { pending = ""; continue }   // a blank line abandons an unfinished input
            if pending.isEmpty, let first = line.first, first == ":" || first == "?" {
                remember(line)
                if !command(line) { return 0 }
                continue
            }
            let text = pending.isEmpty ? line : pending + "\n" + line
            switch Interpreter.parse(SourceFile(name: "<repl>", text: text)) {
            case .incomplete:
                pending = text
            case .error(let d):
                pending = ""
                remember(text)
                report(d)
            case .complete(let program):
                pending = ""
                remember(text)
                execute(program, echo: !text.trimmingCharacters(in: .whitespaces).hasSuffix(";"))
            }
        }
    }

    func readLine(prompt: String) throws -> String? {
        if let editor { return try editor.readLine(prompt: prompt) }
        return Swift.readLine(strippingNewline: true)
    }

    /// One accepted input is one history entry, written to the file at once.
    func remember(_ text: String) {
        guard isTerminal else { return }
        editor?.add(text)
        history.append(text)
    }

    /// Runs a program in the workspace; prints its value unless `echo` is false.
    @discardableResult
    func execute(_ program: Program, echo: Bool) -> Bool {
        Interrupt.clear()
        var ok = true
        onLargeStack { [self] in
            do {
                if let v = try interpreter.run(program) {
                    interpreter.setGlobal("_", v)
                    if echo, !Runner.isNone(v) { print(Display.repr(v)) }
                }
                // Ctrl-C in the last statement's built-in, which returned its partial result (PartialResult).
                if Interrupt.isRequested { ok = false; report(Diagnostic(.interrupted, "interrupted")) }
            } catch let d as Diagnostic {
                ok = false
                report(d)
            } catch {
                ok = false
                print("error: \(error)")
            }
        }
        Interrupt.clear()
        fflush(nil)
        return ok
    }

    func execute(source: SourceFile, echo: Bool) -> Bool {
        switch Interpreter.parse(source) {
        case .complete(let p): return execute(p, echo: echo)
        case .incomplete(let d), .error(let d): report(d); return false
        }
    }

    func report(_ d: Diagnostic) {
        fflush(nil)
        if d.kind == .interrupted {
            let kept = PartialResult.takeKept() ? " (the partial result is kept, marked interrupted: true)" : ""
            print((isTerminal ? "\ninterrupted" : "interrupted") + kept)
            return
        }
        FileHandle.standardError.write(Data((d.render() + "\n").utf8))
    }

    // MARK: commands

    /// `:name args` or `?name`; returns false to leave the REPL.
    func command(_ line: String) -> Bool {
        if line.hasPrefix("?") { help(line.dropFirst().trimmingCharacters(in: .whitespaces)); return true }
        let body = line.dropFirst()
        let name = String(body.prefix(while: { !$0.isWhitespace }))
        let arg = body.dropFirst(name.count).trimmingCharacters(in: .whitespaces)
        switch name {
        case "quit", "q", "exit": return false
        case "help", "h": help(arg)
        case "vars": vars()
        case "time": time(arg)
        case "load": load(arg)
        case "cells": cells(arg)
        case "run": runCell(arg)
        case "save", "restore": workspaceCommand(name, arg)
        case "reset":
            onLargeStack { [self] in interpreter.reset() }
            interpreter.setGlobal("args", .list([]))   // as at the start of a session
            print("workspace cleared")
        default:
            let hint = closestName(to: name, in: REPL.commands.map { $0.name }).map { " (did you mean :\($0)?)" } ?? ""
            print("unknown command :\(name)\(hint); :help lists the commands")
        }
        return true
    }

    func help(_ topic: String) {
        if topic.isEmpty {
            for g in BuiltinTable.groups {
                print("\(g.title):")
                print(wrap(g.builtins.map { $0.name }.joined(separator: " "), indent: "  "))
            }
            print("Commands:")
            for c in REPL.commands { print("  " + c.usage.padding(toLength: 16, withPad: " ", startingAt: 0) + c.help) }
            print("`:help name` or `?name` shows a built-in's documentation.")
            return
        }
        if let b = interpreter.builtins[topic] {
            print(b.signature + "\n\n" + wrap(b.doc, indent: ""))
        } else if case .function(let f)? = interpreter.value(of: topic) {
            print("\(topic) is a function: fn \(f.name)(\(f.parameterList))")
        } else {
            let hint = closestName(to: topic, in: Array(interpreter.builtins.keys)).map { " (did you mean \($0)?)" } ?? ""
            print("no built-in named '\(topic)'\(hint)")
        }
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

    func vars() {
        let rows = interpreter.userVariables.filter { $0.0 != "_" && $0.0 != "args" }
        if rows.isEmpty { print("no variables"); return }
        let table = rows.map { (name, value) -> [String] in
            var shape = ""
            if case .tensor(let t) = value { shape = shapeString(t.shape) }
            if case .list(let l) = value { shape = "\(l.count) items" }
            if case .record(let r) = value { shape = "\(r.names.count) fields" }
            return [name, value.typeName, shape, formatBytes(Double(REPL.bytes(of: value)))]
        }
        let header = ["name", "kind", "shape", "bytes"]
        let widths = (0..<4).map { c in max(header[c].count, table.map { $0[c].count }.max() ?? 0) }
        func row(_ r: [String]) -> String {
            r.enumerated().map { c, s in c == 3 ? s : s.padding(toLength: widths[c], withPad: " ", startingAt: 0) }.joined(separator: "  ")
        }
        print(row(header))
        for r in table { print(row(r)) }
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

    func time(_ code: String) {
        guard !code.isEmpty else { print("usage: :time expr"); return }
        let n0 = TensorStorage.allocations.load(ordering: .relaxed), b0 = TensorStorage.allocatedBytes.load(ordering: .relaxed)
        let t0 = DispatchTime.now().uptimeNanoseconds
        let ok = execute(source: SourceFile(name: "<repl>", text: code), echo: !code.hasSuffix(";"))
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
        let n = TensorStorage.allocations.load(ordering: .relaxed) - n0
        let b = TensorStorage.allocatedBytes.load(ordering: .relaxed) - b0
        let wall = seconds < 1e-3 ? String(format: "%.1f µs", seconds * 1e6) : seconds < 1 ? String(format: "%.2f ms", seconds * 1e3) : String(format: "%.3f s", seconds)
        print("\(ok ? "" : "(failed) ")time: \(wall), \(n) tensor allocation\(n == 1 ? "" : "s") (\(formatBytes(Double(b))))")
    }

    func readScript(_ path: String) -> String? {
        guard !path.isEmpty else { print("usage: give a file name"); return nil }
        let p = path.hasPrefix("~/") ? NSHomeDirectory() + path.dropFirst(1) : path
        guard let data = FileManager.default.contents(atPath: p) else { print("cannot read \(path)"); return nil }
        guard let text = String(data: data, encoding: .utf8) else { print("\(path) is not valid UTF-8"); return nil }
        return text
    }

    func load(_ path: String) {
        guard let text = readScript(path) else { return }
        // The script reads its data from beside it, as when it runs on its own.
        let previous = interpreter.scriptDirectory
        interpreter.scriptDirectory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        defer { interpreter.scriptDirectory = previous }
        _ = execute(source: SourceFile(name: path, text: text), echo: false)
    }

    func cells(_ path: String) {
        guard let text = readScript(path) else { return }
        let nb = Notebook(text: text)
        listed = (path, nb)
        for (i, c) in nb.cells.enumerated() {
            let tag = c.kind == .markdown ? "[markdown] " : ""
            print(String(format: "%3d  ", i + 1) + tag + Notebook.title(of: c) + "  (line \(c.firstLine))")
        }
        if nb.cells.isEmpty { print("\(path) has no cells") }
    }

    func runCell(_ arg: String) {
        guard let (path, nb) = listed else { print("list a file's cells first: :cells file.lk"); return }
        guard let n = Int(arg), n >= 1, n <= nb.cells.count else { print("usage: :run N, with N from 1 to \(nb.cells.count)"); return }
        let cell = nb.cells[n - 1]
        if cell.kind == .markdown { print(cell.prose); return }
        _ = execute(source: SourceFile(name: path, text: nb.sourceText(of: n - 1)), echo: true)
    }

    /// `:save FILE` and `:restore FILE` (see `Workspace`).
    func workspaceCommand(_ name: String, _ arg: String) {
        guard !arg.isEmpty else { print("usage: :\(name) file"); return }
        let path = arg.hasPrefix("~/") ? NSHomeDirectory() + arg.dropFirst(1) : arg
        onLargeStack { [self] in
            do {
                let s = name == "save" ? try Workspace.save(interpreter, to: path) : try Workspace.restore(interpreter, from: path)
                let n = s.variables.count
                print("\(name == "save" ? "saved" : "restored") \(n) variable\(n == 1 ? "" : "s") (\(formatBytes(Double(s.bytes)))) \(name == "save" ? "to" : "from") \(arg)")
                for (v, why) in s.skipped { print("  not saved: \(v) (\(why))") }
            } catch let d as Diagnostic { report(d) } catch { print("error: \(error)") }
        }
    }
}
