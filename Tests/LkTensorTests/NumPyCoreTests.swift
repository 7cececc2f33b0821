import Foundation
import XCTest
@testable import LkTensor

/// lk's NumPy-named functions against the values NumPy 2.4 (and SciPy, for
/// logsumexp) computed, stored once in Fixtures/numpy_core.json by
/// Fixtures/make_numpy_core.py. Sorting, counting and layout must match exactly;
/// arithmetic results within the tolerances stated per function.
final class NumPyCoreTests: XCTestCase {
    typealias Case = [String: Any]

    nonisolated(unsafe) static let cases: [Case] = {
        let data = try! Data(contentsOf: URL(fileURLWithPath: fixture("numpy_core.json")))
        let root = try! JSONSerialization.jsonObject(with: data) as! [String: Any]
        return root["cases"] as! [Case]
    }()

    /// Relative and absolute tolerance per function (0 = exact).
    static let tolerance: [String: (rtol: Double, atol: Double)] = [
        "median": (1e-15, 0), "percentile": (1e-13, 1e-15), "quantile": (1e-13, 1e-15),
        "cov": (1e-12, 1e-14), "corrcoef": (1e-12, 1e-14), "logsumexp": (1e-13, 1e-13),
        "cumprod": (1e-14, 0), "bincount": (1e-13, 1e-14), "atan2": (1e-15, 0), "kron": (1e-15, 0), "diff": (1e-14, 1e-15),
    ]

    static func tensor(_ any: Any?) -> Tensor {
        let d = any as! [String: Any]
        let shape = (d["shape"] as! [Any]).map { ($0 as! NSNumber).intValue }
        let data = (d["data"] as! [String]).map { Double($0)! }
        return try! Tensor(shape: shape, data: data)
    }

    static func ints(_ any: Any?) -> [Int]? {
        guard let any, !(any is NSNull) else { return nil }
        if let n = any as? NSNumber { return [n.intValue] }
        return tensor(any).scalars.map { Int($0) }
    }

    static func axis(_ any: Any?) -> Int? { ints(any)?.first }

    func assertClose(_ got: Tensor, _ want: Tensor, _ tol: (rtol: Double, atol: Double), _ what: String) {
        XCTAssertEqual(got.shape, want.shape, "\(what): shape")
        guard got.shape == want.shape else { return }
        for i in 0..<got.count {
            let g = got.pointer[i], w = want.pointer[i]
            if g.isNaN && w.isNaN { continue }
            if w.isInfinite || g.isInfinite { XCTAssertEqual(g, w, "\(what): element \(i)"); if g != w { return }; continue }
            let ok = abs(g - w) <= tol.atol + tol.rtol * abs(w)
            XCTAssertTrue(ok, "\(what): element \(i) is \(g), NumPy says \(w)")
            if !ok { return }
        }
    }

    /// Runs every fixture case of `fn` through `body`, which returns lk's result.
    func check(_ fn: String, _ body: ([String: Any]) throws -> Tensor) throws {
        let mine = Self.cases.filter { $0["fn"] as? String == fn }
        XCTAssertFalse(mine.isEmpty, "no fixture cases for \(fn)")
        let tol = Self.tolerance[fn] ?? (0, 0)
        for (k, c) in mine.enumerated() {
            let args = c["args"] as! [String: Any]
            assertClose(try body(args), Self.tensor(c["expect"]), tol, "\(fn) case \(k) \(args.keys.sorted())")
        }
    }

    func testSortIsStableWithNaNLast() throws {
        try check("sort") { try Self.tensor($0["x"]).sorted(axis: Self.axis($0["axis"])) }
        // −0 and +0 keep their input order (bit patterns, which == cannot see).
        let s = try Tensor([0.0, -0.0, 1, -0.0, 0.0]).sorted()
        XCTAssertEqual(s.scalars.map { $0.sign }, [.plus, .minus, .minus, .plus, .plus])
    }

    func testArgsortIsStable() throws {
        try check("argsort") { try Self.tensor($0["x"]).argsorted(axis: Self.axis($0["axis"])) }
    }

