import CEditLine
import Foundation
import LkBuiltins
import LkLang
import LkTensor

/// The interactive prompt. Line editing and history come from libedit when
/// standard input is a terminal; otherwise plain lines are read, and the
/// output carries no escape codes.
final class REPL {
    let interpreter = BuiltinTable.makeInterpreter()
    let isTerminal = isatty(0) != 0

    func run() -> Int32 {
        if isTerminal {
            print("lk 0.1.0 — \(BLASInfo.summary). :help for help, Ctrl-D to quit.")
            if let w = BLASInfo.warning { print("warning: \(w)") }
        }
        var pending = ""
        while true {
            let prompt = pending.isEmpty ? "lk> " : "... "
            guard let line = readLine(prompt: prompt) else {
                if isTerminal { print("") }
                return 0
            }
            if pending.isEmpty && line.trimmingCharacters(in: .whitespaces).isEmpty { continue }
            if !pending.isEmpty && line.trimmingCharacters(in: .whitespaces).isEmpty {
                pending = ""   // a blank line abandons an unfinished input
                continue
            }
            if pending.isEmpty && line.hasPrefix(":") {
                if !command(line) { return 0 }
                continue
            }
            let text = pending.isEmpty ? line : pending + "\n" + line
            let source = SourceFile(name: "<repl>", text: text)
            switch Interpreter.parse(source) {
            case .incomplete:
                pending = text
                continue
            case .error(let d):
                pending = ""
                report(d)
            case .complete(let program):
                pending = ""
                if isTerminal { addHistory(text) }
                execute(program, suppress: text.trimmingCharacters(in: .whitespaces).hasSuffix(";"))
            }
        }
    }

    func execute(_ program: Program, suppress: Bool) {
        Interrupt.clear()
        onLargeStack { [self] in
            do {
                if let v = try interpreter.run(program) {
                    interpreter.setGlobal("_", v)
                    if !suppress, !Runner.isNone(v) { print(Display.repr(v)) }
                }
            } catch let d as Diagnostic {
                report(d)
            } catch {
                print("error: \(error)")
            }
        }
        Interrupt.clear()
    }

    func report(_ d: Diagnostic) {
        if d.kind == .interrupted { print("interrupted"); return }
        FileHandle.standardError.write(Data((d.render() + "\n").utf8))
    }

    /// `:help`, `:vars`, `:quit`, …; returns false to leave the REPL.
    func command(_ line: String) -> Bool {
        let parts = line.dropFirst().split(separator: " ", maxSplits: 1).map(String.init)
        let name = parts.first ?? ""
        let arg = parts.count > 1 ? parts[1].trimmingCharacters(in: .whitespaces) : ""
        switch name {
        case "quit", "q", "exit": return false
        case "help":
            if arg.isEmpty {
                for g in BuiltinTable.groups {
                    print("\(g.title): " + g.builtins.map { $0.name }.joined(separator: " "))
                }
                print("Commands: :help name, :vars, :reset, :quit")
            } else if let b = interpreter.builtins[arg] {
                print(b.signature + "\n\n" + b.doc)
            } else {
                print("no built-in named '\(arg)'")
            }
        case "vars":
            for (n, v) in interpreter.userVariables { print("\(n)\t\(v.describedKind)") }
        case "reset": interpreter.reset()
        default:
            let known = ["help", "vars", "reset", "quit"]
            let hint = closestName(to: name, in: known).map { " (did you mean :\($0)?)" } ?? ""
            print("unknown command :\(name)\(hint)")
        }
        return true
    }

    func readLine(prompt: String) -> String? {
        if isTerminal {
            guard let p = CEditLine.readline(prompt) else { return nil }
            defer { free(p) }
            return String(cString: p)
        }
        return Swift.readLine(strippingNewline: true)
    }

    func addHistory(_ text: String) { _ = add_history(text) }
}
