import Foundation
@testable import LkBuiltins
import LkLang
import LkTensor
import LkTestSupport
import XCTest

/// Every derivative rule against central differences, at random points: the
/// gradient of F(x) = Σ W∘op(x) (W random, so every output element counts), the
/// forward-mode derivative of op along a random u (`jvp`), and, so that rules
/// compose, the Hessian-vector product ∇(∇F·u) in reverse-over-reverse,
/// forward-over-reverse and reverse-over-forward. The table below
/// must cover every rule the engine has — a rule added without a check fails
/// `testEveryRuleIsChecked`.
final class GradientCheckTests: XCTestCase {
    struct Case {
        /// The rule (built-in name, operator symbol or language construct) it checks.
        let rule: String
        /// lk source: the operation as a function of x.
        let op: String
        /// lk source: the point (a tensor, or a list of tensors for several inputs).
        let x: String
        /// Whether to check second derivatives too.
        var twice = true
    }

    static let cases: [Case] = [
        // elementwise functions (UnaryOp.derivative)
        Case(rule: "neg", op: "fn(x) => -x", x: "randn(3, 2)"),
        Case(rule: "abs", op: "abs", x: "randn(3, 2)"),
        Case(rule: "sqrt", op: "sqrt", x: "rand(3, 2) + 0.5"),
        Case(rule: "exp", op: "exp", x: "randn(3, 2)"),
        Case(rule: "log", op: "log", x: "rand(3, 2) + 0.5"),
        Case(rule: "log1p", op: "log1p", x: "rand(3, 2)"),
        Case(rule: "expm1", op: "expm1", x: "randn(3, 2)"),
        Case(rule: "tanh", op: "tanh", x: "randn(3, 2)"),
        Case(rule: "relu", op: "relu", x: "randn(3, 2)"),
        Case(rule: "sigmoid", op: "sigmoid", x: "randn(3, 2)"),
        Case(rule: "erf", op: "erf", x: "randn(3, 2)"),
        Case(rule: "sin", op: "sin", x: "randn(3, 2)"),
        Case(rule: "cos", op: "cos", x: "randn(3, 2)"),
        Case(rule: "tan", op: "tan", x: "rand(3, 2) - 0.5"),
        Case(rule: "log2", op: "log2", x: "rand(3, 2) + 0.5"),
        Case(rule: "log10", op: "log10", x: "rand(3, 2) + 0.5"),
        Case(rule: "square", op: "fn(x) => x^2", x: "randn(3, 2)"),
        // operators (BinaryOp.partials), with broadcasting summed back
        Case(rule: "+", op: "fn(x) => x[0] + x[1]", x: "[randn(3, 1), randn(1, 4)]"),
        Case(rule: "-", op: "fn(x) => x[0] - x[1]", x: "[randn(3, 4), randn(4)]"),
        Case(rule: "*", op: "fn(x) => x[0] * x[1]", x: "[randn(3, 1), randn(3, 4)]"),
        Case(rule: "/", op: "fn(x) => x[0] / x[1]", x: "[randn(2, 3), rand(2, 3) + 0.5]"),
        Case(rule: "%", op: "fn(x) => x[0] % x[1]", x: "[rand(2, 3) * 3 + 0.1, rand(2, 3) + 0.7]"),
        Case(rule: "^", op: "fn(x) => x[0] ^ x[1]", x: "[rand(2, 3) + 0.5, randn(2, 3)]"),
        Case(rule: "^", op: "fn(x) => x ^ 3", x: "randn(4)"),
        Case(rule: "maximum", op: "fn(x) => maximum(x[0], x[1])", x: "[randn(3, 2), randn(3, 2)]"),
        Case(rule: "minimum", op: "fn(x) => minimum(x[0], x[1])", x: "[randn(3, 2), randn(2)]"),
        Case(rule: "@", op: "fn(x) => x[0] @ x[1]", x: "[randn(3, 4), randn(4, 2)]"),
        Case(rule: "@", op: "fn(x) => x[0] @ x[1]", x: "[randn(4), randn(4, 2)]"),
        Case(rule: "@", op: "fn(x) => x[0] @ x[1]", x: "[randn(3, 4), randn(4)]"),
        Case(rule: "@", op: "fn(x) => x[0] @ x[1]", x: "[randn(4), randn(4)]"),
        Case(rule: ".T", op: "fn(x) => x.T", x: "randn(3, 4)"),
        // indexing: slices, masks, integer arrays with repeats (scatter-add), assignment
        Case(rule: "index", op: "fn(x) => x[1:3, ::2]", x: "randn(4, 5)"),
        Case(rule: "index", op: "fn(x) => x[x > 0]", x: "randn(4, 5)"),
        Case(rule: "index", op: "fn(x) => x[[0, 2, 0, 0]]", x: "randn(3, 2)"),
        Case(rule: "index", op: "fn(x) => x[[0, 1], [1, 1]]", x: "randn(3, 2)"),
        Case(rule: "setindex", op: "fn(x) { y = x[0]; y[1:3] = x[1]; return y * y }", x: "[randn(4, 2), randn(2, 2)]"),
        Case(rule: "setindex", op: "fn(x) { y = x; y[y < 0] = 0; return y }", x: "randn(5)"),
        // reductions
        Case(rule: "sum", op: "fn(x) => sum(x, axis=0)", x: "randn(3, 4)"),
        Case(rule: "sum", op: "fn(x) => sum(x, axis=1, keepdims=true)", x: "randn(3, 4)"),
        Case(rule: "mean", op: "fn(x) => mean(x, axis=-1)", x: "randn(3, 4)"),
        Case(rule: "mean", op: "mean", x: "randn(3, 4)"),
        Case(rule: "var", op: "fn(x) => var(x, axis=0)", x: "randn(3, 4)"),
        Case(rule: "std", op: "std", x: "randn(3, 4)"),
        Case(rule: "prod", op: "prod", x: "rand(5) + 0.5"),
        Case(rule: "prod", op: "fn(x) => prod(x, axis=1)", x: "rand(3, 4) + 0.5"),
        Case(rule: "prod", op: "fn(x) => prod(x, axis=0, keepdims=true)", x: "randn(3, 4)"),
        Case(rule: "max", op: "fn(x) => max(x, axis=1)", x: "randn(3, 4)"),
        Case(rule: "max", op: "fn(x) => max(x[0], x[1])", x: "[randn(3), randn(3)]"),
        Case(rule: "min", op: "min", x: "randn(3, 4)"),
        Case(rule: "norm", op: "norm", x: "randn(3, 4)"),
        Case(rule: "norm", op: "fn(x) => norm(x, axis=1)", x: "randn(3, 4)"),
        Case(rule: "logsumexp", op: "fn(x) => logsumexp(x, axis=1)", x: "randn(3, 4)"),
        Case(rule: "logsumexp", op: "logsumexp", x: "randn(3, 4)"),
        Case(rule: "softmax", op: "softmax", x: "randn(3, 4)"),
        Case(rule: "softmax", op: "fn(x) => softmax(x, axis=0)", x: "randn(3, 4)"),
        Case(rule: "cumsum", op: "fn(x) => cumsum(x, axis=1)", x: "randn(3, 4)"),
        Case(rule: "cumsum", op: "cumsum", x: "randn(3, 4)"),
        // shapes
        Case(rule: "reshape", op: "fn(x) => reshape(x, 2, 6)", x: "randn(3, 4)"),
        Case(rule: "flatten", op: "flatten", x: "randn(3, 4)"),
        Case(rule: "squeeze", op: "squeeze", x: "randn(3, 1, 4)"),
        Case(rule: "transpose", op: "fn(x) => transpose(x, axes=[2, 0, 1])", x: "randn(2, 3, 4)"),
        Case(rule: "transpose", op: "transpose", x: "randn(3, 4)"),
        Case(rule: "concat", op: "fn(x) => concat(x[0], x[1], axis=1)", x: "[randn(3, 2), randn(3, 4)]"),
        Case(rule: "stack", op: "fn(x) => stack(x[0], x[1], axis=1)", x: "[randn(3, 2), randn(3, 2)]"),
        Case(rule: "tile", op: "fn(x) => tile(x, 2, 3)", x: "randn(2, 2)"),
        Case(rule: "tile", op: "fn(x) => tile(x, 2, 1, 2)", x: "randn(3)"),
        Case(rule: "repeat", op: "fn(x) => repeat(x, 2, axis=0)", x: "randn(3, 2)"),
        Case(rule: "repeat", op: "fn(x) => repeat(x, [1, 0, 3])", x: "randn(3)"),
        Case(rule: "flip", op: "fn(x) => flip(x, axis=1)", x: "randn(3, 4)"),
        Case(rule: "roll", op: "fn(x) => roll(x, 2, axis=0)", x: "randn(5, 2)"),
        Case(rule: "triu", op: "fn(x) => triu(x, k=1)", x: "randn(4, 4)"),
        Case(rule: "tril", op: "tril", x: "randn(4, 3)"),
        Case(rule: "diff", op: "fn(x) => diff(x, n=2, axis=0)", x: "randn(5, 3)"),
        // products and linear algebra
        Case(rule: "matmul", op: "fn(x) => matmul(x[0], x[1])", x: "[randn(3, 4), randn(4, 2)]"),
        Case(rule: "dot", op: "fn(x) => dot(x[0], x[1])", x: "[randn(5), randn(5)]"),
        Case(rule: "outer", op: "fn(x) => outer(x[0], x[1])", x: "[randn(3), randn(4)]"),
        Case(rule: "diag", op: "diag", x: "randn(4)"),
        Case(rule: "diag", op: "diag", x: "randn(4, 4)"),
        Case(rule: "trace", op: "trace", x: "randn(4, 4)"),
        Case(rule: "einsum", op: "fn(x) => einsum(\"ij,jk->ik\", x[0], x[1])", x: "[randn(3, 4), randn(4, 2)]"),
        Case(rule: "einsum", op: "fn(x) => einsum(\"bij,bjk->bik\", x[0], x[1])", x: "[randn(2, 3, 4), randn(2, 4, 2)]"),
        Case(rule: "einsum", op: "fn(x) => einsum(\"ij,k\", x[0], x[1])", x: "[randn(3, 4), randn(2)]"),
        Case(rule: "einsum", op: "fn(x) => einsum(\"ij->i\", x)", x: "randn(3, 4)"),
        Case(rule: "inv", op: "inv", x: "randn(4, 4) + 4 * eye(4)"),
        Case(rule: "solve", op: "fn(x) => solve(x[0], x[1])", x: "[randn(4, 4) + 4 * eye(4), randn(4)]"),
        Case(rule: "solve", op: "fn(x) => solve(x[0], x[1])", x: "[randn(3, 3) + 4 * eye(3), randn(3, 2)]"),
        Case(rule: "det", op: "det", x: "randn(4, 4) + 2 * eye(4)"),
        Case(rule: "slogdet", op: "fn(x) => slogdet(x).logabsdet", x: "randn(4, 4) + 2 * eye(4)"),
        Case(rule: "chol", op: "fn(x) => chol(x @ x.T + 3 * eye(3))", x: "randn(3, 3)"),
        // eigenvectors have a free sign: v∘v is the function of them that is determined
        Case(rule: "eigh", op: "fn(x) => eigh(x + x.T).values", x: "randn(4, 4)"),
        Case(rule: "eigh", op: "fn(x) { v = eigh(x + x.T).vectors; return v * v }", x: "randn(4, 4)"),
        Case(rule: "svd", op: "fn(x) => svd(x).S", x: "randn(4, 3)"),
        Case(rule: "svd", op: "fn(x) => svd(x).S", x: "randn(3, 5)"),
        // singular vectors have a free sign too: u∘u, v∘v and products of pairs are determined
        Case(rule: "svd", op: "fn(x) { r = svd(x); return r.U * r.U }", x: "randn(4, 3)"),
        Case(rule: "svd", op: "fn(x) { r = svd(x); return r.V * r.V }", x: "randn(4, 3)"),
        Case(rule: "svd", op: "fn(x) { r = svd(x); return (r.U * r.U) @ (r.V * r.V).T }", x: "randn(3, 5)"),
        Case(rule: "svd", op: "fn(x) { r = svd(x); return r.U[:, 0:1] * r.V[:, 0:1].T }", x: "randn(5, 3)"),
        Case(rule: "clip", op: "fn(x) => clip(x, -0.5, 0.5)", x: "randn(3, 4)"),
        Case(rule: "clip", op: "fn(x) => clip(x[0], x[1], x[2])", x: "[randn(3, 4), randn(4) - 1, randn(3, 1) + 1]"),
        Case(rule: "full", op: "fn(x) => full(2, 3, value=x)", x: "randn()"),
        Case(rule: "append", op: "fn(x) => append(x[0], x[1])", x: "[randn(2, 2), randn(3)]"),
        Case(rule: "where", op: "fn(x) => where(x[0] > 0, x[0], x[1] * 2)", x: "[randn(3, 4), randn(3, 4)]"),
    ]

