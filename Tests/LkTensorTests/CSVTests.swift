import XCTest
import Foundation
@testable import LkTensor
import LkTestSupport

final class CSVTests: XCTestCase {
    private var directory = ""
    override func setUpWithError() throws { directory = try makeTemporaryDirectory("io").path }

    /// Writes `text` to a file in the test directory and reads it as CSV.
    private func read(_ text: String, header: Bool? = nil, delimiter: Character? = nil) throws -> (data: Tensor, header: [String]?) {
        let path = directory + "/x.csv"
        try AtomicFile.write(Array(text.utf8), to: path)
        return try CSV.read(path: path, header: header, delimiter: delimiter)
    }

    private func assertReadFails(_ text: String, _ expected: String, header: Bool? = nil, line: UInt = #line) {
        XCTAssertThrowsError(try read(text, header: header), line: line) { error in
            XCTAssertEqual("\(error)", expected.replacingOccurrences(of: "x.csv", with: directory + "/x.csv"), line: line)
        }
    }

    // MARK: round trips

    func testRoundTripIsExact() throws {
        var state: UInt64 = 42
        var values: [Double] = [0, -0.0, .nan, .infinity, -.infinity, .leastNonzeroMagnitude, .greatestFiniteMagnitude, 0.1, 1e16, -3]
        while values.count < 3000 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            values.append(Double(bitPattern: state))
        }
        let t = try Tensor(shape: [1000, 3], data: values)
        let path = directory + "/r.csv"
        try CSV.write(t, path: path)
        let back = try CSV.read(path: path)
        XCTAssertNil(back.header)
        XCTAssertEqual(back.data.shape, [1000, 3])
        for (a, b) in zip(back.data.scalars, values) {
            if b.isNaN { XCTAssertTrue(a.isNaN) } else { XCTAssertEqual(a.bitPattern, b.bitPattern, "\(b)") }
        }
    }

    func testWritesShortestNumbers() throws {
        let t = try Tensor(shape: [2, 3], data: [1, 0.1, -2.5e-7, .nan, -.infinity, 1e300])
        XCTAssertEqual(try CSV.text(t, header: ["a", "b", "c"], delimiter: ","), "a,b,c\n1,0.1,-2.5e-07\nnan,-inf,1e+300\n")
        XCTAssertEqual(try CSV.text(Tensor([1, 2]), header: nil, delimiter: "\t"), "1\n2\n")
    }

    func testVectorIsOneColumn() throws {
        let path = directory + "/v.csv"
        try CSV.write(Tensor([1.5, 2, 3]), path: path, header: ["x"])
        let back = try CSV.read(path: path)
        XCTAssertEqual(back.header, ["x"])
        XCTAssertEqual(back.data, try Tensor(shape: [3, 1], data: [1.5, 2, 3]))
    }

    func testAwkwardHeaderNamesRoundTrip() throws {
        let names = ["plain", "a,b", "say \"hi\"", "1", " padded ", "", "#tag"]
        let t = try Tensor(shape: [1, names.count], data: (0..<names.count).map(Double.init))
        for delimiter: Character in [",", ";", "\t"] {
            let path = directory + "/h.csv"
            try CSV.write(t, path: path, header: names, delimiter: delimiter)
            let back = try CSV.read(path: path)
            XCTAssertEqual(back.header, names, "delimiter \(delimiter.debugDescription)")
            XCTAssertEqual(back.data, t)
        }
        // With spaces as the delimiter a name that looks like a number still reads as a name.
        try CSV.write(Tensor([5]), path: directory + "/s.csv", header: ["7"], delimiter: " ")
        XCTAssertEqual(try CSV.read(path: directory + "/s.csv").header, ["7"])
    }

    // MARK: reading

    func testReadsNumPySavetxt() throws {
        // np.savetxt("numpy.csv", …, delimiter=",", header="a,b,c", comments="", fmt="%.17g")
        let (data, header) = try CSV.read(path: fixture("numpy.csv"))
        XCTAssertEqual(header, ["a", "b", "c"])
        XCTAssertEqual(data, try Tensor(shape: [2, 3], data: [1.5, -2, 3, 0.1, 1e-300, 12345678.9]))
    }

    func testHeaderDetection() throws {
        XCTAssertNil(try read("1,2\n3,4\n").header)
        XCTAssertEqual(try read("x, y\n3,4\n").header, ["x", "y"])
        let forced = try read("1,2\n3,4\n", header: true)
        XCTAssertEqual(forced.header, ["1", "2"])
        XCTAssertEqual(forced.data, try Tensor(shape: [1, 2], data: [3, 4]))
        assertReadFails("x,y\n3,4\n", "x.csv:1:1: field 1 is not a number: \"x\"", header: false)
        XCTAssertEqual(try read("a,b\n").data.shape, [0, 2])
    }

    func testDelimiters() throws {
        let expected = try Tensor(shape: [2, 2], data: [1, 2.5, 3, 4])
        XCTAssertEqual(try read("1;2.5\n3;4\n").data, expected)
        XCTAssertEqual(try read("1\t2.5\n3\t4\n").data, expected)
        XCTAssertEqual(try read("1 2.5\n3   4\n").data, expected)  // np.savetxt's default
        XCTAssertEqual(try read("1|2.5\n3|4\n", delimiter: "|").data, expected)
        // A semicolon file with decimal points stays a semicolon file.
        XCTAssertEqual(try read("a;b\n1.5;2\n").data, try Tensor(shape: [1, 2], data: [1.5, 2]))
    }

    func testLayoutTolerance() throws {
        let text = "\u{FEFF}# exported\r\nx,y\r\n\r\n 1 , 2\r\n# midway\r\n\"3\",4\r\n\n"
        let (data, header) = try read(text)
        XCTAssertEqual(header, ["x", "y"])
        XCTAssertEqual(data, try Tensor(shape: [2, 2], data: [1, 2, 3, 4]))
    }

    func testMissingAndSpecialValues() throws {
        let values = try read("1,,nan\nNaN,-inf,Infinity\n").data.scalars
        XCTAssertEqual(values[0], 1)
        XCTAssertTrue(values[1].isNaN && values[2].isNaN && values[3].isNaN)
        XCTAssertEqual(Array(values[4...]), [-.infinity, .infinity])
    }

    func testEmptyFile() throws {
        XCTAssertEqual(try read("").data.shape, [0, 0])
        XCTAssertEqual(try read("\n# nothing\n").data.shape, [0, 0])
    }

    // MARK: errors

    func testRaggedRowsNameTheLine() {
        assertReadFails("a,b,c,d\n1,2,3,4\n\n1,2,3,4\n# c\n\n1,2,3\n", "x.csv:7: expected 4 fields, found 3")
        assertReadFails("1\n2,3\n", "x.csv:2: expected 1 field, found 2")
    }

    func testNonNumbersNameLineAndColumn() {
        assertReadFails("a,b\n1,2\n3,  abc\n", "x.csv:3:5: field 2 is not a number: \"abc\"")
        assertReadFails("1,0x10\n", "x.csv:1:3: field 2 is not a number: \"0x10\"", header: false)
        assertReadFails("1,\"2\n", "x.csv:1:3: unterminated quoted field")
    }

    func testReadMissingFile() {
        XCTAssertThrowsError(try CSV.read(path: directory + "/none.csv")) { error in
            XCTAssertEqual("\(error)", "cannot read \(directory)/none.csv: No such file or directory")
        }
    }

    func testWriteErrors() throws {
        XCTAssertThrowsError(try CSV.write(try Tensor(shape: [2, 2, 2]), path: directory + "/w.csv")) { error in
            XCTAssertEqual("\(error)", "writecsv: can only write a vector or a matrix, got shape (2,2,2)")
        }
        XCTAssertThrowsError(try CSV.write(try Tensor(shape: [2, 3]), path: directory + "/w.csv", header: ["a"])) { error in
            XCTAssertEqual("\(error)", "writecsv: the header has 1 names but the tensor has 3 columns")
        }
        XCTAssertThrowsError(try CSV.write(Tensor([1]), path: directory + "/w.csv", delimiter: ".")) { error in
            XCTAssertEqual("\(error)", "writecsv: \".\" cannot be a delimiter: it can appear in numbers or quotes")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory + "/w.csv"))
    }
}

