import Foundation
import LkTensor

/// A value of the lk language. Numbers are unboxed doubles (the evaluator's
/// fast path never wraps a scalar in a tensor); a rank-0 tensor and a number
/// mean the same thing.
public enum Value: @unchecked Sendable {
    case none
    case number(Double)
    case bool(Bool)
    case string(String)
    case tensor(Tensor)
    case list([Value])
    case record(Record)
    case function(Function)
    case builtin(Builtin)
    /// A number or tensor being differentiated (see Autodiff/Tape.swift); it reads as
    /// its value everywhere except in differentiable operations, which record it.
    case dual(Dual)
    /// A variable slot that has not been assigned yet. Never visible to users.
    case unset

    /// The kind as users see it in messages and `:vars`.
    public var typeName: String {
        switch self {
        case .none: return "none"
        case .number: return "number"
        case .bool: return "bool"
        case .string: return "string"
        case .tensor(let t): return t.rank == 0 ? "number" : "tensor"
        case .list: return "list"
        case .record: return "record"
        case .function: return "function"
        case .builtin: return "built-in"
        case .dual(let d): return d.value.typeName
        case .unset: return "unset"
        }
    }

    /// Describes a value in an error message: `tensor (3,4)`, `string`, `number`.
    public var describedKind: String {
        if case .tensor(let t) = self, t.rank > 0 { return "tensor \(shapeString(t.shape))" }
        if case .dual(let d) = self { return d.value.describedKind }
        return typeName
    }

    /// Turns a rank-0 tensor into a number; leaves everything else alone.
    @inline(__always) public var normalized: Value {
        if case .tensor(let t) = self, t.rank == 0 { return .number(t.pointer.pointee) }
        return self
    }

    /// Wraps an engine result: rank-0 tensors become numbers.
    @inline(__always) public static func from(_ t: Tensor) -> Value {
        t.rank == 0 ? .number(t.pointer.pointee) : .tensor(t)
    }
}

/// A record: named fields in the order they were written. Value semantics.
public struct Record: Sendable {
    public private(set) var names: [String]
    public private(set) var values: [Value]

    public init(_ fields: [(String, Value)] = []) {
        names = fields.map { $0.0 }
        values = fields.map { $0.1 }
    }

    public subscript(name: String) -> Value? {
        get { names.firstIndex(of: name).map { values[$0] } }
        set {
            if let i = names.firstIndex(of: name) {
                if let v = newValue { values[i] = v } else { names.remove(at: i); values.remove(at: i) }
            } else if let v = newValue {
                names.append(name); values.append(v)
            }
        }
    }

    public var fields: [(String, Value)] { Array(zip(names, values)) }
}

/// A user function: its compiled body and the frame it closes over.
public final class Function: @unchecked Sendable {
    let code: FunctionCode
    private let strongClosure: Frame?
    /// A weak twin holds its frame weakly: it is what a finished call keeps in the variable
    /// of a function defined in it (see `Interpreter.breakCycles`), so that the frame
    /// holding the function no longer holds itself. It is only ever read through that
    /// frame, while the frame is alive, and reading it gives a strong copy (`strengthened`).
    private weak var weakClosure: Frame?
    let isWeakTwin: Bool
    var closure: Frame? { isWeakTwin ? weakClosure : strongClosure }
    init(code: FunctionCode, closure: Frame?) { self.code = code; self.strongClosure = closure; isWeakTwin = false }
    init(weakTwinOf fn: Function) { code = fn.code; strongClosure = nil; weakClosure = fn.closure; isWeakTwin = true }
    /// This function with a strong hold on its frame (itself unless it is a weak twin).
    var strengthened: Function { isWeakTwin ? Function(code: code, closure: weakClosure) : self }
    public var name: String { code.name }
    public var parameterNames: [String] { code.paramNames }
    /// The parameters as written, defaults included: `a, lr=0.1`.
    public var parameterList: String {
        zip(code.paramNames, code.defaults).map { name, d in
            d.map { "\(name)=\(code.source.text(of: $0.span))" } ?? name
        }.joined(separator: ", ")
    }
    /// The function's source text (for `:help` and saving a workspace).
    public var sourceText: String { code.source.text(of: code.span) }
}

