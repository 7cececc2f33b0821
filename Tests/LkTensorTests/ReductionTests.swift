import XCTest
@testable import LkTensor
import LkTestSupport

final class ReductionTests: XCTestCase {
    // [[1, 2, 3], [4, 5, 6]]
    let m = try! Tensor(shape: [2, 3], data: [1, 2, 3, 4, 5, 6])

    func testSumMeanProdMinMaxByHand() throws {
        XCTAssertEqual(try m.reduce(.sum).scalars, [21])
        XCTAssertEqual(try m.reduce(.sum).shape, [])
        XCTAssertEqual(try m.reduce(.sum, axis: 0).scalars, [5, 7, 9])
        XCTAssertEqual(try m.reduce(.sum, axis: 1).scalars, [6, 15])
        XCTAssertEqual(try m.reduce(.sum, axis: -1).scalars, [6, 15])
        XCTAssertEqual(try m.reduce(.mean, axis: 0).scalars, [2.5, 3.5, 4.5])
        XCTAssertEqual(try m.reduce(.prod).scalars, [720])
        XCTAssertEqual(try m.reduce(.prod, axis: 1).scalars, [6, 120])
        XCTAssertEqual(try m.reduce(.max, axis: 0).scalars, [4, 5, 6])
        XCTAssertEqual(try m.reduce(.min, axis: 1).scalars, [1, 4])
        XCTAssertEqual(try m.reduce(.sum, axis: 0, keepdims: true).shape, [1, 3])
        XCTAssertEqual(try m.reduce(.max, keepdims: true).shape, [1, 1])
    }

    func testVarianceAndStdDivideByN() throws {
        let v = Tensor([1, 2, 3, 4])
        XCTAssertEqual(try v.reduce(.variance).scalars[0], 1.25, accuracy: 1e-15)
        XCTAssertEqual(try v.reduce(.std).scalars[0], Double(1.25).squareRoot(), accuracy: 1e-15)
        // Rows [1,2,3] and [4,5,6] have variance 2/3; each column has variance 2.25.
        assertClose(try m.reduce(.variance, axis: 1).scalars, [2.0 / 3, 2.0 / 3], rtol: 1e-15, atol: 1e-15)
        assertClose(try m.reduce(.std, axis: 0, keepdims: true).scalars, [1.5, 1.5, 1.5], rtol: 1e-15, atol: 1e-15)
        XCTAssertEqual(try m.reduce(.std, axis: 0, keepdims: true).shape, [1, 3])
        // Two-pass variance stays accurate with a large offset (naive E[x²]-E[x]² gives garbage).
        let shifted = Tensor([1e9 + 1, 1e9 + 2, 1e9 + 3, 1e9 + 4])
        XCTAssertEqual(try shifted.reduce(.variance).scalars[0], 1.25, accuracy: 1e-6)
    }

    func testArgmaxArgminFirstOccurrenceAndNaN() throws {
        let t = try Tensor(shape: [2, 3], data: [1, 5, 5, 7, 0, 7])
        XCTAssertEqual(try t.reduce(.argmax, axis: 1).scalars, [1, 0])
        XCTAssertEqual(try t.reduce(.argmin, axis: 0).scalars, [0, 1, 0])
        XCTAssertEqual(try t.reduce(.argmax).scalars, [3])   // flattened, first of the two 7s
        XCTAssertEqual(try Tensor([1, .nan, 3, .nan]).reduce(.argmax).scalars, [1])
        XCTAssertEqual(try Tensor([1, .nan, -3]).reduce(.argmin).scalars, [1])
    }

    func testNaNPropagatesThroughMinMax() throws {
        let t = try Tensor(shape: [2, 2], data: [.nan, 1, 2, .nan])
        for axis in [0, 1] {
            XCTAssertTrue(try t.reduce(.max, axis: axis).scalars.allSatisfy(\.isNaN))
            XCTAssertTrue(try t.reduce(.min, axis: axis).scalars.allSatisfy(\.isNaN))
        }
        XCTAssertTrue(try Tensor([3, 1, .nan]).reduce(.max).scalars[0].isNaN)
        XCTAssertTrue(try Tensor([.nan, 3, 1]).reduce(.min).scalars[0].isNaN)
    }

