import CEditLine
import Foundation
import LkTensor

/// Line editing on libedit (through its readline interface): emacs keys,
/// history with Up/Down recalling lines that start with what is typed (prefix
/// search), Ctrl-R reverse search, and Tab completion. Ctrl-C at the prompt
/// abandons the line: our own character reader wakes up every 50 ms, sees the
/// interrupt flag the SIGINT handler set, and ends the read.
final class LineEditor {
    /// Computes completions for (line before the cursor) → (start offset to replace, candidates).
    nonisolated(unsafe) static var completer: ((String) -> (replaceFrom: Int, candidates: [String]))?
    nonisolated(unsafe) static var pending: [String] = []
    /// Set while the prompt waits for input; a Ctrl-C then only abandons the line.
    nonisolated(unsafe) static let atPrompt: UnsafeMutablePointer<Int32> = {
        let p = UnsafeMutablePointer<Int32>.allocate(capacity: 1)
        p.initialize(to: 0)
        return p
    }()

    init(history: [String]) {
        // Words break at operators and brackets, and at '.' so `r.<Tab>` completes fields.
        lk_rl_configure(lineEditorGetc, lineEditorComplete, " \t\n\"'`@$><=;|&{([,.:+-*/%^!")
        stifle_history(100_000)
        for entry in history { _ = add_history(entry) }
        // Emacs keys first (it resets the key map), then Up/Down as prefix search.
        for binding in ["bind -e", "bind ^I rl_complete", "bind ^[[A ed-search-prev-history", "bind ^[[B ed-search-next-history",
                        "bind ^[OA ed-search-prev-history", "bind ^[OB ed-search-next-history",
                        "bind ^R em-inc-search-prev"] {
            _ = rl_parse_and_bind(binding)
        }
    }

    /// One line, or nil at end of input. Throws `Interrupted` on Ctrl-C.
    struct Interrupted: Error {}

    func readLine(prompt: String) throws -> String? {
        Interrupt.clear()
        LineEditor.atPrompt.pointee = 1
        defer { LineEditor.atPrompt.pointee = 0 }
        let p = readline(prompt)
        if Interrupt.isRequested {
            Interrupt.clear()
            if let p { free(p) }
            FileHandle.standardOutput.write(Data("^C\n".utf8))
            throw Interrupted()
        }
        guard let p else { return nil }
        defer { free(p) }
        return String(cString: p)
    }

    func add(_ entry: String) { _ = add_history(entry) }
}

/// Reads one character for libedit: waits on standard input in 50 ms slices so
/// a Ctrl-C (the flag) ends the read, and decodes UTF-8 into one code point
/// (libedit takes this function's result as a whole character).
private func lineEditorGetc(_ file: UnsafeMutablePointer<FILE>?) -> Int32 {
    func byte() -> Int32 {
        while true {
            if Interrupt.isRequested { return -1 }
            var pfd = pollfd(fd: 0, events: Int16(POLLIN), revents: 0)
            let r = poll(&pfd, 1, 50)
            if r < 0 && errno != EINTR { return -1 }
            if r <= 0 { continue }
            var c: UInt8 = 0
            let n = read(0, &c, 1)
            if n == 1 { return Int32(c) }
            if n == 0 { return -1 }
            if errno != EINTR && errno != EAGAIN { return -1 }
        }
    }
    let first = byte()
    guard first >= 0x80 else { return first }
    let extra = first >= 0xF0 ? 3 : first >= 0xE0 ? 2 : first >= 0xC0 ? 1 : 0
    var scalar = first & (0x3F >> Int32(extra))
    for _ in 0..<extra {
        let b = byte()
        guard b >= 0 else { return -1 }
        scalar = (scalar << 6) | (b & 0x3F)
    }
    return scalar
}

/// Tab: asks `LineEditor.completer` for candidates for the text before the cursor.
private func lineEditorComplete(_ text: UnsafePointer<CChar>?, _ start: Int32, _ end: Int32) -> UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? {
    lk_rl_completion_over()   // never fall back to libedit's file-name completion
    guard let completer = LineEditor.completer, let buffer = lk_rl_line_buffer() else { return nil }
    let line = String(cString: buffer)
    let utf8 = Array(line.utf8)
    let before = String(decoding: utf8.prefix(Int(lk_rl_point())), as: UTF8.self)
    let (from, candidates) = completer(before)
    // libedit replaces the word starting at `start`; our candidates replace from `from`.
    // (whatever word breaks it used), so express each candidate from there.
    let wordStart = min(Int(start), utf8.count)
    LineEditor.pending = candidates.compactMap { c in
        let bytes = Array(c.utf8)
        if wordStart >= from {
            let cut = wordStart - from
            return cut <= bytes.count ? String(decoding: bytes.dropFirst(cut), as: UTF8.self) : nil
        }
        return String(decoding: utf8[wordStart..<min(from, utf8.count)], as: UTF8.self) + c
    }
    guard !LineEditor.pending.isEmpty else { return nil }
    guard let text else { return nil }
    return rl_completion_matches(text, lineEditorGenerate)
}

private func lineEditorGenerate(_ text: UnsafePointer<CChar>?, _ state: Int32) -> UnsafeMutablePointer<CChar>? {
    let i = Int(state)
    guard i < LineEditor.pending.count else { return nil }
    return strdup(LineEditor.pending[i])
}
