import XCTest
@testable import LkTensor
import CVecMath
import LkTestSupport

/// Bit-level equality, so that -0.0 and 0.0 differ and nan equals nan.
func sameBits(_ a: Double, _ b: Double) -> Bool { a.bitPattern == b.bitPattern || (a.isNaN && b.isNaN) }

final class ElementwiseTests: XCTestCase {
    let specials: [Double] = [0, -0.0, 1, -1, 2.5, -3.75, 7, 1e-300, -1e300, .infinity, -.infinity, .nan]

    func testBinaryScalarSemanticsMatchNumPy() {
        // Floored modulo with the sign of the divisor (values from np.remainder).
        let a: [Double] = [7, -7, 7, -7, 0, -0.0, 5, -5, .infinity, 5]
        let b: [Double] = [3, 3, -3, -3, 3, -3, 0, .infinity, 3, -.infinity]
        let want: [Double] = [1, 2, -2, -1, 0, -0.0, .nan, .infinity, .nan, -.infinity]
        for i in a.indices {
            XCTAssertTrue(sameBits(BinaryOp.mod.apply(a[i], b[i]), want[i]), "\(a[i]) % \(b[i])")
        }
        XCTAssertEqual(BinaryOp.div.apply(1, 0), .infinity)
        XCTAssertEqual(BinaryOp.div.apply(-1, 0), -.infinity)
        XCTAssertTrue(BinaryOp.div.apply(0, 0).isNaN)
        XCTAssertEqual(BinaryOp.pow.apply(-2, 3), -8)
        XCTAssertEqual(BinaryOp.pow.apply(0, -1), .infinity)
        XCTAssertTrue(BinaryOp.pow.apply(-8, 1.0 / 3).isNaN)
        XCTAssertEqual(BinaryOp.pow.apply(.nan, 0), 1)
        XCTAssertEqual([BinaryOp.eq, .ne, .lt, .le, .gt, .ge].map { $0.apply(.nan, .nan) }, [0, 1, 0, 0, 0, 0])
        XCTAssertEqual([BinaryOp.eq, .ne, .lt, .le, .gt, .ge].map { $0.apply(2, 3) }, [0, 1, 1, 1, 0, 0])
        XCTAssertTrue(BinaryOp.maximum.apply(.nan, 1).isNaN)
        XCTAssertTrue(BinaryOp.maximum.apply(1, .nan).isNaN)
        XCTAssertTrue(BinaryOp.minimum.apply(1, .nan).isNaN)
        XCTAssertEqual(BinaryOp.maximum.apply(-1, 4), 4)
        XCTAssertEqual(BinaryOp.minimum.apply(-1, 4), -1)
        XCTAssertEqual(BinaryOp.allCases.map(\.symbol),
                       ["+", "-", "*", "/", "%", "^", "==", "!=", "<", "<=", ">", ">=", "maximum", "minimum"])
    }

    func testEveryKernelPathAgreesWithScalarApply() throws {
        // All pairs of special values, through the same-shape, broadcast and both
        // scalar paths, for every op (including pow's x^2 and x^1 fast paths).
        let n = specials.count
        let bs = specials + [2, 1, 0.5]
        let a = try Tensor(shape: [n, 1], data: specials)
        let b = try Tensor(shape: [1, bs.count], data: bs)
        for op in BinaryOp.allCases {
            let full = try Tensor.binary(op, a, b)
            XCTAssertEqual(full.shape, [n, bs.count])
            for i in 0..<n {
                let row = try Tensor.binary(op, specials[i], try b.reshaped([bs.count]))
                for j in bs.indices {
                    let want = op.apply(specials[i], bs[j])
                    XCTAssertTrue(sameBits(full[flat: i * bs.count + j], want), "\(specials[i]) \(op.symbol) \(bs[j])")
                    XCTAssertTrue(sameBits(row[flat: j], want))
                }
            }
            for j in bs.indices {
                let col = try Tensor.binary(op, try a.reshaped([n]), bs[j])
                let same = try Tensor.binary(op, try a.reshaped([n]), try Tensor(shape: [n], repeating: bs[j]))
                for i in 0..<n {
                    XCTAssertTrue(sameBits(col[flat: i], op.apply(specials[i], bs[j])), "\(specials[i]) \(op.symbol) \(bs[j])")
                    XCTAssertTrue(sameBits(same[flat: i], op.apply(specials[i], bs[j])))
                }
            }
        }
    }

