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
