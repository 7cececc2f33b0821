import Foundation
import LkTensor

/// The kernelspec that makes lk appear in JupyterLab, VS Code, nbclient:
/// `<data dir>/kernels/NAME/kernel.json` with argv `lk kernel -f {connection_file}`.
public enum KernelSpec {
    /// Where `jupyter` looks: `--prefix DIR` → DIR/share/jupyter; `--user` → the
    /// user's Jupyter data directory (JUPYTER_DATA_DIR, else XDG_DATA_HOME/jupyter,
    /// else ~/.local/share/jupyter); neither → /usr/local/share/jupyter.
    public static func kernelsDirectory(user: Bool, prefix: String?) -> URL {
        let env = ProcessInfo.processInfo.environment
        if let prefix { return URL(fileURLWithPath: prefix).appendingPathComponent("share/jupyter/kernels") }
        if user {
            if let d = env["JUPYTER_DATA_DIR"], !d.isEmpty { return URL(fileURLWithPath: d).appendingPathComponent("kernels") }
            #if os(macOS)
            return URL(fileURLWithPath: NSHomeDirectory()).appendingPathComponent("Library/Jupyter/kernels")
            #else
            let data = env["XDG_DATA_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory() + "/.local/share"
            return URL(fileURLWithPath: data).appendingPathComponent("jupyter/kernels")
            #endif
        }
        return URL(fileURLWithPath: "/usr/local/share/jupyter/kernels")
    }

    /// The kernel.json text for an lk executable at `executable`.
    public static func json(executable: String, displayName: String) -> String {
        let spec: JSONObject = [
            "argv": [executable, "kernel", "-f", "{connection_file}"],
            "display_name": displayName, "language": "lk", "interrupt_mode": "signal",
            "metadata": JSONObject(),
        ]
        let data = (try? JSONSerialization.data(withJSONObject: spec, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    /// Writes the kernelspec (atomically); returns its directory.
    public static func install(name: String, user: Bool, prefix: String?, executable: String) throws -> URL {
        guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || "._-".contains($0) }), name.first != "." else {
            throw WireError("--name '\(name)' is not a kernel name: use letters, digits, '.', '_' and '-'")
        }
        let dir = kernelsDirectory(user: user, prefix: prefix).appendingPathComponent(name)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let text = json(executable: executable, displayName: name == "lk" ? "lk" : "lk (\(name))")
        try AtomicFile.write(Array(text.utf8), to: dir.appendingPathComponent("kernel.json").path)
        return dir
    }

    /// This executable's absolute path.
    public static var currentExecutable: String {
        if let p = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return p }
        return URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.path
    }
}
