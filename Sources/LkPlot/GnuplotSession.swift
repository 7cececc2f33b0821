import CGnuplot
import Foundation
import LkTensor

/// One running gnuplot process: started without a shell, fed commands, and
/// read back after each batch up to a sentinel line so that gnuplot's own
/// messages become errors at the plotting call.
final class GnuplotSession {
    private var handle: OpaquePointer?
    /// A line gnuplot prints after each batch. The random part keeps any text
    /// gnuplot echoes (which may hold user strings) from posing as it.
    private let sentinel = "lk-done-" + String(UInt64.random(in: 0...UInt64.max), radix: 16)
    /// A private directory for data files and text-plot output.
    let directory: URL
    /// The terminals this gnuplot was built with (`GPVAL_TERMINALS`).
    private(set) var terminals: Set<String> = []
    let pid: Int32

    /// How long one batch may take before gnuplot is taken to be hung.
    static let timeout = 300.0

    init(executable: String) throws {
        var message = [CChar](repeating: 0, count: 512)
        guard let h = lk_gnuplot_open(executable, nil, &message, message.count) else {
            let reason = String(decoding: message.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw PlotError.gnuplotMissing("cannot start gnuplot (\(reason)); \(Self.installHint)")
        }
        handle = h
        pid = lk_gnuplot_pid(h)
        Self.removeStaleDirectories()
        var template = Array((NSTemporaryDirectory() + "/lk-plot-\(getpid())-XXXXXX").utf8CString)
        guard mkdtemp(&template) != nil else {
            lk_gnuplot_close(h, 1)
            handle = nil
            throw PlotError.crashed("cannot create a temporary directory for plot data")
        }
        directory = URL(fileURLWithPath: String(decoding: template.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self))
        // Who made it: the stale-directory sweep removes only a directory whose pid file
        // names the pid in its name, and only once that process is gone. (Should writing it
        // fail, the directory is only never swept: safe, so no error.)
        _ = FileManager.default.createFile(atPath: directory.path + "/" + Self.pidFile, contents: Data("\(getpid())\n".utf8))
        Self.removeAtExit(directory.path)
        cleanupSlot = lk_gnuplot_register_cleanup(pid, directory.path)
        let reply = try run("print GPVAL_TERMINALS\n")
        terminals = Set(reply.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init))
    }

    deinit {
        close(kill: false)
        try? FileManager.default.removeItem(at: directory)
    }

    /// This gnuplot's entry in the SIGTERM/SIGHUP cleanup (CGnuplot.h), -1 if none.
    private var cleanupSlot: Int32 = -1

    /// Data files numbered below `count` may exist (what a termination handler removes).
    func noteFiles(_ count: Int) { lk_gnuplot_note_files(cleanupSlot, Int32(clamping: count)) }

    /// The file in a data directory that names the lk process that made it.
    static let pidFile = "pid"

