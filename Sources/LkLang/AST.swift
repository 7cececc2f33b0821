/// The syntax tree the parser builds. Every node carries its source span so
/// errors can point at the exact code.
public indirect enum ExprKind: Sendable {
    case number(Double)
    case string(String)
    case bool(Bool)
    case none
    case name(String)
    /// `[a, b, …]`: a tensor when the items are numbers or same-shape tensors, else a list.
    case list([Expr])
    /// `{x: 1, name: "a"}`
    case record([(name: String, value: Expr)])
    case unary(UnaryOperator, Expr)
    case binary(BinaryOperator, Expr, Expr)
    case and(Expr, Expr)
    case or(Expr, Expr)
    /// `a..b`: the integers a, a+1, …, b-1.
    case range(Expr, Expr)
    case call(Expr, [Argument])
    case index(Expr, [IndexItem])
    case field(Expr, String, SourceSpan)
    case function(FunctionDecl)
}

public struct Expr: Sendable {
    public var kind: ExprKind
    public var span: SourceSpan
}

public enum UnaryOperator: Sendable { case negate, plus, not }

public enum BinaryOperator: String, Sendable {
    case add = "+", sub = "-", mul = "*", div = "/", mod = "%", pow = "^", matmul = "@"
    case eq = "==", ne = "!=", lt = "<", le = "<=", gt = ">", ge = ">="
}

public struct Argument: Sendable {
    public var name: String?
    public var value: Expr
    public var span: SourceSpan
}

public enum IndexItem: Sendable {
    case expr(Expr)
    case slice(start: Expr?, stop: Expr?, step: Expr?, span: SourceSpan)
}

public struct Parameter: Sendable {
    public var name: String
    public var defaultValue: Expr?
    public var span: SourceSpan
}

public final class FunctionDecl: Sendable {
    public let name: String?
    public let params: [Parameter]
    public let body: [Stmt]
    /// For `fn(x) => expr`, the body is one return statement and this is true.
    public let isArrow: Bool
    public let span: SourceSpan
    init(name: String?, params: [Parameter], body: [Stmt], isArrow: Bool, span: SourceSpan) {
        self.name = name; self.params = params; self.body = body; self.isArrow = isArrow; self.span = span
    }
}

public indirect enum StmtKind: Sendable {
    case expr(Expr)
    /// `target = value`, or `target op= value` when `op` is set.
    case assign(target: Expr, op: BinaryOperator?, value: Expr)
    case ifChain(branches: [(condition: Expr, body: [Stmt])], elseBody: [Stmt]?)
    case whileLoop(condition: Expr, body: [Stmt])
    case forLoop(variable: String, variableSpan: SourceSpan, iterable: Expr, body: [Stmt])
    case breakLoop
    case continueLoop
    case returnValue(Expr?)
    case function(FunctionDecl)
    /// `nonlocal a, b` (the variables of the nearest enclosing function that has
    /// them) or `global a, b` (top-level variables), as in Python: assignments in
    /// this function then update those variables instead of making locals.
    case declare(global: Bool, names: [(String, SourceSpan)])
}

public struct Stmt: Sendable {
    public var kind: StmtKind
    public var span: SourceSpan
}

/// A parsed source file or REPL input.
public struct Program: Sendable {
    public var statements: [Stmt]
    public var source: SourceFile
    /// The last statement ends in `;` (`x;` or `x;  # note`): a front end does not
    /// show its value. Recorded by the parser, so no front end tests the text.
    public var hidesValue = false
}
