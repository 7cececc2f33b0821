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
