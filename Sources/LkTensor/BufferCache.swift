import Foundation

/// Keeps a few recently freed large tensor buffers for reuse. A fresh large
/// allocation costs a page fault and the kernel's zeroing for every 4 KB page,
/// which for a loop like `z = tanh(x)` over 10^7 elements costs as much as the
/// arithmetic; a buffer of the same size taken from here costs nothing.
///
/// Only buffers of at least `minimumBytes` are kept, at most `capacityBytes` in
/// all (512 MB, or 1/16 of physical memory if that is less); beyond that, freed
/// buffers go back to the system at once. Buffers are matched by exact size,
/// which is what repeated work in a loop or a notebook produces.
enum BufferCache {
    static let minimumBytes = 1 << 20
    static let capacityBytes = min(512 << 20, Int(ProcessInfo.processInfo.physicalMemory / 16))

    nonisolated(unsafe) private static var lock = pthread_mutex_t()
    nonisolated(unsafe) private static var lockReady: Void = { pthread_mutex_init(&lock, nil) }()
    nonisolated(unsafe) private static var buffers: [(bytes: Int, pointer: UnsafeMutableRawPointer)] = []
    nonisolated(unsafe) private static var heldBytes = 0

    /// A cached buffer of exactly `bytes`, if there is one.
    static func take(bytes: Int) -> UnsafeMutableRawPointer? {
        guard bytes >= minimumBytes else { return nil }
        _ = lockReady
        pthread_mutex_lock(&lock)
        defer { pthread_mutex_unlock(&lock) }
        guard let i = buffers.lastIndex(where: { $0.bytes == bytes }) else { return nil }
        heldBytes -= bytes
        return buffers.remove(at: i).pointer
    }

    /// Keeps a buffer being freed; false means the caller must free it.
    static func give(_ pointer: UnsafeMutableRawPointer, bytes: Int) -> Bool {
        guard bytes >= minimumBytes, bytes <= capacityBytes else { return false }
        _ = lockReady
        pthread_mutex_lock(&lock)
        defer { pthread_mutex_unlock(&lock) }
        // Make room by returning the oldest buffers to the system.
        while heldBytes + bytes > capacityBytes, !buffers.isEmpty {
            let old = buffers.removeFirst()
            heldBytes -= old.bytes
            free(old.pointer)
        }
        buffers.append((bytes, pointer))
        heldBytes += bytes
        return true
    }

    /// Returns every cached buffer to the system (e.g. before a big allocation fails).
    static func drain() {
        _ = lockReady
        pthread_mutex_lock(&lock)
        defer { pthread_mutex_unlock(&lock) }
        for b in buffers { free(b.pointer) }
        buffers.removeAll()
        heldBytes = 0
    }

    /// Asks Linux for transparent huge pages on a fresh large buffer: one fault per
    /// 2 MB instead of per 4 KB (NumPy does the same). Advice only.
    static func adviseHugePages(_ p: UnsafeMutableRawPointer, bytes: Int) {
        #if os(Linux)
        guard bytes >= 4 << 20 else { return }
        let page = UInt(4096)
        let start = (UInt(bitPattern: p) + page - 1) & ~(page - 1)
        let end = (UInt(bitPattern: p) + UInt(bytes)) & ~(page - 1)
        if end > start, let base = UnsafeMutableRawPointer(bitPattern: start) {
            _ = madvise(base, Int(end - start), MADV_HUGEPAGE)
        }
        #endif
    }
}
