/// The variables of one function activation, as a fixed array of slots that the
/// compiler assigned ahead of time (no look-up by name at run time). A frame
/// keeps its lexically enclosing frame alive so closures can reach it.
final class Frame {
    let slots: UnsafeMutablePointer<Value>
    let count: Int
    let parent: Frame?
    /// Where `return` leaves its value.
    var result: Value = .none

    init(count: Int, parent: Frame?) {
        self.count = count
        self.parent = parent
        slots = UnsafeMutablePointer<Value>.allocate(capacity: max(count, 1))
        slots.initialize(repeating: .unset, count: max(count, 1))
    }

    deinit {
        slots.deinitialize(count: max(count, 1))
        slots.deallocate()
    }

    @inline(__always) func ancestor(_ depth: Int) -> Frame {
        var f = self
        for _ in 0..<depth { f = f.parent! }
        return f
    }
}

/// Global variables: slots like a frame, but able to grow as a REPL session
/// defines new names. Names map to slots at compile time only.
final class Globals {
    /// The slot array. It moves when it grows, so compiled code holds `base`,
    /// a stable pointer to this pointer, and never a reference to this object
    /// (reference counting on every variable access was the evaluator's main cost).
    var slots: UnsafeMutablePointer<Value> { base.pointee }
    let base: UnsafeMutablePointer<UnsafeMutablePointer<Value>>
    private(set) var capacity: Int
    private(set) var names: [String] = []
    private(set) var index: [String: Int] = [:]

    init() {
        capacity = 256
        base = UnsafeMutablePointer<UnsafeMutablePointer<Value>>.allocate(capacity: 1)
        base.initialize(to: UnsafeMutablePointer<Value>.allocate(capacity: capacity))
        base.pointee.initialize(repeating: .unset, count: capacity)
    }

    deinit {
        slots.deinitialize(count: capacity)
        slots.deallocate()
        base.deallocate()
    }

    /// The slot for a name, creating an unset one if the name is new.
    func slot(for name: String) -> Int {
        if let i = index[name] { return i }
        if names.count == capacity {
            let bigger = UnsafeMutablePointer<Value>.allocate(capacity: capacity * 2)
            bigger.moveInitialize(from: slots, count: capacity)
            (bigger + capacity).initialize(repeating: .unset, count: capacity)
            slots.deallocate()
            base.pointee = bigger
            capacity *= 2
        }
        index[name] = names.count
        names.append(name)
        return names.count - 1
    }

    func lookup(_ name: String) -> Value? {
        guard let i = index[name] else { return nil }
        if case .unset = slots[i] { return nil }
        return slots[i]
    }

    func set(_ name: String, _ value: Value) { slots[slot(for: name)] = value }

    /// Every assigned name with its value, in definition order.
    var defined: [(String, Value)] {
        names.enumerated().compactMap { i, n in
            if case .unset = slots[i] { return nil }
            return (n, slots[i])
        }
    }

    func clear(keeping keep: Set<String>) {
        for (i, n) in names.enumerated() where !keep.contains(n) { slots[i] = .unset }
    }
}
