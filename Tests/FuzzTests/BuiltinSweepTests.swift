import Foundation
import LkBuiltins
import LkLang
import LkTensor
import XCTest
import LkTestSupport

/// The bad-input catalogue applied to every built-in in the registration table:
/// no arguments, too many, an unknown keyword, and, in every positional slot and
/// every keyword, values of the wrong type, NaN and ±Inf (scalars, and inside a
/// matrix and a vector), empty, rank-0 and rank-5 tensors, negative and huge
/// numbers, while the other slots hold plausible values.
///
/// Each call must return, or fail with a runtime error that names the built-in
/// (the user sees which call went wrong); none may crash the process (a crash
/// ends the test run) or hang: a call still running after `budget` seconds is
/// interrupted the way Ctrl-C does it, and that is a failure when the call had
/// NaN or Inf in it (NaN must give an error or propagate, never a hang).
///
/// `LK_SWEEP_VERBOSE=1` lists the calls with NaN or Inf that returned a value.
/// Each bad value is tried with every plausible filler in the other slots, and
/// with `LK_SWEEP_MIXES` (default 4) seeded mixtures of them.
final class BuiltinSweepTests: XCTestCase {
    /// Built-ins that write files where they are told or wait for a person are
    /// tested elsewhere (Tests/LkPlotTests, the bad_input conformance cases).
    static let excluded: Set<String> = ["savenpy", "writecsv", "savefig", "figdir", "compasssave", "compassstep", "compasswalk", "compass"]
    static let plots: Set<String> = ["plot", "scatter", "heatmap", "image", "hist", "surface", "subplot", "show", "errorbar", "band", "bar", "hline", "vline", "text"]

    static let setup = """
    M = [[4, 1, 0, 0], [1, 3, 1, 0], [0, 1, 2, 0.5], [0, 0, 0.5, 1]]
    v = [1, -2, 0.5, 3]
    X = [[1, 0, 2, 1], [0, 1, 1, 3], [2, 1, 0, 0], [1, 3, 0, 1], [0, 2, 1, 1], [3, 0, 1, 2]]
    Mnan = M; Mnan[1, 1] = nan
    Minf = M; Minf[2, 3] = inf; Minf[3, 2] = inf
    vnan = v; vnan[2] = nan
    net = mlp([4, 5, 4], seed=1)
    prior = gaussprior(zeros(4), M)
    """

    /// Values no built-in should accept in every slot. The comment says why each is here.
    static let badValues = [
        "\"text\"", "none", "{a: 1}", "[1, \"a\"]", "fn(x) => x", "true",    // wrong types
        "nan", "inf", "-inf", "Mnan", "Minf", "vnan",                        // non-finite values
        "-1", "0", "2.5", "1e300", "-1e300",                                 // out-of-range numbers
        "zeros(0)", "zeros(0, 4)", "zeros(4, 0)", "ones(1, 1, 1, 1, 1)",     // empty and rank-5
    ]
    static let fillers = ["M", "X", "v", "3", "net", "prior"]
    static let nonFinite: Set<String> = ["nan", "inf", "-inf", "Mnan", "Minf", "vnan"]

    /// How many positional arguments the signature shows before the first keyword,
    /// at most 4. An ellipsis counts as one more slot, so that the variadic tail of
    /// `concat(a, b, …)` or `zeros(d1, d2, …)` gets the bad values too.
    static func positionalCount(_ signature: String) -> Int {
        guard let open = signature.firstIndex(of: "("), let close = signature[open...].firstIndex(of: ")") else { return 1 }
        let inside = signature[signature.index(after: open)..<close]
        if inside.trimmingCharacters(in: .whitespaces).isEmpty { return 0 }
        let parts = inside.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        let positional = parts.prefix { !$0.contains("=") }
        return min(4, positional.count)
    }

    /// Where NaN and ±Inf propagate (IEEE arithmetic, as in NumPy), as
    /// Docs/language.md ("NaN and infinity") documents: these groups of the table,
    /// and the built-ins below whose results are sums and products of their inputs.
    /// Every other built-in must refuse a non-finite input with an error.
    static let propagatingGroups: Set<String> = ["Creating tensors", "Shape and layout", "Elementwise math", "Reductions",
                                                 "Input, output and time", "Lists, records and strings", "Sorting, statistics and layout (NumPy)"]
    static let propagating: Set<String> = ["matmul", "dot", "outer", "trace", "diag", "det", "slogdet", "cosine", "gram", "anchors",
                                           "etproject", "etreconstruct", "compassapply", "ntk", "nngp", "cka", "alignment",
                                           "rdm", "matchcos", "psnr", "ssim", "kernelflow", "kernelmodes", "forward", "hidden", "entk",
                                           "einsum", "fft", "ifft", "rfft", "irfft", "fft2", "ifft2"]

