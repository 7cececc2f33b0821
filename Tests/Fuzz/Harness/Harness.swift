import Foundation
import LkBuiltins
import LkLang
import LkSession
import LkStudy
import LkSweep
import LkTensor

// libFuzzer's entry point for lk's file loaders: each input is the bytes of one
// file, handed to the loader that `LK_FUZZ_TARGET` names (npy, compass, csv, traj,
// workspace, ipynb, sweep). A loader may return or throw; anything else (a trap,
// an AddressSanitizer report, a hang past libFuzzer's -timeout, memory past its
// -rss_limit_mb) is a finding. Built and run by Tests/Fuzz/run.

/// Loaders that read a path are given the bytes as a file in a private folder
/// (on /dev/shm when there is one, so the disk is not worn).
nonisolated(unsafe) let scratch: String = {
    let base = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
    let dir = base + "/lk-fuzz-\(getpid())"
    try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    atexit { try? FileManager.default.removeItem(atPath: "/dev/shm/lk-fuzz-\(getpid())") }
    return dir
}()

nonisolated(unsafe) let target = ProcessInfo.processInfo.environment["LK_FUZZ_TARGET"] ?? "npy"
nonisolated(unsafe) let interpreter: Interpreter = {
    let i = Interpreter(builtins: BuiltinTable.all, constants: BuiltinTable.constants)
    return i
}()

func write(_ bytes: [UInt8], to path: String) {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    precondition(fd >= 0, "cannot write \(path)")
    bytes.withUnsafeBytes { b in _ = Foundation.write(fd, b.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!, b.count) }
    close(fd)
}

/// What a load gave, to compare two routes to the same answer.
func outcome(_ body: () throws -> Tensor) -> String {
    do {
        let t = try body()
        return "shape \(t.shape) " + t.scalars.map { "\($0.bitPattern)" }.joined(separator: ",")
    } catch let e as TensorError {
        return "error " + e.message
    } catch {
        return "error \(error)"
    }
}

func fuzzOne(_ bytes: [UInt8]) {
    switch target {
    case "npy":
        // The path route (header first, bounded reads) and the bytes route must agree.
        let path = scratch + "/x.npy"
        write(bytes, to: path)
        let fromFile = outcome { try NPY.load(path: path) }
        let fromBytes = outcome { try NPY.decode(bytes, name: path) }
        if fromFile != fromBytes {
            fatalError("NPY.load and NPY.decode disagree:\n  load:   \(fromFile.prefix(300))\n  decode: \(fromBytes.prefix(300))")
        }
    case "compass":
        let path = scratch + "/d.npy"
        write(bytes, to: path)
        _ = try? interpreter.run(SourceFile(name: "<fuzz>", text: "d = compassload(\"\(path)\"); compassapply(d, d, 1)"))
    case "csv":
        _ = try? CSV.decode(bytes, name: "x.csv")
        _ = try? CSV.decode(bytes, name: "x.csv", header: true, delimiter: ";")
        _ = try? CSV.decode(bytes, name: "x.csv", header: false, delimiter: " ")
    case "traj":
        for length in [3, 20] {
            if let data = try? Trajectories.windows(bytes, name: "x.txt", length: length) {
                precondition(data.count % (2 * length) == 0, "windows of the wrong size")
            }
        }
    case "workspace":
        _ = try? Workspace.restore(interpreter, bytes: bytes, name: "w.npz")
    case "ipynb":
        if case .success(let script) = NotebookJSON.script(fromIPYNB: Data(bytes)) {
            let notebook = Notebook(text: script)
            for (i, cell) in notebook.cells.enumerated() {
                _ = Notebook.title(of: cell)
                _ = notebook.sourceText(of: i)
                _ = Interpreter.parse(SourceFile(name: "<fuzz>", text: cell.code))
            }
        }
        // The percent format itself, from the same bytes.
        let notebook = Notebook(text: String(decoding: bytes, as: UTF8.self))
        for (i, cell) in notebook.cells.enumerated() { _ = Notebook.title(of: cell); _ = notebook.sourceText(of: i) }
    case "sweep":
        let dir = scratch + "/sweep"
        try? FileManager.default.removeItem(atPath: dir)
        try? FileManager.default.createDirectory(atPath: dir + "/tensors", withIntermediateDirectories: true)
        write(bytes, to: dir + "/" + Store.fileName)
        if let store = try? Store(directory: dir, create: false) {
            _ = try? store.load(all: false)
            _ = try? store.load(all: true)
        }
    default:
        fatalError("LK_FUZZ_TARGET must be npy, compass, csv, traj, workspace, ipynb or sweep, not \(target)")
    }
}

@_cdecl("LLVMFuzzerInitialize")
public func initialize(_ argc: UnsafeMutablePointer<Int32>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>) -> Int32 {
    // Fuzzed sizes must fail fast against the limit, not swap.
    Tensor.memoryLimit = 256 << 20
    _ = scratch
    _ = interpreter
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size))
    fuzzOne(bytes)
    return 0
}

// SwiftPM links an executable with `main` defined as `<module>_main`, so the entry
// point is ours and hands over to libFuzzer's driver (which -sanitize=fuzzer links).
@_silgen_name("LLVMFuzzerRunDriver")
func runDriver(_ argc: UnsafeMutablePointer<Int32>,
               _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
               _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32) -> Int32

@_cdecl("lk_fuzz_main")
public func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int32 {
    var count = argc
    var arguments: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = argv
    return runDriver(&count, &arguments) { data, size in testOneInput(data, size) }
}
