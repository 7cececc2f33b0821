import CBLAS
import Foundation
import XCTest
@testable import LkTensor
import LkTestSupport

/// lk's OpenBLAS worker timeout: applied in-process, the environment left as it was,
/// the thread pool working after its restart.
final class BLASThreadsTests: XCTestCase {
    func testShortTimeoutWithoutChangingTheEnvironment() throws {
        let userValue = getenv("OPENBLAS_THREAD_TIMEOUT").map { String(cString: $0) }
        BLASThreads.quietWorkers()
        BLASThreads.quietWorkers()   // idempotent
        if let userValue {
            XCTAssertFalse(BLASThreads.applied, "the user's OPENBLAS_THREAD_TIMEOUT=\(userValue) wins")
        } else {
            XCTAssertTrue(BLASThreads.applied)
            XCTAssertEqual(openblas_thread_timeout(), Int32(BLASThreads.timeoutExponent))
            XCTAssertNil(getenv("OPENBLAS_THREAD_TIMEOUT"), "child processes must not inherit lk's setting")
        }
        // The pool restarts at the next threaded call: a product large enough to use it is still right.
        var g = RNG(seed: 2)
        let n = 300
        let a = try Tensor.build(shape: [n, n]) { p, c in for i in 0..<c { p[i] = g.normal() } }
        let e = try Tensor.matmul(a, try Tensor.eye(n))
        XCTAssertEqual(e.scalars, a.scalars)
        let p = try Tensor.matmul(a, a)
        var worst = 0.0
        for i in [0, 17, n - 1] { for j in [0, 123, n - 1] {
            var s = 0.0
            for k in 0..<n { s += a[flat: i * n + k] * a[flat: k * n + j] }
            worst = max(worst, abs(p[flat: i * n + j] - s))
        } }
        XCTAssertLessThan(worst, 1e-12)
    }
}
