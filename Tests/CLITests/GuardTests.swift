import Foundation
import XCTest
import LkTestSupport

/// Process-level guards of issue 18 (Docs/security.md, "Round two").
final class GuardTests: XCTestCase {
    /// Runs lk through /bin/sh so that a resource limit (`ulimit`) applies to it alone.
    static func shell(_ command: String, timeout: Double = 60) throws -> (status: Int32, stdout: String, stderr: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", command]
        p.environment = ProcessInfo.processInfo.environment.merging(["LK": CLITests.lk.path]) { $1 }
        let out = Pipe(), err = Pipe()
        p.standardOutput = out; p.standardError = err
        try p.run()
        let deadline = Date().addingTimeInterval(timeout)
        nonisolated(unsafe) var e = Data()
        let drained = DispatchSemaphore(value: 0)
        DispatchQueue.global().async { e = err.fileHandleForReading.readDataToEndOfFile(); drained.signal() }
        let o = out.fileHandleForReading.readDataToEndOfFile()
        drained.wait()
        while p.isRunning && Date() < deadline { usleep(10_000) }
        if p.isRunning { p.terminate(); XCTFail("timed out: \(command)") }
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
    }

    /// Under `ulimit -v 600000` the 512 MB interpreter stack cannot be mapped; lk used to
    /// wait forever for a thread that never started. It now falls back to a smaller stack
    /// (with a proportionally smaller recursion limit) and runs.
    func testRunsUnderALimitedAddressSpace() throws {
        let r = try Self.shell("ulimit -v 600000 && exec \"$LK\" -e 'print(1 + 1)'", timeout: 30)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, "2\n")
        // The recursion limit shrinks with the stack instead of overflowing it.
        let deep = try Self.shell("ulimit -v 600000 && exec \"$LK\" -e 'fn f(n) { return f(n + 1) }\nf(0)'", timeout: 60)
        XCTAssertEqual(deep.status, 70, deep.stderr)
        XCTAssertTrue(deep.stderr.contains("recursion too deep: more than 2500 nested calls"), deep.stderr)
    }

    /// `lk - < /dev/zero` read until memory ran out; scripts are now read up to 64 MB.
    func testAnEndlessScriptIsRefused() throws {
        for command in ["exec \"$LK\" - < /dev/zero", "exec \"$LK\" /dev/zero"] {
            let r = try Self.shell(command, timeout: 30)
            XCTAssertEqual(r.status, 74, command)
            XCTAssertTrue(r.stderr.contains("the script is larger than 64 MB"), r.stderr)
        }
        let small = try Self.shell("printf 'print(3)\\n' | exec \"$LK\" -")
        XCTAssertEqual(small.stdout, "3\n")
    }

    /// The memory limit bounds the tensors alive at once; freeing one makes room.
    func testTheLimitCountsTheTensorsInUse() throws {
        let r = try CLITests.run(["-e", "a = zeros(1e7)\nb = zeros(1e7)"], environment: ["LK_MEMORY_LIMIT": "100M"])
        XCTAssertEqual(r.status, 70)
        XCTAssertTrue(r.stderr.contains("zeros: a tensor of shape (10000000,) (80.0 MB) would bring the tensors in use to 160.0 MB, over the memory limit of 100.0 MB"), r.stderr)
        let freed = try CLITests.run(["-e", "a = zeros(1e7)\na = none\nb = zeros(1e7)\nprint(size(b))"], environment: ["LK_MEMORY_LIMIT": "100M"])
        XCTAssertEqual(freed.status, 0, freed.stderr)
        XCTAssertEqual(freed.stdout, "10000000\n")
    }

    /// Strings and lists count too: doubling one in a loop used to grow until malloc aborted.
    func testStringsAndListsAreCheckedAgainstTheLimit() throws {
        let env = ["LK_MEMORY_LIMIT": "10M"]
        let s = try CLITests.run(["-e", "s = \"a\"\nfor i in 0..40 { s = s + s }"], environment: env)
        XCTAssertEqual(s.status, 70)
        XCTAssertTrue(s.stderr.contains("a string of 16777216 bytes would allocate 16.8 MB, over the memory limit of 10.0 MB"), s.stderr)
        let l = try CLITests.run(["-e", "l = [1, \"a\"]\nfor i in 0..40 { l = l + l }"], environment: env)
        XCTAssertEqual(l.status, 70)
        XCTAssertTrue(l.stderr.contains("items would allocate"), l.stderr)
        let r = try CLITests.run(["-e", "s = join(zeros(100000), \"\")\nt = replace(s, \"0\", s)"], environment: env)
        XCTAssertEqual(r.status, 70)
        XCTAssertTrue(r.stderr.contains("replace: the replaced string would allocate"), r.stderr)
        let fine = try CLITests.run(["-e", "print(\"ab\" + \"cd\", len(join([1, 2, 3], \", \")))"], environment: env)
        XCTAssertEqual(fine.stdout, "abcd 7\n")
    }

    /// Text and lists built from other values are sized before they are built: `format`
    /// grew a string formatted into itself without bound, `split` and `map` over a long
    /// string, `enumerate` and `zip` built lists of any length, and `str`, `print` and
    /// `+` built the text of a list whatever its size (a list of 32 references to one
    /// 1 MB string is 32 MB of text). Each loop is short enough to end without the check.
    func testTextAndListsFromOtherValuesAreSizedFirst() throws {
        let env = ["LK_MEMORY_LIMIT": "10M"]
        let mb = "s = \"a\"\nfor i in 0..20 { s = s + s }\n"   // 1 MB
        let refs = mb + "xs = [s]\nfor i in 0..5 { xs = xs + xs }\n"   // 32 references to it
        let cases: [(String, String)] = [
            ("s = \"a\"\nfor i in 0..25 { s = format(\"{}{}\", s, s) }",
             "format: a string of 16777216 bytes would allocate 16.8 MB, over the memory limit of 10.0 MB"),
            (mb + "s = s + s\nxs = split(s, \"a\")",
             "split: the pieces of s: a list of more than 416666 items would allocate more than 10.0 MB, the memory limit"),
            ("s = \"a \"\nfor i in 0..20 { s = s + s }\nxs = split(s)",
             "split: the words of s: a list of 1048576 items would allocate 25.2 MB, over the memory limit of 10.0 MB"),
            ("s = \"a\"\nfor i in 0..19 { s = s + s }\nys = map(fn(c) => c, s)",
             "map: the items of xs: a list of 524288 items would allocate 12.6 MB, over the memory limit of 10.0 MB"),
            ("ys = enumerate(zeros(300000))",
             "enumerate: a list of 300000 items would allocate 31.2 MB, over the memory limit of 10.0 MB"),
            ("ys = zip(zeros(300000), zeros(300000))",
             "zip: a list of 300000 items would allocate 31.2 MB, over the memory limit of 10.0 MB"),
            (refs + "t = str(xs)", "str: the text of this list would allocate more than 10.0 MB, the memory limit"),
            (refs + "print(xs)", "print: the text of this list would allocate more than 10.0 MB, the memory limit"),
            (refs + "t = \"\" + xs", "the text of this list would allocate more than 10.0 MB, the memory limit"),
            (refs + "t = format(\"{}\", xs)", "format: the text of this list would allocate more than 10.0 MB, the memory limit"),
            (refs + "t = join([xs], \"\")", "join: the text of this list would allocate more than 10.0 MB, the memory limit"),
        ]
        for (code, message) in cases {
            let r = try CLITests.run(["-e", code], environment: env)
            XCTAssertEqual(r.status, 70, code)
            XCTAssertTrue(r.stderr.contains(message), "\(code)\n\(r.stderr)")
        }
        // What fits is unchanged: str([s, s]) is two quoted 2^20-byte strings, ", " and brackets.
        let fine = try CLITests.run(["-e", mb + "print(len(split(s, \"aaaa\")), len(str([s, s])), len(format(\"{}{}\", s, s)))\nprint(str([\"a\\n\", {x: 1}]), split(\"a b  c\"), enumerate([\"p\"]))"], environment: env)
        XCTAssertEqual(fine.stdout, "262145 2097160 2097152\n[\"a\\n\", {x: 1}] [\"a\", \"b\", \"c\"] [[0, \"p\"]]\n", fine.stderr)
    }

    /// `for c in s` walks the string instead of first building a list of every character
    /// (16 bytes or more a character: 134 MB for an 8 MB string). Measured as lk's own
    /// VmHWM (/proc/PID/status, the peak of its address space since exec) once the loop is
    /// done, as wait4's maxrss carries the test runner's peak over into a child it spawns.
    func testIteratingAStringBuildsNoListOfItsCharacters() throws {
        let dir = try makeTemporaryDirectory("iterate")
        let ready = dir.appendingPathComponent("ready.csv").path
        let p = Process()
        p.executableURL = CLITests.lk
        p.arguments = ["-e", "s = \"a\"\nfor i in 0..23 { s = s + s }\nn = 0\nfor c in s { n += 1 }\nassert(n == 8388608)\nwritecsv(\"\(ready)\", [1])\nfor i in 0..1e12 { }"]
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        defer { p.terminate(); p.waitUntilExit() }
        let deadline = Date().addingTimeInterval(60)
        while !FileManager.default.fileExists(atPath: ready) && p.isRunning && Date() < deadline { usleep(20_000) }
        let status = try String(contentsOfFile: "/proc/\(p.processIdentifier)/status", encoding: .utf8)
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") } ?? ""
        let kb = Int(line.split(separator: " ").dropFirst().first ?? "") ?? -1
        XCTAssertGreaterThan(kb, 0, String(line))
        XCTAssertLessThan(kb, 110_000, "peak \(kb) KB")
    }

    /// `lk render` read its input whole, however large and whatever it was: `/dev/zero`
    /// until memory ran out, a FIFO with no writer forever. A notebook (and a script for
    /// `:load`) must now be a regular file of at most 64 MiB.
    func testRenderAndLoadReadABoundedRegularFile() throws {
        let dir = try makeTemporaryDirectory("render-input")
        let fifo = dir.appendingPathComponent("nb.ipynb").path
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        let big = dir.appendingPathComponent("big.lk").path
        XCTAssertTrue(FileManager.default.createFile(atPath: big, contents: nil))
        XCTAssertEqual(truncate(big, 65 << 20), 0)   // sparse: 68,157,440 bytes of zeros
        let out = dir.appendingPathComponent("out").path
        let cases = [
            ("/dev/zero", "md", "cannot read /dev/zero: a notebook must be a regular file, not a device or a pipe"),
            (fifo, "lk", "cannot read \(fifo): a notebook must be a regular file, not a device or a pipe"),
            (big, "md", "cannot read \(big): it is 68.2 MB; a notebook may be at most 67.1 MB"),
        ]
        for (input, ext, message) in cases {
            let r = try Self.shell("exec \"$LK\" render '\(input)' -o '\(out).\(ext)'", timeout: 30)
            XCTAssertEqual(r.status, 74, input)
            XCTAssertTrue(r.stderr.contains("lk render: " + message), r.stderr)
        }
        let repl = try Self.shell("printf ':load /dev/zero\\n:load \(big)\\nprint(2)\\n' | exec \"$LK\"", timeout: 30)
        XCTAssertTrue(repl.stdout.contains("2"), repl.stdout)
        XCTAssertTrue((repl.stdout + repl.stderr).contains("cannot read /dev/zero: a script must be a regular file, not a device or a pipe"), repl.stdout + repl.stderr)
        XCTAssertTrue((repl.stdout + repl.stderr).contains("cannot read \(big): it is 68.2 MB; a script may be at most 67.1 MB"), repl.stdout + repl.stderr)
    }

    /// Each observation can enter up to obs + pred windows, so `loadtraj`'s output can be
    /// that many times its file: two pedestrians over 2,000 frames with obs + pred = 1,000
    /// give 1,001 windows of 2 pedestrians × 1,000 frames × 2 coordinates = 32.0 MB from a
    /// 60 KB file. The windows are counted (from each pedestrian's runs of frames) and
    /// checked against the limit before any is built.
    func testLoadtrajSizesItsWindowsBeforeBuildingThem() throws {
        let dir = try makeTemporaryDirectory("traj-size")
        let two = dir.appendingPathComponent("two.txt").path
        try (0..<2000).map { "\($0 * 10)\t1\t\(Double($0) / 10)\t1.0\n\($0 * 10)\t2\t\(Double($0) / 10)\t2.0\n" }.joined()
            .write(toFile: two, atomically: false, encoding: .utf8)
        let env = ["LK_MEMORY_LIMIT": "10M"]
        let r = try CLITests.run(["-e", "x = loadtraj(\"\(two)\", obs=500, pred=500)"], environment: env)
        XCTAssertEqual(r.status, 70)
        XCTAssertTrue(r.stderr.contains("loadtraj: 2002 pedestrian windows of 1000 frames from \(two) would allocate 32.0 MB, over the memory limit of 10.0 MB"), r.stderr)
        // The count agrees with the windows built (a debug build asserts it): a third
        // pedestrian missing frame 700 and one seen twice at frame 300 (5,503 windows of
        // 100 frames, counted by brute force over every window in Python).
        let three = dir.appendingPathComponent("three.txt").path
        var text = ""
        for f in 0..<2000 {
            for p in 1...3 where !(p == 3 && f == 700) {
                let line = "\(f * 10)\t\(p)\t\(Double(f) / 10)\t\(p).0\n"
                text += line
                if p == 1 && f == 300 { text += line }
            }
        }
        try text.write(toFile: three, atomically: false, encoding: .utf8)
        let fits = try CLITests.run(["-e", "print(shape(loadtraj(\"\(two)\", obs=50, pred=50)), shape(loadtraj(\"\(three)\", obs=50, pred=50)))"], environment: env)
        XCTAssertEqual(fits.stdout, "[3802  100    2] [5503  100    2]\n", fits.stderr)
    }

    /// readcsv's parse of short lines takes ~50× the file (two arrays of lines, then the
    /// numbers twice): it is counted against the memory limit before it is built.
    func testReadcsvCountsItsWorkingMemory() throws {
        let dir = try makeTemporaryDirectory("csv")
        let path = dir.appendingPathComponent("zeros.csv").path
        try String(repeating: "0\n", count: 1_000_000).write(toFile: path, atomically: true, encoding: .utf8)
        let refused = try CLITests.run(["-e", "x = readcsv(\"\(path)\")"], environment: ["LK_MEMORY_LIMIT": "50M"])
        XCTAssertEqual(refused.status, 70)
        XCTAssertTrue(refused.stderr.contains("readcsv: the 1000001 lines of \(path) would allocate 104.0 MB, over the memory limit of 50.0 MB"), refused.stderr)
        let read = try CLITests.run(["-e", "print(shape(readcsv(\"\(path)\")))"], environment: ["LK_MEMORY_LIMIT": "1G"])
        XCTAssertEqual(read.stdout, "[1000000       1]\n", read.stderr)
    }

    /// The peak resident memory (KB) of lk running `code`, from wait4's rusage.
    static func peakKilobytes(_ code: String) throws -> Int {
        var pid: pid_t = 0
        let args = [CLITests.lk.path, "-e", code]
        var argv: [UnsafeMutablePointer<CChar>?] = args.map { strdup($0) } + [nil]
        defer { for p in argv { free(p) } }
        guard posix_spawn(&pid, CLITests.lk.path, nil, nil, &argv, environ) == 0 else { throw CocoaError(.executableLoad) }
        var status: Int32 = 0
        var usage = rusage()
        _ = wait4(pid, &status, 0, &usage)
        XCTAssertEqual(status, 0, "lk -e \(code) failed")
        return usage.ru_maxrss
    }

    /// A factory returning a recursive local function leaked its frame (the frame held the
    /// function, the function its frame): ~230 bytes a call, 60 MB for 280,000 more calls.
    /// Measured as the growth of peak memory between 20,000 and 300,000 calls, not as time.
    func testAReturnedRecursiveFunctionDoesNotLeak() throws {
        func loop(_ n: Int) -> String {
            "fn make() { fn go(n) { if n == 0 { return 0 }\n return go(n - 1) }\n return go }\nfor i in 0..\(n) { g = make() }\nprint(g(5))"
        }
        let small = try Self.peakKilobytes(loop(20_000)), large = try Self.peakKilobytes(loop(300_000))
        XCTAssertLessThan(large - small, 8_000, "peak memory grew by \(large - small) KB over 280,000 more calls: the frames leak")
    }
}