    /// The C run kernels (Sources/CVecMath/runs.c) at every width the CPU has, against
    /// Swift's scalar operators bit for bit: every pair of special values, every
    /// length around the vector widths (the tails), both strides, and in place.
    func testArithmeticRunKernelsGiveScalarBitsAtEveryWidth() throws {
        var g = RNG(seed: 5)
        let values = specials + [Double.leastNonzeroMagnitude, -Double.leastNonzeroMagnitude, 2.2250738585072014e-308, 0x1p1023, -0.5, 1.0000000000000002]
            + (0..<40).map { _ in g.normal() * 10 }
        let widths = [0, 256, 512].filter { $0 <= Int(lk_vec_width_bits()) }
        let ops: [(lk_arith_op, BinaryOp)] = [(LK_ARITH_ADD, .add), (LK_ARITH_SUB, .sub), (LK_ARITH_MUL, .mul), (LK_ARITH_DIV, .div)]
        let maps: [(lk_map_op, UnaryOp)] = [(LK_MAP_NEG, .neg), (LK_MAP_ABS, .abs), (LK_MAP_SQRT, .sqrt),
                                            (LK_MAP_SQUARE, .square), (LK_MAP_RELU, .relu)]
        var checked = 0
        for bits in widths {
            for (routine, op) in ops {
                for s in values {          // the number on one side, a run of every value on the other
                    for n in [1, 3, 7, 8, 9, 15, 17, values.count] {
                        let run = Array(values.prefix(n))
                        var y = [Double](repeating: 0, count: n)
                        lk_arith_run_width(Int32(bits), Int32(routine.rawValue), run, 1, [s], 0, &y, n)
                        for i in 0..<n { XCTAssertTrue(sameBits(y[i], op.apply(run[i], s)), "\(bits): \(run[i]) \(op.symbol) \(s)") }
                        lk_arith_run_width(Int32(bits), Int32(routine.rawValue), [s], 0, run, 1, &y, n)
                        for i in 0..<n { XCTAssertTrue(sameBits(y[i], op.apply(s, run[i])), "\(bits): \(s) \(op.symbol) \(run[i])") }
                        checked += 2 * n
                    }
                }
                // Two runs, the result written over the first.
                var a = values
                let b = values.reversed() as [Double]
                let want = zip(a, b).map { op.apply($0, $1) }
                a.withUnsafeMutableBufferPointer { p in
                    lk_arith_run_width(Int32(bits), Int32(routine.rawValue), p.baseAddress, 1, b, 1, p.baseAddress, p.count)
                }
                XCTAssertTrue(zip(a, want).allSatisfy { sameBits($0, $1) }, "\(bits) \(op.symbol) in place")
            }
            for (routine, op) in maps {
                for n in 0...values.count {
                    var x = Array(values.prefix(n))
                    let want = x.map(op.apply)
                    x.withUnsafeMutableBufferPointer { p in lk_map_run_width(Int32(bits), Int32(routine.rawValue), p.baseAddress, p.baseAddress, n) }
                    for i in 0..<n { XCTAssertTrue(sameBits(x[i], want[i]), "\(bits): \(op)(\(values[i])) = \(x[i]), want \(want[i])") }
                    checked += n
                }
            }
        }
        XCTAssertGreaterThan(checked, 10_000)
    }