    /// Rules that are language constructs rather than built-ins or operator tables.
    static let constructs: Set<String> = [".T", "index", "setindex", "@"]

    func testEveryRuleIsChecked() {
        let covered = Set(Self.cases.map(\.rule))
        var rules = Set(BuiltinTable.all.compactMap { b -> String? in
            if case .rule = b.differentiation { return b.name } else { return nil }
        })
        for op in UnaryOp.allCases where op.derivative != nil { rules.insert(op.rawValue) }
        for op in BinaryOp.allCases where op.partials != nil {
            rules.insert(op == .maximum || op == .minimum ? "\(op)" : op.symbol)
        }
        rules.formUnion(Self.constructs)
        let missing = rules.subtracting(covered).sorted()
        XCTAssertEqual(missing, [], "derivative rules without a central-difference check in GradientCheckTests.cases")
        XCTAssertEqual(covered.subtracting(rules).sorted(), [], "cases naming a rule the engine does not have")
    }

    func testEveryRuleAgreesWithCentralDifferences() {
        for (i, c) in Self.cases.enumerated() {
            check(c, seed: UInt64(100 + i))
        }
    }

    // MARK: the check

    /// The elements of x (a number, tensor or list of them) as a flat array, and back.
    static func flatten(_ v: Value) -> [Double] {
        switch v.normalized {
        case .number(let x): return [x]
        case .tensor(let t): return t.scalars
        case .list(let l): return l.flatMap(flatten)
        default: return [.nan]
        }
    }