    struct Failure { var call: String; var problem: String }

    typealias Call = (name: String, code: String, nonFinite: Bool)

    func testPositionalCountReadsTheSignature() {
        XCTAssertEqual(Self.positionalCount("time()"), 0)
        XCTAssertEqual(Self.positionalCount("cg(A, b, x0=, tol=)"), 2)
        XCTAssertEqual(Self.positionalCount("concat(a, b, …, axis=0)"), 3)
        XCTAssertEqual(Self.positionalCount("randint(low, high, d1, d2, …)"), 4)
        XCTAssertEqual(Self.positionalCount("sum"), 1)
    }

    func testEveryBuiltinRejectsBadInputClearly() throws {
        let all = BuiltinTable.all.filter { !Self.excluded.contains($0.name) && !Self.plots.contains($0.name) }
        let mayPropagate = Self.propagating.union(BuiltinTable.groups.filter { Self.propagatingGroups.contains($0.title) }
            .flatMap { $0.builtins.map(\.name) })
        sweep(Self.calls(all), mayPropagate: mayPropagate)
        checkDeclarations(all)
    }

    /// Each built-in is declared once, by its signature: after the sweep has called
    /// every built-in with each declared keyword and with an undeclared one, no
    /// implementation may have read a keyword its signature lacks (users could never
    /// pass it: the call is refused before the implementation runs).
    func checkDeclarations(_ builtins: [Builtin]) {
        XCTAssertEqual(KeywordAudit.undeclared, [], "implementations read keywords their signatures do not declare")
        let names = Set(builtins.map(\.name))
        let read = KeywordAudit.declaredAndRead.filter { names.contains(String($0.prefix { $0 != "(" })) }
        XCTAssertGreaterThan(read.count, builtins.count / 4, "the sweep read almost no keywords: the audit is not recording")
    }

    /// Plots: figures go to files in a temporary directory, as under `lk render`.
    /// NaN and Inf are allowed through (gnuplot leaves a gap, as matplotlib does).
    func testEveryPlotBuiltinRejectsBadInputClearly() throws {
        let dir = try makeTemporaryDirectory("sweep")
        var figures = 0
        FigureOutput.route(to: dir, format: "png") { _ in figures += 1 }
        defer { FigureOutput.stopRouting() }
        let plots = BuiltinTable.all.filter { Self.plots.contains($0.name) }
        sweep(Self.calls(plots, mixes: 1), mayPropagate: Set(plots.map(\.name)))
        checkDeclarations(plots)
        print("sweep: \(figures) figures drawn")
    }

    /// Sizes in the dangerous middle: valid numbers whose products overflow Int (2³¹·2³²),
    /// whose allocations cannot succeed (4e9 doubles), or that are merely large (1e5, 1e6:
    /// a square of them is 80 GB or 8 TB). Issue 18.
    static let hugeSizes = ["2147483648", "4294967296", "4e9", "3e9", "1e5", "1e6"]

    /// The huge sizes in every positional slot and every keyword of each built-in, the
    /// other slots holding plausible values; then in every pair of slots at once (each
    /// size with itself, and 1e5 with 1e6 both ways), so that a built-in whose product of
    /// two sizes overflows or exceeds the limit is caught.
    static func hugeCalls(_ builtins: [Builtin]) -> [Call] {
        var calls: [Call] = []
        var seen = Set<String>()
        for b in builtins where seen.insert(b.name).inserted {
            let n = max(Self.positionalCount(b.signature), 1)
            // A slot is a positional index or a keyword name.
            let slots: [(Int?, String?)] = (0..<n).map { ($0, nil) } + b.keywords.map { (nil, $0) }
            func call(_ filler: String, _ values: [(slot: (Int?, String?), value: String)]) -> Call {
                var args = Array(repeating: filler, count: n), keywords: [String] = []
                for (slot, v) in values {
                    if let i = slot.0 { args[i] = v } else if let k = slot.1 { keywords.append("\(k)=\(v)") }
                }
                return (b.name, "\(b.name)(\((args + keywords).joined(separator: ", ")))", false)
            }
            for slot in slots {
                for v in Self.hugeSizes { for filler in ["3", "M", "X"] { calls.append(call(filler, [(slot, v)])) } }
            }
            let pairs = Self.hugeSizes.map { ($0, $0) } + [("1e5", "1e6"), ("1e6", "1e5")]
            for i in slots.indices { for j in slots.indices where j > i {
                for (u, v) in pairs { calls.append(call("3", [(slots[i], u), (slots[j], v)])) }
            } }
        }
        return calls
    }

