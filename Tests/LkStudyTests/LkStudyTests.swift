import Foundation
import XCTest

/// Study-engine tests live beside this file, one file per topic, each against
/// independent values. This keeps that promise checkable: every topic folder of
/// Sources/LkStudy has a test file named for it (`Krylov/` → `KrylovTests.swift`,
/// `Diffusion/` → `DiffusionPriorTests.swift`, …), so a new topic cannot land untested.
final class LkStudyModuleTests: XCTestCase {
    static let here = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    static let sources = here.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Sources/LkStudy")

    /// Topics whose tests are named for what they measure rather than for the folder.
    static let testedAs = ["Representations": "Geometry"]

    func testEveryTopicFolderHasItsTestFile() throws {
        let fm = FileManager.default
        let topics = try fm.contentsOfDirectory(atPath: Self.sources.path).filter { name in
            var isDirectory: ObjCBool = false
            return fm.fileExists(atPath: Self.sources.appendingPathComponent(name).path, isDirectory: &isDirectory) && isDirectory.boolValue
        }.sorted()
        XCTAssertGreaterThanOrEqual(topics.count, 7, "Sources/LkStudy should hold the topics of DESIGN.md §1: \(topics)")
        let tests = try fm.contentsOfDirectory(atPath: Self.here.path).filter { $0.hasSuffix("Tests.swift") }
        for topic in topics {
            let stem = Self.testedAs[topic] ?? topic
            XCTAssertTrue(tests.contains { $0.hasPrefix(stem) }, "Sources/LkStudy/\(topic)/ has no \(stem)…Tests.swift beside this file")
        }
    }
}
