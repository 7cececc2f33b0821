import XCTest
@testable import LkTensor

final class IndexingTests: XCTestCase {
    let v = Tensor((0..<10).map(Double.init))
    // m[i, j] = 10 i + j, 3 × 4
    let m = try! Tensor(shape: [3, 4], data: [0, 1, 2, 3, 10, 11, 12, 13, 20, 21, 22, 23])

    func slice(_ a: Int?, _ b: Int?, _ s: Int? = nil) -> IndexSpec { .slice(start: a, stop: b, step: s) }

    func testPythonSliceSemantics() throws {
        // Expected values are Python's list(range(10))[a:b:s].
        XCTAssertEqual(try v.get([slice(8, 2, -2)]).scalars, [8, 6, 4])
        XCTAssertEqual(try v.get([slice(-100, 100, 3)]).scalars, [0, 3, 6, 9])
        XCTAssertEqual(try v.get([slice(nil, nil, -1)]).scalars, [9, 8, 7, 6, 5, 4, 3, 2, 1, 0])
        XCTAssertEqual(try v.get([slice(5, -100, -1)]).scalars, [5, 4, 3, 2, 1, 0])
        XCTAssertEqual(try v.get([slice(-3, nil)]).scalars, [7, 8, 9])
        XCTAssertEqual(try v.get([slice(nil, -7)]).scalars, [0, 1, 2])
        XCTAssertEqual(try v.get([slice(4, 2)]).scalars, [])
        XCTAssertEqual(try v.get([slice(100, nil, -3)]).scalars, [9, 6, 3, 0])
        XCTAssertEqual(try v.get([slice(2, 5, Int.min)]).scalars, [])
        XCTAssertEqual(try v.get([slice(Int.max, Int.min, Int.min)]).scalars, [9])
        XCTAssertThrowsError(try v.get([slice(0, 5, 0)])) { XCTAssertEqual("\($0)", "slice step cannot be zero") }
    }

    func testMatrixSelections() throws {
        XCTAssertEqual(try m.get([.index(1)]).scalars, [10, 11, 12, 13])
        XCTAssertEqual(try m.get([.index(1)]).shape, [4])
        XCTAssertEqual(try m.get([.all, .index(2)]).scalars, [2, 12, 22])
        XCTAssertEqual(try m.get([.index(-1), .index(-1)]).shape, [])
        XCTAssertEqual(try m.get([.index(-1), .index(-1)]).scalars, [23])
        XCTAssertEqual(try m.get([slice(1, nil), slice(nil, nil, 2)]).scalars, [10, 12, 20, 22])
        XCTAssertEqual(try m.get([.gather([2, 0, 2])]).scalars, [20, 21, 22, 23, 0, 1, 2, 3, 20, 21, 22, 23])
        XCTAssertEqual(try m.get([.all, .gather([-1, 0])]).scalars, [3, 0, 13, 10, 23, 20])
        XCTAssertEqual(try m.get([.mask([true, false, true]), .index(1)]).scalars, [1, 21])
        XCTAssertEqual(try m.get([.mask([false, false, false])]).shape, [0, 4])
        XCTAssertEqual(try m.get([]).scalars, m.scalars)
    }

    func testThreeDimensionalMixedSpecsByFormula() throws {
        // t[a,b,c] = 100a + 10b + c, shape (4,5,6); t[1:4:2, -1, ::-2]
        let t = try Tensor.build(shape: [4, 5, 6]) { p, _ in
            for a in 0..<4 { for b in 0..<5 { for c in 0..<6 { p[a * 30 + b * 6 + c] = Double(100 * a + 10 * b + c) } } }
        }
        let g = try t.get([slice(1, 4, 2), .index(-1), slice(nil, nil, -2)])
        XCTAssertEqual(g.shape, [2, 3])
        XCTAssertEqual(g.scalars, [1, 3].flatMap { a in [5, 3, 1].map { c in Double(100 * a + 40 + c) } })
    }

    func testIndexErrors() {
        XCTAssertThrowsError(try m.get([.index(5)])) { XCTAssertEqual("\($0)", "index 5 is out of range for axis 0 of size 3") }
        XCTAssertThrowsError(try m.get([.all, .index(-5)])) { XCTAssertEqual("\($0)", "index -5 is out of range for axis 1 of size 4") }
        XCTAssertThrowsError(try m.get([.index(0), .index(0), .index(0)])) {
            XCTAssertEqual("\($0)", "too many indices: 3 for a tensor of rank 2")
        }
        XCTAssertThrowsError(try m.get([.gather([0, 3])])) { XCTAssertEqual("\($0)", "index 3 is out of range for axis 0 of size 3") }
        XCTAssertThrowsError(try m.get([.mask([true, false])])) {
            XCTAssertEqual("\($0)", "boolean mask of length 2 does not match axis 0 of size 3")
        }
        XCTAssertThrowsError(try Tensor(scalar: 1).get([.index(0)]))
    }

    func testSetWithBroadcastingAndCopyOnWrite() throws {
        var a = m
        try a.set([.index(0)], to: Tensor([7, 8, 9, 10]))
        try a.set([.all, .index(3)], to: -1)
        try a.set([slice(1, nil), slice(0, 2)], to: try Tensor(shape: [1, 2], data: [5, 6]))   // broadcast over rows
        XCTAssertEqual(a.scalars, [7, 8, 9, -1, 5, 6, 12, -1, 5, 6, 22, -1])
        XCTAssertEqual(m.scalars, [0, 1, 2, 3, 10, 11, 12, 13, 20, 21, 22, 23])   // the original is untouched
        try a.set([.index(2), .index(2)], to: 99)
        XCTAssertEqual(try a.element(2, 2), 99)
        try a.set([.gather([0, 2]), .index(0)], to: Tensor([-7, -5]))
        XCTAssertEqual(try a.get([.all, .index(0)]).scalars, [-7, 5, -5])
        try a.set([.mask([false, true, false])], to: try Tensor(shape: [1, 1, 4], data: [1, 2, 3, 4]))
        XCTAssertEqual(try a.get([.index(1)]).scalars, [1, 2, 3, 4])
        // Assigning a tensor into itself reads the old values.
        try a.set([.index(0)], to: a.get([.index(1)]))
        XCTAssertEqual(try a.get([.index(0)]).scalars, [1, 2, 3, 4])
        var b = a
        try b.set([], to: a.transposed().transposed())
        XCTAssertEqual(b, a)
        XCTAssertThrowsError(try a.set([.all, slice(0, 2)], to: Tensor([1, 2, 3]))) {
            XCTAssertEqual("\($0)", "cannot assign a value of shape (3,) to a selection of shape (3,2)")
        }
    }

    func testElementFastPaths() throws {
        XCTAssertEqual(try v.element(3), 3)
        XCTAssertEqual(try v.element(-1), 9)
        XCTAssertEqual(try m.element(1, 2), 12)
        XCTAssertEqual(try m.element(-1, -4), 20)
        XCTAssertThrowsError(try v.element(10)) { XCTAssertEqual("\($0)", "index 10 is out of range for axis 0 of size 10") }
        XCTAssertThrowsError(try m.element(0, 4)) { XCTAssertEqual("\($0)", "index 4 is out of range for axis 1 of size 4") }
        XCTAssertThrowsError(try m.element(0)) { XCTAssertEqual("\($0)", "one index given for a tensor of shape (3,4)") }
        XCTAssertThrowsError(try v.element(0, 0)) { XCTAssertEqual("\($0)", "two indices given for a tensor of shape (10,)") }
    }
}
