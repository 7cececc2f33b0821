import Foundation
import LkLang
import LkSweep
import LkTensor
import LkTestSupport
import XCTest
@testable import LkSweep

final class SHA256Tests: XCTestCase {
    /// FIPS 180-4's examples and a multi-block message; digests from Python's hashlib.sha256.
    func testKnownDigests() {
        XCTAssertEqual(SHA256.hex(bytes: SHA256.digest([])), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(SHA256.hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(SHA256.hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
                       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        // bytes(range(256)) * 5: 1280 bytes, 21 blocks after padding.
        let long = (0..<5).flatMap { _ in (0..<256).map { UInt8($0) } }
        XCTAssertEqual(SHA256.hex(bytes: SHA256.digest(long)), "d414b085826eb06778483ba35564dc849e643359f69ed9747878ba6e54985bed")
    }
}

final class GridTests: XCTestCase {
    func grid(_ fields: [(String, Value)], text: String = "script", version: String = "0.1.0") throws -> Grid {
        try Grid(.record(Record(fields)), scriptText: text, version: version)
    }

    func testEnumerationIsTheCartesianProductLastFieldFastest() throws {
        let g = try grid([("width", .tensor(Tensor([64, 128]))), ("act", .list([.string("relu"), .string("tanh"), .string("gelu")]))])
        XCTAssertEqual(g.count, 6)
        let combos = g.tasks.map { t in t.params.map { "\($0.value.canonical)" }.joined(separator: ",") }
        XCTAssertEqual(combos, ["n:64,s:relu", "n:64,s:tanh", "n:64,s:gelu", "n:128,s:relu", "n:128,s:tanh", "n:128,s:gelu"])
        XCTAssertEqual(Set(g.tasks.map { $0.id }).count, 6, "every task has its own id")
    }

    func testIdsDependOnTextParametersAndVersionOnly() throws {
        let fields: [(String, Value)] = [("lr", .list([.number(0.1), .number(0.01)]))]
        let a = try grid(fields), b = try grid(fields)
        XCTAssertEqual(a.task(1).id, b.task(1).id, "the same script and parameters give the same id")
        XCTAssertNotEqual(a.task(1).id, try grid(fields, text: "script ").task(1).id, "an edited script gives new ids")
        XCTAssertNotEqual(a.task(1).id, try grid(fields, version: "0.2.0").task(1).id, "another lk version gives new ids")
        XCTAssertNotEqual(a.task(0).id, a.task(1).id)
        XCTAssertEqual(a.task(0).id.count, 16)
    }

    func testSeedIsTheGridsWhenGivenElseDerivedFromTheId() throws {
        let seeded = try grid([("seed", .tensor(Tensor([3, 7])))])
        XCTAssertEqual(seeded.tasks.map { $0.seed }, [3, 7])
        let unseeded = try grid([("lr", .tensor(Tensor([1, 2])))])
        XCTAssertNotEqual(unseeded.task(0).seed, unseeded.task(1).seed)
        XCTAssertLessThan(unseeded.task(0).seed, 1 << 53, "a derived seed is exact as an lk number")
        guard case .record(let p) = unseeded.task(0).record, case .number(let s)? = p["seed"] else { return XCTFail("p.seed") }
        XCTAssertEqual(UInt64(s), unseeded.task(0).seed)
    }

    func testBadGridsAreErrorsNamingTheField() {
        XCTAssertThrowsError(try Grid(.number(3), scriptText: "", version: "")) { XCTAssertTrue("\($0)".contains("record")) }
        XCTAssertThrowsError(try grid([("lr", .list([]))])) { XCTAssertTrue("\($0)".contains("'lr' has no values")) }
        XCTAssertThrowsError(try grid([("status", .list([.number(1)]))])) { XCTAssertTrue("\($0)".contains("'status'")) }
        XCTAssertThrowsError(try grid([("seed", .list([.number(1.5)]))])) { XCTAssertTrue("\($0)".contains("seed")) }
        XCTAssertThrowsError(try grid([("m", .list([.list([])]))])) { XCTAssertTrue("\($0)".contains("'m'")) }
    }

    func testArrayRanges() {
        XCTAssertEqual(Slurm.ranges([0, 1, 2, 5, 7, 8]), "0-2,5,7-8")
        XCTAssertEqual(Slurm.ranges([4]), "4")
    }

    func testLauncherRanks() {
        XCTAssertEqual(Launch.rank(["OMPI_COMM_WORLD_RANK": "2", "OMPI_COMM_WORLD_SIZE": "3"])?.rank, 2)
        XCTAssertEqual(Launch.rank(["PMI_RANK": "1", "PMI_SIZE": "4"])?.size, 4)
        XCTAssertEqual(Launch.rank(["SLURM_PROCID": "0", "SLURM_NTASKS": "2"])?.size, 2)
        XCTAssertNil(Launch.rank(["SLURM_PROCID": "0", "SLURM_NTASKS": "1"]), "one process is not a share")
        XCTAssertNil(Launch.rank([:]))
    }
}

final class StoreTests: XCTestCase {
    func testRowsRoundTripThroughSweepload() throws {
        let dir = try makeTemporaryDirectory("sweep-store").path
        let g = try Grid(.record(Record([("w", .tensor(Tensor([1, 2, 3])))])), scriptText: "s", version: "v")
        let store = try Store(directory: dir)
        try store.register(g, tasks: g.tasks, scriptPath: "/x.lk", scriptText: "s")
        for t in g.tasks.prefix(2) {
            guard case .claimed(attempt: 1) = try store.claim(t, grid: g, scriptPath: "/x.lk", scriptText: "s") else { return XCTFail("claim") }
        }
        try store.finish(g.task(0), grid: g, results: .record(Record([
            ("loss", .number(0.25)), ("name", .string("a")), ("ok", .bool(true)), ("curve", .tensor(Tensor([1, 2]))),
        ])), seconds: 0.5)
        try store.fail(g.task(1).id, error: "x.lk:3:5: error: boom", seconds: 0.1)

        let loaded = try store.load(all: false)
        guard case .record(let r) = loaded else { return XCTFail("a record") }
        XCTAssertEqual(r.names.prefix(5), ["w", "loss", "name", "ok", "curve"])
        guard case .tensor(let loss)? = r["loss"], case .list(let status)? = r["status"], case .list(let errors)? = r["error"],
              case .list(let curves)? = r["curve"], case .tensor(let ok)? = r["ok"] else { return XCTFail("columns") }
        XCTAssertEqual(loss.scalars[0], 0.25)
        XCTAssertTrue(loss.scalars[1].isNaN && loss.scalars[2].isNaN)
        XCTAssertEqual(status.map { Display.plain($0) }, ["done", "failed", "pending"])
        XCTAssertEqual(Display.plain(errors[1]), "x.lk:3:5: error: boom")
        XCTAssertTrue(ok.isBool)
        guard case .tensor(let c) = curves[0] else { return XCTFail("curve") }
        XCTAssertEqual(c.scalars, [1, 2])
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/tensors/\(g.task(0).id)/curve.npy"))

        // A second claim of a done task is refused; a failed one is retried with attempts 2.
        XCTAssertEqual("\(try store.claim(g.task(0), grid: g, scriptPath: "/x.lk", scriptText: "s"))", "alreadyDone")
        guard case .claimed(attempt: 2) = try store.claim(g.task(1), grid: g, scriptPath: "/x.lk", scriptText: "s") else { return XCTFail("retry") }

        // A result field whose kind changes, or that reuses a grid name, fails clearly.
        XCTAssertThrowsError(try store.finish(g.task(1), grid: g, results: .record(Record([("loss", .string("x"))])), seconds: 0)) {
            XCTAssertTrue("\($0)".contains("'loss' was a number in earlier tasks of this sweep"), "\($0)")
        }
        XCTAssertThrowsError(try store.finish(g.task(1), grid: g, results: .record(Record([("w", .number(1))])), seconds: 0)) {
            XCTAssertTrue("\($0)".contains("also a grid field"), "\($0)")
        }
    }

    func testTheTaskLockExcludesASecondOpener() throws {
        let dir = try makeTemporaryDirectory("sweep-lock").path
        let g = try Grid(.record(Record([("w", .tensor(Tensor([1, 2])))])), scriptText: "s", version: "v")
        let a = try Store(directory: dir), b = try Store(directory: dir)
        guard case .claimed = try a.claim(g.task(0), grid: g, scriptPath: "/x", scriptText: "s") else { return XCTFail("first claim") }
        XCTAssertEqual("\(try b.claim(g.task(0), grid: g, scriptPath: "/x", scriptText: "s"))", "busy", "a held task is not run twice")
        XCTAssertTrue(b.isRunningElsewhere(g.task(0).id))
        XCTAssertEqual(try b.reclaimAbandoned(), 0, "a running task whose lock is held is not abandoned")
        try a.fail(g.task(0).id, error: "e", seconds: nil)
        guard case .claimed = try b.claim(g.task(0), grid: g, scriptPath: "/x", scriptText: "s") else { return XCTFail("after release") }
    }

    func testSweeploadErrorsNameTheDirectory() {
        let r = runLk("sweepload(\"/nonexistent/sweep\")")
        XCTAssertTrue(r.text.contains("/nonexistent/sweep") && r.error != nil, r.text)
    }

    /// A store is data from elsewhere (a shared folder, a colleague's results): a tensor
    /// column naming a file outside the store must not be read, and a file that is not
    /// SQLite fails at once (every error was retried 50 times as if the store were locked).
    func testStoresFromElsewhereFailClearly() throws {
        let dir = try makeTemporaryDirectory("sweep-evil").path
        let g = try Grid(.record(Record([("w", .tensor(Tensor([1])))])), scriptText: "s", version: "v")
        let store = try Store(directory: dir)
        try store.register(g, tasks: g.tasks, scriptPath: "/x.lk", scriptText: "s")
        guard case .claimed = try store.claim(g.task(0), grid: g, scriptPath: "/x.lk", scriptText: "s") else { return XCTFail("claim") }
        try store.finish(g.task(0), grid: g, results: .record(Record([("curve", .tensor(Tensor([1, 2])))])), seconds: 0)
        for outside in ["../../../../etc/passwd", "/etc/passwd"] {
            try store.db.exec("UPDATE tasks SET curve = '\(outside)'")
            XCTAssertThrowsError(try store.load(all: false)) { error in
                XCTAssertEqual("\(error)", "\(dir): the store names a tensor outside its folder, \"\(outside)\"")
            }
        }

        let junk = try makeTemporaryDirectory("sweep-junk").path
        try Data(repeating: 0x41, count: 4096).write(to: URL(fileURLWithPath: junk + "/" + Store.fileName))
        let start = Date()
        XCTAssertThrowsError(try Store(directory: junk, create: false)) { error in
            XCTAssertTrue("\(error)".contains("file is not a database"), "\(error)")
        }
        XCTAssertLessThan(Date().timeIntervalSince(start), 1, "a damaged store waited as if it were locked")
    }
}
