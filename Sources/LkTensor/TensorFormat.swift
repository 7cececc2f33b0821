import Foundation

// Printing tensors the way NumPy prints arrays (np.array2string, i.e. str() of
// an ndarray: elements separated by spaces), so that lk output looks familiar
// to anyone who has used NumPy. The layout code is a port of NumPy 2.x's
// arrayprint.py (_formatArray, _extendLine, FloatingFormat); the tests compare
// against strings NumPy produced. lk's differences, all deliberate:
//
// - When every finite element shown is integral (and below 1e16 in magnitude),
//   elements print as integers, "[1 2 3]", not "[1. 2. 3.]": lk has only
//   Float64, so the trailing point would carry no information.
// - A tensor of rank 3 or more, and an empty tensor of rank 2 or more, starts
//   with a line "tensor of shape (2,3,4)": the brackets alone are hard to count.
// - A rank-0 tensor prints as formatNumber would print its value.

/// Options of the array printer; the defaults are NumPy's.
public struct PrintOptions: Sendable {
    /// At most this many digits after the decimal point (NumPy's `precision`).
    public var precision = 8
    /// Tensors with more elements than this are summarised with "...".
    public var threshold = 1000
    /// Elements shown at each end of each axis when summarising.
    public var edgeItems = 3
    /// Lines are wrapped before they exceed this many characters.
    public var lineWidth = 75
    /// Never switch to scientific notation for small values; values below the
    /// precision print as 0.
    public var suppressSmall = false
    public init() {}
}

extension Tensor {
    /// NumPy-style text of the tensor: nested brackets, aligned columns, lines
    /// wrapped at `lineWidth`, and summarised with "..." when there are more than
    /// `threshold` elements (`edgeItems` per side on each axis). Only the elements
    /// shown are ever formatted, so printing a huge tensor is cheap.
    ///
    /// Numbers print as integers when every finite element shown is integral and
    /// below 1e16; otherwise NumPy's rules apply: the shortest unique digits up
    /// to `precision` after the point, positional unless the largest magnitude is
    /// ≥ 1e8, or the smallest nonzero one is < 1e-4, or their ratio is > 1e3
    /// (then scientific, "1.5e-05"), padded so the points line up.
    public func formatted(_ options: PrintOptions = PrintOptions()) -> String {
        if rank == 0 { return formatNumber(pointer[0]) }
        let header = rank >= 3 || (count == 0 && rank >= 2) ? "tensor of shape \(shapeString(shape))\n" : ""
        if count == 0 { return header + "[]" }
        let printer = ArrayPrinter(self, options)
        return header + printer.render()
    }
}

/// One `formatted()` call: decides which elements are shown, how they are
/// formatted, and lays them out.
private struct ArrayPrinter {
    let tensor: Tensor
    let options: PrintOptions
    let summarise: Bool
    let strides: [Int]
    let edge: Int
    let format: ElementFormat

    init(_ tensor: Tensor, _ options: PrintOptions) {
        self.tensor = tensor
        self.options = options
        edge = max(0, options.edgeItems)
        summarise = tensor.count > options.threshold
        let strides = tensor.strides
        self.strides = strides
        // Flat offsets of every element that will be printed: the formats are
        // chosen from these alone, as NumPy does after _leading_trailing.
        let pointer = tensor.pointer
        var offsets = [0]
        for axis in 0..<tensor.rank {
            let n = tensor.shape[axis]
            let indices = summarise && 2 * edge < n ? Array(0..<edge) + Array((n - edge)..<n) : Array(0..<n)
            offsets = offsets.flatMap { base in indices.map { base + $0 * strides[axis] } }
        }
        format = ElementFormat(precision: max(0, options.precision), suppressSmall: options.suppressSmall,
                               values: offsets.map { pointer[$0] }, boolean: tensor.isBool)
    }

    func render() -> String {
        // " " skips over the opening bracket on continuation lines.
        recurse(axis: 0, offset: 0, hangingIndent: " ", width: options.lineWidth)
    }

    /// NumPy's _formatArray.recurser: the text of the sub-array at `offset`
    /// spanning axes `axis...`, where continuation lines start with
    /// `hangingIndent` and must fit in `width` columns.
    func recurse(axis: Int, offset: Int, hangingIndent: String, width: Int) -> String {
        if axis == tensor.rank { return format.format(tensor.pointer[offset]) }
        let nextIndent = hangingIndent + " "
        let nextWidth = width - 1  // room for the closing bracket
        let n = tensor.shape[axis]
        let stride = strides[axis]
        let showSummary = summarise && 2 * edge < n
        let leading = showSummary ? edge : 0
        let trailing = showSummary ? edge : n
        // Item order: `leading` items from the front, then "...", then `trailing` from the back.
        let items = Array(0..<leading) + Array((n - trailing)..<n)
        let axesLeft = tensor.rank - axis
        var s = ""
        if axesLeft == 1 {
            // The last axis: elements on a line, wrapped when the next one would not fit.
            let elementWidth = width - 1
            var line = hangingIndent
            for (k, i) in items.enumerated() {
                if showSummary && k == leading {
                    extendLine(&s, &line, "...", elementWidth, hangingIndent)
                    line += " "
                }
                let word = recurse(axis: axis + 1, offset: offset + i * stride, hangingIndent: nextIndent, width: nextWidth)
                extendLine(&s, &line, word, elementWidth, hangingIndent)
                if k < items.count - 1 { line += " " }
            }
            s += line
        } else {
            // Outer axes: one sub-array per line, with a blank line per extra axis.
            let lineSeparator = String(repeating: "\n", count: axesLeft - 1)
            for (k, i) in items.enumerated() {
                if showSummary && k == leading { s += hangingIndent + "..." + lineSeparator }
                s += hangingIndent + recurse(axis: axis + 1, offset: offset + i * stride, hangingIndent: nextIndent, width: nextWidth)
                if k < items.count - 1 { s += lineSeparator }
            }
        }
        return "[" + s.dropFirst(hangingIndent.utf8.count) + "]"
    }

