import CVecMath

/// A chain of elementwise operations over tensors of one shape and numbers, run in
/// one pass: `exp(-x^2/2)` reads x once and writes one result, where evaluating it
/// operation by operation makes four passes over memory and three temporaries.
///
/// Each step is computed with the same run kernels as the tensor operation it stands
/// for (`binaryRun`, `unaryRun`, the vector math included), over blocks of `block`
/// elements held in cache-resident scratch buffers, and every kernel's result for an
/// element depends only on that element: the fused result is bit for bit the one the
/// unfused operations give.
public struct ElementwiseProgram: Sendable {
    public enum Operand: Sendable, Equatable {
        /// Input tensor k (all inputs have the program's shape).
        case input(Int)
        case scalar(Double)
        /// The result of step k (each step's result is used once: the program is a tree).
        case step(Int)
    }

    public enum Step: Sendable {
        case unary(UnaryOp, Operand)
        case binary(BinaryOp, Operand, Operand)
    }

    public private(set) var steps: [Step] = []

    public init() {}

    /// Appends a step; its result is `.step(index)`.
    public mutating func append(_ step: Step) -> Operand {
        steps.append(step)
        return .step(steps.count - 1)
    }

    /// Elements per block: small enough that a few scratch buffers stay in L1.
    static let block = 512

    /// Where a step reads an operand in a block: an input at the block's offset, a
    /// constant (stride 0), or a register.
    enum Source { case input(Int), constant(Int), register(Int) }

    /// The steps as the C chain's (runs.h), each the vector operation its unfused
    /// tensor operation runs on (`binaryRun`'s and `unaryRun`'s choices, with
    /// `BinaryOp.numberForm`'s x^2 as x·x and x/c as x·(1/c)), or nil when a step has no vector form there
    /// (`%`, `^` in general, comparisons, sigmoid, floor, …): then the chain runs block
    /// by block through the run kernels.
    static func chain(_ steps: [Step], _ sources: [(Source, Source?)], _ register: [Int],
                      _ constants: inout [Double]) -> [lk_chain_step]? {
        func operand(_ s: Source) -> (Int32, Int32) {
            switch s {
            case .register(let r): return (Int32(LK_CHAIN_REGISTER.rawValue), Int32(r))
            case .input(let i): return (Int32(LK_CHAIN_INPUT.rawValue), Int32(i))
            case .constant(let c): return (Int32(LK_CHAIN_CONSTANT.rawValue), Int32(c))
            }
        }
        func constant(_ s: Source?) -> Double? {
            if case .constant(let c)? = s { return constants[c] }
            return nil
        }
        var out: [lk_chain_step] = []
        for (k, step) in steps.enumerated() {
            let (a, b) = sources[k]
            if case .constant = a, b == nil { return nil }      // a unary step of a number: folded before, never here
            var kind: lk_chain_kind, op: Int32, second: Source? = nil
            switch step {
            case .unary(let u, _):
                if let r = u.mapRoutine { kind = LK_CHAIN_MAP; op = Int32(r.rawValue) }
                else if let r = u.vectorRoutine { kind = LK_CHAIN_VEC; op = Int32(r.rawValue) }
                else { return nil }
            case .binary(let o, _, _):
                if case .constant = a, case .constant? = b { return nil }
                let isNumber: Bool = { if case .constant = a { return true }; return false }()
                if !isNumber, let c = constant(b), let form = o.numberForm(c) {
                    switch form {       // as binaryRun runs it
                    case .square: kind = LK_CHAIN_MAP; op = Int32(LK_MAP_SQUARE.rawValue)
                    case .identity: return nil
                    case .multiply(let r):
                        constants.append(r)
                        kind = LK_CHAIN_ARITH; op = Int32(LK_ARITH_MUL.rawValue); second = .constant(constants.count - 1)
                    }
                } else if let r = o.arithmeticRoutine {
                    kind = LK_CHAIN_ARITH; op = Int32(r.rawValue); second = b
                } else { return nil }
            }
            let (as_, ai) = operand(a)
            let (bs, bi) = second.map(operand) ?? (Int32(LK_CHAIN_CONSTANT.rawValue), 0)
            out.append(lk_chain_step(kind: Int32(kind.rawValue), op: op, target: Int32(register[k]),
                                     a_source: as_, a_index: ai, b_source: bs, b_index: bi))
        }
        return out
    }

