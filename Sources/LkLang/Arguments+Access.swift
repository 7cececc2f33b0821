import LkTensor

/// Typed access to a built-in's arguments. Every failure is a `BuiltinError`
/// that names the built-in and the argument, and points the caret at it.
extension Arguments {
    public var count: Int { positional.count }

    /// The i-th argument as the path of a file to read, resolved as
    /// `Interpreter.resolveInput` says (the running script's folder first).
    public func inputPath(_ i: Int, _ name: String) throws -> String {
        let p = try string(i, name)
        return interpreter?.resolveInput(p) ?? p
    }

    public func error(_ message: String, at i: Int) -> BuiltinError {
        BuiltinError("\(callee): \(message)", at: .positional(i))
    }

    public func keywordError(_ message: String, _ name: String) -> BuiltinError {
        BuiltinError("\(callee): \(message)", at: .keyword(name))
    }

    /// A tighter check of the number of positional arguments than the signature's
    /// forms express (the declared arity is checked before the call).
    public func expect(_ range: ClosedRange<Int>) throws {
        guard range.contains(positional.count) else {
            let n = positional.count
            let want = range.lowerBound == range.upperBound ? "\(range.lowerBound)" :
                range.upperBound == Int.max ? "at least \(range.lowerBound)" : "\(range.lowerBound) to \(range.upperBound)"
            let plural = range.upperBound == 1 || (range.upperBound == Int.max && range.lowerBound == 1) ? "" : "s"
            throw BuiltinError("\(callee) takes \(want) argument\(plural) but \(n) \(n == 1 ? "was" : "were") given; usage: \(usage)",
                               at: n > range.upperBound ? .positional(range.upperBound) : .call)
        }
    }

    /// The i-th positional argument as a tensor (numbers and bools become rank 0;
    /// a list of numbers becomes a vector).
    public func tensor(_ i: Int, _ name: String) throws -> Tensor {
        guard i < positional.count else { throw BuiltinError("\(callee): missing argument '\(name)'") }
        if let t = Arguments.asTensor(positional[i]) { return t }
        throw error("\(name) must be a tensor or a number, got \(positional[i].describedKind)", at: i)
    }

    public static func asTensor(_ v: Value) -> Tensor? {
        switch v {
        case .tensor(let t): return t
        case .number(let x): return Tensor(scalar: x)
        case .bool(let b): return Tensor(scalar: b ? 1 : 0)
        case .list(let l):
            var xs: [Double] = []
            for e in l { guard case .number(let x) = e.normalized else { return nil }; xs.append(x) }
            return Tensor(xs)
        default: return nil
        }
    }

    /// A tensor of rank exactly `rank` (2 for matrices).
    public func matrix(_ i: Int, _ name: String, rank: Int = 2) throws -> Tensor {
        let t = try tensor(i, name)
        guard t.rank == rank else {
            let what = rank == 2 ? "a matrix" : rank == 1 ? "a vector" : "a rank-\(rank) tensor"
            throw error("\(name) must be \(what), got \(t.rank == 0 ? "a number" : "shape \(shapeString(t.shape))")", at: i)
        }
        return t
    }

    /// `t` (the i-th argument, called `name`) when it holds no NaN or ±Inf. For
    /// built-ins whose answer is a choice (an index, a rank, a class): there a NaN
    /// would not propagate but silently pick something arbitrary.
    @discardableResult
    public func finite(_ t: Tensor, _ i: Int, _ name: String) throws -> Tensor {
        guard let flat = (0..<t.count).first(where: { !t.pointer[$0].isFinite }) else { return t }
        var rest = flat, index: [Int] = []
        for d in t.shape.reversed() { index.insert(rest % d, at: 0); rest /= d }
        let at = t.rank == 0 ? "" : " at [\(index.map(String.init).joined(separator: ", "))]"
        throw error("\(name) must be finite, got \(formatNumber(t.pointer[flat]))\(at)", at: i)
    }

    public func number(_ i: Int, _ name: String) throws -> Double {
        guard i < positional.count else { throw BuiltinError("\(callee): missing argument '\(name)'") }
        if let x = Arguments.asNumber(positional[i]) { return x }
        throw error("\(name) must be a number, got \(positional[i].describedKind)", at: i)
    }

    static func asNumber(_ v: Value) -> Double? {
        switch v.normalized {
        case .number(let x): return x
        case .bool(let b): return b ? 1 : 0
        case .tensor(let t) where t.count == 1: return t.pointer.pointee
        default: return nil
        }
    }

    /// An integral number within bounds.
    public func int(_ i: Int, _ name: String, min lo: Int? = nil) throws -> Int {
        let x = try number(i, name)
        return try Arguments.checkInt(x, name, lo) { self.error($0, at: i) }
    }

