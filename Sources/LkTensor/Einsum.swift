// NumPy's `einsum`: the Einstein summation of tensors named by a subscripts string.
//
// Grammar (as NumPy's): `spec = inputs [ "->" output ]`, `inputs = term { "," term }`, a term
// being letters `a–z A–Z` with at most one ellipsis `...`; spaces are ignored. Each letter
// labels one axis. A label repeated inside one term takes that operand's diagonal; a label in
// several terms is multiplied along; a label missing from the output is summed over. Without
// `->` (implicit mode) the output is the ellipsis axes followed by the labels that occur exactly
// once, in ASCII order (upper case before lower case), as NumPy. The ellipsis stands for the
// remaining axes of each operand, right-aligned and broadcast across operands (NumPy's rules);
// an axis of size 1 also broadcasts against the same label's size elsewhere.
//
// Evaluation: each operand first takes its diagonals, then sums out the labels no other term
// and not the output use. Operands are then contracted left to right, two at a time, and every
// pairwise contraction is one (batched) matrix product through `Tensor.matmul`: the shared
// labels that survive are the batch axes, the other shared labels are the inner dimension, and
// the rest are the rows and columns. When an operand's axes are already in the order a GEMM
// wants (`"ij,jk->ik"`, `"ji,jk->ik"` with a transposed operand) nothing is copied, so matrix
// products run at BLAS speed. Other layouts are permuted into a contiguous copy first.

public enum Einsum {
    /// Evaluates `spec` on `operands`; every malformed string, count or shape is an error
    /// starting `einsum:` that says which operand and which label.
    public static func evaluate(_ spec: String, _ operands: [Tensor]) throws -> Tensor {
        guard !operands.isEmpty else { throw TensorError("einsum: at least one operand is needed after the subscripts") }
        let parsed = try parse(spec, operands: operands)
        var terms: [(tensor: Tensor, labels: [Int])] = []
        for (i, t) in operands.enumerated() {
            var (d, l) = try diagonal(t, parsed.inputs[i], operand: i)
            let full = l.map { parsed.sizes[$0]! }
            if full != d.shape { d = try d.broadcast(to: full) }
            terms.append((d, l))
        }
        // Labels used by the output or by more than one term must survive the first reduction.
        func needed(after index: Int) -> Set<Int> {
            var keep = Set(parsed.output)
            for t in terms[(index + 1)...] { keep.formUnion(t.labels) }
            return keep
        }
        var acc = try sumOut(terms[0].tensor, terms[0].labels, keep: needed(after: 0))
        for i in terms.indices.dropFirst() {
            let keep = needed(after: i)
            let rhs = try sumOut(terms[i].tensor, terms[i].labels, keep: keep.union(acc.labels))
            let lhs = try sumOut(acc.tensor, acc.labels, keep: keep.union(rhs.labels))
            acc = try contract(lhs, rhs, keep: keep)
        }
        let final = try sumOut(acc.tensor, acc.labels, keep: Set(parsed.output))
        let perm = parsed.output.map { final.labels.firstIndex(of: $0)! }
        return try final.tensor.transposed(axes: perm)
    }

    // MARK: - Parsing

    struct Parsed {
        var inputs: [[Int]]      // labels per operand axis: letters as their ASCII code, ellipsis axes 1000 + k
        var output: [Int]
        var sizes: [Int: Int]
    }

    private static let ellipsisBase = 1000

    private static func labelName(_ l: Int) -> String {
        l >= ellipsisBase ? "... axis \(l - ellipsisBase)" : String(UnicodeScalar(UInt8(l)))
    }

    /// One term: its letters in order, with `nil` where the ellipsis sits.
    private static func parseTerm(_ text: Substring, _ what: String) throws -> [Int?] {
        var out: [Int?] = []
        let chars = Array(text.utf8)
        var i = 0
        var sawEllipsis = false
        while i < chars.count {
            let c = chars[i]
            if c == UInt8(ascii: ".") {
                guard i + 2 < chars.count, chars[i + 1] == c, chars[i + 2] == c else {
                    throw TensorError("einsum: subscripts contain a '.' that is not part of an ellipsis ('...') in \(what)")
                }
                guard !sawEllipsis else { throw TensorError("einsum: more than one ellipsis ('...') in \(what)") }
                sawEllipsis = true
                out.append(nil)
                i += 3
                continue
            }
            let isLetter = (c >= 65 && c <= 90) || (c >= 97 && c <= 122)
            guard isLetter else {
                let shown = String(decoding: [c], as: UTF8.self)
                let ch = c < 128 ? "'\(shown)'" : "a non-ASCII character"
                throw TensorError("einsum: invalid subscript \(ch) in \(what); subscripts must be letters a-z, A-Z or '...'")
            }
            out.append(Int(c))
            i += 1
        }
        return out
    }

