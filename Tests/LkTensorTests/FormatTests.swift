import XCTest
@testable import LkTensor

// Expected strings come from NumPy 2.4.6 (python3, numpy.array2string with the
// arguments quoted beside each case), pasted once; the tests never run Python.
// Where lk differs from NumPy on purpose (integral tensors print as integers,
// the "tensor of shape" line, rank 0), the expectation says so.
final class FormatTests: XCTestCase {
    private func vector(_ v: [Double]) -> Tensor { Tensor(v) }
    private func arange(_ n: Int, shape: [Int]) -> Tensor {
        try! Tensor(shape: shape, data: (0..<n).map(Double.init))
    }
    private func mapped(_ t: Tensor, _ f: (Double) -> Double) -> Tensor {
        try! Tensor(shape: t.shape, data: t.scalars.map(f))
    }

    // MARK: formatNumber: Python's repr(float), integral values without a point

    func testFormatNumberIntegral() {
        XCTAssertEqual(formatNumber(3), "3")
        XCTAssertEqual(formatNumber(-0.0), "-0")
        XCTAssertEqual(formatNumber(0), "0")
        XCTAssertEqual(formatNumber(1_000_000), "1000000")
        XCTAssertEqual(formatNumber(-42), "-42")
        XCTAssertEqual(formatNumber(9_999_999_999_999_998), "9999999999999998")
        XCTAssertEqual(formatNumber(1e16), "1e+16")  // repr(1e16): too large to be shown as an integer
        XCTAssertEqual(formatNumber(123456789012345678901.0), "1.2345678901234568e+20")
    }

    func testFormatNumberRepr() {
        // repr() of each value in Python 3.
        XCTAssertEqual(formatNumber(0.1), "0.1")
        XCTAssertEqual(formatNumber(1e-05), "1e-05")
        XCTAssertEqual(formatNumber(0.0001), "0.0001")
        XCTAssertEqual(formatNumber(1.5e300), "1.5e+300")
        XCTAssertEqual(formatNumber(-2.5e-7), "-2.5e-07")
        XCTAssertEqual(formatNumber(0.1 + 0.2), "0.30000000000000004")
        XCTAssertEqual(formatNumber(.leastNonzeroMagnitude), "5e-324")
        XCTAssertEqual(formatNumber(.greatestFiniteMagnitude), "1.7976931348623157e+308")
        XCTAssertEqual(formatNumber(1234567.125), "1234567.125")
        XCTAssertEqual(formatNumber(.infinity), "inf")
        XCTAssertEqual(formatNumber(-.infinity), "-inf")
        XCTAssertEqual(formatNumber(.nan), "nan")
    }

