import XCTest
@testable import LkTensor

final class TensorCoreTests: XCTestCase {
    func testCopyOnWrite() throws {
        let a = try Tensor(shape: [2, 2], data: [1, 2, 3, 4])
        var b = a
        b[flat: 0] = 9
        XCTAssertEqual(a.scalars, [1, 2, 3, 4])
        XCTAssertEqual(b.scalars, [9, 2, 3, 4])
    }
    func testMemoryLimit() {
        XCTAssertThrowsError(try Tensor(shape: [1_000_000, 1_000_000])) { e in
            XCTAssertTrue("\(e)".contains("8.0 TB"), "\(e)")
        }
    }
    func testReshapeInfer() throws {
        let a = try Tensor(shape: [2, 6], repeating: 1)
        XCTAssertEqual(try a.reshaped([3, -1]).shape, [3, 4])
        XCTAssertThrowsError(try a.reshaped([5, -1]))
    }
}