    static func parse(_ rawSpec: String, operands: [Tensor]) throws -> Parsed {
        let spec = String(rawSpec.filter { $0 != " " })
        let arrowParts = spec.components(separatedBy: "->")
        guard arrowParts.count <= 2 else { throw TensorError("einsum: subscripts contain more than one '->'") }
        let lhs = arrowParts[0]
        if lhs.contains("-") || lhs.contains(">") || (arrowParts.count == 2 && (arrowParts[1].contains("-") || arrowParts[1].contains(">"))) {
            throw TensorError("einsum: subscripts contain a '-' or '>' that is not part of '->'")
        }
        let termTexts = lhs.split(separator: ",", omittingEmptySubsequences: false)
        guard termTexts.count == operands.count else {
            throw TensorError("einsum: subscripts '\(rawSpec)' name \(termTexts.count) operand\(termTexts.count == 1 ? "" : "s") but \(operands.count) \(operands.count == 1 ? "was" : "were") given")
        }
        let raw = try termTexts.enumerated().map { try parseTerm($0.element, "operand \($0.offset)") }
        // The ellipsis length of each operand, then the broadcast ellipsis rank.
        var ellipsisRanks: [Int] = []
        for (i, term) in raw.enumerated() {
            let letters = term.filter { $0 != nil }.count
            let r = operands[i].rank
            if term.contains(where: { $0 == nil }) {
                guard r >= letters else {
                    throw TensorError("einsum: operand \(i) has \(r) ax\(r == 1 ? "is" : "es") but its subscripts name \(letters) (besides '...')")
                }
                ellipsisRanks.append(r - letters)
            } else {
                guard r == letters else {
                    throw TensorError("einsum: operand \(i) has \(r) ax\(r == 1 ? "is" : "es") (shape \(shapeString(operands[i].shape))) but its subscripts '\(termTexts[i])' name \(letters)" + (r > letters ? "; use '...' for the rest" : ""))
                }
                ellipsisRanks.append(0)
            }
        }
        let e = ellipsisRanks.max() ?? 0
        var inputs: [[Int]] = []
        for (i, term) in raw.enumerated() {
            var labels: [Int] = []
            for l in term {
                if let l { labels.append(l) } else {
                    labels += ((e - ellipsisRanks[i])..<e).map { ellipsisBase + $0 }
                }
            }
            inputs.append(labels)
        }
        // Sizes: equal, or 1 broadcasting against the other.
        var sizes: [Int: Int] = [:]
        for (i, labels) in inputs.enumerated() {
            var mine: [Int: Int] = [:]
            for (axis, l) in labels.enumerated() {
                let s = operands[i].shape[axis]
                if let m = mine[l], m != s {
                    throw TensorError("einsum: label '\(labelName(l))' is repeated in operand \(i) on axes of different sizes (\(m) and \(s))")
                }
                mine[l] = s
                if let g = sizes[l], g != s {
                    if g == 1 { sizes[l] = s } else if s != 1 {
                        throw TensorError("einsum: label '\(labelName(l))' has size \(g) in an earlier operand but \(s) in operand \(i) (shape \(shapeString(operands[i].shape)))")
                    }
                } else if sizes[l] == nil { sizes[l] = s }
            }
        }
        var output: [Int] = []
        if arrowParts.count == 2 {
            let term = try parseTerm(Substring(arrowParts[1]), "the output")
            var sawEllipsis = false
            for l in term {
                if let l {
                    guard sizes[l] != nil else {
                        throw TensorError("einsum: output subscript '\(labelName(l))' does not appear in any input")
                    }
                    guard !output.contains(l) else { throw TensorError("einsum: output subscript '\(labelName(l))' appears more than once") }
                    output.append(l)
                } else {
                    sawEllipsis = true
                    output += (0..<e).map { ellipsisBase + $0 }
                }
            }
            if !sawEllipsis && e > 0 {
                throw TensorError("einsum: the operands have axes under '...' but the output names no '...' for them")
            }
        } else {
            var counts: [Int: Int] = [:]
            for labels in inputs { for l in labels where l < ellipsisBase { counts[l, default: 0] += 1 } }
            output = (0..<e).map { ellipsisBase + $0 } + counts.filter { $0.value == 1 }.keys.sorted()
        }
        return Parsed(inputs: inputs, output: output, sizes: sizes)
    }

