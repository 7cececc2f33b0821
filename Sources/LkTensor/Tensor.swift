import Foundation
import Synchronization

/// An error raised by the tensor engine: bad shapes, bad arguments, LAPACK
/// failures, allocations over the memory limit. The message is complete and
/// user-facing (`shape mismatch: (3,4) @ (5,2)`); the language adds the location.
public struct TensorError: Error, CustomStringConvertible, Equatable, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Formats a shape the way every message in lk shows it: `(3,4)`, `(5,)`, `()`.
public func shapeString(_ shape: [Int]) -> String {
    if shape.count == 1 { return "(\(shape[0]),)" }
    return "(" + shape.map(String.init).joined(separator: ",") + ")"
}

/// The contiguous, 64-byte aligned buffer behind a tensor. Tensors share it
/// until one of them writes (copy-on-write, see `Tensor.makeUnique`).
public final class TensorStorage: @unchecked Sendable {
    public let pointer: UnsafeMutablePointer<Double>
    public let count: Int

    /// How many tensor buffers have been created, and their bytes, since start-up
    /// (what `:time` reports as allocations).
    public static let allocations = Atomic<Int>(0)
    public static let allocatedBytes = Atomic<Int>(0)

    @usableFromInline init(uninitializedCount count: Int) {
        self.count = count
        let bytes = max(count, 1) * MemoryLayout<Double>.stride
        TensorStorage.allocations.add(1, ordering: .relaxed)
        TensorStorage.allocatedBytes.add(bytes, ordering: .relaxed)
        Memory.liveTensorBytes.add(bytes, ordering: .relaxed)
        if let reused = BufferCache.take(bytes: bytes) {
            pointer = reused.bindMemory(to: Double.self, capacity: max(count, 1))
            return
        }
        var raw: UnsafeMutableRawPointer? = nil
        // posix_memalign with at least one byte so that empty tensors still own a pointer.
        var status = posix_memalign(&raw, 64, bytes)
        if status != 0 || raw == nil {
            BufferCache.drain()
            status = posix_memalign(&raw, 64, bytes)
        }
        precondition(status == 0 && raw != nil, "out of memory allocating \(count) doubles")
        BufferCache.adviseHugePages(raw!, bytes: bytes)
        pointer = raw!.bindMemory(to: Double.self, capacity: max(count, 1))
    }

    deinit {
        let bytes = max(count, 1) * MemoryLayout<Double>.stride
        Memory.liveTensorBytes.subtract(bytes, ordering: .relaxed)
        if !BufferCache.give(UnsafeMutableRawPointer(pointer), bytes: bytes) { free(pointer) }
    }
}

/// A Float64 n-dimensional array: row-major, always contiguous, with value
/// semantics (copy-on-write). A rank-0 tensor holds one number.
public struct Tensor: @unchecked Sendable {
    /// Sizes along each axis; `[]` for rank 0.
    public private(set) var shape: [Int]
    @usableFromInline var storage: TensorStorage
    /// Whether this is a boolean tensor (NumPy's `bool` dtype): the result of a
    /// comparison, of `isnan`-like tests, or a literal of `true`/`false`. Its
    /// elements are 0 or 1 and count as numbers in arithmetic, whose results are
    /// ordinary tensors again; as an index it is a mask, never a list of positions.
    public var isBool = false

    /// The largest allocation, in bytes, that a tensor may make. Defaults to half
    /// of physical memory; `LK_MEMORY_LIMIT` (bytes, or with a K/M/G/T suffix)
    /// overrides it. Exceeding it is an error that names the size, not a crash.
    nonisolated(unsafe) public static var memoryLimit: Int = defaultMemoryLimit()

    public var count: Int { storage.count }
    public var rank: Int { shape.count }
    public var isScalar: Bool { shape.isEmpty }

    /// Row-major strides, in elements.
    public var strides: [Int] { Tensor.strides(for: shape) }

    ///
    /// The product wraps instead of trapping: it can only overflow when a later axis
    /// is huge and an earlier one is 0 (an existing tensor's element count fits in
    /// an Int), and a tensor with no elements never uses its strides.
    public static func strides(for shape: [Int]) -> [Int] {
        var s = [Int](repeating: 1, count: shape.count)
        var acc = 1
        // An empty tensor may have axes whose product overflows (zeros(0, 2^32, 2^32)): no
        // element is ever addressed then, so the strides saturate instead of trapping.
        for i in stride(from: shape.count - 1, through: 0, by: -1) {
            s[i] = acc
            let (m, o) = acc.multipliedReportingOverflow(by: shape[i])
            acc = o ? Int.max : m
        }
        return s
    }

