import Foundation
import LkTensor

/// An lk session: its globals, the built-ins it was given, where `print` goes,
/// and the limits that keep a runaway program from crashing the process.
public final class Interpreter {
    let globals = Globals()
    private(set) public var builtins: [String: Builtin] = [:]
    private var builtinNames: Set<String> = []
    var depth = 0
    /// Nested calls allowed before "recursion too deep". The evaluator needs the
    /// stack of a thread started with `Interpreter.stackSize`.
    public var maxDepth = 5000
    /// The stack size a thread running lk code should have for `maxDepth` to be safe.
    public static let stackSize = 1 << 29
    /// The smallest stack `onLargeStack` falls back to when `stackSize` cannot be mapped.
    public static let minimumStackSize = 1 << 24
    /// The stack the interpreter thread actually got; the recursion limit scales with it.
    nonisolated(unsafe) public static var grantedStackSize = stackSize {
        didSet { depthForStack = Int(Double(5000) * Double(grantedStackSize) / Double(stackSize)) }
    }
    nonisolated(unsafe) static var depthForStack = 5000
    /// Where `print` and friends write.
    public var output: (String) -> Void = { ProgressReporter.clearLine(); Swift.print($0, terminator: "") }
    /// The folder of the script being run (nil at the prompt): a relative path a
    /// built-in reads from resolves against it first (see `resolveInput`).
    public var scriptDirectory: String? = nil

    /// Where a built-in that reads a file looks for `path`: an absolute path as it
    /// is; a relative one in the running script's folder when the file is there (so
    /// a script finds the data beside it from any working directory), else in the
    /// working directory, as every other program does. Files written are always
    /// relative to the working directory.
    public func resolveInput(_ path: String) -> String {
        if path.hasPrefix("~/") { return NSHomeDirectory() + path.dropFirst(1) }
        guard !path.hasPrefix("/"), let dir = scriptDirectory, !dir.isEmpty else { return path }
        let candidate = dir.hasSuffix("/") ? dir + path : dir + "/" + path
        return FileManager.default.fileExists(atPath: candidate) ? candidate : path
    }

    /// Files `:load`/scripts ran, for messages.
    public private(set) var lastValue: Value = .none

    private var constants: [(String, Value)] = []

    public init(builtins: [Builtin] = [], constants: [(String, Value)] = []) {
        for b in builtins { register(b) }
        self.constants = constants
        for (n, v) in constants { globals.set(n, v); builtinNames.insert(n) }
    }

    public func register(_ b: Builtin) {
        builtins[b.name] = b
        builtinNames.insert(b.name)
        globals.set(b.name, .builtin(b))
    }

    public static func parse(_ source: SourceFile) -> ParseResult { Parser.parse(source) }

    /// Parses and runs a source; returns the value of its last statement when that
    /// statement is an expression (what a REPL shows), else nil.
    @discardableResult
    public func run(_ source: SourceFile) throws -> Value? {
        switch Parser.parse(source) {
        case .complete(let program): return try run(program)
        case .incomplete(let d), .error(let d): throw d
        }
    }

    /// Runs a parsed program at the top level.
    @discardableResult
    public func run(_ program: Program) throws -> Value? {
        let compiler = Compiler(interpreter: self, source: program.source)
        let nodes = try compiler.compileProgram(program.statements)
        let top = Frame(count: 0, parent: nil)
        depth = 0
        var last: Value? = nil
        do {
            for node in nodes {
                if let e = node as? ExprStmt {
                    last = try e.expr.eval(top)
                } else {
                    last = nil
                    _ = try node.exec(top)
                }
            }
        } catch var d as Diagnostic {
            if d.source == nil { d.source = program.source }
            throw d
        } catch is Interrupted {
            throw Diagnostic(.interrupted, "interrupted", source: program.source)
        } catch let e as TensorError {
            throw Diagnostic(.runtime, e.message, source: program.source)
        }
        if let last { lastValue = last }
        return last
    }

    /// Runs a compiled function body in a prepared frame.
    func invoke(_ code: FunctionCode, _ frame: Frame) throws -> Value {
        depth += 1
        defer { depth -= 1 }
        if depth > maxDepth || depth > Interpreter.depthForStack {
            // No location here: the call that went one level too deep fills it in.
            throw Diagnostic(.runtime, "recursion too deep: more than \(Swift.min(maxDepth, Interpreter.depthForStack)) nested calls (in \(code.name))")
        }
        defer { if code.createsFunctions { Interpreter.breakCycles(frame, captured: code.capturedSlots) } }
        do {
            guard try runBlock(code.body, frame) == .returned else { return .none }
            // Take the value out: a returned closure over this frame would otherwise
            // hold the frame that holds it (a cycle that leaks every factory call).
            let result = frame.result
            frame.result = .none
            return result
        } catch var d as Diagnostic {
            if d.source == nil { d.source = code.source }
            throw d
        }
    }