    /// The C chain (runs.c's lk_chain_run, what a fused chain runs on) at every vector
    /// width, against the same operations run one by one over whole arrays at that
    /// width, bit for bit: every operation kind, every operand form (register, input,
    /// number), and lengths around the block (64) and the vector widths (the tails).
    func testChainGivesTheOneByOneBitsAtEveryWidth() throws {
        var g = RNG(seed: 9)
        let specials: [Double] = [0, -0.0, Double.leastNonzeroMagnitude, -Double.leastNonzeroMagnitude, 2.2250738585072014e-308, 1e300, -1e300, .infinity, -.infinity, .nan, 1, -1, 0.5, 3, 710, -745]
        func column(_ n: Int, _ flip: Bool) -> [Double] {
            (0..<n).map { i in i < specials.count ? specials[flip ? specials.count - 1 - i : i] : g.normal() * 6 }
        }
        let widths = [256, 512].filter { $0 <= Int(lk_vec_width_bits()) }
        XCTAssertFalse(widths.isEmpty, "this CPU has no AVX2: the chain is never used")
        let reg = Int32(LK_CHAIN_REGISTER.rawValue), inp = Int32(LK_CHAIN_INPUT.rawValue), con = Int32(LK_CHAIN_CONSTANT.rawValue)
        func step(_ kind: lk_chain_kind, _ op: Int32, _ target: Int32, _ a: (Int32, Int32), _ b: (Int32, Int32) = (2, 0)) -> lk_chain_step {
            lk_chain_step(kind: Int32(kind.rawValue), op: op, target: target, a_source: a.0, a_index: a.1, b_source: b.0, b_index: b.1)
        }
        var checked = 0
        for bits in widths {
            for n in [1, 3, 4, 7, 8, 9, 63, 64, 65, 127, 128, 129, 1000] {
                let x = column(n, false), y = column(n, true)
                let c: [Double] = [0.3, 2, -1.5]
                func oneByOne(_ f: (UnsafeMutablePointer<Double>) -> Void) -> [Double] {
                    var out = [Double](repeating: 0, count: n)
                    out.withUnsafeMutableBufferPointer { f($0.baseAddress!) }
                    return out
                }
                func chain(_ steps: [lk_chain_step]) -> [Double] {
                    var out = [Double](repeating: 7, count: n)
                    let ok = x.withUnsafeBufferPointer { px in
                        y.withUnsafeBufferPointer { py in
                            let inputs: [UnsafePointer<Double>?] = [px.baseAddress, py.baseAddress]
                            return out.withUnsafeMutableBufferPointer { po in
                                lk_chain_run_width(Int32(bits), steps, Int32(steps.count), inputs, 2, c, po.baseAddress, n)
                            }
                        }
                    }
                    XCTAssertEqual(ok, 1)
                    return out
                }
                func same(_ a: [Double], _ b: [Double], _ what: String) {
                    checked += n
                    let bad = zip(a, b).enumerated().first { !sameBits($0.element.0, $0.element.1) }
                    XCTAssertNil(bad, "\(bits) bits, n = \(n), \(what): element \(bad?.offset ?? -1)")
                }
                // Each binary operation in its three operand forms, then a negation (exact).
                for op in [LK_ARITH_ADD, LK_ARITH_SUB, LK_ARITH_MUL, LK_ARITH_DIV] {
                    let o = Int32(op.rawValue), neg = Int32(LK_MAP_NEG.rawValue)
                    for (a, b, name) in [((inp, Int32(0)), (inp, Int32(1)), "x op y"), ((inp, 1), (con, 2), "y op c"), ((con, 0), (inp, 0), "c op x")] {
                        let want = oneByOne { out in
                            let pa = a.0 == inp ? (a.1 == 0 ? x : y) : [c[Int(a.1)]], pb = b.0 == inp ? (b.1 == 0 ? x : y) : [c[Int(b.1)]]
                            lk_arith_run_width(Int32(bits), o, pa, a.0 == inp ? 1 : 0, pb, b.0 == inp ? 1 : 0, out, n)
                            lk_map_run_width(Int32(bits), neg, out, out, n)
                        }
                        same(chain([step(LK_CHAIN_ARITH, o, 0, a, b), step(LK_CHAIN_MAP, neg, 0, (reg, 0))]), want, "\(op) \(name)")
                    }
                    // Two registers as operands (the second freed into the first).
                    let want = oneByOne { out in
                        var t = [Double](repeating: 0, count: n)
                        lk_map_run_width(Int32(bits), Int32(LK_MAP_SQUARE.rawValue), x, out, n)
                        lk_vec_apply_width(Int32(bits), Int32(LK_VEC_EXP.rawValue), y, &t, n)
                        lk_arith_run_width(Int32(bits), o, out, 1, t, 1, out, n)
                    }
                    same(chain([step(LK_CHAIN_MAP, Int32(LK_MAP_SQUARE.rawValue), 0, (inp, 0)),
                                step(LK_CHAIN_VEC, Int32(LK_VEC_EXP.rawValue), 1, (inp, 1)),
                                step(LK_CHAIN_ARITH, o, 0, (reg, 0), (reg, 1))]), want, "\(op) of two registers")
                }
                // Each map and vector routine, applied to x·c then to a register.
                let maps = [LK_MAP_NEG, LK_MAP_ABS, LK_MAP_SQRT, LK_MAP_SQUARE, LK_MAP_RELU].map { (LK_CHAIN_MAP, Int32($0.rawValue)) }
                let vecs = [LK_VEC_EXP, LK_VEC_LOG, LK_VEC_TANH, LK_VEC_SIN, LK_VEC_COS, LK_VEC_TAN, LK_VEC_ERF,
                            LK_VEC_EXPM1, LK_VEC_LOG1P, LK_VEC_LOG2, LK_VEC_LOG10].map { (LK_CHAIN_VEC, Int32($0.rawValue)) }
                for (kind, op) in maps + vecs {
                    let want = oneByOne { out in
                        if kind == LK_CHAIN_MAP { lk_map_run_width(Int32(bits), op, x, out, n) } else { lk_vec_apply_width(Int32(bits), op, x, out, n) }
                        lk_arith_run_width(Int32(bits), Int32(LK_ARITH_MUL.rawValue), out, 1, [c[1]], 0, out, n)
                    }
                    same(chain([step(kind, op, 0, (inp, 0)), step(LK_CHAIN_ARITH, Int32(LK_ARITH_MUL.rawValue), 0, (reg, 0), (con, 1))]),
                         want, "\(kind) \(op)")
                }
            }
        }
        XCTAssertGreaterThan(checked, 50_000)
        // Malformed steps are refused (0: the caller runs the block path), never run.
        let x = [1.0, 2, 3], c = [2.0]
        var out = [Double](repeating: 7, count: 3)
        for bad in [step(LK_CHAIN_MAP, Int32(LK_MAP_NEG.rawValue), 0, (inp, 5)),            // no input 5
                    step(LK_CHAIN_MAP, Int32(LK_MAP_NEG.rawValue), 16, (inp, 0)),           // no register 16
                    step(LK_CHAIN_VEC, Int32(LK_VEC_EXP.rawValue), 0, (con, 0)),            // exp of a bare number
                    step(LK_CHAIN_ARITH, 99, 0, (inp, 0), (con, 0)),                        // no operation 99
                    step(LK_CHAIN_ARITH, Int32(LK_ARITH_ADD.rawValue), 0, (con, 0), (con, 0)),
                    lk_chain_step(kind: 7, op: 0, target: 0, a_source: inp, a_index: 0, b_source: con, b_index: 0)] {
            let ran = x.withUnsafeBufferPointer { px in
                let inputs: [UnsafePointer<Double>?] = [px.baseAddress]
                return lk_chain_run_width(Int32(widths.last!), [bad], 1, inputs, 1, c, &out, 3)
            }
            XCTAssertEqual(ran, 0, "\(bad)")
            XCTAssertEqual(out, [7, 7, 7])
        }
    }

