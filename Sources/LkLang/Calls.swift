import LkTensor

/// A compiled user function: parameter slots come first in its frame.
final class FunctionCode {
    let name: String
    let paramNames: [String]
    var defaults: [Node?] = []
    var localCount = 0
    /// Whether the body creates functions (which may capture this frame and be
    /// stored in it: a reference cycle to break when the call ends).
    var createsFunctions = false
    /// The slots of this function's frame that nested functions read (upvalues).
    /// Only these can be reached once the call has ended.
    var capturedSlots: Set<Int> = []
    var body: StmtNode = EmptyStmt(span: .none)
    let source: SourceFile
    let span: SourceSpan
    init(name: String, paramNames: [String], source: SourceFile, span: SourceSpan) {
        self.name = name; self.paramNames = paramNames; self.source = source; self.span = span
    }
}

/// `callee(args…)`. User functions get their arguments evaluated straight into
/// the new frame; built-ins get an `Arguments` value.
final class CallNode: Node {
    /// The Ctrl-C flag, held here because reading the global costs a lazy-initialisation check.
    let interrupt = interruptFlag
    let callee: Node
    let positional: [Node]
    let keywordNames: [String]
    let keywordValues: [Node]
    let keywordSpans: [SourceSpan]
    unowned let interpreter: Interpreter
    let source: SourceFile

    init(callee: Node, positional: [Node], keywordNames: [String], keywordValues: [Node], keywordSpans: [SourceSpan],
         interpreter: Interpreter, source: SourceFile, span: SourceSpan) {
        self.callee = callee; self.positional = positional; self.keywordNames = keywordNames
        self.keywordValues = keywordValues; self.keywordSpans = keywordSpans
        self.interpreter = interpreter; self.source = source
        super.init(span: span)
    }

    override func eval(_ f: Frame) throws -> Value {
        if interrupt.pointee != 0 { throw Diagnostic(.interrupted, "interrupted", span: span, source: source) }
        let c = try callee.eval(f)
        switch c {
        case .function(let fn): return try callFunction(fn, f)
        case .builtin(let b): return try callBuiltin(b, f)
        default: throw fail("cannot call a \(c.describedKind)")
        }
    }

    func callFunction(_ fn: Function, _ f: Frame) throws -> Value {
        let code = fn.code
        let n = code.paramNames.count
        if positional.count > n {
            throw fail("\(code.name)() takes \(n) argument\(n == 1 ? "" : "s") but \(positional.count) \(positional.count == 1 ? "was" : "were") given")
        }
        let frame = Frame(count: code.localCount, parent: fn.closure)
        for i in 0..<positional.count { frame.slots[i] = try positional[i].eval(f) }
        for k in 0..<keywordNames.count {
            guard let i = code.paramNames.firstIndex(of: keywordNames[k]) else {
                let hint = closestName(to: keywordNames[k], in: code.paramNames).map { " (did you mean '\($0)'?)" } ?? ""
                throw Diagnostic(.runtime, "\(code.name)() has no parameter '\(keywordNames[k])'\(hint)", span: keywordSpans[k])
            }
            if i < positional.count {
                throw Diagnostic(.runtime, "\(code.name)() got two values for '\(keywordNames[k])'", span: keywordSpans[k])
            }
            frame.slots[i] = try keywordValues[k].eval(f)
        }
        if positional.count < n {
            for i in positional.count..<n {
                guard case .unset = frame.slots[i] else { continue }
                guard let d = code.defaults[i] else {
                    throw fail("\(code.name)() is missing argument '\(code.paramNames[i])'")
                }
                do { frame.slots[i] = try d.eval(frame) } catch var e as Diagnostic {
                    if e.source == nil { e.source = code.source }
                    throw e
                }
            }
        }
        do {
            return try interpreter.invoke(code, frame)
        } catch var d as Diagnostic {
            if d.source == nil { d.source = source; d.span = span }
            if d.kind == .runtime && d.notes.count < 8 {
                let (line, col) = source.location(of: span.start)
                let note = "  in \(code.name)(), called from \(source.name):\(line):\(col)"
                // Deep recursion would repeat one line thousands of times: show it once.
                if d.notes.last != note { d.notes.append(note) }
            }
            throw d
        }
    }

    func callBuiltin(_ b: Builtin, _ f: Frame) throws -> Value {
        var values: [Value] = []
        values.reserveCapacity(positional.count)
        for p in positional { values.append(try p.eval(f)) }
        var keywords: [(name: String, value: Value)] = []
        for k in 0..<keywordNames.count {
            if !b.keywords.contains(keywordNames[k]) {
                let hint = closestName(to: keywordNames[k], in: b.keywords).map { " (did you mean '\($0)'?)" } ?? ""
                let accepted = b.keywords.isEmpty ? "it takes no keyword arguments" : "it takes \(b.keywords.joined(separator: ", "))"
                throw Diagnostic(.runtime, "\(b.name)() got an unexpected keyword argument '\(keywordNames[k])'\(hint); \(accepted)", span: keywordSpans[k], source: source)
            }
            keywords.append((keywordNames[k], try keywordValues[k].eval(f)))
        }
        var args = Arguments(callee: b.name, positional: values, keywords: keywords, interpreter: interpreter)
        args.positionalSpans = positional.map { $0.span }
        args.keywordSpans = keywordSpans
        args.declaration = b.declaration
        args.usage = b.signature
        do {
            try b.checkArity(values.count)
            return try b.call(&args).normalized
        } catch let e as AD.Failure {
            throw Diagnostic(.runtime, "\(b.name): \(e.message)", span: span, source: source)
        } catch let e as BuiltinError {
            var where_ = span
            switch e.at {
            case .call: break
            case .positional(let i): if i < positional.count { where_ = positional[i].span }
            case .keyword(let k): if let i = keywordNames.firstIndex(of: k) { where_ = keywordSpans[i] }
            }
            throw Diagnostic(.runtime, e.message, span: where_, source: source)
        } catch is Interrupted {
            throw Diagnostic(.interrupted, "interrupted", span: span, source: source)
        } catch let e as TensorError {
            let msg = e.message.hasPrefix(b.name + ":") ? e.message : "\(b.name): \(e.message)"
            throw Diagnostic(.runtime, msg, span: span, source: source)
        } catch var d as Diagnostic {
            // An error inside an lk function the built-in called back.
            if d.source == nil {
                d.source = source; d.span = span
                // Raised by the call itself (an lk function given the wrong arguments, say).
                if !d.message.hasPrefix(b.name + ":") { d.message = "\(b.name): \(d.message)" }
            }
            throw d
        }
    }
}
