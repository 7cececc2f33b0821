import Foundation
import XCTest

/// The Jupyter kernel driven by real clients nobody here wrote: jupyter_client,
/// nbclient, nbformat and jupyter_kernel_test (installed by scripts/deps into
/// the repository's .venv). Each test runs one Python test module against the
/// `lk` built beside this test bundle and fails with its output.
final class KernelTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let python = root.appendingPathComponent(".venv/bin/python")
    static let scripts = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("python")

    static let lk: URL = {
        var dir = Bundle(for: KernelTests.self).bundleURL
        while dir.path != "/" && !FileManager.default.fileExists(atPath: dir.appendingPathComponent("lk").path) {
            dir = dir.deletingLastPathComponent()
        }
        return dir.appendingPathComponent("lk")
    }()

    func runPython(_ module: String, file: StaticString = #filePath, line: UInt = #line) throws {
        guard FileManager.default.isExecutableFile(atPath: Self.python.path) else {
            XCTFail("\(Self.python.path) is missing: run scripts/deps (it installs jupyter_client, nbclient, nbformat, jupyter_kernel_test)", file: file, line: line)
            return
        }
        let p = Process()
        p.executableURL = Self.python
        p.arguments = ["-m", "unittest", "-v", module]
        p.currentDirectoryURL = Self.scripts
        var env = ProcessInfo.processInfo.environment
        env["LK_BINARY"] = Self.lk.path
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        p.environment = env
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        XCTAssertEqual(p.terminationStatus, 0, "\(module):\n\(text)", file: file, line: line)
        // unittest reports "OK" or "OK (skipped=N)"; anything skipped must be a
        // feature jupyter_kernel_test asks about that lk does not have.
        XCTAssertTrue(text.contains("\nOK"), text, file: file, line: line)
    }

    /// jupyter_kernel_test's schema-validating suite.
    func testJupyterKernelTestSuite() throws { try runPython("test_protocol") }

    /// jupyter_client sessions: streaming, errors, interrupts, restart, forged messages; nbclient notebooks.
    func testClients() throws { try runPython("test_clients") }

    /// Every example through `lk render`; .ipynb output validated by nbformat and run by nbclient.
    func testRender() throws { try runPython("test_render") }
}