    /// The last step's result over `inputs`, a new tensor of their common `shape`.
    public func run(_ inputs: [Tensor], shape: [Int]) throws -> Tensor {
        precondition(!steps.isEmpty && inputs.allSatisfy { $0.shape == shape })
        let out = try Tensor.hugePageResult(shape: shape)
        // Registers: a step writes into its first step operand's register (in place is
        // safe, every kernel reads element i before writing it), else into a free one.
        var register = [Int](repeating: -1, count: steps.count)
        var free: [Int] = [], registers = 0
        var constants: [Double] = []
        var sources: [(Source, Source?)] = []
        func source(_ o: Operand) -> Source {
            switch o {
            case .input(let i): return .input(i)
            case .scalar(let v): constants.append(v); return .constant(constants.count - 1)
            case .step(let j): return .register(register[j])
            }
        }
        for (k, step) in steps.enumerated() {
            let operands: [Operand]
            switch step {
            case .unary(_, let a): operands = [a]
            case .binary(_, let a, let b): operands = [a, b]
            }
            sources.append((source(operands[0]), operands.count > 1 ? source(operands[1]) : nil))
            let stepOperands = operands.compactMap { o -> Int? in if case .step(let j) = o { return j }; return nil }
            if let first = stepOperands.first {
                register[k] = register[first]
                for j in stepOperands.dropFirst() { free.append(register[j]) }
            } else if let r = free.popLast() {
                register[k] = r
            } else {
                register[k] = registers; registers += 1
            }
        }
        let last = steps.count - 1
        let count = out.count, block = ElementwiseProgram.block
        let inputPointers = inputs.map { UnsafePointer($0.pointer) }
        let dst = out.pointer
        if registers <= Int(LK_CHAIN_REGISTERS), inputs.count <= 2 * Int(LK_CHAIN_REGISTERS) + 2, lk_vec_width_bits() != 0,
           let chain = ElementwiseProgram.chain(steps, sources, register, &constants) {
            // Vector by vector through every step (Sources/CVecMath/runs.c).
            let constants = constants
            Parallel.forEachChunk(count: count, costPerItem: steps.count) { range in
                let at = inputPointers.map { Optional($0 + range.lowerBound) }
                _ = chain.withUnsafeBufferPointer { c in
                    at.withUnsafeBufferPointer { p in
                        constants.withUnsafeBufferPointer { k in
                            lk_chain_run(c.baseAddress, Int32(c.count), p.baseAddress, Int32(p.count), k.baseAddress, dst + range.lowerBound, range.count)
                        }
                    }
                }
            }
            return out
        }
        let steps = self.steps, regs = Swift.max(registers, 1)
        Parallel.forEachChunk(count: count, costPerItem: steps.count) { range in
            let scratch = UnsafeMutablePointer<Double>.allocate(capacity: regs * block + Swift.max(constants.count, 1))
            defer { scratch.deallocate() }
            let constantBase = scratch + regs * block
            for (i, v) in constants.enumerated() { constantBase[i] = v }
            var start = range.lowerBound
            while start < range.upperBound {
                let n = Swift.min(block, range.upperBound - start)
                @inline(__always) func read(_ s: Source) -> (UnsafePointer<Double>, Int) {
                    switch s {
                    case .input(let i): return (inputPointers[i] + start, 1)
                    case .constant(let c): return (UnsafePointer(constantBase + c), 0)
                    case .register(let r): return (UnsafePointer(scratch + r * block), 1)
                    }
                }
                for k in 0...last {
                    let target = k == last ? dst + start : scratch + register[k] * block
                    let (pa, sa) = read(sources[k].0)
                    switch steps[k] {
                    case .unary(let op, _):
                        if sa == 0 { target.update(repeating: op.apply(pa[0]), count: n) } else { unaryRun(op, pa, target, n) }
                    case .binary(let op, _, _):
                        let (pb, sb) = read(sources[k].1!)
                        binaryRun(op, pa, sa, pb, sb, target, n)
                    }
                }
                start += n
            }
        }
        return out
    }
}