    /// Checks that a shape is valid (no negative sizes) and that its buffer fits
    /// in the memory limit; returns the element count.
    /// With `countingTotal` (the default), the new buffer must also keep the live tensors
    /// within the limit (`Memory.liveTensorBytes`); copies of data that already exists in
    /// memory (an array becoming a vector, an element-by-element map of a tensor) skip that
    /// part, so that they can never fail.
    public static func checkedCount(_ shape: [Int], countingTotal: Bool = true) throws -> Int {
        guard shape.count <= maxRank else {
            throw TensorError("a tensor can have at most \(maxRank) axes (as in NumPy), got \(shape.count)")
        }
        if let d = shape.first(where: { $0 < 0 }) { throw TensorError("negative size \(d) in shape \(shapeString(shape))") }
        let (n, bytes) = Memory.sized(shape, elementBytes: MemoryLayout<Double>.stride)
        guard let n else {
            throw TensorError("a tensor of shape \(shapeString(shape)) would allocate \(formatBytes(bytes)), over the memory limit of \(formatBytes(Double(memoryLimit))) (set LK_MEMORY_LIMIT to change it)")
        }
        if countingTotal { try Memory.checkTotal(adding: bytes, shape: shape) }
        return n
    }

    /// The most axes a tensor may have (NumPy's limit before 2.0): `x = [x]` in a
    /// loop adds an axis each time and would otherwise make shapes of any length.
    public static let maxRank = 32

    /// A tensor of the given shape with every element uninitialised. Engine use only:
    /// the caller must write every element.
    public init(uninitializedShape shape: [Int], countingTotal: Bool = true) throws {
        let n = try Tensor.checkedCount(shape, countingTotal: countingTotal)
        self.shape = shape
        self.storage = TensorStorage(uninitializedCount: n)
    }

    public init(shape: [Int], repeating value: Double = 0) throws {
        try self.init(uninitializedShape: shape)
        storage.pointer.initialize(repeating: value, count: count)
    }

    /// A tensor from row-major data; `data.count` must match the shape.
    public init(shape: [Int], data: [Double]) throws {
        try self.init(uninitializedShape: shape)
        guard data.count == count else {
            throw TensorError("\(data.count) values do not fill shape \(shapeString(shape))")
        }
        data.withUnsafeBufferPointer { storage.pointer.update(from: $0.baseAddress!, count: data.count) }
    }

    /// A rank-0 tensor.
    public init(scalar: Double) {
        shape = []
        storage = TensorStorage(uninitializedCount: 1)
        storage.pointer.pointee = scalar
    }

    /// A rank-1 tensor.
    public init(_ values: [Double]) {
        // A vector of an existing array's length always fits: the array already does.
        try! self.init(uninitializedShape: [values.count], countingTotal: false)
        values.withUnsafeBufferPointer { storage.pointer.update(from: $0.baseAddress!, count: values.count) }
    }

    /// Builds a tensor by filling an uninitialised buffer.
    public static func build(shape: [Int], _ fill: (UnsafeMutablePointer<Double>, Int) throws -> Void) throws -> Tensor {
        let t = try Tensor(uninitializedShape: shape)
        try fill(t.storage.pointer, t.count)
        return t
    }

    /// A copy of row `i` (the sub-tensor at index i of the first axis). It cannot fail: it is
    /// smaller than this tensor, so it is not checked against the memory limit's total.
    public func row(_ i: Int) -> Tensor {
        precondition(rank >= 1 && i >= 0 && i < shape[0])
        let rowShape = Array(shape.dropFirst())
        var out = try! Tensor(uninitializedShape: rowShape, countingTotal: false)
        out.isBool = isBool
        out.storage.pointer.update(from: storage.pointer + i * out.count, count: out.count)
        return out
    }

    /// The elements in row-major order.
    public var scalars: [Double] { Array(UnsafeBufferPointer(start: storage.pointer, count: count)) }

    /// The single element of a one-element tensor (any rank).
    public var scalarValue: Double? { count == 1 ? storage.pointer.pointee : nil }

    @inlinable public subscript(flat i: Int) -> Double {
        get { precondition(i >= 0 && i < count); return storage.pointer[i] }
        set { precondition(i >= 0 && i < count); makeUnique(); storage.pointer[i] = newValue }
    }

