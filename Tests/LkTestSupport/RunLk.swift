import Foundation
import LkBuiltins
import LkLang
import LkTensor

/// What running a piece of lk printed and how it ended.
public struct LkOutcome {
    public var output: String
    public var error: Diagnostic?

    /// The output, or `error: message` when it failed: one string a test can compare.
    public var text: String { error.map { "error: " + $0.message } ?? output }
}

/// Runs `body` on a thread with the interpreter's large stack (deep recursion
/// cases need it) and waits for it to finish.
public func onLargeStack(_ body: @escaping @Sendable () -> Void) {
    let done = DispatchSemaphore(value: 0)
    let thread = Thread { body(); done.signal() }
    thread.stackSize = Interpreter.stackSize
    thread.start()
    done.wait()
}

/// Runs lk source text in `interpreter` (a fresh one with every built-in by
/// default) on the current thread, capturing what it prints.
public func runLk(_ code: String, name: String = "<test>",
                  in interpreter: Interpreter = BuiltinTable.makeInterpreter()) -> LkOutcome {
    var outcome = LkOutcome(output: "", error: nil)
    let previous = interpreter.output
    var printed = ""
    interpreter.output = { printed += $0 }
    defer { interpreter.output = previous }
    do { _ = try interpreter.run(SourceFile(name: name, text: code)) }
    catch let d as Diagnostic { outcome.error = d }
    catch { outcome.error = Diagnostic(.runtime, "unexpected Swift error: \(error)") }
    outcome.output = printed
    return outcome
}

/// `runLk` in a fresh interpreter on a large stack, with `Random` seeded first,
/// as the conformance cases run.
public func runLkOnLargeStack(_ code: String, name: String = "<test>", seed: UInt64 = 0) -> LkOutcome {
    final class Box: @unchecked Sendable { var outcome = LkOutcome(output: "", error: nil) }
    let box = Box()
    onLargeStack {
        Random.seed(seed)
        box.outcome = runLk(code, name: name)
    }
    return box.outcome
}
