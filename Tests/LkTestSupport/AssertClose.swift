import LkTensor
import XCTest

// The one closeness check of the test suite, after NumPy's `assert_allclose`:
// each element must satisfy |got − want| ≤ atol + rtol·|want|. NaN matches
// only NaN and an infinity only the same infinity, so a result that turns
// into NaN never passes by accident. On failure the message names the worst
// element (by how far it overshoots its tolerance), both values and the shapes,
// which is what one needs to start looking.

/// How far `got` is outside the tolerance of `want`, as a ratio: ≤ 1 passes.
/// Mismatched NaN or infinities count as infinitely far.
func closenessExcess(_ got: Double, _ want: Double, rtol: Double, atol: Double) -> Double {
    if want.isNaN || got.isNaN { return want.isNaN && got.isNaN ? 0 : .infinity }
    if want.isInfinite || got.isInfinite { return got == want ? 0 : .infinity }
    let allowed = atol + rtol * Swift.abs(want)
    let error = Swift.abs(got - want)
    if allowed == 0 { return error == 0 ? 0 : .infinity }
    return error / allowed
}

/// The row-major multi-index of flat position `i` in `shape`, written `[i, j, …]`.
func indexString(_ flat: Int, in shape: [Int]) -> String {
    var rest = flat, index: [Int] = []
    for n in shape.reversed() { index.append(n == 0 ? 0 : rest % n); rest = n == 0 ? 0 : rest / n }
    return "[" + index.reversed().map(String.init).joined(separator: ", ") + "]"
}

/// Compares flat values of the given shapes; the shared core of every overload.
func checkClose(_ got: [Double], shape gotShape: [Int], _ want: [Double], shape wantShape: [Int],
                rtol: Double, atol: Double, _ message: String, file: StaticString, line: UInt) {
    let prefix = message.isEmpty ? "" : message + ": "
    guard gotShape == wantShape, got.count == want.count else {
        XCTFail("\(prefix)shape \(shapeString(gotShape)) != expected \(shapeString(wantShape))", file: file, line: line)
        return
    }
    var worst = -1, worstExcess = 1.0, failing = 0
    for i in got.indices {
        let e = closenessExcess(got[i], want[i], rtol: rtol, atol: atol)
        if e > 1 {
            failing += 1
            if worst < 0 || e > worstExcess { worst = i; worstExcess = e }
        }
    }
    guard worst >= 0 else { return }
    let at = indexString(worst, in: gotShape)
    XCTFail("\(prefix)\(failing) of \(got.count) elements differ (rtol \(rtol), atol \(atol)); worst at \(at): "
            + "got \(got[worst]), expected \(want[worst]), |difference| \(Swift.abs(got[worst] - want[worst])); "
            + "shapes \(shapeString(gotShape)) and \(shapeString(wantShape))", file: file, line: line)
}

/// `got` and `want` agree within `atol + rtol·|want|` (NaN only with NaN).
public func assertClose(_ got: Double, _ want: Double, rtol: Double = 1e-12, atol: Double = 0,
                        _ message: @autoclosure () -> String = "", file: StaticString = #filePath, line: UInt = #line) {
    checkClose([got], shape: [], [want], shape: [], rtol: rtol, atol: atol, message(), file: file, line: line)
}

/// Elementwise `assertClose` of two arrays, which must have the same length.
public func assertClose(_ got: [Double], _ want: [Double], rtol: Double = 1e-12, atol: Double = 0,
                        _ message: @autoclosure () -> String = "", file: StaticString = #filePath, line: UInt = #line) {
    checkClose(got, shape: [got.count], want, shape: [want.count], rtol: rtol, atol: atol, message(), file: file, line: line)
}

/// Elementwise `assertClose` of two tensors, which must have the same shape.
public func assertClose(_ got: Tensor, _ want: Tensor, rtol: Double = 1e-12, atol: Double = 0,
                        _ message: @autoclosure () -> String = "", file: StaticString = #filePath, line: UInt = #line) {
    checkClose(got.scalars, shape: got.shape, want.scalars, shape: want.shape, rtol: rtol, atol: atol, message(), file: file, line: line)
}

/// Every element within `largestTol · max(1, max|want|)`: the norm-wise check for
/// results (products, decompositions, transforms) whose rounding error scales with
/// the whole matrix rather than with each entry. It is `assertClose` with
/// `rtol: 0, atol: largestTol * magnitude(want)`.
public func assertClose(_ got: Tensor, _ want: Tensor, largestTol: Double,
                        _ message: @autoclosure () -> String = "", file: StaticString = #filePath, line: UInt = #line) {
    checkClose(got.scalars, shape: got.shape, want.scalars, shape: want.shape, rtol: 0, atol: largestTol * magnitude(want),
               message(), file: file, line: line)
}

/// The size of a tensor's largest entry, at least 1: an absolute tolerance for
/// results whose rounding error scales with the whole matrix (see `largestTol`).
public func magnitude(_ t: Tensor) -> Double {
    Swift.max(1, t.scalars.lazy.map { Swift.abs($0) }.filter { $0.isFinite }.max() ?? 0)
}

/// The largest |a − b| over two tensors of one shape (infinity when the shapes differ),
/// for tests that compare a difference against a bound they work out themselves.
public func maxAbsDifference(_ a: Tensor, _ b: Tensor) -> Double {
    guard a.shape == b.shape else { return .infinity }
    return zip(a.scalars, b.scalars).map { Swift.abs($0 - $1) }.max() ?? 0
}
