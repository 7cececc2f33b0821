import Foundation

// How single numbers become text. Every number in lk is a Float64, so a
// number that happens to be integral prints like an integer ("3", not "3.0");
// every other number prints in the shortest form that reads back to the same
// Float64, laid out exactly as Python's repr(float). The array printer in
// TensorFormat.swift builds on the digit helpers here.

/// How a number prints in lk.
///
/// - An integral value with |x| < 1e16 prints without a decimal point: "3",
///   "-0", "1000000". Below 1e16 every such Float64 is an exact integer that
///   prints with at most 16 digits, so nothing is lost.
/// - Anything else prints as the shortest string that round-trips, laid out
///   like Python's `repr(float)`: positional when the decimal exponent is in
///   [-4, 16), scientific otherwise with at least two exponent digits
///   ("0.1", "0.0001", "1e-05", "1.5e+300", "1e+16").
/// - Non-finite values print as "inf", "-inf" and "nan".
public func formatNumber(_ x: Double) -> String {
    if x.isNaN { return "nan" }
    if x.isInfinite { return x < 0 ? "-inf" : "inf" }
    if x == x.rounded(.towardZero) && abs(x) < 1e16 {
        if x == 0 { return x.sign == .minus ? "-0" : "0" }
        return String(Int64(x))
    }
    let d = ShortestDigits(x)
    let sign = x.sign == .minus ? "-" : ""
    // Python's float_repr_style 'short': scientific when decpt <= -4 or decpt > 16.
    if d.decimalPoint <= -4 || d.decimalPoint > 16 {
        return sign + d.scientificMantissa + exponentString(d.decimalPoint - 1, minDigits: 2)
    }
    return sign + d.positional
}

/// The shortest decimal digits that identify a finite Float64 uniquely, with the
/// position of the decimal point: value = 0.d₁d₂…dₙ × 10^decimalPoint.
/// For zero, digits are "0" and decimalPoint is 1.
///
/// Swift's `description` already computes the shortest round-trip digits (the
/// same digits as Python's repr and NumPy's Dragon4 in unique mode); this type
/// only takes its layout apart so that callers can lay the digits out their way.
struct ShortestDigits {
    /// ASCII digits, no leading or trailing zeros (except the lone "0" of zero).
    let digits: [UInt8]
    let decimalPoint: Int

    init(_ x: Double) {
        precondition(x.isFinite, "ShortestDigits needs a finite value")
        if x == 0 { digits = [UInt8(ascii: "0")]; decimalPoint = 1; return }
        var text = Array(abs(x).description.utf8)
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }) {
            exponent = Int(String(decoding: text[(e + 1)...], as: UTF8.self))!
            text.removeSubrange(e...)
        }
        var integerCount = text.count
        if let dot = text.firstIndex(of: UInt8(ascii: ".")) {
            integerCount = dot
            text.remove(at: dot)
        }
        let leadingZeros = text.prefix(while: { $0 == UInt8(ascii: "0") }).count
        text.removeFirst(leadingZeros)
        while text.last == UInt8(ascii: "0") { text.removeLast() }
        digits = text
        decimalPoint = integerCount - leadingZeros + exponent
    }

    /// Number of digits after the decimal point in positional notation.
    var fractionDigits: Int { max(0, digits.count - decimalPoint) }

    /// Positional layout with at least one digit on each side of the point, as
    /// Python's repr does: "0.001", "12.5", "100.0".
    var positional: String {
        let (intPart, fracPart) = positionalParts
        return intPart + "." + (fracPart.isEmpty ? "0" : fracPart)
    }

    /// The integer and fraction digits of positional notation, fraction without
    /// trailing zeros (possibly empty): 12.5 → ("12", "5"), 100 → ("100", "").
    var positionalParts: (String, String) {
        let n = digits.count
        let dp = decimalPoint
        if dp <= 0 {
            return ("0", String(repeating: "0", count: -dp) + String(decoding: digits, as: UTF8.self))
        }
        if dp >= n {
            return (String(decoding: digits, as: UTF8.self) + String(repeating: "0", count: dp - n), "")
        }
        return (String(decoding: digits[..<dp], as: UTF8.self), String(decoding: digits[dp...], as: UTF8.self))
    }

    /// "d" or "d.ddd": the mantissa of scientific notation, without the exponent.
    var scientificMantissa: String {
        let first = String(UnicodeScalar(digits[0]))
        if digits.count == 1 { return first }
        return first + "." + String(decoding: digits[1...], as: UTF8.self)
    }
}

/// "e+05", "e-300": an exponent with a sign and at least `minDigits` digits.
func exponentString(_ exponent: Int, minDigits: Int) -> String {
    let magnitude = String(abs(exponent))
    let padding = String(repeating: "0", count: max(0, minDigits - magnitude.count))
    return "e" + (exponent < 0 ? "-" : "+") + padding + magnitude
}

/// NumPy's `dragon4_positional(x, precision:, unique: true, trim: '.')`: the
/// shortest round-trip digits, but rounded to at most `precision` digits after
/// the point (correctly rounded from the exact binary value), trailing zeros
/// trimmed and the point kept: 1.0 → ("1", ""), -0.5 → ("-0", "5"),
/// 1/3 with precision 8 → ("0", "33333333"). Returns the integer part (with
/// its sign) and the fraction digits.
func positionalParts(_ x: Double, precision: Int) -> (integer: String, fraction: String) {
    let sign = x.sign == .minus ? "-" : ""
    let d = ShortestDigits(x)
    if d.fractionDigits <= precision {
        let (i, f) = d.positionalParts
        return (sign + i, f)
    }
    // More digits than allowed: round the exact value. printf rounds exactly
    // (ties to even), as Dragon4 does, and keeps the sign of a value that
    // rounds to zero ("-0.00000000"), as NumPy does.
    var text = String(format: "%.\(precision)f", x)
    while text.contains(".") && text.hasSuffix("0") { text.removeLast() }
    let parts = text.split(separator: ".", omittingEmptySubsequences: false)
    return (String(parts[0]), parts.count > 1 ? String(parts[1]) : "")
}

/// NumPy's `dragon4_scientific(x, precision:, unique: true, trim: '.')`: the
/// shortest round-trip digits with at most `precision` digits after the
/// mantissa's point, trailing zeros trimmed. 1.5e-5 → ("1", "5", -5).
func scientificParts(_ x: Double, precision: Int) -> (integer: String, fraction: String, exponent: Int) {
    let sign = x.sign == .minus ? "-" : ""
    let d = ShortestDigits(x)
    if d.digits.count - 1 <= precision {
        let first = String(UnicodeScalar(d.digits[0]))
        let rest = String(decoding: d.digits.dropFirst(), as: UTF8.self)
        return (sign + first, rest, x == 0 ? 0 : d.decimalPoint - 1)
    }
    let text = String(format: "%.\(precision)e", x)
    let e = text.firstIndex(of: "e")!
    let exponent = Int(text[text.index(after: e)...])!
    var mantissa = String(text[..<e])
    while mantissa.contains(".") && mantissa.hasSuffix("0") { mantissa.removeLast() }
    let parts = mantissa.split(separator: ".", omittingEmptySubsequences: false)
    return (String(parts[0]), parts.count > 1 ? String(parts[1]) : "", exponent)
}
