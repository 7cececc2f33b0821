import Foundation
import LkBuiltins
import LkLang
import LkSession
import LkTensor

/// Runs scripts: reads the file, runs it on a thread with a large stack (so the
/// recursion limit, not the C stack, stops runaway recursion), prints
/// diagnostics to stderr, and maps outcomes to sysexits codes.
enum Runner {
    static let usageError: Int32 = 64, parseError: Int32 = 65, runtimeError: Int32 = 70, ioError: Int32 = 74
    /// An interrupted script (Ctrl-C, SIGINT) exits as a shell reports a SIGINT death.
    static let interrupted: Int32 = 130

    /// Set once, before the script starts; read after it stops (no shared writes).
    nonisolated(unsafe) static var timeLimit: Double? = nil
    nonisolated(unsafe) static var deadline: DispatchTime? = nil
    static var timedOut: Bool { deadline.map { DispatchTime.now() >= $0 } ?? false }

    /// `--timeout SECONDS`: when the time is up the script is interrupted exactly as
    /// by Ctrl-C — the timer sends this process SIGINT, whose handler sets the flag the
    /// evaluator polls — so it stops at the next loop iteration, call or built-in step
    /// and fails with a message. A computation that does not stop within a further
    /// 5 seconds (one huge BLAS call) ends the process.
    static func armTimeout(_ seconds: Double) {
        timeLimit = seconds
        deadline = .now() + seconds
        DispatchQueue.global().asyncAfter(deadline: .now() + seconds) {
            kill(getpid(), SIGINT)
            DispatchQueue.global().asyncAfter(deadline: .now() + 5) {
                FileHandle.standardError.write(Data("lk: time limit of \(formatNumber(seconds)) s exceeded; the computation did not stop\n".utf8))
                _exit(runtimeError)
            }
        }
    }

    /// The largest script lk reads (`InputFile.maxScriptBytes`); data belongs in files that
    /// `readcsv`/`loadnpy` read.
    static let maxScriptBytes = InputFile.maxScriptBytes

    /// Reads at most `maxScriptBytes` (+1, to tell a longer input); nil if unreadable.
    static func readBounded(_ handle: FileHandle) -> Data? {
        var data = Data()
        while data.count <= maxScriptBytes {
            do {
                // nil or empty: the end of the input.
                guard let chunk = try handle.read(upToCount: Swift.min(1 << 20, maxScriptBytes + 1 - data.count)), !chunk.isEmpty else { break }
                data.append(chunk)
            } catch { return nil }
        }
        return data
    }

    static func runFile(_ path: String, arguments: [String]) -> Int32 {
        let data: Data
        let name = path == "-" ? "<stdin>" : path
        if path == "-" {
            guard let d = readBounded(FileHandle.standardInput) else {
                FileHandle.standardError.write(Data("lk: <stdin>: cannot be read\n".utf8))
                return ioError
            }
            data = d
        } else {
            guard let handle = FileHandle(forReadingAtPath: path), let d = readBounded(handle) else {
                let reason = FileManager.default.fileExists(atPath: path) ? "cannot be read" : "no such file"
                FileHandle.standardError.write(Data("lk: \(path): \(reason)\n".utf8))
                return ioError
            }
            try? handle.close()
            data = d
        }
        if data.count > maxScriptBytes {
            FileHandle.standardError.write(Data("lk: \(name): the script is larger than \(maxScriptBytes >> 20) MB, the most lk reads (load data with readcsv or loadnpy instead)\n".utf8))
            return ioError
        }
        guard let text = String(data: data, encoding: .utf8) else {
            let offset = firstInvalidUTF8(Array(data))
            FileHandle.standardError.write(Data("\(name): error: the file is not valid UTF-8 (first bad byte at offset \(offset))\n".utf8))
            return parseError
        }
        return runSource(SourceFile(name: name, text: text), arguments: arguments, echoResult: false)
    }

    /// Runs a whole source; with `echoResult` (for `-e`) the last expression's value is printed.
    static func runSource(_ source: SourceFile, arguments: [String], echoResult: Bool) -> Int32 {
        // A script never leaves windows behind.
        var session: Session? = Session(arguments: arguments, interactive: false)
        session!.onOutput = { text in ProgressReporter.clearLine(); print(text, terminator: "") }
        session!.scriptDirectory = scriptDirectory(of: source)
        let r = session!.execute(source, echo: echoResult)
        onLargeStack { session = nil }   // freeing a deep syntax tree recurses
        if let shown = r.shown { print(shown) }
        fflush(nil)
        guard var d = r.diagnostic else { return 0 }
        if d.kind == .interrupted, let limit = Runner.timeLimit, Runner.timedOut {
            d = Diagnostic(.runtime, "time limit of \(formatNumber(limit)) s exceeded (--timeout)", span: d.span, source: d.source)
        }
        FileHandle.standardError.write(Data((d.render() + "\n").utf8))
        return d.kind == .parse ? parseError : d.kind == .interrupted ? interrupted : runtimeError
    }

    /// The folder of a script named on the command line (nil for -e and stdin).
    static func scriptDirectory(of source: SourceFile) -> String? {
        guard !source.name.hasPrefix("<") else { return nil }
        return URL(fileURLWithPath: source.name).deletingLastPathComponent().path
    }

    static func firstInvalidUTF8(_ bytes: [UInt8]) -> Int {
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            let n = b < 0x80 ? 1 : b >> 5 == 0b110 ? 2 : b >> 4 == 0b1110 ? 3 : b >> 3 == 0b11110 ? 4 : 0
            if n == 0 || i + n > bytes.count { return i }
            if String(bytes: bytes[i..<i + n], encoding: .utf8) == nil { return i }
            i += n
        }
        return i
    }
}

