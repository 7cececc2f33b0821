import Foundation
import XCTest
@testable import LkTensor

/// lk's pinv, lstsq, eig, FFTs and einsum against values NumPy 2.x computed once
/// (Fixtures/numpy_linalg.json, written by Fixtures/make_numpy_linalg.py).
final class NumPyLinalgTests: XCTestCase {
    nonisolated(unsafe) static let fixture: [String: Any] = {
        let url = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.appendingPathComponent("numpy_linalg.json")
        let data = try! Data(contentsOf: url)
        return try! JSONSerialization.jsonObject(with: data) as! [String: Any]
    }()

    static func cases(_ key: String) -> [[String: Any]] { fixture[key] as! [[String: Any]] }

    /// A nested JSON array (or a number) as a tensor.
    static func tensor(_ v: Any) -> Tensor {
        var shape: [Int] = []
        var probe: Any = v
        while let a = probe as? [Any] { shape.append(a.count); if a.isEmpty { break }; probe = a[0] }
        var data: [Double] = []
        func walk(_ x: Any) { if let a = x as? [Any] { a.forEach(walk) } else { data.append((x as! NSNumber).doubleValue) } }
        walk(v)
        return try! Tensor(shape: shape, data: data)
    }

    /// Every element within `atol + rtol·|expected|`, with the shapes equal.
    func assertClose(_ got: Tensor, _ want: Tensor, atol: Double = 1e-12, rtol: Double = 1e-10, _ what: String) {
        XCTAssertEqual(got.shape, want.shape, "\(what): shape")
        guard got.shape == want.shape else { return }
        for i in 0..<got.count {
            let g = got[flat: i], w = want[flat: i]
            if abs(g - w) > atol + rtol * abs(w) {
                XCTFail("\(what): element \(i) is \(g), NumPy has \(w)")
                return
            }
        }
    }

    func testPinvMatchesNumPy() throws {
        for c in Self.cases("pinv") {
            let a = Self.tensor(c["A"]!)
            let rcond: Double
            switch c["rtol"] {
            case let s as String where s == "none": rcond = Double(max(a.shape[0], a.shape[1])) * Double.ulpOfOne
            case let x as NSNumber: rcond = x.doubleValue
            default: rcond = 1e-15
            }
            // Rank-deficient inputs keep singular values near ε·s_max that both sides invert
            // or drop alike only with the same cutoff; the entries are O(1), hence atol.
            assertClose(try a.pseudoInverse(rcond: rcond), Self.tensor(c["P"]!), atol: 1e-9, rtol: 1e-8, "pinv \(c["name"]!)")
        }
    }

    func testLstsqMatchesNumPyIncludingResidualsAndRank() throws {
        for c in Self.cases("lstsq") {
            let name = c["name"] as! String
            let r = try Tensor.leastSquares(Self.tensor(c["A"]!), Self.tensor(c["b"]!))
            assertClose(r.x, Self.tensor(c["x"]!), atol: 1e-10, rtol: 1e-9, "lstsq \(name) x")
            let wantRes = Self.tensor(c["residuals"]!)
            XCTAssertEqual(r.residuals.shape, wantRes.count == 0 ? [0] : wantRes.shape, "lstsq \(name) residuals shape")
            if wantRes.count > 0 { assertClose(r.residuals, wantRes, atol: 1e-10, rtol: 1e-9, "lstsq \(name) residuals") }
            XCTAssertEqual(r.rank, c["rank"] as! Int, "lstsq \(name) rank")
            assertClose(r.singularValues, Self.tensor(c["sv"]!), atol: 1e-12, rtol: 1e-10, "lstsq \(name) sv")
        }
    }

