import XCTest
import Foundation
@testable import LkTensor
import LkTestSupport

/// The path of a fixture written by Fixtures/make_fixtures.py (NumPy 2.4.6).
func fixture(_ name: String) -> String {
    Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.appendingPathComponent(name).path
}

final class NPYTests: XCTestCase {
    private func load(_ name: String) throws -> Tensor { try NPY.load(path: fixture(name)) }
    private func bytes(_ name: String) throws -> [UInt8] { try AtomicFile.read(fixture(name)) }

    private func assertThrows(_ data: [UInt8], _ expected: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try NPY.decode(data, name: "x.npy"), file: file, line: line) { error in
            XCTAssertEqual((error as? TensorError)?.message, expected, file: file, line: line)
        }
    }

    /// Replaces the header text of a NumPy-written file, keeping its length field correct.
    private func withHeader(_ header: String, data: [UInt8]) -> [UInt8] {
        var text = Array(header.utf8) + [0x0A]
        while (10 + text.count) % 64 != 0 { text.insert(0x20, at: text.count - 1) }
        return [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0, UInt8(text.count & 0xFF), UInt8(text.count >> 8)] + text + data
    }

    // MARK: reading what NumPy wrote

    func testFloat64() throws {
        let t = try load("f8_2x3.npy")
        XCTAssertEqual(t.shape, [2, 3])
        XCTAssertEqual(t.scalars, [1.5, -2, 3, 4, 5e-3, .infinity])
        let special = try load("f8_nan.npy").scalars
        XCTAssertTrue(special[0].isNaN)
        XCTAssertEqual(special[1].sign, .minus)
        XCTAssertEqual(special[2], 1e-300)
    }

    func testSmallerFloats() throws {
        XCTAssertEqual(try load("f4.npy").scalars, [Double(Float(0.1)), -2.5, Double(Float(3e38))])
        // float16(6e-8) is the smallest subnormal, 2^-24.
        XCTAssertEqual(try load("f2.npy").scalars, [0.5, -2, 65504, 0x1p-24])
    }

    func testIntegersAndBooleans() throws {
        XCTAssertEqual(try load("i8.npy").scalars, [-0x1p53, -1, 0, 0x1p53])
        XCTAssertEqual(try load("i4.npy").scalars, [-2_147_483_648, 7, 2_147_483_647])
        XCTAssertEqual(try load("i2.npy").scalars, [-32768, 5, 32767])
        XCTAssertEqual(try load("i1.npy").scalars, [-128, 0, 127])
        XCTAssertEqual(try load("u1.npy").scalars, [0, 200, 255])
        XCTAssertEqual(try load("u2.npy").scalars, [0, 65535])
        XCTAssertEqual(try load("u4.npy").scalars, [0, 4_294_967_295])
        XCTAssertEqual(try load("u8.npy").scalars, [0, 0x1p53])
        XCTAssertEqual(try load("b1.npy"), try Tensor(shape: [2, 2], data: [1, 0, 0, 1]))
    }

    func testBigEndian() throws {
        XCTAssertEqual(try load("f8_big.npy").scalars, [1.5, -2, 1e100])
        XCTAssertEqual(try load("i4_big.npy"), try Tensor(shape: [2, 2], data: [1, -2, 3, 1_073_741_824]))
    }

    func testFortranOrderBecomesRowMajor() throws {
        XCTAssertEqual(try load("fortran.npy"), try Tensor(shape: [2, 3, 4], data: (0..<24).map(Double.init)))
        XCTAssertEqual(try load("fortran_i2.npy"), try Tensor(shape: [2, 3], data: [0, 1, 2, 3, 4, 5]))
    }

    func testRanksAndVersions() throws {
        let scalar = try load("rank0.npy")
        XCTAssertEqual(scalar.shape, [])
        XCTAssertEqual(scalar.scalarValue, 3.25)
        XCTAssertEqual(try load("rank3.npy"), try Tensor(shape: [2, 3, 4], data: (0..<24).map { Double($0) / 2 }))
        XCTAssertEqual(try load("empty.npy").shape, [0, 3])
        XCTAssertEqual(try load("v2.npy"), try Tensor(shape: [3, 2], data: [0, 1, 2, 3, 4, 5]))
        XCTAssertEqual(try load("v3.npy"), Tensor([0, 1, 2]))
    }

    // MARK: writing what NumPy writes

    func testEncodeIsByteForByteNumPy() throws {
        // np.save of a float64 C-order array: lk must write the very same bytes,
        // header padding and spare room included.
        for name in ["f8_2x3.npy", "f8_nan.npy", "rank0.npy", "rank3.npy", "empty.npy", "vector.npy", "v3.npy"] {
            let original = try bytes(name)
            let encoded = NPY.encode(try NPY.decode(original, name: name))
            if name == "v3.npy" {
                // NumPy wrote version 3.0 on request (a 4-byte header length); lk
                // writes 1.0, with the same header text and data.
                XCTAssertEqual(Array(encoded[6..<8]), [1, 0])
                let text = { (b: [UInt8], start: Int) in String(decoding: b[start...], as: UTF8.self).prefix(while: { $0 != "}" }) }
                XCTAssertEqual(text(encoded, 10), text(original, 12))
                XCTAssertEqual(encoded.suffix(24), original.suffix(24))
            } else {
                XCTAssertEqual(encoded, original, name)
            }
            XCTAssertEqual((10 + Int(encoded[8]) + Int(encoded[9]) << 8) % 64, 0, "data aligned to 64 bytes in \(name)")
        }
    }

    func testRankLimit() throws {
        // The largest rank lk allows round-trips; a file with more axes (NumPy 2 writes
        // up to 64) is refused with the limit named, not built.
        let t = try Tensor(shape: [Int](repeating: 1, count: Tensor.maxRank), repeating: 7)
        XCTAssertEqual(try NPY.decode(NPY.encode(t), name: "max"), t)
        var header = "{'descr': '<f8', 'fortran_order': False, 'shape': (" + String(repeating: "1, ", count: 40) + "), }"
        header += String(repeating: " ", count: (64 - (10 + header.count + 1) % 64) % 64) + "\n"
        let bytes = [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count & 0xff), UInt8(header.utf8.count >> 8)]
            + Array(header.utf8) + Array(repeating: UInt8(0), count: 8)
        XCTAssertThrowsError(try NPY.decode(bytes, name: "deep.npy")) { error in
            XCTAssertTrue("\(error)".contains("at most 32 axes"), "\(error)")
        }
    }

    func testSaveAndLoadRoundTrip() throws {
        let directory = try makeTemporaryDirectory("npy").path
        let t = try Tensor(shape: [3, 2], data: [0.1, -0.0, .nan, .infinity, 0x1p-1030, -5])
        let path = directory + "/t.npy"
        try NPY.save(t, path: path)
        let back = try NPY.load(path: path)
        XCTAssertEqual(back.shape, t.shape)
        XCTAssertEqual(back.scalars.map(\.bitPattern), t.scalars.map(\.bitPattern))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory), ["t.npy"], "no temporary file left")
    }

    // MARK: errors

    func testUnreadableFile() {
        XCTAssertThrowsError(try NPY.load(path: "/nonexistent/x.npy")) { error in
            XCTAssertEqual("\(error)", "cannot read /nonexistent/x.npy: No such file or directory")
        }
    }

    func testNotAnNpyFile() {
        assertThrows(Array("a,b\n1,2\n".utf8), "x.npy: not an .npy file (it does not start with \\x93NUMPY)")
        assertThrows([], "x.npy: not an .npy file (it does not start with \\x93NUMPY)")
    }

    func testTruncatedData() throws {
        let original = try bytes("f8_2x3.npy")
        assertThrows(Array(original.dropLast(8)), "x.npy: truncated: expected 48 bytes of data, found 40")
    }

    func testUnsupportedDtypesAreNamed() throws {
        XCTAssertThrowsError(try load("complex.npy")) { error in
            XCTAssertTrue("\(error)".hasSuffix("complex.npy: unsupported dtype '<c16' (complex numbers); lk reads floats, integers and booleans"), "\(error)")
        }
        XCTAssertThrowsError(try load("strings.npy")) { error in
            XCTAssertTrue("\(error)".contains("unsupported dtype '<U3' (strings)"), "\(error)")
        }
        let eight = [UInt8](repeating: 0, count: 8)
        assertThrows(withHeader("{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': (1,), }", data: eight),
                     "x.npy: structured dtypes (records with named fields) are not supported; save a plain numeric array")
    }

    func testMalformedHeaders() {
        let eight = [UInt8](repeating: 0, count: 8)
        assertThrows(withHeader("{'descr': '<f8', 'fortran_order': False, }", data: eight),
                     "x.npy: malformed header: no 'shape' in {'descr': '<f8', 'fortran_order': False, }")
        assertThrows(withHeader("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), ", data: eight),
                     "x.npy: malformed header: it ends early: {'descr': '<f8', 'fortran_order': False, 'shape': (1,),")
        assertThrows(withHeader("{'descr': '<f8', 'fortran_order': 0, 'shape': (1,), }", data: eight),
                     "x.npy: malformed header: 'fortran_order' is not True or False")
        assertThrows(withHeader("{'descr': '<f8', 'fortran_order': False, 'shape': (-1,), }", data: eight),
                     "x.npy: malformed header: 'shape' must hold non-negative integers")
        assertThrows(withHeader("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), } junk", data: eight),
                     "x.npy: malformed header: unexpected text after the dict at character 59: {'descr': '<f8', 'fortran_order': False, 'shape': (1,), } junk")
        var future = withHeader("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }", data: eight)
        future[6] = 4
        assertThrows(future, "x.npy: unsupported .npy format version 4.0")
    }

    func testHeaderThatLiesAboutTheShape() {
        let data = [UInt8](repeating: 0, count: 64)
        assertThrows(withHeader("{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }", data: data),
                     "x.npy: the header says shape (3,) of '<f8' (24 bytes of data), but the file holds 64 bytes of data")
        assertThrows(withHeader("{'descr': '<f8', 'fortran_order': False, 'shape': (10,), }", data: data),
                     "x.npy: truncated: expected 80 bytes of data, found 64")
        // A shape whose size overflows is reported, not allocated.
        assertThrows(withHeader("{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296), }", data: data),
                     "x.npy: truncated: expected more than \(Int.max) bytes of data, found 64")
    }

    // MARK: fuzz

    func testEveryTruncationFails() throws {
        for name in ["f8_2x3.npy", "fortran.npy", "v2.npy", "rank0.npy"] {
            let original = try bytes(name)
            for length in 0..<original.count {
                XCTAssertThrowsError(try NPY.decode(Array(original[..<length]), name: name), "\(name) cut at \(length)") { error in
                    XCTAssertTrue(error is TensorError)
                }
            }
        }
    }

    func testCorruptedBytesNeverCrash() throws {
        // Random byte changes in the header and data either decode or throw a
        // TensorError; a crash would end the test run.
        let original = try bytes("f8_2x3.npy")
        var state: UInt64 = 12345
        func next(_ n: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(n))
        }
        let printable = Array("{}()[],:'\" 0123456789-TrueFalsedescrshape<>|fiub".utf8)
        for _ in 0..<5000 {
            var data = original
            for _ in 0..<(1 + next(4)) {
                let at = next(data.count)
                data[at] = next(2) == 0 ? UInt8(next(256)) : printable[next(printable.count)]
            }
            do { _ = try NPY.decode(data, name: "fuzz") } catch { XCTAssertTrue(error is TensorError) }
        }
    }
}