    /// NumPy's _extendLine: appends `word`, first breaking the line if it would
    /// pass `width` (unless the line holds nothing yet, when breaking cannot help).
    func extendLine(_ s: inout String, _ line: inout String, _ word: String, _ width: Int, _ indent: String) {
        let lineLength = line.utf8.count
        if lineLength + word.utf8.count > width && lineLength > indent.utf8.count {
            while line.hasSuffix(" ") { line.removeLast() }
            s += line + "\n"
            line = indent
        }
        line += word
    }
}

/// How each element of one printed tensor is formatted: chosen once from the
/// elements shown, then applied to each of them so that columns align.
/// Mirrors NumPy's FloatingFormat in its default 'maxprec' mode, plus lk's
/// integer mode.
struct ElementFormat {
    enum Mode { case integer, positional, scientific, boolean }
    private(set) var mode = Mode.integer
    let precision: Int
    /// Characters before the point (positional, scientific), or the whole width (integer).
    private(set) var padLeft = 0
    /// Characters after the point: fraction digits (positional), or fraction
    /// digits plus exponent (scientific).
    private(set) var padRight = 0
    /// Fraction digits of the mantissa, and exponent digits (scientific mode).
    private(set) var mantissaDigits = 0
    private(set) var exponentDigits = 2

    init(precision: Int, suppressSmall: Bool, values: [Double], boolean: Bool = false) {
        self.precision = precision
        if boolean {
            // NumPy pads `True` to the width of `False`; lk writes true/false as its scalars print.
            mode = .boolean
            padLeft = values.contains(0) ? 5 : 4
            return
        }
        let finite = values.filter { $0.isFinite }
        let nonFinite = values.filter { !$0.isFinite }
        if finite.allSatisfy({ $0 == $0.rounded(.towardZero) && abs($0) < 1e16 }) {
            mode = .integer
            padLeft = values.map { formatNumber($0).utf8.count }.max() ?? 0
            return
        }
        let magnitudes = finite.map(abs).filter { $0 != 0 }
        if let maxValue = magnitudes.max(), let minValue = magnitudes.min(),
           maxValue >= 1e8 || (!suppressSmall && (minValue < 1e-4 || maxValue / minValue > 1e3)) {
            mode = .scientific
            for x in finite {
                let (i, f, e) = scientificParts(x, precision: precision)
                padLeft = max(padLeft, i.utf8.count)
                mantissaDigits = max(mantissaDigits, f.utf8.count)
                exponentDigits = max(exponentDigits, String(abs(e)).utf8.count)
            }
            padRight = exponentDigits + 2 + mantissaDigits
        } else {
            mode = .positional
            for x in finite {
                let (i, f) = positionalParts(x, precision: precision)
                padLeft = max(padLeft, i.utf8.count)
                padRight = max(padRight, f.utf8.count)
            }
        }
        // Make room for "nan", "inf", "-inf" in a column of width padLeft + 1 + padRight.
        if !nonFinite.isEmpty {
            let negativeInfinity = nonFinite.contains { $0 < 0 } ? 1 : 0
            padLeft = max(padLeft, 3 + negativeInfinity - (padRight + 1))
        }
    }

    func format(_ x: Double) -> String {
        if mode == .boolean { return leftPad(x != 0 ? "true" : "false", padLeft) }
        if mode == .integer { return leftPad(formatNumber(x), padLeft) }
        if !x.isFinite { return leftPad(formatNumber(x), padLeft + 1 + padRight) }
        if mode == .positional {
            let (i, f) = positionalParts(x, precision: precision)
            return leftPad(i, padLeft) + "." + f + String(repeating: " ", count: padRight - f.utf8.count)
        }
        let (i, f, e) = scientificParts(x, precision: precision)
        return leftPad(i, padLeft) + "." + f + String(repeating: "0", count: mantissaDigits - f.utf8.count)
            + exponentString(e, minDigits: exponentDigits)
    }

    private func leftPad(_ s: String, _ width: Int) -> String {
        let n = s.utf8.count
        return n >= width ? s : String(repeating: " ", count: width - n) + s
    }
}
