// swift-tools-version:6.0
// lk: a notebook-style tensor REPL for studying learning dynamics.
// Layout and dependency rules are fixed by DESIGN.md §1: the engine (LkTensor,
// LkStudy) never imports the language; the language reaches the engine only
// through the registration table in LkBuiltins.
import PackageDescription

let package = Package(
    name: "lk",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "lk", targets: ["lk"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/JohnSundell/Ink", from: "0.6.0"),
    ],
    targets: [
        // System libraries: OpenBLAS (CBLAS + LAPACKE), FFTW3, libedit.
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS"),
        .systemLibrary(name: "CFFTW", path: "Sources/CFFTW"),
        .systemLibrary(name: "CEditLine", path: "Sources/CEditLine"),
        // zlib, for tests that read the pixels of rendered PNGs.
        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),
        // ZeroMQ and libcrypto's HMAC, for the Jupyter kernel.
        .systemLibrary(name: "CZeroMQ", path: "Sources/CZeroMQ"),
        .systemLibrary(name: "COpenSSL", path: "Sources/COpenSSL"),
        // SQLite 3 (Debian's libsqlite3-dev): the sweep store.
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite"),

        // glibc's SIMD math (libmvec) and SLEEF (acos, asin), dispatched on the CPU at run time.
        // -fno-math-errno: sqrt in the vectorised loops is an instruction, not a libm call.
        .target(name: "CVecMath", cSettings: [.unsafeFlags(["-fno-math-errno"])],
                linkerSettings: [.linkedLibrary("mvec"), .linkedLibrary("sleef"), .linkedLibrary("m")]),
        .target(name: "LkTensor", dependencies: ["CBLAS", "CFFTW", "CVecMath"]),
        .target(name: "LkStudy", dependencies: ["LkTensor"]),
        .target(name: "LkLang", dependencies: ["LkTensor"]),
        // gnuplot through gnuplot-iostream (header-only, on Boost); the only C++.
        .target(name: "CGnuplot", linkerSettings: [
            .linkedLibrary("boost_iostreams"), .linkedLibrary("boost_filesystem"), .linkedLibrary("boost_system"),
        ]),
        .target(name: "LkPlot", dependencies: ["CGnuplot", "LkTensor"]),
        // Sweeps (DESIGN.md §6): content-addressed tasks, the SQLite store, the engines.
        .target(name: "LkSweep", dependencies: [
            "CSQLite", "COpenSSL", "LkLang", "LkTensor",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .target(name: "LkBuiltins", dependencies: ["LkLang", "LkStudy", "LkTensor", "LkPlot", "LkSweep"]),
        // One workspace with its figures and output, shared by every front end.
        .target(name: "LkSession", dependencies: ["LkBuiltins", "LkLang", "LkTensor"]),
        // The Jupyter kernel: the messaging protocol over ZeroMQ on one Session.
        .target(name: "LkJupyter", dependencies: ["LkSession", "LkLang", "LkTensor", "CZeroMQ", "COpenSSL"]),
        .executableTarget(name: "lk", dependencies: [
            "LkBuiltins", "LkLang", "LkTensor", "LkSession", "LkJupyter", "CEditLine", "LkSweep",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Ink", package: "Ink"),
        ]),

        // What the test targets share (swift-numerics' _TestSupport is the model):
        // the one assertClose family, running lk snippets, temporary directories.
        // A plain target that only test targets depend on; see Tests/README.md.
        .target(name: "LkTestSupport", dependencies: ["LkTensor", "LkLang", "LkBuiltins"], path: "Tests/LkTestSupport"),
        .testTarget(name: "LkTensorTests", dependencies: ["LkTensor", "CVecMath", "LkTestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "LkStudyTests", dependencies: ["LkStudy", "LkTensor", "LkTestSupport"]),
        .testTarget(name: "LkLangTests", dependencies: ["LkLang", "LkBuiltins", "LkTestSupport"]),
        .testTarget(name: "FuzzTests", dependencies: ["LkLang", "LkBuiltins", "LkStudy", "LkTensor", "LkTestSupport"],
                    exclude: ["Reproducers"]),
        .testTarget(name: "LkSweepTests", dependencies: ["LkSweep", "LkLang", "LkBuiltins", "LkTensor", "LkTestSupport"]),
        .testTarget(name: "CLITests", dependencies: ["lk", "LkTensor", "LkTestSupport"],
                    exclude: ["Fixtures"]),   // read by path (CLITests.fixtures), not bundled
        .testTarget(name: "LkPlotTests", dependencies: ["LkPlot", "LkBuiltins", "LkLang", "LkTestSupport", "CZlib"]),
        .testTarget(name: "KernelTests", dependencies: ["lk"], exclude: ["python"]),
        .testTarget(name: "ConformanceTests", dependencies: ["LkLang", "LkBuiltins", "LkTensor", "LkTestSupport"],
                    exclude: ["cases"]),
    ],
    swiftLanguageModes: [.v6]
)

// The libFuzzer harness of the file loaders (Tests/Fuzz/README.md), only when asked
// for: `LK_FUZZ=1 swift build --product lk-fuzz -Xswiftc -sanitize=fuzzer,address …`
// (Tests/Fuzz/run does it). A normal build never sees it, since its entry point is
// libFuzzer's `main`, which only -sanitize=fuzzer links.
if Context.environment["LK_FUZZ"] == "1" {
    package.targets.append(.executableTarget(
        name: "lk-fuzz",
        dependencies: ["LkTensor", "LkStudy", "LkLang", "LkBuiltins", "LkSweep", "LkSession"],
        path: "Tests/Fuzz/Harness",
        swiftSettings: [.unsafeFlags(["-parse-as-library"])]))
}