    func testLstsqEmptyMatricesFollowNumPy() throws {
        // numpy: lstsq(ones((3,0)), ones(3)) → x (0,), residuals [3.], rank 0; lstsq(ones((0,3)), ones(0)) → x zeros(3), residuals [].
        let r1 = try Tensor.leastSquares(try Tensor(shape: [3, 0]), Tensor([1, 1, 1]))
        XCTAssertEqual(r1.x.shape, [0]); XCTAssertEqual(r1.residuals.scalars, [3]); XCTAssertEqual(r1.rank, 0)
        let r2 = try Tensor.leastSquares(try Tensor(shape: [0, 3]), try Tensor(shape: [0]))
        XCTAssertEqual(r2.x.scalars, [0, 0, 0]); XCTAssertEqual(r2.residuals.shape, [0]); XCTAssertEqual(r2.rank, 0)
        // A zero-column b still reports rank and singular values.
        let r3 = try Tensor.leastSquares(try Tensor(shape: [3, 2], data: [1, 1, 1, 1, 1, 1]), try Tensor(shape: [3, 0]))
        XCTAssertEqual(r3.x.shape, [2, 0]); XCTAssertEqual(r3.rank, 1)
        XCTAssertEqual(r3.singularValues[flat: 0], 6.0.squareRoot(), accuracy: 1e-12)
    }

    func testEigValuesMatchNumPyAsASetAndVectorsSatisfyAvEqualsLambdaV() throws {
        for c in Self.cases("eig") {
            let name = c["name"] as! String
            let a = Self.tensor(c["A"]!)
            let n = a.shape[0]
            let (values, vectors) = try a.eig()
            XCTAssertEqual(values.shape, [n, 2]); XCTAssertEqual(vectors.shape, [n, n, 2])
            // Eigenvalues as a set: each of NumPy's matched to a distinct one of ours.
            let want = Self.tensor(c["values"]!)
            var unused = Array(0..<n)
            for i in 0..<n {
                let (wr, wi) = (want[flat: 2 * i], want[flat: 2 * i + 1])
                let j = unused.min { hypot(values[flat: 2 * $0] - wr, values[flat: 2 * $0 + 1] - wi) < hypot(values[flat: 2 * $1] - wr, values[flat: 2 * $1 + 1] - wi) }!
                XCTAssertEqual(hypot(values[flat: 2 * j] - wr, values[flat: 2 * j + 1] - wi), 0, accuracy: 1e-10, "eig \(name) value \(i)")
                unused.removeAll { $0 == j }
            }
            // A v = λ v for each column, and each column has unit 2-norm.
            for j in 0..<n {
                let lr = values[flat: 2 * j], li = values[flat: 2 * j + 1]
                var norm2 = 0.0
                for i in 0..<n {
                    var re = 0.0, im = 0.0
                    for k in 0..<n {
                        re += a[flat: i * n + k] * vectors[flat: (k * n + j) * 2]
                        im += a[flat: i * n + k] * vectors[flat: (k * n + j) * 2 + 1]
                    }
                    let vr = vectors[flat: (i * n + j) * 2], vi = vectors[flat: (i * n + j) * 2 + 1]
                    XCTAssertEqual(re, lr * vr - li * vi, accuracy: 1e-10, "eig \(name) (Av)[\(i)] real, column \(j)")
                    XCTAssertEqual(im, lr * vi + li * vr, accuracy: 1e-10, "eig \(name) (Av)[\(i)] imaginary, column \(j)")
                    norm2 += vr * vr + vi * vi
                }
                XCTAssertEqual(norm2, 1, accuracy: 1e-12, "eig \(name) column \(j) norm")
            }
        }
    }

    func testEigOfEmptyAndNonFiniteMatrices() throws {
        let (w, v) = try Tensor(shape: [0, 0]).eig()
        XCTAssertEqual(w.shape, [0, 2]); XCTAssertEqual(v.shape, [0, 0, 2])
        XCTAssertThrowsError(try Tensor(shape: [2, 2], data: [1, .nan, 0, 1]).eig())
        XCTAssertThrowsError(try Tensor(shape: [2, 3]).eig())
    }