    // MARK: - Evaluation steps

    /// The operand with each repeated label collapsed to its diagonal; labels in first-seen order.
    private static func diagonal(_ t: Tensor, _ labels: [Int], operand: Int) throws -> (Tensor, [Int]) {
        var unique: [Int] = []
        for l in labels where !unique.contains(l) { unique.append(l) }
        if unique.count == labels.count { return (t, labels) }
        let inStrides = Tensor.strides(for: t.shape)
        let shape = unique.map { u in t.shape[labels.firstIndex(of: u)!] }
        // A unique label's stride is the sum of the strides of the axes that carry it.
        let strides = unique.map { u in labels.indices.filter { labels[$0] == u }.reduce(0) { $0 + inStrides[$1] } }
        let out = try Tensor.build(shape: shape) { p, n in
            var index = [Int](repeating: 0, count: shape.count)
            for k in 0..<n {
                var off = 0
                for d in 0..<shape.count { off += index[d] * strides[d] }
                p[k] = t.pointer[off]
                LinalgSupport.increment(&index, within: shape)
            }
        }
        return (out, unique)
    }

    /// Sums over the labels not in `keep` (the kept ones stay in their order).
    private static func sumOut(_ t: Tensor, _ labels: [Int], keep: Set<Int>) throws -> (tensor: Tensor, labels: [Int]) {
        let kept = labels.indices.filter { keep.contains(labels[$0]) }
        if kept.count == labels.count { return (t, labels) }
        let summed = labels.indices.filter { !keep.contains(labels[$0]) }
        let moved = try t.transposed(axes: kept + summed)
        let keptShape = kept.map { t.shape[$0] }
        let block = summed.reduce(1) { $0 * t.shape[$1] }
        let out = try Tensor.build(shape: keptShape) { p, n in
            for i in 0..<n {
                var s = 0.0
                let row = moved.pointer + i * block
                for j in 0..<block { s += row[j] }
                p[i] = s
            }
        }
        return (out, kept.map { labels[$0] })
    }

    /// The product of two terms summed over their shared labels not in `keep`, as one matmul.
    private static func contract(_ a: (tensor: Tensor, labels: [Int]), _ b: (tensor: Tensor, labels: [Int]),
                                 keep: Set<Int>) throws -> (tensor: Tensor, labels: [Int]) {
        let la = a.labels, lb = b.labels
        let batch = la.filter { lb.contains($0) && keep.contains($0) }
        let inner = la.filter { lb.contains($0) && !keep.contains($0) }
        let rowsL = la.filter { !lb.contains($0) }
        let colsL = lb.filter { !la.contains($0) }
        func size(_ t: Tensor, _ ls: [Int], _ sel: [Int]) -> Int {
            sel.reduce(1) { $0 * t.shape[ls.firstIndex(of: $1)!] }
        }
        let bt = size(a.tensor, la, batch), m = size(a.tensor, la, rowsL)
        let k = size(a.tensor, la, inner), n = size(b.tensor, lb, colsL)
        func arranged(_ t: Tensor, _ ls: [Int], _ order: [Int]) throws -> Tensor {
            try t.transposed(axes: order.map { ls.firstIndex(of: $0)! })
        }
        var transA = false, transB = false
        let left: Tensor, right: Tensor
        if batch.isEmpty && la == inner + rowsL && !inner.isEmpty && !rowsL.isEmpty {
            transA = true
            left = try a.tensor.reshaped([k, m])
        } else {
            left = try arranged(a.tensor, la, batch + rowsL + inner).reshaped(batch.isEmpty ? [m, k] : [bt, m, k])
        }
        if batch.isEmpty && lb == colsL + inner && !inner.isEmpty && !colsL.isEmpty {
            transB = true
            right = try b.tensor.reshaped([n, k])
        } else {
            right = try arranged(b.tensor, lb, batch + inner + colsL).reshaped(batch.isEmpty ? [k, n] : [bt, k, n])
        }
        let product = try Tensor.matmul(left, right, transA: transA, transB: transB)
        let shape = batch.map { b.tensor.shape[lb.firstIndex(of: $0)!] } + rowsL.map { a.tensor.shape[la.firstIndex(of: $0)!] }
            + colsL.map { b.tensor.shape[lb.firstIndex(of: $0)!] }
        return (try product.reshaped(shape), batch + rowsL + colsL)
    }
}