    /// Issue 18: no size a user can type crashes lk. Every huge size must end in an
    /// error naming the built-in (or a result, when it fits): never a signal. The memory
    /// limit is lowered (16 MB) so that huge-but-allowed sizes fail at once instead of
    /// being allocated and worked through, and the budget per call is short.
    func testEveryBuiltinRefusesHugeSizesClearly() throws {
        let dir = try makeTemporaryDirectory("sweep-huge")
        FigureOutput.route(to: dir, format: "png") { _ in }
        defer { FigureOutput.stopRouting() }
        let all = BuiltinTable.all.filter { !Self.excluded.contains($0.name) }
        let calls = Self.hugeCalls(all)
        XCTAssertGreaterThan(calls.count, 20 * all.count, "the huge-size sweep built too few calls")
        sweep(calls, mayPropagate: [], memoryLimit: 16 << 20, budget: 2, minimumErrorShare: 0.3)
    }

    /// The calls for a list of built-ins: arity, an unknown keyword, every bad value
    /// in every positional slot and keyword.
    static func calls(_ builtins: [Builtin], mixes defaultMixes: Int = 4) -> [Call] {
        let mixes = ProcessInfo.processInfo.environment["LK_SWEEP_MIXES"].flatMap(Int.init) ?? defaultMixes
        var rng = RNG(seed: 20261129)
        var calls: [Call] = []
        var seen = Set<String>()
        for b in builtins where seen.insert(b.name).inserted {
            let n = Self.positionalCount(b.signature)
            calls.append((b.name, "\(b.name)()", false))
            calls.append((b.name, "\(b.name)(" + Array(repeating: "1", count: 12).joined(separator: ", ") + ")", false))
            calls.append((b.name, "\(b.name)(" + (Array(repeating: "M", count: n) + ["bogus_keyword=1"]).joined(separator: ", ") + ")", false))
            for slot in 0..<max(n, 1) {
                for bad in Self.badValues {
                    // The other slots all hold one filler, or (with several slots) a seeded mix of them.
                    var patterns = Self.fillers.map { Array(repeating: $0, count: max(n, 1)) }
                    if n > 1 {
                        patterns += (0..<mixes).map { _ in (0..<n).map { _ in Self.fillers[rng.int(below: Self.fillers.count)] } }
                    }
                    for var args in patterns {
                        args[slot] = bad
                        calls.append((b.name, "\(b.name)(\(args.joined(separator: ", ")))", Self.nonFinite.contains(bad)))
                    }
                }
            }
            for keyword in b.keywords {
                for (k, bad) in Self.badValues.enumerated() where k % 2 == 0 || Self.nonFinite.contains(bad) {
                    let args = Array(repeating: Self.fillers[k % Self.fillers.count], count: n) + ["\(keyword)=\(bad)"]
                    calls.append((b.name, "\(b.name)(\(args.joined(separator: ", ")))", Self.nonFinite.contains(bad)))
                }
            }
        }
        return calls
    }