    public static func checkInt(_ x: Double, _ name: String, _ lo: Int?, _ err: (String) -> BuiltinError) throws -> Int {
        guard x.isFinite, x == x.rounded() else { throw err("\(name) must be an integer, got \(formatNumber(x))") }
        guard abs(x) < 9e15 else { throw err("\(name) is too large: \(formatNumber(x))") }
        let n = Int(x)
        if let lo, n < lo { throw err("\(name) must be at least \(lo), got \(n)") }
        return n
    }

    public func string(_ i: Int, _ name: String) throws -> String {
        guard i < positional.count else { throw BuiltinError("\(callee): missing argument '\(name)'") }
        guard case .string(let s) = positional[i] else { throw error("\(name) must be a string, got \(positional[i].describedKind)", at: i) }
        return s
    }

    /// Sizes given as separate numbers from position `start` on (`zeros(3, 4)`),
    /// or as one vector (`zeros(shape(x))`).
    public func sizes(from start: Int, name: String = "size") throws -> [Int] {
        if positional.count == start + 1, case .tensor(let t) = positional[start] {
            guard t.rank == 1 else { throw error("sizes must be numbers or a vector of sizes", at: start) }
            return try t.scalars.map { try Arguments.checkInt($0, name, 0) { self.error($0, at: start) } }
        }
        if positional.count == start + 1, case .list(let l) = positional[start] {
            return try l.map { v in
                guard let x = Arguments.asNumber(v) else { throw error("sizes must be numbers", at: start) }
                return try Arguments.checkInt(x, name, 0) { self.error($0, at: start) }
            }
        }
        return try (start..<positional.count).map { i in
            let x = try number(i, name)
            guard x >= 0 else { throw error("\(name) must not be negative, got \(formatNumber(x))", at: i) }
            return try Arguments.checkInt(x, name, 0) { self.error($0, at: i) }
        }
    }

    // MARK: keywords

    /// The default a keyword's signature declares, as written (nil if none is written).
    public func declaredDefault(_ name: String) -> String? {
        for f in declaration?.forms ?? [] {
            if let p = f.parameters.first(where: { $0.name == name }), let d = p.defaultText, !d.isEmpty { return d }
        }
        return nil
    }

    public func keyword(_ name: String) -> Value? {
        if let d = declaredKeywords { KeywordAudit.record(callee, name, declared: d.contains(name)) }
        return keywords.first(where: { $0.name == name })?.value
    }

    public func keywordNumber(_ name: String, default d: Double) throws -> Double {
        guard let v = keyword(name) else { return d }
        guard let x = Arguments.asNumber(v) else { throw keywordError("\(name) must be a number, got \(v.describedKind)", name) }
        return x
    }

    public func keywordInt(_ name: String, default d: Int, min lo: Int? = nil) throws -> Int {
        guard let v = keyword(name) else { return d }
        guard let x = Arguments.asNumber(v) else { throw keywordError("\(name) must be an integer, got \(v.describedKind)", name) }
        return try Arguments.checkInt(x, name, lo) { self.keywordError($0, name) }
    }

    public func keywordOptionalInt(_ name: String, min lo: Int? = nil) throws -> Int? {
        guard let v = keyword(name) else { return nil }
        if case .none = v { return nil }
        return try keywordInt(name, default: 0, min: lo)
    }

    public func keywordString(_ name: String, default d: String, allowed: [String]? = nil) throws -> String {
        guard let v = keyword(name) else { return d }
        guard case .string(let s) = v else { throw keywordError("\(name) must be a string, got \(v.describedKind)", name) }
        if let allowed, !allowed.contains(s) {
            throw keywordError("\(name) must be one of \(allowed.map { "\"\($0)\"" }.joined(separator: ", ")), got \"\(s)\"", name)
        }
        return s
    }

    public func keywordBool(_ name: String, default d: Bool) throws -> Bool {
        guard let v = keyword(name) else { return d }
        switch v.normalized {
        case .bool(let b): return b
        case .number(let x) where x == 0 || x == 1: return x != 0
        case .number(let x): throw keywordError("\(name) must be true or false, got \(formatNumber(x))", name)
        default: throw keywordError("\(name) must be true or false, got \(v.describedKind)", name)
        }
    }

    /// `axis=`: nil when absent or `none`; negative values count from the end
    /// (the engine resolves them against the tensor's rank).
    public func axis() throws -> Int? {
        guard let v = keyword("axis") else { return nil }
        if case .none = v { return nil }
        return try keywordInt("axis", default: 0)
    }
}
