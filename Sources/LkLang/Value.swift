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
        case .unset: return "unset"
        }
    }

    /// Describes a value in an error message: `tensor (3,4)`, `string`, `number`.
    public var describedKind: String {
        if case .tensor(let t) = self, t.rank > 0 { return "tensor \(shapeString(t.shape))" }
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
    let closure: Frame?
    init(code: FunctionCode, closure: Frame?) { self.code = code; self.closure = closure }
    public var name: String { code.name }
    public var parameterNames: [String] { code.paramNames }
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

/// A built-in function: its name, its one-paragraph documentation (what `:help`
/// prints), its signature line, the keyword names it accepts (for completion and
/// for "unexpected keyword" errors), and its implementation.
public final class Builtin: @unchecked Sendable {
    public let name: String
    public let signature: String
    public let doc: String
    public let keywords: [String]
    public let implementation: (inout Arguments) throws -> Value

    public init(_ name: String, signature: String, keywords: [String] = [], doc: String,
                _ implementation: @escaping (inout Arguments) throws -> Value) {
        self.name = name; self.signature = signature; self.keywords = keywords
        self.doc = doc; self.implementation = implementation
    }
}
