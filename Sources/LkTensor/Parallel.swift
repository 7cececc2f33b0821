import Dispatch
import Foundation

/// Splits the engine's large elementwise loops and reductions across cores.
///
/// Work below `grain` elements runs on the calling thread: waking the pool costs
/// tens of microseconds, more than a small loop takes. Above it the range is cut
/// into at most `threads` contiguous chunks, each a multiple of 8 elements so that
/// two threads never write the same 64-byte cache line.
public enum Parallel {
    /// The number of threads the engine uses: the active processor count, or
    /// `LK_THREADS` when set (1 turns parallelism off).
    nonisolated(unsafe) public static var threads: Int = defaultThreads()

    /// Work, in elements, below which a loop stays on one thread.
    public static let grain = 32_768

    /// Calls `body` on disjoint chunks covering `0..<count`, concurrently when the
    /// total work (`count * costPerItem` elements) is large. Chunk boundaries are
    /// multiples of `align` items. `body` must only write to its own chunk.
    @inlinable
    public static func forEachChunk(count: Int, costPerItem: Int = 1, align: Int = 8,
                                    _ body: (Range<Int>) -> Void) {
        if count <= 0 { return }
        let work = count.multipliedReportingOverflow(by: max(costPerItem, 1))
        let byWork = work.overflow ? threads : work.partialValue / grain
        let chunks = min(threads, byWork, max(count / max(align, 1), 1))
        if chunks <= 1 { body(0..<count); return }
        // Round the chunk size up to a multiple of `align`, so the last chunk is the short one.
        let per = ((count + chunks - 1) / chunks + align - 1) / align * align
        let used = (count + per - 1) / per
        withoutActuallyEscaping(body) { escapable in
            let box = UncheckedSendableBox(escapable)
            DispatchQueue.concurrentPerform(iterations: used) { c in
                let lo = c * per
                box.value(lo..<min(lo + per, count))
            }
        }
    }

    static func defaultThreads() -> Int {
        if let s = ProcessInfo.processInfo.environment["LK_THREADS"], let n = Int(s), n >= 1 { return n }
        return max(ProcessInfo.processInfo.activeProcessorCount, 1)
    }
}

extension Tensor {
    /// An uninitialised tensor for a kernel's result. Large buffers are advised to
    /// use transparent huge pages (as NumPy does): a fresh 80 MB result otherwise
    /// takes 20 000 page faults, which cost more than the arithmetic that fills it.
    static func hugePageResult(shape: [Int]) throws -> Tensor {
        let t = try Tensor(uninitializedShape: shape)
        adviseHugePages(t.pointer, count: t.count)
        return t
    }

    static func adviseHugePages(_ p: UnsafeMutablePointer<Double>, count: Int) {
        #if os(Linux)
        let bytes = count * MemoryLayout<Double>.stride
        guard bytes >= 4 << 20 else { return }
        let page = UInt(4096)
        let start = (UInt(bitPattern: p) + page - 1) & ~(page - 1)
        let end = (UInt(bitPattern: p) + UInt(bytes)) & ~(page - 1)
        if end > start, let base = UnsafeMutableRawPointer(bitPattern: start) {
            _ = madvise(base, Int(end - start), MADV_HUGEPAGE)   // advice only: failure is harmless
        }
        #endif
    }
}

/// Carries a value that is not `Sendable` into `concurrentPerform`'s closure.
/// Safe here because each chunk touches only its own part of the buffers and the
/// call returns only after every chunk has finished.
@usableFromInline
struct UncheckedSendableBox<T>: @unchecked Sendable {
    @usableFromInline let value: T
    @usableFromInline init(_ value: T) { self.value = value }
}