    /// Runs the calls on a large stack under a watchdog and reports what went wrong.
    func sweep(_ work: [Call], mayPropagate: Set<String>, memoryLimit: Int = 64 << 20, budget: Double = 5, minimumErrorShare: Double = 0.5) {
        let savedLimit = Tensor.memoryLimit
        Tensor.memoryLimit = memoryLimit   // "1e300 rows" must fail fast, not swap
        defer { Tensor.memoryLimit = savedLimit }
        let builtinCount = Set(work.map(\.name)).count
        final class Box: @unchecked Sendable {
            var failures: [Failure] = []
            var returned = 0, errors = 0, interrupted: [String] = [], nonFiniteReturned: [String] = []
        }
        let box = Box()
        let trace = ProcessInfo.processInfo.environment["LK_SWEEP_TRACE"] != nil
        let resumeAfter = ProcessInfo.processInfo.environment["LK_SWEEP_AFTER"].flatMap { c in work.firstIndex { $0.code == c } }
        let done = DispatchSemaphore(value: 0)
        let progress = ProgressReporter()   // index of the call being run, read by the watchdog
        let thread = Thread {
            let interp = BuiltinTable.makeInterpreter()
            interp.output = { _ in }
            do { try interp.run(SourceFile(name: "setup.lk", text: Self.setup)) } catch {
                box.failures.append(Failure(call: "setup", problem: "\(error)"))
            }
            for (i, call) in work.enumerated() {
                progress.set(i)
                // LK_SWEEP_AFTER=<call> resumes a traced sweep after the call that crashed it.
                if let after = resumeAfter, i <= after { continue }
                // A crash ends the test process: LK_SWEEP_TRACE=1 names the call that did it.
                if trace { FileHandle.standardError.write(Data("sweep call: \(call.code)\n".utf8)) }
                let started = Date()
                do {
                    _ = try interp.run(SourceFile(name: "sweep.lk", text: call.code))
                    box.returned += 1
                    if call.nonFinite {
                        box.nonFiniteReturned.append(call.code)
                        if !mayPropagate.contains(call.name) {
                            box.failures.append(Failure(call: call.code, problem: "accepted NaN/Inf without an error (not a documented propagating built-in)"))
                        }
                    }
                } catch let d as Diagnostic {
                    switch d.kind {
                    case .runtime:
                        box.errors += 1
                        if !d.message.contains(call.name) {
                            box.failures.append(Failure(call: call.code, problem: "error does not name the built-in: \(d.message)"))
                        }
                    case .interrupted:
                        // (A stop meant for the previous call can land at the start of this one.)
                        guard Date().timeIntervalSince(started) >= budget else { break }
                        box.interrupted.append(call.code)
                        if call.nonFinite {
                            box.failures.append(Failure(call: call.code, problem: "NaN/Inf input ran for over \(budget) s"))
                        }
                    case .parse:
                        box.failures.append(Failure(call: call.code, problem: "parse error: \(d.message)"))
                    }
                    _ = d.render()
                } catch {
                    box.failures.append(Failure(call: call.code, problem: "not a diagnostic: \(error)"))
                }
                if trace, Date().timeIntervalSince(started) > 0.25 {
                    FileHandle.standardError.write(Data("sweep slow: \(String(format: "%.2f", Date().timeIntervalSince(started))) s \(call.code)\n".utf8))
                }
                Interrupt.clear()
            }
            progress.set(-1)
            done.signal()
        }
        thread.stackSize = Interpreter.stackSize
        thread.start()
        // The watchdog: a call that runs past the budget is interrupted like Ctrl-C;
        // one that does not stop within a further budget is a hang.
        var current = -2, since = Date()
        while done.wait(timeout: .now() + 0.05) == .timedOut {
            let i = progress.get()
            if i != current { current = i; since = Date(); continue }
            let elapsed = Date().timeIntervalSince(since)
            if elapsed > budget { Interrupt.request() }
            if elapsed > 3 * budget {
                XCTFail("hang: \(work[i].code) did not stop when interrupted")
                return   // the thread is stuck; report and leave
            }
        }
        for f in box.failures.prefix(60) { XCTFail("\(f.call): \(f.problem)") }
        if box.failures.count > 60 { XCTFail("… and \(box.failures.count - 60) more") }
        print("sweep: \(work.count) calls over \(builtinCount) built-ins: \(box.returned) returned, \(box.errors) runtime errors, "
              + "\(box.interrupted.count) interrupted after \(budget) s: \(trace ? box.interrupted : Array(box.interrupted.prefix(10)))")
        if ProcessInfo.processInfo.environment["LK_SWEEP_VERBOSE"] != nil {
            print("calls with NaN/Inf that returned a value (propagation):\n" + box.nonFiniteReturned.joined(separator: "\n"))
        }
        XCTAssertGreaterThan(Double(box.errors), Double(box.returned + box.errors + box.interrupted.count) * minimumErrorShare)
    }
}

/// The index of the call in progress, shared between the sweep thread and the watchdog.
final class ProgressReporter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = -2
    func set(_ v: Int) { lock.lock(); value = v; lock.unlock() }
    func get() -> Int { lock.lock(); defer { lock.unlock() }; return value }
}
