import XCTest
@testable import LkStudy

/// Study-engine tests live beside this file, one file per topic
/// (KernelsTests.swift, DiffusionTests.swift, …), each against independent values.
final class LkStudyModuleTests: XCTestCase {
    func testModuleLinks() { XCTAssertNotNil(LkStudy.self) }
}