    /// Read-only access to the contiguous buffer.
    @inlinable public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Double>) throws -> R) rethrows -> R {
        try body(UnsafeBufferPointer(start: storage.pointer, count: count))
    }

    /// Mutable access to the contiguous buffer; copies first if the buffer is shared.
    @inlinable public mutating func withUnsafeMutableBufferPointer<R>(_ body: (UnsafeMutableBufferPointer<Double>) throws -> R) rethrows -> R {
        makeUnique()
        return try body(UnsafeMutableBufferPointer(start: storage.pointer, count: count))
    }

    /// The raw pointer, for the engine's kernels. Callers must not write through it
    /// unless they created the tensor themselves or called `makeUnique()`.
    public var pointer: UnsafeMutablePointer<Double> { storage.pointer }

    /// Copy-on-write: gives this tensor its own buffer if another tensor shares it.
    @inlinable public mutating func makeUnique() {
        if !isKnownUniquelyReferenced(&storage) {
            let fresh = TensorStorage(uninitializedCount: storage.count)
            fresh.pointer.update(from: storage.pointer, count: storage.count)
            storage = fresh
        }
    }

    /// Whether no other tensor shares this buffer (so an in-place update is safe and free).
    public mutating func isUniquelyReferenced() -> Bool { isKnownUniquelyReferenced(&storage) }

    /// The same data with another shape of the same element count (no copy).
    public func reshaped(_ newShape: [Int]) throws -> Tensor {
        guard newShape.count <= Tensor.maxRank else {
            throw TensorError("a tensor can have at most \(Tensor.maxRank) axes (as in NumPy), got \(newShape.count)")
        }
        var shape = newShape
        let inferred = shape.indices.filter { shape[$0] == -1 }
        if inferred.count > 1 { throw TensorError("reshape: only one size may be -1, got \(shapeString(newShape))") }
        // Sizes come from users: their product may overflow Int, which would trap.
        // An overflowing product cannot equal any real element count (NumPy refuses it too).
        func product(_ sizes: [Int]) -> Int? {
            var n = 1
            for d in sizes {
                let (m, overflow) = n.multipliedReportingOverflow(by: d)
                if overflow { return nil }
                n = m
            }
            return n
        }
        let cannot = TensorError("reshape: cannot reshape \(shapeString(self.shape)) (\(count) elements) into \(shapeString(newShape))")
        if let k = inferred.first {
            guard let rest = product(shape.enumerated().filter { $0.offset != k }.map { $0.element }) else { throw cannot }
            if rest == 0 || count % rest != 0 {
                throw TensorError("reshape: cannot reshape \(shapeString(self.shape)) (\(count) elements) into \(shapeString(newShape))")
            }
            shape[k] = count / rest
        }
        if shape.contains(where: { $0 < 0 }) { throw TensorError("reshape: negative size in \(shapeString(newShape))") }
        guard product(shape) == count else { throw cannot }
        var t = self
        t.shape = shape
        return t
    }
}

extension Tensor: Equatable {
    /// Exact equality of shape and every element (NaN is not equal to itself).
    public static func == (a: Tensor, b: Tensor) -> Bool {
        guard a.shape == b.shape else { return false }
        for i in 0..<a.count where a.storage.pointer[i] != b.storage.pointer[i] { return false }
        return true
    }
}

/// "8.0 TB", "512.0 MB": sizes in messages.
public func formatBytes(_ bytes: Double) -> String {
    let units = ["bytes", "KB", "MB", "GB", "TB", "PB", "EB"]
    var v = bytes
    var u = 0
    while v >= 1000 && u < units.count - 1 { v /= 1000; u += 1 }
    return u == 0 ? "\(Int(v)) bytes" : String(format: "%.1f %@", v, units[u])
}

/// Half of physical memory, unless `LK_MEMORY_LIMIT` says otherwise.
func defaultMemoryLimit() -> Int {
    if let s = ProcessInfo.processInfo.environment["LK_MEMORY_LIMIT"], let v = parseByteSize(s) { return v }
    return Int(ProcessInfo.processInfo.physicalMemory / 2)
}

/// Parses "1000000", "512M", "2G", "1.5T" into bytes.
public func parseByteSize(_ text: String) -> Int? {
    let s = text.trimmingCharacters(in: .whitespaces).uppercased()
    let mult: [Character: Double] = ["K": 1e3, "M": 1e6, "G": 1e9, "T": 1e12]
    // Only finite sizes an Int can hold (Int(.infinity) would trap).
    func bytes(_ v: Double) -> Int? { v.isFinite && v >= 0 && v < 9e18 ? Int(v) : nil }
    if let last = s.last, let m = mult[last], let v = Double(s.dropLast()) { return bytes(v * m) }
    if let last = s.last, last == "B", let v = Double(s.dropLast()) { return bytes(v) }
    return Double(s).flatMap(bytes)
}