    func testLongLanesUseTheRadixPathAndStayStable() throws {
        // 10⁵ values with heavy ties, nans and both zeros, against a comparison sort.
        var rng = RNG(seed: 7)
        let n = 100_000
        let xs = (0..<n).map { i -> Double in
            if i % 97 == 0 { return .nan }
            if i % 89 == 0 { return i % 2 == 0 ? 0.0 : -0.0 }
            return (rng.normal() * 50).rounded()
        }
        let order = xs.indices.sorted { a, b in
            let (x, y) = (xs[a], xs[b])
            if x.isNaN || y.isNaN { return !x.isNaN && y.isNaN ? true : (x.isNaN && y.isNaN ? a < b : false) }
            return x < y || (x == y && a < b)
        }
        let t = Tensor(xs)
        XCTAssertEqual(try t.argsorted().scalars, order.map(Double.init))
        let sorted = try t.sorted().scalars
        for (k, i) in order.enumerated() {
            XCTAssertTrue(sorted[k].bitPattern == xs[i].bitPattern || (sorted[k].isNaN && xs[i].isNaN), "position \(k)")
            if !(sorted[k].bitPattern == xs[i].bitPattern || (sorted[k].isNaN && xs[i].isNaN)) { break }
        }
    }

    func testLongLanesSharingTheirTopBitsAndStridedLanes() throws {
        // 70 000 values in [1, 1.0625): one MSD bucket, so the whole-lane LSD path.
        let xs = (0..<70_000).map { 1 + Double(($0 * 7919) % 1000) / 1e6 }
        XCTAssertEqual(try Tensor(xs).sorted().scalars, xs.sorted())
        let order = xs.indices.sorted { xs[$0] < xs[$1] || (xs[$0] == xs[$1] && $0 < $1) }
        XCTAssertEqual(try Tensor(xs).argsorted().scalars, order.map(Double.init))
        // Lanes along axis 0 of a 70 000 × 2 matrix (strided, several lanes).
        let m = try Tensor(shape: [70_000, 2], data: xs.flatMap { [$0, -$0] })
        let s = try m.sorted(axis: 0)
        XCTAssertEqual((0..<70_000).map { s.pointer[2 * $0] }, xs.sorted())
        XCTAssertEqual((0..<70_000).map { s.pointer[2 * $0 + 1] }, xs.map { -$0 }.sorted())
    }

    func testLaneLongEnoughToBeSplitAmongCores() throws {
        // 2²¹ values with ties: keys, MSD pass and buckets are each cut into slices.
        var rng = RNG(seed: 11)
        let xs = (0..<(1 << 21)).map { _ in (rng.normal() * 1000).rounded() / 8 }
        let t = Tensor(xs)
        XCTAssertEqual(try t.sorted().scalars, xs.sorted())
        let order = try t.argsorted().scalars.map { Int($0) }
        for k in 1..<order.count {
            let (i, j) = (order[k - 1], order[k])
            guard xs[i] < xs[j] || (xs[i] == xs[j] && i < j) else { XCTFail("argsort out of order at \(k)"); break }
        }
    }

    func testUnique() throws {
        let mine = Self.cases.filter { $0["fn"] as? String == "unique" }
        XCTAssertEqual(mine.count, 4)
        for c in mine {
            let x = Self.tensor((c["args"] as! [String: Any])["x"])
            let want = c["expect"] as! [String: Any]
            let u = try x.unique(index: true, inverse: true, counts: true)
            assertClose(u.values, Self.tensor(want["values"]), (0, 0), "unique values")
            assertClose(u.index!, Self.tensor(want["index"]), (0, 0), "unique index")
            assertClose(u.inverse!, Self.tensor(want["inverse"]), (0, 0), "unique inverse")
            assertClose(u.counts!, Self.tensor(want["counts"]), (0, 0), "unique counts")
        }
    }

    func testSearchsorted() throws {
        try check("searchsorted") {
            try Tensor.searchsorted(Self.tensor($0["a"]), Self.tensor($0["v"]), right: $0["side"] as? String == "right")
        }
    }

    func testMedianPercentileQuantile() throws {
        try check("median") { try Self.tensor($0["x"]).median(axis: Self.axis($0["axis"]), keepdims: $0["keepdims"] as! Bool) }
        try check("percentile") {
            try Self.tensor($0["x"]).quantile(Self.tensor($0["q"]), axis: Self.axis($0["axis"]), keepdims: $0["keepdims"] as! Bool, scale: 100)
        }
        try check("quantile") {
            try Self.tensor($0["x"]).quantile(Self.tensor($0["q"]), axis: Self.axis($0["axis"]), keepdims: $0["keepdims"] as! Bool)
        }
        XCTAssertThrowsError(try Tensor([1, 2]).quantile(Tensor(scalar: 1.5)))
        XCTAssertThrowsError(try Tensor([Double]()).quantile(Tensor(scalar: 0.5)))
    }