    /// Data directories of lk processes that are gone (killed with SIGKILL, which
    /// no handler sees): `lk-plot-<pid>-XXXXXX`, owned by this user, whose `pid` file
    /// names the same pid, and whose pid no longer runs (kill(pid, 0) fails with ESRCH).
    /// Anything else — a live lk's directory, one without the file, another user's, a
    /// name lk would not make — is left alone.
    static func removeStaleDirectories(in tmp: String = NSTemporaryDirectory()) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: tmp) else { return }
        for name in names where name.hasPrefix("lk-plot-") {
            let parts = name.split(separator: "-", omittingEmptySubsequences: false)
            guard parts.count == 4, parts[3].count == 6, let owner = Int32(parts[2]), owner > 0, owner != getpid() else { continue }
            let dir = tmp + "/" + name
            var info = stat()
            guard lstat(dir, &info) == 0, info.st_mode & S_IFMT == S_IFDIR, info.st_uid == getuid() else { continue }
            guard let recorded = try? InputFile.readRegular(dir + "/" + pidFile, atMost: 32, what: "a pid file"),
                  String(decoding: recorded, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) == String(owner) else { continue }
            if kill(owner, 0) != 0 && errno == ESRCH { try? FileManager.default.removeItem(atPath: dir) }
        }
    }

    /// Data directories of sessions still open when lk exits (the shared
    /// plotter is never deinitialised), removed by an exit hook.
    nonisolated(unsafe) private static var leftovers: [String] = []
    private static let exitHook: Void = {
        atexit {
            for d in GnuplotSession.leftovers { try? FileManager.default.removeItem(atPath: d) }
        }
    }()

    private static func removeAtExit(_ path: String) {
        _ = exitHook
        leftovers.append(path)
    }

    static let installHint = "install it with `sudo apt install gnuplot-qt` (windows, files and text plots) or `sudo apt install gnuplot-nox` (files and text plots only)"

    /// The gnuplot to run: `$LK_GNUPLOT` if set, else `gnuplot` on `PATH`.
    static func locate() throws -> String {
        let env = ProcessInfo.processInfo.environment
        if let given = env["LK_GNUPLOT"], !given.isEmpty {
            guard FileManager.default.isExecutableFile(atPath: given) else {
                throw PlotError.gnuplotMissing("LK_GNUPLOT is \"\(given)\", which is not an executable file")
            }
            return given
        }
        for dir in (env["PATH"] ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":") {
            let candidate = String(dir) + "/gnuplot"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw PlotError.gnuplotMissing("plotting needs gnuplot, which is not installed; \(installHint)")
    }

    var isAlive: Bool { handle.map { lk_gnuplot_alive($0) != 0 } ?? false }

    func close(kill: Bool) {
        if let h = handle { lk_gnuplot_close(h, kill ? 1 : 0) }
        handle = nil
        lk_gnuplot_unregister(cleanupSlot)
        cleanupSlot = -1
    }

    /// Sends commands, then waits for gnuplot to finish them. Returns what
    /// gnuplot printed that is not an error (its `print` output, warnings);
    /// throws gnuplot's error messages as `PlotError.gnuplot`.
    @discardableResult
    func run(_ commands: String) throws -> String {
        let text = try exchange(commands)
        let m = Self.messages(text)
        if !m.errors.isEmpty { throw PlotError.gnuplot("gnuplot: " + m.errors.joined(separator: "; ")) }
        return m.other.joined(separator: "\n")
    }

    /// Sends commands and returns everything gnuplot wrote until it finished them.
    func exchange(_ commands: String) throws -> String {
        guard let h = handle else { throw PlotError.crashed("gnuplot is not running") }
        let batch = commands + "print '\(sentinel)'\n"
        let wrote = batch.withCString { lk_gnuplot_command(h, $0, strlen($0)) }
        var raw: UnsafeMutablePointer<CChar>? = nil
        let status = lk_gnuplot_read_until(h, sentinel, Self.timeout, UnsafePointer(Interrupt.flag), &raw)
        let text = raw.map { String(cString: $0) } ?? ""
        lk_gnuplot_free(raw)
        switch status {
        case 0 where wrote == 0: break
        case 2:
            close(kill: true)
            throw PlotError.interrupted
        case 3:
            close(kill: true)
            throw PlotError.crashed("gnuplot did not finish within \(Int(Self.timeout)) s and was stopped")
        default:
            close(kill: true)
            let said = Self.messages(text).errors.joined(separator: "; ")
            throw PlotError.crashed("gnuplot stopped unexpectedly" + (said.isEmpty ? "" : ": " + said) + " (it is restarted on the next plot)")
        }
        return text
    }

    /// Splits gnuplot's output into error messages and everything else.
    /// Errors from commands read on a pipe look like `         line 0: undefined variable: foo`.
    static func messages(_ text: String) -> (errors: [String], other: [String]) {
        var errors: [String] = [], other: [String] = []
        for raw in text.split(separator: "\n", omittingEmptySubsequences: true) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line == "^" || line.hasPrefix("gnuplot>") { continue }
            if let r = line.range(of: #"^line \d+: "#, options: .regularExpression) {
                let message = line[r.upperBound...].split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
                if message.lowercased().hasPrefix("warning:") { other.append(message) } else { errors.append(message) }
            } else if line.hasPrefix("system error:") {
                errors.append(line)
            } else {
                other.append(line)
            }
        }
        return (errors, other)
    }
}