    /// A function defined in a call and kept in one of that call's variables —
    /// directly, or inside a list or record — holds the call's frame, which holds
    /// it: a cycle reference counting never frees. When the call ends:
    /// - a variable no nested function reads can never be read again, so it is
    ///   cleared (whatever it holds, e.g. a list of the closures being returned);
    /// - a variable that nested functions read, holding a function defined in this
    ///   call, keeps a weak twin of it (`Function.isWeakTwin`): the frame no longer holds
    ///   itself, so it is freed when no escaped closure holds it, and an escaped closure
    ///   that calls the function (or the function itself, recursing) still finds it.
    ///   (Clearing it instead, as before, left `fn h() { return go(3) }` calling none,
    ///   and a returned recursive function leaked its frame, ~230 bytes a call.)
    /// Escaped closures keep their frame and the variables they read. What is left
    /// is a closure that reads a variable holding a container of closures over the
    /// same frame (a memo table of closures): that cycle still leaks.
    static func breakCycles(_ frame: Frame, captured: Set<Int>) {
        for i in 0..<frame.count {
            let p = frame.slots + i
            if !captured.contains(i) {
                p.pointee = .none
                continue
            }
            guard case .function(let fn) = p.pointee, !fn.isWeakTwin, fn.closure === frame else { continue }
            p.pointee = .function(Function(weakTwinOf: fn))
        }
    }

    /// Calls an lk function or built-in from Swift (built-ins that take callbacks).
    public func call(_ callee: Value, _ args: [Value], keywords: [(name: String, value: Value)] = []) throws -> Value {
        switch callee {
        case .function(let fn):
            let code = fn.code
            guard args.count <= code.paramNames.count else {
                throw BuiltinError("\(code.name)() takes \(code.paramNames.count) arguments but \(args.count) were given")
            }
            let frame = Frame(count: code.localCount, parent: fn.closure)
            for (i, a) in args.enumerated() { frame.slots[i] = a }
            for (name, v) in keywords {
                guard let i = code.paramNames.firstIndex(of: name) else { throw BuiltinError("\(code.name)() has no parameter '\(name)'") }
                frame.slots[i] = v
            }
            for i in 0..<code.paramNames.count {
                guard case .unset = frame.slots[i] else { continue }
                guard let d = code.defaults[i] else { throw BuiltinError("\(code.name)() is missing argument '\(code.paramNames[i])'") }
                frame.slots[i] = try d.eval(frame)
            }
            return try invoke(code, frame).normalized
        case .builtin(let b):
            for (name, _) in keywords where !b.keywords.contains(name) {
                throw BuiltinError("\(b.name)() got an unexpected keyword argument '\(name)'; usage: \(b.signature)")
            }
            var a = Arguments(callee: b.name, positional: args, keywords: keywords, interpreter: self)
            a.declaration = b.declaration
            a.usage = b.signature
            try b.checkArity(args.count)
            do { return try b.call(&a).normalized }
            catch let e as AD.Failure { throw BuiltinError("\(b.name): \(e.message)") }
        default:
            throw BuiltinError("cannot call a \(callee.describedKind)")
        }
    }

    // MARK: the workspace

    /// A global's value, if assigned.
    public func value(of name: String) -> Value? { globals.lookup(name) }

    public func setGlobal(_ name: String, _ value: Value) { globals.set(name, value) }

    /// User variables (not built-ins or constants, unless the user rebound them), in definition order.
    public var userVariables: [(String, Value)] {
        globals.defined.filter { name, value in
            guard builtinNames.contains(name) else { return true }
            if case .builtin(let b) = value, b.name == name { return false }
            return !(isConstant(name, value))
        }
    }

    /// A constant still holding its original value (`pi = 3` makes `pi` a user variable).
    private func isConstant(_ name: String, _ value: Value) -> Bool {
        guard let original = constants.first(where: { $0.0 == name })?.1 else { return false }
        if case .number(let a) = original, case .number(let b) = value { return a == b || (a.isNaN && b.isNaN) }
        return false
    }

    /// Every name defined: built-ins, constants, user variables.
    public var allNames: [String] { globals.defined.map { $0.0 } }

    /// Forgets user variables, keeping built-ins and constants.
    public func reset() {
        globals.clear(keeping: builtinNames)
        for (n, b) in builtins { globals.set(n, .builtin(b)) }
        for (n, v) in constants { globals.set(n, v) }
    }
}