    func testUnaryOpsKnownValues() {
        XCTAssertEqual([-2, 0, 3, -0.0].map(UnaryOp.relu.apply), [0, 0, 3, 0])
        XCTAssertTrue(UnaryOp.relu.apply(.nan).isNaN)
        XCTAssertEqual(UnaryOp.sigmoid.apply(0), 0.5)
        XCTAssertEqual(UnaryOp.sigmoid.apply(-800), 0)
        XCTAssertEqual(UnaryOp.sigmoid.apply(800), 1)
        XCTAssertEqual(UnaryOp.sigmoid.apply(2), 1 / (1 + exp(-2)), accuracy: 1e-16)
        XCTAssertEqual([0.5, 1.5, 2.5, -0.5, -1.5].map(UnaryOp.round.apply), [0, 2, 2, -0.0, -2])
        XCTAssertEqual([-3, 0, 2, -0.0].map(UnaryOp.sign.apply), [-1, 0, 1, 0])
        XCTAssertTrue(UnaryOp.sign.apply(.nan).isNaN)
        XCTAssertEqual([-1.5, 1.5].map(UnaryOp.floor.apply), [-2, 1])
        XCTAssertEqual([-1.5, 1.5].map(UnaryOp.ceil.apply), [-1, 2])
        XCTAssertEqual(UnaryOp.square.apply(-3), 9)
        XCTAssertEqual(UnaryOp.log2.apply(1024), 10)
        XCTAssertEqual(UnaryOp.log10.apply(1e-5), -5)
        XCTAssertEqual(UnaryOp.erf.apply(0.5), 0.5204998778130465, accuracy: 1e-15)
        XCTAssertEqual(UnaryOp.log1p.apply(1e-20), 1e-20)   // where log(1 + x) would give 0
        XCTAssertEqual(UnaryOp.expm1.apply(1e-20), 1e-20)
        XCTAssertEqual(Set(UnaryOp.allCases.map(\.rawValue)).count, 21)
    }