    func testFFTFamilyMatchesNumPy() throws {
        var checked = 0
        for c in Self.cases("fft") {
            let name = c["name"] as! String
            let fn = c["fn"] as! String
            let kw = c["kw"] as! [String: Any]
            let x = Self.tensor(c["x"]!)
            let norm = FFT.normalization(named: kw["norm"] as? String ?? "backward")!
            let n = kw["n"] as? Int
            let axis = kw["axis"] as? Int ?? -1
            let got: Tensor
            switch fn {
            case "fft":
                let complexInput = name.contains("complex")
                got = try FFT.fft1(complexInput ? x : FFT.complexFromReal(x), n: n, axis: axis, inverse: false, norm: norm, name: "fft")
            case "ifft": got = try FFT.fft1(x, n: n, axis: axis, inverse: true, norm: norm, name: "ifft")
            case "rfft": got = try FFT.rfft1(x, n: n, axis: axis, norm: norm)
            case "irfft": got = try FFT.irfft1(x, n: n, axis: axis, norm: norm)
            case "fft2":
                let complexInput = name.contains("complex")
                got = try FFT.fftn(complexInput ? x : FFT.complexFromReal(x), sizes: kw["s"] as? [Int],
                                   axes: kw["axes"] as? [Int] ?? [-2, -1], inverse: false, norm: norm, name: "fft2")
            case "ifft2":
                got = try FFT.fftn(x, sizes: kw["s"] as? [Int], axes: kw["axes"] as? [Int] ?? [-2, -1], inverse: true, norm: norm, name: "ifft2")
            default: XCTFail("unknown fft case \(fn)"); continue
            }
            assertClose(got, Self.tensor(c["y"]!), atol: 1e-12, rtol: 1e-10, name)
            checked += 1
        }
        XCTAssertGreaterThanOrEqual(checked, 30)
    }

    func testFFTSizeLimitsAndBadArguments() {
        XCTAssertThrowsError(try FFT.fft1(try FFT.complexFromReal(Tensor([1, 2])), n: 1_000_000_000_000, inverse: false, norm: .backward, name: "fft")) {
            XCTAssertTrue(($0 as! TensorError).message.contains("memory limit"), "\($0)")
        }
        XCTAssertThrowsError(try FFT.irfft1(try Tensor(shape: [1, 2]), norm: .backward))   // n would be 0
        XCTAssertThrowsError(try FFT.irfft1(Tensor([1, 2, 3]), norm: .backward))            // not complex
        XCTAssertThrowsError(try FFT.rfft1(Tensor([1, 2, 3]), axis: 1, norm: .backward))
        XCTAssertThrowsError(try FFT.fftn(try Tensor(shape: [3, 3, 2]), axes: [0, 0], inverse: false, norm: .backward, name: "fft2"))
    }

    func testEinsumMatchesNumPy() throws {
        for c in Self.cases("einsum") {
            let spec = c["spec"] as! String
            let ops = (c["operands"] as! [Any]).map(Self.tensor)
            assertClose(try Einsum.evaluate(spec, ops), Self.tensor(c["y"]!), atol: 1e-12, rtol: 1e-11, "einsum \(spec)")
        }
    }

    func testEinsumRejectsEveryKindOfBadSubscripts() {
        let m = try! Tensor(shape: [2, 2]), v = Tensor([1, 2])
        let bad: [(String, [Tensor], String)] = [
            ("ij,jk", [m], "name 2 operands but 1 was given"),
            ("i", [m], "operand 0 has 2 axes"),
            ("ijk", [m], "operand 0 has 2 axes"),
            ("i.j", [m], "'.' that is not part of an ellipsis"),
            ("...i...", [m], "more than one ellipsis"),
            ("i1", [v], "invalid subscript '1'"),
            ("ij->ii", [m], "appears more than once"),
            ("ij->k", [m], "'k' does not appear in any input"),
            ("i->i->i", [v], "more than one '->'"),
            ("i-i", [v], "'-' or '>'"),
            ("...i->i", [m], "no '...'"),
            ("ii->i", [try! Tensor(shape: [2, 3])], "different sizes (2 and 3)"),
            ("i,i", [v, Tensor([1, 2, 3])], "size 2 in an earlier operand but 3"),
            ("ié", [m], "non-ASCII"),
        ]
        for (spec, ops, fragment) in bad {
            XCTAssertThrowsError(try Einsum.evaluate(spec, ops), spec) {
                let msg = ($0 as! TensorError).message
                XCTAssertTrue(msg.hasPrefix("einsum: ") && msg.contains(fragment), "\(spec): \(msg)")
            }
        }
    }
}
