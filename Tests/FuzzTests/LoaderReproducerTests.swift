import Foundation
@testable import LkLang
import LkBuiltins
import LkStudy
import LkTensor
import LkTestSupport
import XCTest

/// Inputs that crashed, hung or misled lk's file loaders (found by the red team of
/// issue 18 and by the libFuzzer harness in Tests/Fuzz), kept as files in
/// Reproducers/ and read the way the built-ins read them. Each must now load, or
/// fail with a message that says what is wrong with the file.
final class LoaderReproducerTests: XCTestCase {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Reproducers")
    func file(_ name: String) -> String { Self.directory.appendingPathComponent(name).path }

    func run(_ code: String) -> LkOutcome { runLkOnLargeStack(code) }

    // MARK: loadnpy and compassload

    /// Shape (0, 2³², 2³²) in Fortran order trapped in Tensor.strides (2⁶⁴ overflows)
    /// while reordering to row-major; it is an empty tensor, as NumPy reads it.
    func testEmptyTensorWithHugeAxesLoads() throws {
        for name in ["fortran_empty_huge_axes.npy", "c_empty_huge_axes.npy"] {
            let t = try NPY.load(path: file(name))
            XCTAssertEqual(t.shape, [0, 4294967296, 4294967296], name)
            XCTAssertEqual(t.count, 0, name)
        }
        XCTAssertEqual(run("x = loadnpy(\"\(file("fortran_empty_huge_axes.npy"))\"); print(size(x))").text, "0\n")
        XCTAssertEqual(run("compassload(\"\(file("fortran_empty_huge_axes.npy"))\")").text,
                       "error: compassload: the file holds shape (0,4294967296,4294967296), not a direction vector")
        // The strides of such a tensor (the same trap, reached from the language).
        XCTAssertEqual(run("x = zeros(0, 4294967296, 4294967296); y = x[:, 0]; print(size(y), len(shape(y)))").text, "0 2\n")
    }

    /// /dev/zero starts with no magic number: refused after 12 bytes, not read forever.
    func testDevZeroIsRefusedAtOnce() {
        XCTAssertEqual(run("loadnpy(\"/dev/zero\")").text,
                       "error: loadnpy: /dev/zero: not an .npy file (it does not start with \\x93NUMPY)")
    }

    /// A valid header on an endless device: reading stops once the header's data is read
    /// (one byte more, which shows the file holds more than the header says).
    func testEndlessDataAfterAHeaderIsBounded() throws {
        let dir = try makeTemporaryDirectory("npy-fifo")
        let fifo = dir.appendingPathComponent("p.npy").path
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        let header = NPY.encode(try Tensor(shape: [4], repeating: 1))
        let writer = Thread {
            let fd = open(fifo, O_WRONLY)
            guard fd >= 0 else { return }
            _ = header.withUnsafeBytes { write(fd, $0.baseAddress!, $0.count) }
            let block = [UInt8](repeating: 7, count: 1 << 16)
            // Far more than the header promises; stops when the reader closes (EPIPE).
            signal(SIGPIPE, SIG_IGN)
            for _ in 0..<1000 { if block.withUnsafeBytes({ write(fd, $0.baseAddress!, $0.count) }) < 0 { break } }
            close(fd)
        }
        writer.start()
        XCTAssertThrowsError(try NPY.load(path: fifo)) { error in
            XCTAssertEqual((error as? TensorError)?.message,
                           "\(fifo): the header says shape (4,) of '<f8' (32 bytes of data), but the file holds 33 bytes of data")
        }
    }

    /// A 2 GB sparse file whose header claims shape (1,): refused from its size, before
    /// any of its data is read (the read would take 2 GB of memory first).
    func testOversizedFileIsRefusedBeforeReading() throws {
        let dir = try makeTemporaryDirectory("npy-sparse")
        let path = dir.appendingPathComponent("big.npy").path
        let header = NPY.encode(try Tensor(shape: [1], repeating: 0))
        try Data(header).write(to: URL(fileURLWithPath: path))
        let fd = open(path, O_WRONLY)
        XCTAssertEqual(ftruncate(fd, 2 << 30), 0)
        close(fd)
        let before = residentBytes()
        XCTAssertThrowsError(try NPY.load(path: path)) { error in
            XCTAssertEqual((error as? TensorError)?.message,
                           "\(path): the header says shape (1,) of '<f8' (8 bytes of data), but the file holds \((2 << 30) - header.count + 8) bytes of data")
        }
        XCTAssertLessThan(residentBytes() - before, 100 << 20, "the data was read before the header was checked")
    }