    func testMapMatchesApplyForEveryOp() throws {
        // Large enough to be split across threads.
        let n = 70_001
        let x = try Tensor.build(shape: [n]) { p, n in
            for i in 0..<n { p[i] = i < 12 ? self.specials[i] : -20 + 40 * Double(i) / Double(n) }
        }
        for op in UnaryOp.allCases {
            let y = x.map(op)
            XCTAssertEqual(y.shape, x.shape)
            // Transcendental functions of tensors use glibc's vector math (≤ 4 ulp);
            // everything else is bit-identical to the scalar function.
            let tolerance: UInt64 = ElementwiseTests.vectorised.contains(op) ? 4 : 0
            for i in stride(from: 0, to: n, by: 997) + Array(0..<12) {
                let got = y[flat: i], want = op.apply(x[flat: i])
                XCTAssertTrue(sameBits(got, want) || ulps(got, want) <= tolerance, "\(op)(\(x[flat: i])): \(got) vs \(want)")
            }
        }
    }

    static let vectorised: Set<UnaryOp> = [.exp, .log, .tanh, .erf, .sin, .cos, .tan, .log1p, .expm1, .log2, .log10]

    /// Distance in units in the last place between two finite doubles of one sign (huge otherwise).
    func ulps(_ a: Double, _ b: Double) -> UInt64 {
        if a == b { return 0 }
        guard a.isFinite, b.isFinite, (a < 0) == (b < 0) else { return .max }
        let x = a.bitPattern & ~(1 << 63), y = b.bitPattern & ~(1 << 63)
        return x > y ? x - y : y - x
    }

    func testVectorMathAgreesWithLibmOverWideRanges() throws {
        // Every element of a long, unaligned run (so both the vector loop and the
        // padded tail are exercised) against libm, including the special values.
        let ranges: [(UnaryOp, ClosedRange<Double>)] = [
            (.exp, -745...709), (.log, 1e-300...1e300), (.tanh, -30...30), (.erf, -6...6), (.sin, -1e4...1e4),
            (.cos, -1e4...1e4), (.tan, -1.5...1.5), (.log1p, -0.999...1e10), (.expm1, -50...700), (.log2, 1e-300...1e300), (.log10, 1e-300...1e300),
        ]
        for (op, range) in ranges {
            let n = 100_003
            let x = try Tensor.build(shape: [n]) { p, n in
                for i in 0..<n {
                    let t = Double(i) / Double(n - 1)
                    // Geometric spacing for ranges spanning many orders of magnitude.
                    p[i] = range.lowerBound > 0 ? range.lowerBound * pow(range.upperBound / range.lowerBound, t)
                                                : range.lowerBound + (range.upperBound - range.lowerBound) * t
                }
            }
            let y = x.map(op)
            var worst: UInt64 = 0
            for i in 0..<n { worst = max(worst, ulps(y[flat: i], op.apply(x[flat: i]))) }
            XCTAssertLessThanOrEqual(worst, 4, "\(op) differs from libm by \(worst) ulp")
            for v in [Double.nan, .infinity, -.infinity, 0, -0.0] {
                let got = try Tensor(shape: [1], data: [v]).map(op)[flat: 0], want = op.apply(v)
                XCTAssertTrue(sameBits(got, want) || (got.isNaN && want.isNaN) || got == want, "\(op)(\(v)): \(got) vs \(want)")
            }
        }
    }

