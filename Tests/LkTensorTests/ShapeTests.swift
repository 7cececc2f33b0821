import XCTest
@testable import LkTensor
import LkTestSupport

final class ShapeTests: XCTestCase {
    let a = try! Tensor(shape: [2, 2], data: [1, 2, 3, 4])
    let b = try! Tensor(shape: [1, 2], data: [5, 6])

    func testConcat() throws {
        XCTAssertEqual(try Tensor.concat([a, b]).scalars, [1, 2, 3, 4, 5, 6])
        XCTAssertEqual(try Tensor.concat([a, b]).shape, [3, 2])
        let c = try Tensor(shape: [2, 1], data: [7, 8])
        XCTAssertEqual(try Tensor.concat([a, c, a], axis: -1).scalars, [1, 2, 7, 1, 2, 3, 4, 8, 3, 4])
        XCTAssertEqual(try Tensor.concat([Tensor([1]), Tensor([]), Tensor([2, 3])]).scalars, [1, 2, 3])
        XCTAssertThrowsError(try Tensor.concat([a, c])) {
            XCTAssertEqual("\($0)", "concat: argument 2 has shape (2,1) but argument 1 has shape (2,2); they must match except along axis 0")
        }
        XCTAssertThrowsError(try Tensor.concat([a, Tensor([1, 2])])) { XCTAssertTrue("\($0)".contains("argument 2 has shape (2,)")) }
        XCTAssertThrowsError(try Tensor.concat([Tensor([1]), Tensor(scalar: 2)])) { XCTAssertTrue("\($0)".contains("argument 2 is a number")) }
        XCTAssertThrowsError(try Tensor.concat([]))
        XCTAssertThrowsError(try Tensor.concat([a, b], axis: 2))
    }

    func testStack() throws {
        let x = Tensor([1, 2, 3]), y = Tensor([4, 5, 6])
        XCTAssertEqual(try Tensor.stack([x, y]).scalars, [1, 2, 3, 4, 5, 6])
        XCTAssertEqual(try Tensor.stack([x, y]).shape, [2, 3])
        XCTAssertEqual(try Tensor.stack([x, y], axis: 1).scalars, [1, 4, 2, 5, 3, 6])
        XCTAssertEqual(try Tensor.stack([x, y], axis: -1).shape, [3, 2])
        XCTAssertEqual(try Tensor.stack([Tensor(scalar: 1), Tensor(scalar: 2)]).scalars, [1, 2])
        XCTAssertEqual(try Tensor.stack([a, a], axis: 1).shape, [2, 2, 2])
        XCTAssertEqual(try Tensor.stack([a, a], axis: 1).scalars, [1, 2, 1, 2, 3, 4, 3, 4])
        XCTAssertThrowsError(try Tensor.stack([x, Tensor([1, 2])])) {
            XCTAssertEqual("\($0)", "stack: argument 2 has shape (2,) but argument 1 has shape (3,); stack needs tensors of one shape")
        }
        XCTAssertThrowsError(try Tensor.stack([x], axis: 2))
    }

    func testTranspose() throws {
        // Sizes that are not multiples of the 32 tile, large enough to run in parallel.
        let (r, c) = (259, 197)
        let x = try Tensor(shape: [r, c], data: (0..<(r * c)).map(Double.init))
        let t = x.transposed()
        XCTAssertEqual(t.shape, [c, r])
        for i in stride(from: 0, to: c, by: 7) { for j in 0..<r { XCTAssertEqual(t[flat: i * r + j], Double(j * c + i)) } }
        XCTAssertEqual(t.transposed(), x)
        XCTAssertEqual(Tensor([1, 2]).transposed(), Tensor([1, 2]))
        // Rank 3: .T reverses the axes; y[p,q,s] = 100p + 10q + s.
        let y = try Tensor.build(shape: [2, 3, 4]) { p, _ in
            for i in 0..<2 { for j in 0..<3 { for k in 0..<4 { p[i * 12 + j * 4 + k] = Double(100 * i + 10 * j + k) } } }
        }
        let yt = y.transposed()
        XCTAssertEqual(yt.shape, [4, 3, 2])
        XCTAssertEqual(yt[flat: 3 * 6 + 1 * 2 + 1], 113)   // yt[3,1,1] = y[1,1,3]
        let yp = try y.transposed(axes: [1, -1, 0])
        XCTAssertEqual(yp.shape, [3, 4, 2])
        XCTAssertEqual(yp[flat: 2 * 8 + 3 * 2 + 1], 123)   // yp[2,3,1] = y[1,2,3]
        XCTAssertThrowsError(try y.transposed(axes: [0, 0, 1])) { XCTAssertTrue("\($0)".contains("not a permutation")) }
        XCTAssertThrowsError(try y.transposed(axes: [0, 1]))
    }