/// Arguments as a built-in receives them: positional values, keyword values, and
/// the spans of each so an error can point at the offending argument.
public struct Arguments {
    public let callee: String
    public var positional: [Value]
    public var keywords: [(name: String, value: Value)]
    public var positionalSpans: [SourceSpan] = []
    public var keywordSpans: [SourceSpan] = []
    /// Calls back into the interpreter (for built-ins that take lk functions).
    public let interpreter: Interpreter?
    /// The callee's declaration (nil when called from Swift without one): which
    /// keywords exist and their declared defaults.
    public var declaration: Signature? = nil
    var declaredKeywords: [String]? { declaration?.keywords }
    /// The callee's signature, for usage hints.
    public var usage: String = ""

    public init(callee: String, positional: [Value], keywords: [(name: String, value: Value)] = [], interpreter: Interpreter? = nil) {
        self.callee = callee; self.positional = positional; self.keywords = keywords; self.interpreter = interpreter
    }
}

/// An error raised by a built-in. `argument` points the caret at one argument:
/// `.positional(i)` or `.keyword(name)`.
public struct BuiltinError: Error, Sendable {
    public enum Where: Sendable { case call, positional(Int), keyword(String) }
    public var message: String
    public var at: Where
    public init(_ message: String, at: Where = .call) { self.message = message; self.at = at }
}

/// A built-in function. Its signature line is its one declaration: the name,
/// the forms and their positional arity, and the keywords it accepts are all
/// parsed from it (see `Signature`), so `:help`, completion, Docs/builtins.md,
/// the arity check and "unexpected keyword" errors cannot disagree.
public final class Builtin: @unchecked Sendable {
    public let name: String
    public let signature: String
    public let declaration: Signature
    public let doc: String
    public let keywords: [String]
    public let implementation: (inout Arguments) throws -> Value
    /// What the built-in does when a differentiated value reaches it.
    public internal(set) var differentiation: Differentiation

    /// `signature` must parse (a malformed one is a programming error in the table).
    public init(signature: String, doc: String, differentiation: Differentiation = .none,
                _ implementation: @escaping (inout Arguments) throws -> Value) {
        do { declaration = try Signature(signature) } catch { preconditionFailure("\(error)") }
        self.name = declaration.name; self.signature = signature; self.keywords = declaration.keywords
        self.doc = doc; self.implementation = implementation; self.differentiation = differentiation
    }

    /// Gives a built-in its differentiation rule (the table does this once, at start-up).
    public func differentiable(_ d: Differentiation) -> Builtin { differentiation = d; return self }

    /// The engine function when the built-in is exactly `op` applied elementwise (a
    /// number to `op.apply`, a tensor to `Tensor.map(op)`): such calls may be fused
    /// into a chain of elementwise operations (see `FusedNode`).
    public internal(set) var elementwiseOp: UnaryOp? = nil

    /// Declares the built-in to be `op` elementwise (the table does this once, at start-up).
    public func elementwise(_ op: UnaryOp) -> Builtin { elementwiseOp = op; return self }