    static func rebuild(_ like: Value, _ xs: [Double], _ at: inout Int) -> Value {
        switch like.normalized {
        case .number: at += 1; return .number(xs[at - 1])
        case .tensor(let t):
            var u = t
            u.withUnsafeMutableBufferPointer { b in for k in b.indices { b[k] = xs[at + k] } }
            at += t.count
            return .tensor(u)
        case .list(let l): return .list(l.map { rebuild($0, xs, &at) })
        default: return like
        }
    }

    static func numericGradient(_ interp: Interpreter, _ f: Value, _ x: Value) throws -> [Double] {
        let x0 = flatten(x)
        var out = [Double]()
        for j in x0.indices {
            let h = 1e-5 * max(1, abs(x0[j]))
            var xp = x0, xm = x0
            xp[j] += h; xm[j] -= h
            var a = 0, b = 0
            let fp = try interp.call(f, [rebuild(x, xp, &a)]), fm = try interp.call(f, [rebuild(x, xm, &b)])
            guard case .number(let p) = fp.normalized, case .number(let m) = fm.normalized else {
                throw BuiltinError("F must return a number")
            }
            out.append((p - m) / (2 * h))
        }
        return out
    }

    /// (op(x + hu) − op(x − hu)) / 2h, element by element.
    static func numericDirectional(_ interp: Interpreter, _ f: Value, _ x: Value, _ u: Value) throws -> [Double] {
        let x0 = flatten(x), u0 = flatten(u)
        let h = 1e-5 * max(1, x0.map(abs).max() ?? 0)
        var a = 0, b = 0
        let fp = flatten(try interp.call(f, [rebuild(x, zip(x0, u0).map { $0 + h * $1 }, &a)]))
        let fm = flatten(try interp.call(f, [rebuild(x, zip(x0, u0).map { $0 - h * $1 }, &b)]))
        return zip(fp, fm).map { ($0 - $1) / (2 * h) }
    }