    func testArangeFollowsNumPy() throws {
        XCTAssertEqual(try Tensor.arange(0, 5).scalars, [0, 1, 2, 3, 4])
        XCTAssertEqual(try Tensor.arange(0, 1, 0.1).count, 10)
        XCTAssertEqual(try Tensor.arange(1, 0, -0.3).scalars, [1, 0.7, 1 + 2 * (0.7 - 1), 1 + 3 * (0.7 - 1)])
        XCTAssertEqual(try Tensor.arange(2, 2.5, 0.2).scalars, [2, 2.2, 2 + 2 * (2.2 - 2)])
        XCTAssertEqual(try Tensor.arange(5, 0).count, 0)
        XCTAssertEqual(try Tensor.arange(-0.0, 2)[flat: 0].sign, .minus)
        XCTAssertThrowsError(try Tensor.arange(0, 1, 0)) { XCTAssertEqual("\($0)", "arange: step must not be zero") }
        XCTAssertThrowsError(try Tensor.arange(0, .infinity))
        XCTAssertThrowsError(try Tensor.arange(0, 1e300, 1e-300)) { XCTAssertTrue("\($0)".contains("too many")) }
    }

    func testLinspace() throws {
        XCTAssertEqual(try Tensor.linspace(0, 1, 5).scalars, [0, 0.25, 0.5, 0.75, 1])
        let l = try Tensor.linspace(0.1, 0.7, 7)
        XCTAssertEqual(l[flat: 6], 0.7)   // exactly the endpoint
        assertClose(l.scalars, (0..<7).map { 0.1 + Double($0) * 0.1 }, rtol: 1e-15, atol: 1e-15)
        XCTAssertEqual(try Tensor.linspace(3, 9, 1).scalars, [3])
        XCTAssertEqual(try Tensor.linspace(3, 9, 0).shape, [0])
        // The step (b - a) / 3 underflows to 0; NumPy then scales i / 3 by b - a instead.
        let tiny = Double.leastNonzeroMagnitude
        XCTAssertEqual(try Tensor.linspace(0, tiny, 4).scalars, [0, 0, tiny, tiny])
        XCTAssertThrowsError(try Tensor.linspace(0, 1, -1))
    }

    func testEyeAndDiag() throws {
        XCTAssertEqual(try Tensor.eye(2).scalars, [1, 0, 0, 1])
        XCTAssertEqual(try Tensor.eye(2, 3).scalars, [1, 0, 0, 0, 1, 0])
        XCTAssertEqual(try Tensor.eye(3, 1).scalars, [1, 0, 0])
        XCTAssertThrowsError(try Tensor.eye(-1))
        XCTAssertEqual(try Tensor.diag(Tensor([1, 2])).scalars, [1, 0, 0, 2])
        XCTAssertEqual(try Tensor.diag(a).scalars, [1, 4])
        let r = try Tensor(shape: [2, 3], data: [1, 2, 3, 4, 5, 6])
        XCTAssertEqual(try Tensor.diag(r).scalars, [1, 5])
        XCTAssertEqual(try Tensor.diag(r.transposed()).scalars, [1, 5])
        XCTAssertThrowsError(try Tensor.diag(Tensor(scalar: 1))) { XCTAssertEqual("\($0)", "diag: expects a vector or a matrix, got shape ()") }
    }

    func testSqueezeFlattenExpandTile() throws {
        let t = try Tensor(shape: [1, 3, 1, 2], data: [1, 2, 3, 4, 5, 6])
        XCTAssertEqual(t.squeezed().shape, [3, 2])
        XCTAssertEqual(t.flattened().shape, [6])
        XCTAssertEqual(t.flattened().scalars, t.scalars)
        XCTAssertEqual(try Tensor([1, 2]).expanded(axis: 0).shape, [1, 2])
        XCTAssertEqual(try Tensor([1, 2]).expanded(axis: -1).shape, [2, 1])
        XCTAssertThrowsError(try Tensor([1, 2]).expanded(axis: 3))
        XCTAssertEqual(try Tensor([1, 2]).tiled([2, 2]).scalars, [1, 2, 1, 2, 1, 2, 1, 2])
        XCTAssertEqual(try Tensor([1, 2]).tiled([2, 2]).shape, [2, 4])
        let tiled = try a.tiled([2, 1, 3])
        XCTAssertEqual(tiled.shape, [2, 2, 6])
        // tiled[p, i, j] = a[i, j mod 2]
        for p in 0..<2 { for i in 0..<2 { for j in 0..<6 { XCTAssertEqual(tiled[flat: p * 12 + i * 6 + j], a[flat: i * 2 + j % 2]) } } }
        XCTAssertEqual(try a.tiled([3]).shape, [2, 6])
        XCTAssertThrowsError(try a.tiled([-1]))
    }
}