    func testAnyAll() throws {
        let t = try Tensor(shape: [2, 3], data: [0, 0, 1, 0, .nan, 2])
        XCTAssertEqual(try t.reduce(.any, axis: 0).scalars, [0, 1, 1])
        XCTAssertEqual(try t.reduce(.all, axis: 0).scalars, [0, 0, 1])
        XCTAssertEqual(try t.reduce(.all, axis: 1).scalars, [0, 0])
        XCTAssertEqual(try t.reduce(.any).scalars, [1])
        XCTAssertEqual(try Tensor([]).reduce(.all).scalars, [1])
        XCTAssertEqual(try Tensor([]).reduce(.any).scalars, [0])
    }

    func testEmptyReductions() throws {
        let e = Tensor([])
        XCTAssertEqual(try e.reduce(.sum).scalars, [0])
        XCTAssertEqual(try e.reduce(.prod).scalars, [1])
        XCTAssertTrue(try e.reduce(.mean).scalars[0].isNaN)
        for op in [ReduceOp.max, .min, .argmax, .argmin] {
            XCTAssertThrowsError(try e.reduce(op)) { XCTAssertEqual("\($0)", "\(op.rawValue) of an empty tensor") }
        }
        // An empty reduced axis is an error; other empty axes just give empty results.
        XCTAssertThrowsError(try Tensor(shape: [3, 0]).reduce(.max, axis: 1)) {
            XCTAssertEqual("\($0)", "max of an empty tensor: axis 1 of (3,0) has size 0")
        }
        XCTAssertEqual(try Tensor(shape: [0, 3]).reduce(.max, axis: 1).shape, [0])
        XCTAssertEqual(try Tensor(shape: [3, 0]).reduce(.sum, axis: 1).scalars, [0, 0, 0])
    }

    func testAxisErrors() {
        XCTAssertThrowsError(try m.reduce(.sum, axis: 2)) { XCTAssertEqual("\($0)", "axis 2 is out of range for a tensor of rank 2") }
        XCTAssertThrowsError(try m.reduce(.sum, axis: -3)) { XCTAssertEqual("\($0)", "axis -3 is out of range for a tensor of rank 2") }
        XCTAssertThrowsError(try Tensor(scalar: 1).reduce(.sum, axis: 0))
    }

    func testLargeMatrixSumsMatchClosedForms() throws {
        // x[i,j] = i*C + j: column sums C*R(R-1)/2 + R*j, row sums i*C² + C(C-1)/2.
        // Large enough for the parallel row, column-block and single-lane paths.
        let (r, c) = (300, 500)
        let x = try Tensor(shape: [r, c], data: (0..<(r * c)).map(Double.init))
        let cols = try x.reduce(.sum, axis: 0).scalars
        let rows = try x.reduce(.sum, axis: 1).scalars
        for j in 0..<c { XCTAssertEqual(cols[j], Double(c * r * (r - 1) / 2 + r * j)) }
        for i in 0..<r { XCTAssertEqual(rows[i], Double(i * c * c + c * (c - 1) / 2)) }
        let n = r * c
        XCTAssertEqual(try x.reduce(.sum).scalars[0], Double(n * (n - 1) / 2))
        XCTAssertEqual(try x.reduce(.max, axis: 0).scalars, (0..<c).map { Double((r - 1) * c + $0) })
        XCTAssertEqual(try x.reduce(.argmax, axis: 0).scalars, [Double](repeating: Double(r - 1), count: c))
        // A middle axis of a 3-D tensor: y[a,b,k] = a*100 + b*10 + k, summed over b < 4.
        let y = try Tensor.build(shape: [3, 4, 5]) { p, _ in
            for a in 0..<3 { for b in 0..<4 { for k in 0..<5 { p[a * 20 + b * 5 + k] = Double(a * 100 + b * 10 + k) } } }
        }
        let s = try y.reduce(.sum, axis: 1)
        XCTAssertEqual(s.shape, [3, 5])
        for a in 0..<3 { for k in 0..<5 { XCTAssertEqual(s[flat: a * 5 + k], Double(4 * (a * 100 + k) + 60)) } }
    }