    /// Runs the built-in on arguments that may hold differentiated values.
    func call(_ args: inout Arguments) throws -> Value {
        let differentiated = args.positional.contains(where: \.containsDual) || args.keywords.contains { $0.value.containsDual }
        guard differentiated else {
            // Values that escaped a finished transformation are ordinary values.
            if args.positional.contains(where: { $0.escaped != nil }) || args.keywords.contains(where: { $0.value.escaped != nil }) {
                args.positional = args.positional.map(\.deepUndual)
                args.keywords = args.keywords.map { ($0.name, $0.value.deepUndual) }
            }
            return try implementation(&args)
        }
        switch differentiation {
        case .none:
            throw BuiltinError("grad: \(name) is not differentiable (a differentiated value reached it; see :help grad for the differentiable operations)")
        case .passthrough:
            return try implementation(&args)
        case .constant:
            args.positional = args.positional.map(\.deepUndual)
            args.keywords = args.keywords.map { ($0.name, $0.value.deepUndual) }
            return try implementation(&args)
        case .rule(let rule):
            // A list or record holding a differentiated value is not a tensor: the
            // built-in's own check words the error (as outside grad); if it accepts
            // one, differentiating through it is refused, never a silent zero.
            if !Builtin.rulesTakingLists.contains(name),
               args.positional.contains(where: Builtin.holdsDualInside) || args.keywords.contains(where: { Builtin.holdsDualInside($0.value) }) {
                var plain = args
                plain.positional = plain.positional.map(\.deepUndual)
                plain.keywords = plain.keywords.map { ($0.name, $0.value.deepUndual) }
                _ = try implementation(&plain)
                throw BuiltinError("grad: \(name) cannot differentiate through a list or record holding differentiated values; make it a tensor first (stack)")
            }
            return try rule(&args)
        }
    }
}

extension Builtin {
    /// Built-ins whose rule handles lists itself.
    static let rulesTakingLists: Set<String> = ["append"]

    /// A list or record with a differentiated value somewhere inside.
    static func holdsDualInside(_ v: Value) -> Bool {
        switch v {
        case .list, .record: return v.containsDual
        default: return false
        }
    }
}

/// How a built-in treats a differentiated argument (see Autodiff/).
public enum Differentiation: Sendable {
    /// An error naming the built-in: never a silent zero.
    case none
    /// Values are carried as they are (print, lists, records, the transformations).
    case passthrough
    /// The result does not depend smoothly on the argument (shape, argmax, sort
    /// positions, comparisons): it is computed from the values, with no gradient.
    case constant
    /// A rule written with differentiable operations.
    case rule(@Sendable (inout Arguments) throws -> Value)
}

extension Value {
    /// The value with every differentiation wrapper removed, inside lists and records too.
    public var deepUndual: Value {
        switch self {
        case .dual(let d): return d.value
        case .list(let l): return .list(l.map(\.deepUndual))
        case .record(let r): return .record(Record(r.fields.map { ($0.0, $0.1.deepUndual) }))
        default: return self
        }
    }

}

extension Builtin {
    /// The arity check every call gets before the implementation runs.
    func checkArity(_ n: Int) throws {
        guard declaration.accepts(positional: n) else {
            let (lo, hi) = declaration.arity
            let want = hi == lo ? "\(lo)" : hi == nil ? "at least \(lo)" : "\(lo) to \(hi!)"
            let plural = (hi ?? 2) == 1 && lo <= 1 ? "" : "s"
            let given = n == 1 ? "1 was" : "\(n) were"
            let what = declaration.forms.count > 1 && (lo...(hi ?? Int.max)).contains(n) ? "a different number of arguments" : "\(want) argument\(plural)"
            throw BuiltinError("\(name) takes \(what) but \(given) given; usage: \(signature)",
                               at: hi.map { n > $0 ? .positional($0) : .call } ?? .call)
        }
    }
}

/// Which keywords each built-in's implementation reads, as `name(keyword=)`.
/// A read its signature does not declare is a drift a user could never reach (the
/// call would be refused), and a declared keyword never read is one the built-in
/// silently ignores; the built-in sweep calls everything and checks both.
public enum KeywordAudit {
    nonisolated(unsafe) private static var undeclaredReads: Set<String> = []
    nonisolated(unsafe) private static var reads: Set<String> = []
    private static let lock = NSLock()
    static func record(_ callee: String, _ name: String, declared: Bool) {
        lock.lock()
        if declared { reads.insert("\(callee)(\(name)=)") } else { undeclaredReads.insert("\(callee)(\(name)=)") }
        lock.unlock()
    }
    public static var undeclared: [String] { lock.lock(); defer { lock.unlock() }; return undeclaredReads.sorted() }
    public static var declaredAndRead: Set<String> { lock.lock(); defer { lock.unlock() }; return reads }
}