    /// A header's text is quoted in messages with its control characters escaped.
    func testHeaderTextIsEscapedInMessages() {
        let text = run("loadnpy(\"\(file("header_escape.npy"))\")").text
        XCTAssertFalse(text.contains("\u{1B}") || text.contains("\u{07}"), text)
        XCTAssertTrue(text.contains("unsupported dtype '\\e]0;owned\\u{7}<c16'"), text)
    }

    // MARK: loadtraj

    /// A `nan` pedestrian id or frame trapped (a force-unwrap: nan is not equal to
    /// itself, so it was never found again as a dictionary key).
    func testNanPedestrianOrFrameIsAnError() {
        XCTAssertEqual(run("loadtraj(\"\(file("traj_nan_ped.txt"))\", obs=2, pred=1)").text,
                       "error: loadtraj: \(file("traj_nan_ped.txt")):2: the frame and the pedestrian id must be finite numbers, got \"0 nan 3.0 4.0\"")
        XCTAssertEqual(run("loadtraj(\"\(file("traj_nan_frame.txt"))\", obs=2, pred=1)").text,
                       "error: loadtraj: \(file("traj_nan_frame.txt")):3: the frame and the pedestrian id must be finite numbers, got \"nan 1 1.5 2.5\"")
    }

    /// CRLF files were one long line ("\r\n" is one Character) and rejected.
    func testCRLFTrajectoriesReadAsLF() throws {
        let crlf = try Trajectories.load(path: file("traj_crlf.txt"), obs: 2, pred: 1)
        let lf = try Trajectories.load(path: file("traj_lf.txt"), obs: 2, pred: 1)
        // Frames 0, 10, 20, 30; two pedestrians in each; windows of 3 frames start at 0 and 10.
        // Pedestrian p at frame f is at (f/10 + p, 2p − f/10).
        XCTAssertEqual(lf.shape, [4, 3, 2])
        XCTAssertEqual(Array(lf.scalars[0..<6]), [1, 2, 2, 1, 3, 0])
        XCTAssertEqual(Array(lf.scalars[6..<12]), [2, 4, 3, 3, 4, 2])
        XCTAssertEqual(crlf.shape, lf.shape)
        XCTAssertEqual(crlf.scalars, lf.scalars)
    }

    // MARK: readcsv

    /// A CR-only file (old Mac line ends) read as one header line and no rows.
    func testCROnlyCSVReadsItsRows() throws {
        let r = try CSV.read(path: file("csv_cr_only.csv"))
        XCTAssertEqual(r.header, ["a", "b"])
        XCTAssertEqual(r.data.shape, [2, 2])
        XCTAssertEqual(r.data.scalars, [1, 2, 3, 4])
    }

    /// A field with an escape sequence: quoted escaped and cut at 80 characters.
    func testCSVFieldIsEscapedAndBounded() {
        let text = run("readcsv(\"\(file("csv_escape.csv"))\")").text
        XCTAssertFalse(text.contains("\u{1B}") || text.contains("\u{07}"), text)
        let quoted = "\\e]0;owned\\u{7}" + String(repeating: "x", count: 80 - 10) + "…"
        XCTAssertEqual(text, "error: readcsv: \(file("csv_escape.csv")):2:3: field 2 is not a number: \"\(quoted)\"")
    }

    func testMessageTextEscapesControlCharacters() {
        XCTAssertEqual(messageText("a\u{1B}[31mb\u{07}\r\n\t\\\u{202E}é\u{9B}"), "a\\e[31mb\\u{7}\\r\\n\\t\\\\\\u{202e}é\\u{9b}")
        XCTAssertEqual(messageText(String(repeating: "y", count: 100), limit: 5), "yyyyy…")
        XCTAssertEqual(messageText("12345", limit: 5), "12345")
    }