    func testBroadcastShapeRules() {
        XCTAssertEqual(Tensor.broadcastShape([3, 1], [1, 4]), [3, 4])
        XCTAssertEqual(Tensor.broadcastShape([5, 3, 4], [4]), [5, 3, 4])
        XCTAssertEqual(Tensor.broadcastShape([], [2, 2]), [2, 2])
        XCTAssertEqual(Tensor.broadcastShape([0], [1]), [0])
        XCTAssertEqual(Tensor.broadcastShape([2, 1, 3], [4, 1]), [2, 4, 3])
        XCTAssertNil(Tensor.broadcastShape([0], [3]))
        XCTAssertNil(Tensor.broadcastShape([3, 4], [5, 2]))
        XCTAssertNil(Tensor.broadcastShape([2, 3], [2]))
    }

    func testBroadcastValuesByIndexFormula() throws {
        // (2,3,4) - (3,1): out[i,j,k] = a[i,j,k] - b[j]
        let a = try Tensor(shape: [2, 3, 4], data: (0..<24).map(Double.init))
        let b = try Tensor(shape: [3, 1], data: [100, 200, 300])
        let d = try Tensor.binary(.sub, a, b)
        XCTAssertEqual(d.shape, [2, 3, 4])
        for i in 0..<2 { for j in 0..<3 { for k in 0..<4 {
            XCTAssertEqual(d[flat: i * 12 + j * 4 + k], Double(i * 12 + j * 4 + k) - Double(100 * (j + 1)))
        } } }
        // (4,) with (2,1,4): the vector repeats along two new axes.
        let v = try Tensor(shape: [4], data: [1, 2, 3, 4])
        let w = try Tensor(shape: [2, 1, 4], data: (0..<8).map { Double($0) * 10 })
        let vw: [Double] = (0..<8).map { k in Double(k % 4 + 1) * Double(k * 10) }
        XCTAssertEqual(try Tensor.binary(.mul, v, w).scalars, vw)
        // Rank-0 with a matrix, either side; a (1,1) operand adds no axes to a matrix.
        let m = try Tensor(shape: [2, 2], data: [1, 2, 3, 4])
        XCTAssertEqual(try Tensor.binary(.sub, Tensor(scalar: 10), m).scalars, [9, 8, 7, 6])
        XCTAssertEqual(try Tensor.binary(.div, m, try Tensor(shape: [1, 1], data: [2])).scalars, [0.5, 1, 1.5, 2])
        // A (1,1) operand with a vector adds an axis: (1,1) + (3,) is (1,3).
        XCTAssertEqual(try Tensor.binary(.add, try Tensor(shape: [1, 1], data: [1]), Tensor([1, 2, 3])).shape, [1, 3])
        // Empty results.
        XCTAssertEqual(try Tensor.binary(.add, try Tensor(shape: [0, 3]), try Tensor(shape: [1, 3])).shape, [0, 3])
    }

