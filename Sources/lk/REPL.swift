import Foundation
import LkBuiltins
import LkLang
import LkSession
import LkTensor

/// The interactive prompt. With a terminal: libedit line editing, persistent
/// history, completion, a banner naming the BLAS. Without one (piped input):
/// plain lines, no prompts and no escape codes, so it can be scripted.
/// Running code and `:commands` is the session's; this reads lines and shows results.
final class REPL {
    let isTerminal = isatty(0) != 0 && isatty(1) != 0
    let session: Session
    let history = History()
    var editor: LineEditor? = nil

    init() {
        session = Session(arguments: [], interactive: isTerminal)   // at the prompt there are no `args`
        session.onOutput = { text in print(text, terminator: "") }
    }

    func run() -> Int32 {
        defer { session.figures.reset() }
        if isTerminal {
            editor = LineEditor(history: history.load())
            let s = session
            LineEditor.completer = { s.complete($0) }
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
                FigureOutput.newInput()   // a text figure printed before is no longer the last output
            } catch {
                pending = ""   // Ctrl-C at the prompt abandons the input
                continue
            }
            let blank = line.trimmingCharacters(in: .whitespaces).isEmpty
            if pending.isEmpty && blank { continue }
            if !pending.isEmpty && blank { pending = ""; continue }   // a blank line abandons an unfinished input
            if pending.isEmpty && Session.isCommand(line) {
                remember(line)
                let reply = session.command(line)
                if reply.quit { return 0 }
                if !reply.text.isEmpty { print(reply.text) }
                if let d = reply.diagnostic { report(d) }
                continue
            }
            let text = pending.isEmpty ? line : pending + "\n" + line
            switch session.parse(SourceFile(name: "<repl>", text: text)) {
            case .incomplete:
                pending = text
            case .error(let d):
                pending = ""
                remember(text)
                report(d)
            case .complete(let program):
                pending = ""
                remember(text)
                let r = session.execute(program)
                if let shown = r.shown { print(shown) }
                if let d = r.diagnostic { report(d) }
                fflush(nil)
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

    func report(_ d: Diagnostic) {
        fflush(nil)
        if d.kind == .interrupted { print(isTerminal ? "\ninterrupted" : "interrupted"); return }
        FileHandle.standardError.write(Data((d.render() + "\n").utf8))
    }
}