    func testFormatNumberRoundTrips() {
        var state: UInt64 = 0x9E3779B97F4A7C15
        for _ in 0..<20_000 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let x = Double(bitPattern: state)
            guard x.isFinite else { continue }
            XCTAssertEqual(Double(formatNumber(x)), x, "\(formatNumber(x))")
        }
    }

    // MARK: vectors

    func testIntegralTensorsPrintAsIntegers() {
        // NumPy: "[1. 2. 3.]"; lk prints the integers.
        XCTAssertEqual(vector([1, 2, 3]).formatted(), "[1 2 3]")
        XCTAssertEqual(vector([-10, 5, 200]).formatted(), "[-10   5 200]")
        XCTAssertEqual(vector([-0.0, 1]).formatted(), "[-0  1]")
        // Non-finite values do not prevent integer printing; columns stay aligned.
        XCTAssertEqual(vector([1, .nan, 3]).formatted(), "[  1 nan   3]")
        XCTAssertEqual(vector([.infinity, -.infinity]).formatted(), "[ inf -inf]")
    }

    func testNumPyPositional() {
        // np.array2string(np.array([-1.5, 2.25, 3.0]))
        XCTAssertEqual(vector([-1.5, 2.25, 3.0]).formatted(), "[-1.5   2.25  3.  ]")
        // np.array2string(np.array([-0.0, 0.5]))
        XCTAssertEqual(vector([-0.0, 0.5]).formatted(), "[-0.   0.5]")
        // np.array2string(np.array([1.0, 2.0]) / 3, precision=3)
        var three = PrintOptions(); three.precision = 3
        XCTAssertEqual(vector([1.0 / 3, 2.0 / 3]).formatted(three), "[0.333 0.667]")
        // np.array2string(np.array([1e-10, 1.0]), suppress_small=True)
        var suppress = PrintOptions(); suppress.suppressSmall = true
        XCTAssertEqual(vector([1e-10, 1.0]).formatted(suppress), "[0. 1.]")
    }

    func testNumPyScientificSwitch() {
        // np.array2string(np.array([1e-5, 1.5, 100.0])): min < 1e-4
        XCTAssertEqual(vector([1e-5, 1.5, 100]).formatted(), "[1.0e-05 1.5e+00 1.0e+02]")
        // np.array2string(np.array([1e8, 1.0, -2.5])): max >= 1e8
        XCTAssertEqual(vector([1e8, 1.0, -2.5]).formatted(), "[ 1.0e+08  1.0e+00 -2.5e+00]")
        // np.array2string(np.array([0.1, 0.25, 1.0, 1e3])): max/min > 1e3
        XCTAssertEqual(vector([0.1, 0.25, 1.0, 1e3]).formatted(), "[1.0e-01 2.5e-01 1.0e+00 1.0e+03]")
        // np.array2string(np.array([1e16, 2e16])): integral but too large for integer printing
        XCTAssertEqual(vector([1e16, 2e16]).formatted(), "[1.e+16 2.e+16]")
        // np.array2string(np.array([1e-300, 1e300])): three-digit exponents pad all
        XCTAssertEqual(vector([1e-300, 1e300]).formatted(), "[1.e-300 1.e+300]")
    }

    func testNumPyNonFinite() {
        // np.array2string(np.array([1.0, np.nan, 3.5, -np.inf]))
        XCTAssertEqual(vector([1, .nan, 3.5, -.infinity]).formatted(), "[ 1.   nan  3.5 -inf]")
        // np.array2string(np.array([1e-5, np.nan, np.inf]))
        XCTAssertEqual(vector([1e-5, .nan, .infinity]).formatted(), "[1.e-05    nan    inf]")
    }

    func testWrapsWideRows() {
        // np.array2string(np.arange(30) / 3)
        XCTAssertEqual(mapped(arange(30, shape: [30]), { $0 / 3 }).formatted(), #"""
[0.         0.33333333 0.66666667 1.         1.33333333 1.66666667
 2.         2.33333333 2.66666667 3.         3.33333333 3.66666667
 4.         4.33333333 4.66666667 5.         5.33333333 5.66666667
 6.         6.33333333 6.66666667 7.         7.33333333 7.66666667
 8.         8.33333333 8.66666667 9.         9.33333333 9.66666667]
"""#)
        // np.array2string(np.array([0.1, 0.25, 1.0, 1e3]), max_line_width=20)
        var narrow = PrintOptions(); narrow.lineWidth = 20
        XCTAssertEqual(vector([0.1, 0.25, 1.0, 1e3]).formatted(narrow), "[1.0e-01 2.5e-01\n 1.0e+00 1.0e+03]")
        // np.array2string((np.arange(48).reshape(4, 12) - 24) / 23)
        XCTAssertEqual(mapped(arange(48, shape: [4, 12]), { ($0 - 24) / 23 }).formatted(), #"""
[[-1.04347826 -1.         -0.95652174 -0.91304348 -0.86956522 -0.82608696
  -0.7826087  -0.73913043 -0.69565217 -0.65217391 -0.60869565 -0.56521739]
 [-0.52173913 -0.47826087 -0.43478261 -0.39130435 -0.34782609 -0.30434783
  -0.26086957 -0.2173913  -0.17391304 -0.13043478 -0.08695652 -0.04347826]
 [ 0.          0.04347826  0.08695652  0.13043478  0.17391304  0.2173913
   0.26086957  0.30434783  0.34782609  0.39130435  0.43478261  0.47826087]
 [ 0.52173913  0.56521739  0.60869565  0.65217391  0.69565217  0.73913043
   0.7826087   0.82608696  0.86956522  0.91304348  0.95652174  1.        ]]
"""#)
    }

    // MARK: summarised

    func testSummarisedVector() {
        // np.array2string(np.arange(2000))
        XCTAssertEqual(arange(2000, shape: [2000]).formatted(), "[   0    1    2 ... 1997 1998 1999]")
        // np.array2string(np.arange(2000) / 4): widths come from the shown items only
        XCTAssertEqual(mapped(arange(2000, shape: [2000]), { $0 / 4 }).formatted(),
                       "[0.0000e+00 2.5000e-01 5.0000e-01 ... 4.9925e+02 4.9950e+02 4.9975e+02]")
    }

    func testSummarisedMatrix() {
        // np.array2string(np.arange(2500).reshape(50, 50) / 4)
        XCTAssertEqual(mapped(arange(2500, shape: [50, 50]), { $0 / 4 }).formatted(), #"""
[[0.0000e+00 2.5000e-01 5.0000e-01 ... 1.1750e+01 1.2000e+01 1.2250e+01]
 [1.2500e+01 1.2750e+01 1.3000e+01 ... 2.4250e+01 2.4500e+01 2.4750e+01]
 [2.5000e+01 2.5250e+01 2.5500e+01 ... 3.6750e+01 3.7000e+01 3.7250e+01]
 ...
 [5.8750e+02 5.8775e+02 5.8800e+02 ... 5.9925e+02 5.9950e+02 5.9975e+02]
 [6.0000e+02 6.0025e+02 6.0050e+02 ... 6.1175e+02 6.1200e+02 6.1225e+02]
 [6.1250e+02 6.1275e+02 6.1300e+02 ... 6.2425e+02 6.2450e+02 6.2475e+02]]
"""#)
    }

    func testSummarisedRank3() {
        // np.array2string(np.arange(1728).reshape(12, 12, 12) - 800.5), after lk's shape line
        let t = mapped(arange(1728, shape: [12, 12, 12]), { $0 - 800.5 })
        XCTAssertEqual(t.formatted(), "tensor of shape (12,12,12)\n" + #"""
[[[-800.5 -799.5 -798.5 ... -791.5 -790.5 -789.5]
  [-788.5 -787.5 -786.5 ... -779.5 -778.5 -777.5]
  [-776.5 -775.5 -774.5 ... -767.5 -766.5 -765.5]
  ...
  [-692.5 -691.5 -690.5 ... -683.5 -682.5 -681.5]
  [-680.5 -679.5 -678.5 ... -671.5 -670.5 -669.5]
  [-668.5 -667.5 -666.5 ... -659.5 -658.5 -657.5]]

 [[-656.5 -655.5 -654.5 ... -647.5 -646.5 -645.5]
  [-644.5 -643.5 -642.5 ... -635.5 -634.5 -633.5]
  [-632.5 -631.5 -630.5 ... -623.5 -622.5 -621.5]
  ...
  [-548.5 -547.5 -546.5 ... -539.5 -538.5 -537.5]
  [-536.5 -535.5 -534.5 ... -527.5 -526.5 -525.5]
  [-524.5 -523.5 -522.5 ... -515.5 -514.5 -513.5]]

 [[-512.5 -511.5 -510.5 ... -503.5 -502.5 -501.5]
  [-500.5 -499.5 -498.5 ... -491.5 -490.5 -489.5]
  [-488.5 -487.5 -486.5 ... -479.5 -478.5 -477.5]
  ...
  [-404.5 -403.5 -402.5 ... -395.5 -394.5 -393.5]
  [-392.5 -391.5 -390.5 ... -383.5 -382.5 -381.5]
  [-380.5 -379.5 -378.5 ... -371.5 -370.5 -369.5]]

 ...

 [[ 495.5  496.5  497.5 ...  504.5  505.5  506.5]
  [ 507.5  508.5  509.5 ...  516.5  517.5  518.5]
  [ 519.5  520.5  521.5 ...  528.5  529.5  530.5]
  ...
  [ 603.5  604.5  605.5 ...  612.5  613.5  614.5]
  [ 615.5  616.5  617.5 ...  624.5  625.5  626.5]
  [ 627.5  628.5  629.5 ...  636.5  637.5  638.5]]

 [[ 639.5  640.5  641.5 ...  648.5  649.5  650.5]
  [ 651.5  652.5  653.5 ...  660.5  661.5  662.5]
  [ 663.5  664.5  665.5 ...  672.5  673.5  674.5]
  ...
  [ 747.5  748.5  749.5 ...  756.5  757.5  758.5]
  [ 759.5  760.5  761.5 ...  768.5  769.5  770.5]
  [ 771.5  772.5  773.5 ...  780.5  781.5  782.5]]

 [[ 783.5  784.5  785.5 ...  792.5  793.5  794.5]
  [ 795.5  796.5  797.5 ...  804.5  805.5  806.5]
  [ 807.5  808.5  809.5 ...  816.5  817.5  818.5]
  ...
  [ 891.5  892.5  893.5 ...  900.5  901.5  902.5]
  [ 903.5  904.5  905.5 ...  912.5  913.5  914.5]
  [ 915.5  916.5  917.5 ...  924.5  925.5  926.5]]]
"""#)
    }

    func testLargeTensorIsFast() throws {
        // Only the shown items are formatted: a million elements print at once.
        let t = try Tensor.build(shape: [100, 100, 100]) { p, n in for i in 0..<n { p[i] = Double(i) / 2 } }
        let start = Date()
        let text = t.formatted()
        XCTAssertLessThan(Date().timeIntervalSince(start), 1.0)
        // First data line of np.array2string(np.arange(1000000).reshape(100, 100, 100) / 2)
        XCTAssertEqual(text.split(separator: "\n")[1],
                       "[[[0.000000e+00 5.000000e-01 1.000000e+00 ... 4.850000e+01 4.900000e+01")
    }

    // MARK: rank 0, rank 3, empty

    func testRank3ShowsShape() {
        // np.array2string(np.arange(24).reshape(2, 3, 4) / 2), after lk's shape line
        XCTAssertEqual(mapped(arange(24, shape: [2, 3, 4]), { $0 / 2 }).formatted(),
                       "tensor of shape (2,3,4)\n" + #"""
[[[ 0.   0.5  1.   1.5]
  [ 2.   2.5  3.   3.5]
  [ 4.   4.5  5.   5.5]]

 [[ 6.   6.5  7.   7.5]
  [ 8.   8.5  9.   9.5]
  [10.  10.5 11.  11.5]]]
"""#)
        XCTAssertEqual(arange(4, shape: [1, 2, 2]).formatted(), "tensor of shape (1,2,2)\n[[[0 1]\n  [2 3]]]")
    }

    func testRank0PrintsAsNumber() {
        XCTAssertEqual(Tensor(scalar: 3).formatted(), "3")
        XCTAssertEqual(Tensor(scalar: 0.1).formatted(), "0.1")
        XCTAssertEqual(Tensor(scalar: -.infinity).formatted(), "-inf")
    }

    func testEmpty() throws {
        XCTAssertEqual(try Tensor(shape: [0]).formatted(), "[]")
        XCTAssertEqual(try Tensor(shape: [2, 0]).formatted(), "tensor of shape (2,0)\n[]")
        XCTAssertEqual(try Tensor(shape: [0, 3, 4]).formatted(), "tensor of shape (0,3,4)\n[]")
    }
}