    func testOuterSumLargeRunsAndShortRuns() throws {
        // (600,1) + (1,500) runs in parallel chunks of rows; (40000,1)*(1,3) has short runs.
        for (r, c) in [(600, 500), (40_000, 3)] {
            let col = try Tensor(shape: [r, 1], data: (0..<r).map { Double($0) })
            let row = try Tensor(shape: [1, c], data: (0..<c).map { Double($0) * 0.5 })
            let s = try Tensor.binary(.add, col, row)
            let p = try Tensor.binary(.mul, row, col)
            XCTAssertEqual(s.shape, [r, c])
            for i in stride(from: 0, to: r, by: 37) { for j in 0..<c {
                XCTAssertEqual(s[flat: i * c + j], Double(i) + Double(j) * 0.5)
                XCTAssertEqual(p[flat: i * c + j], Double(i) * Double(j) * 0.5)
            } }
        }
        // Same-shape and scalar paths above the parallel threshold.
        let n = 100_003
        let x = try Tensor(shape: [n], data: (0..<n).map(Double.init))
        let y = try Tensor.binary(.add, try Tensor.binary(.mul, 3, x), x)
        XCTAssertTrue((0..<n).allSatisfy { y[flat: $0] == 4 * Double($0) })
    }

    func testShapeMismatchMessage() throws {
        let a = try Tensor(shape: [3, 4]), b = try Tensor(shape: [5, 2])
        XCTAssertThrowsError(try Tensor.binary(.add, a, b)) { XCTAssertEqual("\($0)", "shape mismatch: (3,4) + (5,2)") }
        XCTAssertThrowsError(try Tensor.binary(.ge, Tensor([1, 2]), Tensor([1, 2, 3]))) {
            XCTAssertEqual("\($0)", "shape mismatch: (2,) >= (3,)")
        }
    }

    func testFormBinaryInPlaceKeepsCopiesIntact() throws {
        var x = try Tensor(shape: [2, 3], data: [1, 2, 3, 4, 5, 6])
        let saved = x
        try x.formBinary(.add, Tensor([10, 20, 30]))
        XCTAssertEqual(x.scalars, [11, 22, 33, 14, 25, 36])
        XCTAssertEqual(saved.scalars, [1, 2, 3, 4, 5, 6])
        try x.formBinary(.mul, x)   // the operand is self
        XCTAssertEqual(x.scalars, [121, 484, 1089, 196, 625, 1296])
        // A result larger than self replaces self, like `x = x + y`.
        var v = Tensor([1, 2])
        try v.formBinary(.sub, try Tensor(shape: [3, 1], data: [1, 2, 3]))
        XCTAssertEqual(v.shape, [3, 2])
        XCTAssertEqual(v.scalars, [0, 1, -1, 0, -2, -1])
        XCTAssertThrowsError(try v.formBinary(.add, Tensor([1, 2, 3]))) {
            XCTAssertEqual("\($0)", "shape mismatch: (3,2) + (3,)")
        }
    }

    func testBroadcastTo() throws {
        let v = Tensor([1, 2, 3])
        let b = try v.broadcast(to: [2, 3])
        XCTAssertEqual(b.scalars, [1, 2, 3, 1, 2, 3])
        let c = try Tensor(shape: [2, 1], data: [7, 8]).broadcast(to: [2, 2, 3])
        XCTAssertEqual(c.scalars, [7, 7, 7, 8, 8, 8, 7, 7, 7, 8, 8, 8])
        XCTAssertEqual(try Tensor(scalar: 5).broadcast(to: [2]).scalars, [5, 5])
        XCTAssertThrowsError(try v.broadcast(to: [2, 4])) { XCTAssertEqual("\($0)", "cannot broadcast (3,) to (2,4)") }
        XCTAssertThrowsError(try Tensor(shape: [2, 3]).broadcast(to: [3])) {
            XCTAssertEqual("\($0)", "cannot broadcast (2,3) to (3,)")
        }
    }

    func testOverMemoryLimitIsAnErrorNotACrash() throws {
        let big = try Tensor(shape: [1_000_000, 1])
        XCTAssertThrowsError(try Tensor.binary(.add, big, try Tensor(shape: [1, 1_000_000]))) {
            XCTAssertTrue("\($0)".contains("memory limit"), "\($0)")
        }
    }
}
