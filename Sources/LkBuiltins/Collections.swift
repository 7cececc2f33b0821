import LkLang
import LkTensor

// Lists, records and strings as a Python user expects them. Results that are
// sequences follow the literal rule: numbers make a tensor, anything else a list.

extension Arguments {
    /// The i-th argument as the items `for` would iterate over.
    func elements(_ i: Int, _ name: String) throws -> [Value] {
        guard let items = try positional[i].checkedElements(what: "the items of \(name): ") else {
            throw error("\(name) must be a list, tensor, string or record, got \(positional[i].describedKind)", at: i)
        }
        return items
    }

    func callable(_ i: Int, _ name: String) throws -> Value {
        guard Arguments.isCallable(positional[i]) else { throw error("\(name) must be a function, got \(positional[i].describedKind)", at: i) }
        return positional[i]
    }

    func record(_ i: Int, _ name: String) throws -> Record {
        guard case .record(let r) = positional[i] else { throw error("\(name) must be a record, got \(positional[i].describedKind)", at: i) }
        return r
    }
}

extension BuiltinTable {
    static let collections: [Builtin] = [
        def("append(xs, value)", """
            A new list: xs with value added at the end (xs itself is unchanged: values \
            are copied, as everywhere in lk). `xs = []; xs = append(xs, v)` builds a list \
            as Python's `xs.append(v)` does. For a tensor xs, NumPy's `np.append`: the \
            flattened xs followed by the flattened value.
            """, differentiation: .rule { a in
            if case .list = a.positional[0].normalized { return try raw("append", a) }
            let x = a.positional[0], v = a.positional[1]
            guard x.undual.isTensorLike, v.undual.isTensorLike else { return try raw("append", a) }
            return try Differentiable.concat([try Differentiable.reshape(x, [-1]), try Differentiable.reshape(v, [-1])], axis: 0)
        }) { a in
            let v = a.positional[1]
            switch a.positional[0] {
            case .list(let l):
                try Value.checkList(l.count + 1)
                return .list(l + [v])
            case .tensor(let t) where t.shape == [0]: return .list([v])
            case .tensor(let t):
                guard let u = Arguments.asTensor(v) else {
                    throw a.error("a tensor can only be appended numbers or tensors, got \(v.describedKind); use a list", at: 1)
                }
                return wrap(try Tensor.concat([try t.reshaped([t.count]), try u.reshaped([u.count])], axis: 0))
            default:
                throw a.error("xs must be a list or a tensor, got \(a.positional[0].describedKind)", at: 0)
            }
        },
        def("keys(r)", "The field names of a record, in order, as a list of strings (Python's `dict.keys`).") { a in
            .list(try a.record(0, "r").names.map { .string($0) })
        },
        def("values(r)", "The field values of a record, in order (a tensor when they are numbers, else a list).") { a in
            try Value.sequence(try a.record(0, "r").values)
        },
        def("items(r)", "The fields of a record as a list of [name, value] pairs, in order (Python's `dict.items`).") { a in
            .list(try a.record(0, "r").fields.map { .list([.string($0.0), $0.1]) })
        },
        def("map(f, xs)", """
            f applied to each item of xs (a list, a tensor's first axis, a string's \
            characters, a record's field names), in order: `map(fn(x) => x^2, [1, 2, 3])` \
            is [1 4 9]. Numbers make a tensor, anything else a list.
            """) { a in
            let f = try a.callable(0, "f"), items = try a.elements(1, "xs")
            return try Value.sequence(try items.map { try a.interpreter!.call(f, [$0]) })
        },
        def("filter(f, xs)", """
            The items of xs for which f(item) is true, in order (a list stays a list; \
            numbers make a tensor).
            """) { a in
            let f = try a.callable(0, "f"), items = try a.elements(1, "xs")
            var kept: [Value] = []
            for x in items {
                let keep: Bool
                do { keep = try a.interpreter!.call(f, [x]).truth() }
                catch let e as BuiltinError { throw BuiltinError("filter: f must return true or false for each item: \(e.message)") }
                if keep { kept.append(x) }
            }
            if case .list = a.positional[1] { return .list(kept) }
            return try Value.sequence(kept)
        },
        def("zip(xs...)", """
            A list of lists, the i-th holding the i-th item of each argument; as long \
            as the shortest (Python's `zip`). `for p in zip(names, losses) { print(p[0], p[1]) }`.
            """) { a in
            let all = try (0..<a.count).map { try a.elements($0, "xs") }
            let n = all.map(\.count).min() ?? 0
            // Each item a list of its own: an array header and a value per argument.
            try Value.checkList(n, extra: 32 + all.count * Value.itemBytes)
            return .list((0..<n).map { i in .list(all.map { $0[i] }) })
        },
        def("enumerate(xs, start=0)", """
            A list of [i, item] pairs, i counting from `start` (Python's `enumerate`): \
            `for p in enumerate(names) { print(p[0], p[1]) }`.
            """) { a in
            let items = try a.elements(0, "xs")
            let start = try a.keywordInt("start", default: 0)
            try Value.checkList(items.count, extra: 32 + 2 * Value.itemBytes)
            return .list(items.enumerated().map { .list([.number(Double($0.offset + start)), $0.element]) })
        },
        def("range(stop) / range(start, stop, [step])", """
            The integers start, start + step, … before stop (Python's `range`, so a \
            negative step counts down and stop is never included) as a vector. start \
            defaults to 0 and step to 1; step may not be 0.
            """) { a in
            let start = a.count == 1 ? 0 : try a.int(0, "start")
            let stop = try a.int(a.count == 1 ? 0 : 1, "stop")
            let step = a.count == 3 ? try a.int(2, "step") : 1
            if step == 0 { throw a.error("step cannot be zero", at: 2) }
            let n = step > 0 ? max(0, (stop - start + step - 1) / step) : max(0, (start - stop - step - 1) / -step)
            let t = try Tensor.build(shape: [n]) { p, n in for i in 0..<n { p[i] = Double(start + i * step) } }
            return .tensor(t)
        },
        def("split(s, [sep])", """
            The pieces of string s between occurrences of sep, as a list of strings \
            (Python's `s.split(sep)`); without sep, the words between runs of \
            whitespace, with no empty pieces (Python's `s.split()`).
            """) { a in
            let s = try a.string(0, "s")
            if a.count == 2 {
                let sep = try a.string(1, "sep")
                if sep.isEmpty { throw a.error("sep cannot be empty", at: 1) }
                // Counted first, with the search `components` uses, so that a list of
                // more pieces than the limit holds is refused before it is built.
                // The count stops once past what the limit holds.
                let cap = Value.listCapacity()
                var pieces = 1, from = s.startIndex
                while pieces <= cap, let r = s.range(of: sep, range: from..<s.endIndex), !r.isEmpty { pieces += 1; from = r.upperBound }
                if pieces > cap {
                    try Memory.checkBytes(Tensor.memoryLimit + 1, atLeast: true, what: "the pieces of s: a list of more than \(cap) items")
                }
                return .list(s.components(separatedBy: sep).map { .string($0) })
            }
            var words = 0, inWord = false
            for c in s {
                if c.isWhitespace { inWord = false } else if !inWord { inWord = true; words += 1 }
            }
            try Value.checkList(words, what: "the words of s: ")
            return .list(s.split(whereSeparator: { $0.isWhitespace }).map { .string(String($0)) })
        },
        def("join(xs, [sep])", """
            The strings of xs joined with sep between them (Python's `sep.join(xs)`; \
            sep defaults to ""). Numbers and other values are written as `print` writes them.
            """) { a in
            let sep = a.count == 2 ? try a.string(1, "sep") : ""
            let parts = try a.elements(0, "xs").map { try Display.checkedPlain($0, what: "the text") }
            let n = parts.reduce(0) { $0 + $1.utf8.count } + Swift.max(parts.count - 1, 0) * sep.utf8.count
            _ = try Memory.checkedCount([n], elementBytes: 1, what: "a string of \(n) bytes")
            return .string(parts.joined(separator: sep))
        },
        def("replace(s, old, new)", "s with every occurrence of the string old replaced by new (Python's `s.replace`).") { a in
            let old = try a.string(1, "old")
            if old.isEmpty { throw a.error("old cannot be empty", at: 1) }
            let s = try a.string(0, "s"), new = try a.string(2, "new")
            // At most |s|/|old| occurrences, each growing the string by |new| − |old|.
            let grow = Swift.max(0, new.utf8.count - old.utf8.count)
            let (extra, o) = (s.utf8.count / old.utf8.count).multipliedReportingOverflow(by: grow)
            _ = try Memory.checkedCount([o ? Int.max : s.utf8.count + extra], elementBytes: 1, what: "the replaced string")
            return .string(s.replacingOccurrences(of: old, with: new))
        },
        def("strip(s, [chars])", "s without leading and trailing whitespace, or without leading and trailing characters from the string chars (Python's `s.strip`).") { a in
            let s = try a.string(0, "s")
            if a.count == 2 {
                let chars = Set(try a.string(1, "chars"))
                return .string(String(s.drop(while: { chars.contains($0) }).reversed().drop(while: { chars.contains($0) }).reversed()))
            }
            return .string(s.trimmingCharacters(in: .whitespacesAndNewlines))
        },
        def("upper(s)", "The string s in upper case (Unicode rules, as Python's `s.upper()`).") { a in .string(try a.string(0, "s").uppercased()) },
        def("lower(s)", "The string s in lower case (Unicode rules, as Python's `s.lower()`).") { a in .string(try a.string(0, "s").lowercased()) },
        def("startswith(s, prefix)", "Whether the string s begins with prefix.") { a in
            .bool(try a.string(0, "s").hasPrefix(try a.string(1, "prefix")))
        },
        def("endswith(s, suffix)", "Whether the string s ends with suffix.") { a in
            .bool(try a.string(0, "s").hasSuffix(try a.string(1, "suffix")))
        },
        def("contains(xs, item)", """
            Whether item is in xs (Python's `item in xs`): a substring of a string, an \
            item of a list (compared as `==` compares whole values), an element of a \
            tensor, or a field name of a record.
            """) { a in
            let item = a.positional[1]
            if case .string(let s) = a.positional[0] {
                guard case .string(let sub) = item else { throw a.error("a string contains strings, got \(item.describedKind)", at: 1) }
                return .bool(s.contains(sub))
            }
            if case .tensor(let t) = a.positional[0], case .number(let x) = item.normalized {
                return .bool(t.scalars.contains(x))
            }
            return .bool(try a.elements(0, "xs").contains { $0.isEqual(to: item) })
        },
    ]
}

