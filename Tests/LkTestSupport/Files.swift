import Foundation
import XCTest

extension XCTestCase {
    /// A fresh empty directory under the system's temporary directory, removed
    /// when the test ends (after any teardown block added later, which runs first).
    public func makeTemporaryDirectory(_ label: String = "test") throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lk-\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        return dir
    }
}

/// The sorted names in a directory.
public func directoryEntries(_ dir: String) throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
}

/// Runs `body` with the process's file-size limit (RLIMIT_FSIZE) lowered to
/// `bytes`, so that a write past it fails with EFBIG (or kills a child started
/// inside with SIGXFSZ), then restores the limit and the SIGXFSZ handler.
/// SIGXFSZ is ignored meanwhile so that this process survives.
public func withFileSizeLimit<T>(_ bytes: Int, _ body: () throws -> T) rethrows -> T {
    #if os(Linux)
    let resource = Int32(RLIMIT_FSIZE.rawValue)
    #else
    let resource = RLIMIT_FSIZE
    #endif
    var saved = rlimit()
    getrlimit(resource, &saved)
    let previousHandler = signal(SIGXFSZ, SIG_IGN)
    var limit = saved
    limit.rlim_cur = rlim_t(bytes)
    precondition(setrlimit(resource, &limit) == 0, "setrlimit failed")
    defer {
        setrlimit(resource, &saved)
        signal(SIGXFSZ, previousHandler)
    }
    return try body()
}