    func testPairwiseSummationIsAccurate() throws {
        // A running sum of a million 0.1s is off by about 1.3e-6; pairwise is within a few ulp.
        let x = try Tensor(shape: [1_000_000], repeating: 0.1)
        XCTAssertEqual(try x.reduce(.sum).scalars[0], 100_000, accuracy: 1e-9)
        XCTAssertEqual(try x.reduce(.mean).scalars[0], 0.1, accuracy: 1e-15)
        let rows = try x.reshaped([2, 500_000]).reduce(.sum, axis: 1).scalars
        assertClose(rows, [50_000, 50_000], rtol: 1e-14, atol: 1e-14)
    }

    func testSoftmax() throws {
        let x = try Tensor(shape: [2, 3], data: [1, 2, 3, 1000, 1000, 1000])
        let s = try x.softmax()
        let z = exp(1.0) + exp(2.0) + exp(3.0)
        assertClose(s.scalars, [exp(1) / z, exp(2) / z, exp(3) / z, 1.0 / 3, 1.0 / 3, 1.0 / 3], rtol: 1e-15, atol: 1e-15)
        // Huge inputs do not overflow: softmax([1000, 1001]) = [1, e] / (1 + e).
        assertClose(try Tensor([1000, 1001]).softmax().scalars, [1 / (1 + exp(1.0)), exp(1.0) / (1 + exp(1.0))], rtol: 1e-15, atol: 1e-15)
        let cols = try x.softmax(axis: 0)
        XCTAssertEqual(cols.shape, [2, 3])
        assertClose(try cols.reduce(.sum, axis: 0).scalars, [1, 1, 1], rtol: 1e-15, atol: 1e-15)
        XCTAssertEqual(cols[flat: 0], 0)   // e^(1 - 1000) underflows
        XCTAssertEqual(try Tensor(scalar: 5).softmax().scalars, [1])
        XCTAssertThrowsError(try x.softmax(axis: 2))
    }

    func testNormIsOverflowAndUnderflowSafe() throws {
        XCTAssertEqual(try Tensor([3, 4]).norm().scalars, [5])
        XCTAssertEqual(try Tensor([3e200, 4e200]).norm().scalars[0], 5e200, accuracy: 1e186)
        XCTAssertEqual(try Tensor([3e-200, 4e-200]).norm().scalars[0], 5e-200, accuracy: 1e-214)
        XCTAssertEqual(try Tensor([1, .infinity]).norm().scalars, [.infinity])
        XCTAssertTrue(try Tensor([.nan, .infinity]).norm().scalars[0].isNaN)
        XCTAssertEqual(try Tensor([0, 0]).norm().scalars, [0])
        let a = try Tensor(shape: [2, 2], data: [3, 4, 6, 8])
        XCTAssertEqual(try a.norm(axis: 1).scalars, [5, 10])
        assertClose(try a.norm(axis: 0).scalars, [Double(45).squareRoot(), Double(80).squareRoot()], rtol: 1e-15, atol: 1e-15)
        XCTAssertEqual(try a.norm().scalars[0], Double(125).squareRoot(), accuracy: 1e-14)   // Frobenius
        let big = try Tensor(shape: [2, 2], data: [3e300, 1, 4e300, 1])
        assertClose(try big.norm(axis: 0).scalars, [5e300, Double(2).squareRoot()], rtol: 1e-15, atol: 1e-15)
    }

    func testCumsum() throws {
        XCTAssertEqual(try m.cumsum().scalars, [1, 3, 6, 10, 15, 21])
        XCTAssertEqual(try m.cumsum().shape, [6])
        XCTAssertEqual(try m.cumsum(axis: 0).scalars, [1, 2, 3, 5, 7, 9])
        XCTAssertEqual(try m.cumsum(axis: 1).scalars, [1, 3, 6, 4, 9, 15])
        XCTAssertEqual(try m.cumsum(axis: 1).shape, [2, 3])
        let ones = try Tensor(shape: [1000, 50], repeating: 1)
        let c = try ones.cumsum(axis: 0)
        for i in stride(from: 0, to: 1000, by: 99) { XCTAssertEqual(c[flat: i * 50 + 7], Double(i + 1)) }
        XCTAssertEqual(try Tensor(scalar: 3).cumsum().scalars, [3])
    }
}