final class AtomicFileTests: XCTestCase {
    private var directory = ""
    override func setUpWithError() throws { directory = try makeTemporaryDirectory("io").path }

    private func contents(_ path: String) throws -> String { String(decoding: try AtomicFile.read(path), as: UTF8.self) }
    private func entries() throws -> [String] { try directoryEntries(directory) }

    func testMissingDirectory() {
        XCTAssertThrowsError(try NPY.save(Tensor([1]), path: directory + "/nope/x.npy")) { error in
            XCTAssertEqual("\(error)", "cannot write \(directory)/nope/x.npy: No such file or directory")
        }
    }

    func testTargetIsADirectory() throws {
        XCTAssertThrowsError(try AtomicFile.write([1], to: directory)) { error in
            XCTAssertEqual("\(error)", "cannot write \(directory): Is a directory")
        }
    }

    func testReplacesAndKeepsPermissions() throws {
        let path = directory + "/f.txt"
        try AtomicFile.write(Array("old".utf8), to: path)
        XCTAssertEqual(chmod(path, 0o600), 0)
        try AtomicFile.write(Array("new".utf8), to: path)
        XCTAssertEqual(try contents(path), "new")
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        XCTAssertEqual((attributes[.posixPermissions] as? NSNumber)?.intValue, 0o600)
        XCTAssertEqual(try entries(), ["f.txt"])
    }

    func testFailureHalfwayKeepsTheOldFile() throws {
        let path = directory + "/f.txt"
        try AtomicFile.write(Array("precious".utf8), to: path)
        XCTAssertThrowsError(try AtomicFile.write(to: path) { fd in
            _ = "partial".withCString { write(fd, $0, 7) }
            throw SystemError(reason: "No space left on device")
        }) { error in
            XCTAssertEqual("\(error)", "cannot write \(path): No space left on device")
        }
        XCTAssertEqual(try contents(path), "precious")
        XCTAssertEqual(try entries(), ["f.txt"], "the temporary file is removed")
    }

    func testOperatingSystemRefusalKeepsTheOldFile() throws {
        // A real failing write(2): a file-size limit makes it fail with EFBIG
        // partway through (SIGXFSZ ignored so that the process survives).
        let path = directory + "/t.npy"
        try NPY.save(Tensor([1, 2, 3]), path: path)
        let original = try AtomicFile.read(path)
        try withFileSizeLimit(4096) {
            XCTAssertThrowsError(try NPY.save(try Tensor(shape: [10_000], repeating: 1), path: path)) { error in
                XCTAssertEqual("\(error)", "cannot write \(path): File too large")
            }
        }
        XCTAssertEqual(try AtomicFile.read(path), original)
        XCTAssertEqual(try entries(), ["t.npy"])
    }
}
