import LkTensor

/// The language's rules for sequences, exposed to the built-ins that work on
/// them (`map`, `filter`, `zip`, `contains`, …) so those follow exactly what
/// literals, `for` and `if` do.
extension Value {
    /// What a bracket literal of these values is: a tensor for numbers (or same-
    /// shape tensors), a boolean tensor for true/false, else a list.
    public static func sequence(_ values: [Value]) throws -> Value {
        do { return try ListNode.build(values.map(\.normalized)) }
        catch let e as TensorError { throw BuiltinError(e.message) }
    }

    /// The bytes one list item takes: the value itself (what it refers to — a tensor, a
    /// long string — is checked where that is built).
    public static let itemBytes = MemoryLayout<Value>.stride

    /// Checks, before a list is built, that `count` items of `itemBytes` and `extra` bytes
    /// more each fit the memory limit: "a list of 33554433 items would allocate 805.3 MB,
    /// over the memory limit of …". `what` names the list, as "the pieces of s: ".
    public static func checkList(_ count: Int, extra: Int = 0, what: String = "") throws {
        _ = try Memory.checkedCount([count], elementBytes: itemBytes + extra, what: "\(what)a list of \(count) items")
    }

    /// The most items of `itemBytes` and `extra` bytes more each that the memory limit holds
    /// (a count can stop there: one more is refused).
    public static func listCapacity(extra: Int = 0) -> Int { Tensor.memoryLimit / (itemBytes + extra) }

    /// How many items `elements` gives, without building them.
    public var elementCount: Int? {
        switch self {
        case .tensor(let t) where t.rank >= 1: return t.shape[0]
        case .list(let l): return l.count
        case .string(let s): return s.count
        case .record(let r): return r.names.count
        case .dual(let d): return d.value.elementCount
        default: return nil
        }
    }

    /// `elements`, after checking that the list fits the memory limit (a tensor or a
    /// string becomes one value per row or character).
    public func checkedElements(what: String = "") throws -> [Value]? {
        if case .list(let l) = self { return l }
        guard let n = elementCount else { return nil }
        try Value.checkList(n, what: what)
        return elements
    }

    /// What `for x in v` iterates over: a tensor's first axis, a list's items, a
    /// string's characters, a record's field names; nil for anything else.
    public var elements: [Value]? {
        switch self {
        case .tensor(let t) where t.rank >= 1:
            if t.rank == 1 { return t.scalars.map { t.isBool ? .bool($0 != 0) : .number($0) } }
            return (0..<t.shape[0]).map { Value.from(t.row($0)) }
        case .list(let l): return l
        case .string(let s): return s.map { .string(String($0)) }
        case .record(let r): return r.names.map { .string($0) }
        case .dual(let d):
            guard d.tape.active else { return d.value.elements }
            // A differentiated tensor's first axis, each row recorded as an index.
            guard case .tensor(let t) = d.value, t.rank >= 1 else { return nil }
            return (0..<t.shape[0]).map { i in (try? AD.index(self, [.index(i)])) ?? .none }
        default: return nil
        }
    }

    /// The truth of a value as `if` reads it.
    public func truth() throws -> Bool {
        do { return try Operators.truth(self) }
        catch let e as Operators.Failure { throw BuiltinError(e.message) }
    }

    /// Whether `==` holds for two values as a whole (a tensor equals another of
    /// the same shape and elements).
    public func isEqual(to other: Value) -> Bool {
        Operators.valuesEqual(self, other) || Operators.identical(self, other)
    }
}