    func check(_ c: Case, seed: UInt64, file: StaticString = #filePath, line: UInt = #line) {
        final class Box: @unchecked Sendable { var failure: String?; var results: [(String, [Double], [Double])] = [] }
        let box = Box()
        onLargeStack {
            Random.seed(seed)
            let interp = BuiltinTable.makeInterpreter()
            let program = """
                op = \(c.op)
                x = \(c.x)
                W = randn(shape(op(x)))
                F = fn(x) => sum(op(x) * W)
                fn inner(a, b) {
                    if type(a) == "list" { s = 0; for i in 0..len(a) { s = s + sum(a[i] * b[i]) }; return s }
                    return sum(a * b)
                }
                if type(x) == "list" { u = map(fn(v) => randn(shape(v)), x) } else { u = randn(shape(x)) }
                g = grad(F)(x)
                jt = jvp(op, x, u).tangent
                HV = fn(x) => inner(grad(F)(x), u)
                """ + (c.twice ? "\nhv = grad(HV)(x)\nhvf = jvp(grad(F), x, u).tangent\nhvr = grad(fn(x) => jvp(F, x, u).tangent)(x)\n" : "")
            let outcome = runLk(program, in: interp)
            if let e = outcome.error { box.failure = "\(c.rule) \(c.op): \(e.message)"; return }
            do {
                let x = interp.value(of: "x")!
                box.results.append(("gradient", Self.flatten(interp.value(of: "g")!), try Self.numericGradient(interp, interp.value(of: "F")!, x)))
                box.results.append(("forward-mode tangent", Self.flatten(interp.value(of: "jt")!),
                                    try Self.numericDirectional(interp, interp.value(of: "op")!, x, interp.value(of: "u")!)))
                if c.twice {
                    let hv = try Self.numericGradient(interp, interp.value(of: "HV")!, x)
                    box.results.append(("Hessian-vector product", Self.flatten(interp.value(of: "hv")!), hv))
                    box.results.append(("forward-over-reverse Hessian-vector product", Self.flatten(interp.value(of: "hvf")!), hv))
                    box.results.append(("reverse-over-forward Hessian-vector product", Self.flatten(interp.value(of: "hvr")!), hv))
                }
            } catch { box.failure = "\(c.rule) \(c.op): \(error)" }
        }
        if let f = box.failure { XCTFail(f, file: file, line: line); return }
        for (what, got, want) in box.results {
            XCTAssertEqual(got.count, want.count, "\(c.rule) \(c.op): \(what) has the wrong size", file: file, line: line)
            let scale = max(1, want.map(abs).max() ?? 0)
            let err = zip(got, want).map { abs($0 - $1) }.max() ?? 0
            XCTAssertLessThan(err, 1e-5 * scale, "\(c.rule) \(c.op) at \(c.x): \(what) \(got) vs central differences \(want)", file: file, line: line)
        }
    }
}