    func testCovAndCorrcoef() throws {
        try check("cov") {
            try Tensor.cov(Self.tensor($0["m"]), $0["y"].map { Self.tensor($0) }, rowvar: $0["rowvar"] as! Bool,
                           ddof: ($0["ddof"] as! NSNumber).intValue)
        }
        try check("corrcoef") {
            try Tensor.corrcoef(Self.tensor($0["m"]), $0["y"].map { Self.tensor($0) }, rowvar: $0["rowvar"] as! Bool)
        }
    }

    func testLayout() throws {
        try check("tile") { try Self.tensor($0["x"]).tiled(Self.ints($0["reps"])!) }
        try check("repeat") { try Self.tensor($0["x"]).repeated(Self.ints($0["repeats"])!, axis: Self.axis($0["axis"])) }
        try check("triu") { try Self.tensor($0["x"]).triangle(upper: true, k: ($0["k"] as! NSNumber).intValue) }
        try check("tril") { try Self.tensor($0["x"]).triangle(upper: false, k: ($0["k"] as! NSNumber).intValue) }
        try check("flip") { try Self.tensor($0["x"]).flipped(axes: Self.ints($0["axis"])) }
        try check("roll") { try Self.tensor($0["x"]).rolled(Self.ints($0["shift"])!, axes: Self.ints($0["axis"])) }
        try check("diff") { try Self.tensor($0["x"]).differenced(($0["n"] as! NSNumber).intValue, axis: Self.axis($0["axis"])!) }
        try check("kron") { try Tensor.kron(Self.tensor($0["a"]), Self.tensor($0["b"])) }
        for c in Self.cases where c["fn"] as? String == "meshgrid" {
            let args = c["args"] as! [String: Any]
            let got = try Tensor.meshgrid((args["xs"] as! [Any]).map { Self.tensor($0) }, ij: args["ij"] as! Bool)
            let want = (c["expect"] as! [Any]).map { Self.tensor($0) }
            XCTAssertEqual(got.count, want.count)
            for (g, w) in zip(got, want) { assertClose(g, w, (0, 0), "meshgrid") }
        }
    }

    func testReductionsAndElementwise() throws {
        try check("logsumexp") { try Self.tensor($0["x"]).logsumexp(axis: Self.axis($0["axis"]), keepdims: $0["keepdims"] as! Bool) }
        try check("cumprod") { try Self.tensor($0["x"]).cumprod(axis: Self.axis($0["axis"])) }
        try check("bincount") {
            try Tensor.bincount(Self.tensor($0["x"]), weights: $0["weights"].map { Self.tensor($0) }, minlength: ($0["minlength"] as! NSNumber).intValue)
        }
        try check("atan2") { try Tensor.atan2(Self.tensor($0["y"]), Self.tensor($0["x"])) }
        for c in Self.cases where c["fn"] as? String == "allclose" {
            let a = c["args"] as! [String: Any]
            let got = try Tensor.allclose(Self.tensor(a["a"]), Self.tensor(a["b"]), rtol: (a["rtol"] as! NSNumber).doubleValue,
                                          atol: (a["atol"] as! NSNumber).doubleValue, equalNaN: a["equal_nan"] as! Bool)
            XCTAssertEqual(got, c["expect"] as! Bool, "allclose \(a)")
        }
        XCTAssertThrowsError(try Tensor.bincount(Tensor([1, -1])))
        XCTAssertThrowsError(try Tensor.bincount(Tensor([1, .nan])))
    }

    func testEveryFixtureFunctionIsChecked() {
        let checked: Set<String> = ["sort", "argsort", "unique", "searchsorted", "median", "percentile", "quantile", "cov", "corrcoef",
                                    "tile", "repeat", "triu", "tril", "flip", "roll", "diff", "kron", "meshgrid", "logsumexp",
                                    "cumprod", "bincount", "atan2", "allclose"]
        let inFixture = Set(Self.cases.compactMap { $0["fn"] as? String })
        XCTAssertEqual(inFixture, checked)
    }
}
