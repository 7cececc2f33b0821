import Foundation
import Synchronization

/// The one guarded allocation path. Every buffer whose size comes from user input —
/// a tensor, or a Swift array an engine builds from sizes a user gave (a CT operator's
/// n·n·views weights, a simulation's walkers, a histogram's bins, a schedule's steps,
/// a string or a list built by concatenation) — is sized here, before it is allocated:
/// the product of its dimensions is computed with overflow-checked arithmetic, and the
/// bytes are checked against `Tensor.memoryLimit`, so that a size the machine cannot hold
/// is an error that names what was being built, never a trap or an abort in `malloc`.
///
/// The limit bounds each allocation, and the tensors alive at once: a new tensor buffer
/// may not bring the bytes held by live tensors over the limit either (`liveTensorBytes`).
/// Engine work arrays are short-lived and checked one at a time.
public enum Memory {
    /// Bytes held by live tensor buffers (buffers kept for reuse by `BufferCache` are
    /// not counted: they are returned to the system before the limit is reached).
    public static let liveTensorBytes = Atomic<Int>(0)

    /// The element count of a buffer of `dims` elements of `elementBytes` bytes each,
    /// after checking that none is negative, their product does not overflow, and the
    /// bytes fit the memory limit. `what` names the buffer in the message:
    /// "ctop: the projection weights of 8×8 pixels and 4000000000 views would allocate 5.1 TB,
    /// over the memory limit of 12.6 GB (set LK_MEMORY_LIMIT to change it)".
    public static func checkedCount(_ dims: [Int], elementBytes: Int = 8, what: String) throws -> Int {
        if let d = dims.first(where: { $0 < 0 }) { throw TensorError("\(what): negative size \(d)") }
        let (n, bytes) = sized(dims, elementBytes: elementBytes)
        guard let n else { throw overLimit(what: what, dims: dims, bytes: bytes) }
        return n
    }

    /// The element count of `dims` (nil if the product overflows or the bytes exceed the
    /// limit) and the bytes as a Double (exact enough for the message, never overflowing).
    /// Sizes must be non-negative. Tensors and engine arrays both come through here.
    static func sized(_ dims: [Int], elementBytes: Int) -> (count: Int?, bytes: Double) {
        var n = 1
        var overflow = false
        for d in dims {
            let (m, o) = n.multipliedReportingOverflow(by: d)
            n = m; overflow = overflow || o
        }
        let bytes = dims.reduce(Double(elementBytes)) { $0 * Double($1) }
        return (overflow || bytes > Double(Tensor.memoryLimit) ? nil : n, bytes)
    }

    /// A Swift array of `dims`' product elements, all `value`, checked as `checkedCount` does.
    public static func array<T>(repeating value: T, _ dims: Int..., what: String) throws -> [T] {
        let n = try checkedCount(dims, elementBytes: MemoryLayout<T>.stride, what: what)
        return [T](repeating: value, count: n)
    }

    /// An empty array with room for `dims`' product elements, checked as `checkedCount` does.
    public static func reserved<T>(_ type: T.Type = T.self, _ dims: Int..., what: String) throws -> [T] {
        let n = try checkedCount(dims, elementBytes: MemoryLayout<T>.stride, what: what)
        var a: [T] = []
        a.reserveCapacity(n)
        return a
    }

    /// Overflow-checked products and sums of sizes (index arithmetic on sizes that were
    /// checked separately but whose combination is new).
    public static func product(_ dims: [Int], what: String) throws -> Int {
        var n = 1
        for d in dims {
            let (m, o) = n.multipliedReportingOverflow(by: d)
            if o { throw overLimit(what: what, dims: dims, bytes: dims.reduce(8.0) { $0 * Double($1) }) }
            n = m
        }
        return n
    }

    /// A user's number as an Int, refusing what `Int(_:)` would trap on (NaN, ±inf,
    /// magnitudes past 2⁶³) with a message naming the argument.
    public static func int(_ x: Double, _ name: String) throws -> Int {
        guard x.isFinite, abs(x) < 9.2e18 else { throw TensorError("\(name) must be a finite integer-sized number, got \(formatNumber(x))") }
        return Int(x)
    }

    /// `s + t`, after checking that the string fits the memory limit (a string doubled in a
    /// loop, `s = s + s`, used to grow until malloc aborted).
    public static func joined(_ s: String, _ t: String) throws -> String {
        let n = s.utf8.count + t.utf8.count
        _ = try checkedCount([n], elementBytes: 1, what: "a string of \(n) bytes")
        return s + t
    }

    /// Checks that `bytes` of text or items fit the limit; `atLeast` when the count stopped
    /// once past it (the message then says "more than").
    public static func checkBytes(_ bytes: Int, atLeast: Bool = false, what: String) throws {
        guard bytes > Tensor.memoryLimit else { return }
        if atLeast {
            throw TensorError("\(what) would allocate more than \(formatBytes(Double(Tensor.memoryLimit))), the memory limit (set LK_MEMORY_LIMIT to change it)")
        }
        throw overLimit(what: what, dims: [bytes], bytes: Double(bytes))
    }

    /// Checks that a new tensor buffer of `bytes` keeps the live tensors within the limit.
    static func checkTotal(adding bytes: Double, shape: [Int]) throws {
        let live = Double(liveTensorBytes.load(ordering: .relaxed))
        if live + bytes > Double(Tensor.memoryLimit) {
            throw TensorError("a tensor of shape \(shapeString(shape)) (\(formatBytes(bytes))) would bring the tensors in use to \(formatBytes(live + bytes)), over the memory limit of \(formatBytes(Double(Tensor.memoryLimit))) (set LK_MEMORY_LIMIT to change it, or free some: x = none)")
        }
    }

    static func overLimit(what: String, dims: [Int], bytes: Double) -> TensorError {
        TensorError("\(what) would allocate \(formatBytes(bytes)), over the memory limit of \(formatBytes(Double(Tensor.memoryLimit))) (set LK_MEMORY_LIMIT to change it)")
    }
}