    // MARK: :restore

    /// A workspace whose "function" is a definition followed by other code ran that
    /// code on :restore (here: writing a file). It must define functions only.
    func testRestoreRunsNoCode() throws {
        let dir = try makeTemporaryDirectory("restore")
        let marker = dir.appendingPathComponent("ran.csv").path
        for source in ["fn f(x) { return x }\nwritecsv(\"\(marker)\", [1])",
                       "writecsv(\"\(marker)\", [1])",
                       "(fn() { writecsv(\"\(marker)\", [1]); return fn(x) => x })()"] {
            let manifest: [String: Any] = ["format": "lk-workspace", "version": 1,
                                           "variables": [["f", ["function": source, "name": source.hasPrefix("fn f") ? "f" : ""]]]]
            let json = try JSONSerialization.data(withJSONObject: manifest)
            let path = dir.appendingPathComponent("w.npz").path
            try Data(try Zip.archive([("workspace.json", Array(json))])).write(to: URL(fileURLWithPath: path))
            let interpreter = BuiltinTable.makeInterpreter()
            XCTAssertThrowsError(try Workspace.restore(interpreter, from: path)) { error in
                XCTAssertEqual((error as? TensorError)?.message,
                               "cannot restore \(path): the function \(source.hasPrefix("fn f") ? "f" : "value") is not a single function definition")
            }
            XCTAssertFalse(FileManager.default.fileExists(atPath: marker), source)
        }
    }

    /// A variable "named" with an escape sequence would reach the terminal through `:vars`.
    func testRestoreRefusesNamesThatAreNotNames() throws {
        let dir = try makeTemporaryDirectory("restore")
        let path = dir.appendingPathComponent("w.npz").path
        for bad in ["\u{1B}]0;x\u{07}", "", "1a", "a b", "for"] {
            let manifest: [String: Any] = ["format": "lk-workspace", "version": 1, "variables": [[bad, ["number": "5"]]]]
            try Data(try Zip.archive([("workspace.json", Array(try JSONSerialization.data(withJSONObject: manifest)))]))
                .write(to: URL(fileURLWithPath: path))
            XCTAssertThrowsError(try Workspace.restore(BuiltinTable.makeInterpreter(), from: path)) { error in
                XCTAssertEqual((error as? TensorError)?.message,
                               "cannot restore \(path): it names a variable \"\(messageText(bad, limit: 40))\", which is not a name")
            }
        }
        let manifest: [String: Any] = ["format": "lk-workspace", "version": 1, "variables": [["σ_1", ["number": "5"]]]]
        try Data(try Zip.archive([("workspace.json", Array(try JSONSerialization.data(withJSONObject: manifest)))]))
            .write(to: URL(fileURLWithPath: path))
        XCTAssertEqual(try Workspace.restore(BuiltinTable.makeInterpreter(), from: path).variables, ["σ_1"])
    }

    /// A damaged entry after good ones leaves the workspace as it was.
    func testDamagedRestoreChangesNothing() throws {
        let dir = try makeTemporaryDirectory("restore")
        let path = dir.appendingPathComponent("w.npz").path
        let manifest: [String: Any] = ["format": "lk-workspace", "version": 1,
                                       "variables": [["a", ["number": "5"]], ["b", ["tensor": "missing.npy"]]]]
        try Data(try Zip.archive([("workspace.json", Array(try JSONSerialization.data(withJSONObject: manifest)))]))
            .write(to: URL(fileURLWithPath: path))
        let interpreter = BuiltinTable.makeInterpreter()
        interpreter.setGlobal("a", .number(1))
        XCTAssertThrowsError(try Workspace.restore(interpreter, from: path))
        XCTAssertEqual(runLk("print(a)", in: interpreter).text, "1\n")
    }

    /// Resident memory of this process (Linux: /proc/self/statm), 0 elsewhere.
    func residentBytes() -> Int {
        guard let s = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let pages = s.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }
}
