import Foundation

/// NumPy's .npy file format, so that tensors move between lk and Python
/// without loss (https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html).
///
/// A file is the magic "\x93NUMPY", a version (1.0, 2.0 or 3.0), the length of
/// the header (2 bytes little-endian in 1.0, 4 bytes in 2.0 and 3.0), and the
/// header: a Python dict literal such as
/// `{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }` padded with
/// spaces and ended by a newline. The raw array data follows.
public enum NPY {
    /// Reads the .npy file at `path` into a Float64 tensor. See `decode`.
    ///
    /// The header is read and checked first: a file whose header promises more
    /// (or less) data than the file holds, or a tensor over the memory limit, is
    /// refused before its data is read, and a pipe or device (`/dev/zero`) is
    /// read no further than the header says.
    public static func load(path: String) throws -> Tensor {
        let file = try InputFile(path)
        var bytes = try file.read(upTo: 12)
        let preamble = try Preamble(bytes, name: path)
        let headerEnd = preamble.headerStart + preamble.headerLength
        if let size = file.regularSize, size < headerEnd {
            throw preamble.fail("truncated: expected a header of \(preamble.headerLength) bytes, found \(size - preamble.headerStart)")
        }
        bytes += try file.read(upTo: headerEnd - bytes.count)
        let layout = try Layout(bytes, preamble)
        if let size = file.regularSize { try layout.check(found: size - headerEnd) }
        do { _ = try Tensor.checkedCount(layout.header.shape) } catch let e as TensorError { throw preamble.fail(e.message) }
        // The data fits in the memory limit (at most 8 bytes an element), so this cannot
        // overflow; one byte more than the header accounts for tells "too much" from a pipe.
        bytes += try file.read(upTo: layout.expected + 1)
        return try decode(bytes, name: path)
    }

    /// Decodes the bytes of an .npy file; `name` starts every error message.
    ///
    /// Reads versions 1.0, 2.0 and 3.0; little- and big-endian floats
    /// (f2, f4, f8), signed and unsigned integers (1, 2, 4, 8 bytes) and booleans;
    /// C or Fortran order (converted to row-major); any rank including 0.
    /// Everything converts to Float64, so 64-bit integers beyond 2⁵³ are rounded.
    ///
    /// Errors, all `TensorError`, never a crash: not an .npy file; truncated
    /// header or data ("x.npy: truncated: expected 800 bytes of data, found 640");
    /// more data than the header's shape accounts for; unsupported dtypes
    /// (complex, object, strings, structured), named; malformed headers.
    public static func decode(_ data: [UInt8], name: String) throws -> Tensor {
        let layout = try Layout(data, try Preamble(data, name: name))
        try layout.check(found: data.count - layout.dataStart)
        let header = layout.header, dataStart = layout.dataStart
        var tensor: Tensor
        do { tensor = try Tensor(uninitializedShape: header.shape) } catch let error as TensorError { throw layout.preamble.fail(error.message) }
        data.withUnsafeBytes { raw in
            let source = UnsafeRawBufferPointer(rebasing: raw[dataStart...])
            header.dtype.convert(source, count: tensor.count, into: tensor.pointer)
        }
        if header.fortranOrder && tensor.rank > 1 { tensor = fromColumnMajor(tensor) }
        return tensor
    }

    /// The fixed start of a file: magic, version, and where the header lies.
    private struct Preamble {
        let name: String
        let major: Int
        let headerStart: Int
        let headerLength: Int

        func fail(_ message: String) -> TensorError { TensorError("\(name): \(message)") }

        /// From the first bytes of a file (12 are enough).
        init(_ data: [UInt8], name: String) throws {
            self.name = name
            func fail(_ message: String) -> TensorError { TensorError("\(name): \(message)") }
            let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]  // \x93NUMPY
            guard data.count >= 6, Array(data[0..<6]) == magic else {
                throw fail("not an .npy file (it does not start with \\x93NUMPY)")
            }
            guard data.count >= 8 else { throw fail("truncated: the file ends inside the version number") }
            let (major, minor) = (Int(data[6]), Int(data[7]))
            guard (1...3).contains(major) else { throw fail("unsupported .npy format version \(major).\(minor)") }
            let lengthSize = major == 1 ? 2 : 4
            guard data.count >= 8 + lengthSize else { throw fail("truncated: the file ends inside the header length") }
            var headerLength = 0
            for k in 0..<lengthSize { headerLength |= Int(data[8 + k]) << (8 * k) }
            self.major = major
            self.headerStart = 8 + lengthSize
            self.headerLength = headerLength
        }
    }

    /// The parsed header and the size of the data it describes.
    private struct Layout {
        let preamble: Preamble
        let header: Header
        let dataStart: Int
        /// Bytes of data the shape and dtype account for (Int.max on overflow).
        let expected: Int
        let overflow: Bool

        /// From the bytes of a file up to at least the end of its header.
        init(_ data: [UInt8], _ preamble: Preamble) throws {
            self.preamble = preamble
            let headerStart = preamble.headerStart, headerLength = preamble.headerLength
            guard data.count - headerStart >= headerLength else {
                throw preamble.fail("truncated: expected a header of \(headerLength) bytes, found \(data.count - headerStart)")
            }
            let headerBytes = data[headerStart..<(headerStart + headerLength)]
            // Versions 1 and 2 store the header in latin-1, version 3 in UTF-8.
            let headerText = preamble.major == 3 ? String(decoding: headerBytes, as: UTF8.self)
                                                 : String(headerBytes.map { Character(UnicodeScalar($0)) })
            header = try Header(parsing: headerText, fail: preamble.fail)
            dataStart = headerStart + headerLength
            // Sizes are checked before anything is allocated, so that a header that lies
            // about the shape is reported as such rather than as a huge allocation.
            var count = 1, overflow = false
            for n in header.shape {
                let (product, o) = count.multipliedReportingOverflow(by: n)
                count = product; overflow = overflow || o
            }
            let (bytes, o) = count.multipliedReportingOverflow(by: header.dtype.size)
            self.overflow = overflow || o
            expected = self.overflow ? Int.max : bytes
        }

        /// That the file holds exactly the data the header describes.
        func check(found: Int) throws {
            if overflow || expected > found {
                throw preamble.fail("truncated: expected \(overflow ? "more than \(Int.max)" : String(expected)) bytes of data, found \(found)")
            }
            if expected < found {
                throw preamble.fail("the header says shape \(shapeString(header.shape)) of '\(messageText(header.descr))' (\(expected) bytes of data), but the file holds \(found) bytes of data")
            }
        }
    }

    /// Writes `t` to `path` as .npy (see `encode`), atomically: a temporary file
    /// in the same directory, fsync'd, then renamed over the target.
    public static func save(_ t: Tensor, path: String) throws {
        try AtomicFile.write(encode(t), to: path)
    }

    /// The bytes of an .npy file holding `t`: version 1.0 (2.0 if the header
    /// exceeds 65535 bytes), little-endian '<f8', C order. The header is laid out
    /// exactly as NumPy's `np.save` lays it out (same spare room for growing the
    /// first axis, padded so the data starts at a multiple of 64 bytes), so the
    /// files are byte-for-byte what NumPy writes for the same array.
    public static func encode(_ t: Tensor) -> [UInt8] {
        let shape: String
        switch t.rank {
        case 0: shape = "()"
        case 1: shape = "(\(t.shape[0]),)"
        default: shape = "(" + t.shape.map(String.init).joined(separator: ", ") + ")"
        }
        var dict = "{'descr': '<f8', 'fortran_order': False, 'shape': \(shape), }"
        // numpy.lib.format leaves room for the first axis to grow to 21 digits in place.
        if let first = t.shape.first { dict += String(repeating: " ", count: max(0, 21 - String(first).count)) }
        var bytes: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]
        let headerLength = dict.utf8.count + 1  // + the closing newline
        var lengthSize = 2
        var padding = 64 - (8 + lengthSize + headerLength) % 64
        if headerLength + padding > 65535 {
            lengthSize = 4
            padding = 64 - (8 + lengthSize + headerLength) % 64
        }
        bytes += [lengthSize == 2 ? 1 : 2, 0]
        for k in 0..<lengthSize { bytes.append(UInt8(truncatingIfNeeded: (headerLength + padding) >> (8 * k))) }
        bytes += Array(dict.utf8) + [UInt8](repeating: 0x20, count: padding) + [0x0A]
        let dataStart = bytes.count
        bytes += [UInt8](repeating: 0, count: t.count * 8)
        bytes.withUnsafeMutableBytes { raw in
            for i in 0..<t.count {
                raw.storeBytes(of: t.pointer[i].bitPattern.littleEndian, toByteOffset: dataStart + 8 * i, as: UInt64.self)
            }
        }
        return bytes
    }

    /// Reorders data stored column-major (first index fastest) into row-major.
    private static func fromColumnMajor(_ t: Tensor) -> Tensor {
        let result = try! Tensor(uninitializedShape: t.shape, countingTotal: false)  // same size as t, which exists
        let strides = t.strides
        var index = [Int](repeating: 0, count: t.rank)
        var destination = 0
        for p in 0..<t.count {
            result.pointer[destination] = t.pointer[p]
            // Advance the multi-index with axis 0 fastest, tracking the row-major offset.
            var axis = 0
            while axis < t.rank {
                index[axis] += 1
                destination += strides[axis]
                if index[axis] < t.shape[axis] { break }
                destination -= strides[axis] * t.shape[axis]
                index[axis] = 0
                axis += 1
            }
        }
        return result
    }
}

/// The three entries of an .npy header that matter: element type, order, shape.
private struct Header {
    let descr: String
    let dtype: DType
    let fortranOrder: Bool
    let shape: [Int]

    init(parsing text: String, fail: (String) -> TensorError) throws {
        // Messages quote the header without its padding and newline.
        let shown = messageText(text.trimmingCharacters(in: .whitespacesAndNewlines), limit: 120)
        var parser = LiteralParser(text: Array(text.unicodeScalars))
        let value: PyLiteral
        do {
            value = try parser.parseValue(depth: 0)
            parser.skipSpace()
            if parser.position < parser.text.count { throw parser.error("unexpected text after the dict") }
        } catch let error as LiteralParser.Failure {
            throw fail("malformed header: \(error.message): \(shown)")
        }
        guard case .dict(let entries) = value else { throw fail("malformed header: expected a dict, found \(shown)") }
        func entry(_ key: String) throws -> PyLiteral {
            guard let v = entries.first(where: { $0.0 == key })?.1 else { throw fail("malformed header: no '\(key)' in \(shown)") }
            return v
        }
        switch try entry("descr") {
        case .string(let s): descr = s
        case .list: throw fail("structured dtypes (records with named fields) are not supported; save a plain numeric array")
        default: throw fail("malformed header: 'descr' is not a string")
        }
        guard case .bool(let f) = try entry("fortran_order") else { throw fail("malformed header: 'fortran_order' is not True or False") }
        fortranOrder = f
        guard case .tuple(let sizes) = try entry("shape") else { throw fail("malformed header: 'shape' is not a tuple") }
        shape = try sizes.map {
            guard case .int(let n) = $0, n >= 0 else { throw fail("malformed header: 'shape' must hold non-negative integers") }
            return n
        }
        guard let dtype = DType(descr) else {
            throw fail("unsupported dtype '\(messageText(descr))'\(DType.describeUnsupported(descr)); lk reads floats, integers and booleans")
        }
        self.dtype = dtype
    }
}

/// A numeric NumPy dtype as the 'descr' string spells it: '<f8', '>i4', '|b1'.
private struct DType {
    enum Kind { case float, signed, unsigned, bool }
    let kind: Kind
    let size: Int
    let bigEndian: Bool

    init?(_ descr: String) {
        var chars = Array(descr)
        var big = false
        switch chars.first {
        case "<": chars.removeFirst()
        case ">": big = true; chars.removeFirst()
        case "|", "=": chars.removeFirst()
        default: break
        }
        guard let code = chars.first, let size = Int(String(chars.dropFirst())) else { return nil }
        switch (code, size) {
        case ("f", 2), ("f", 4), ("f", 8): kind = .float
        case ("i", 1), ("i", 2), ("i", 4), ("i", 8): kind = .signed
        case ("u", 1), ("u", 2), ("u", 4), ("u", 8): kind = .unsigned
        case ("b", 1): kind = .bool
        default: return nil
        }
        self.size = size
        bigEndian = big && size > 1
    }

    /// Why a dtype is not supported, for the error message: " (complex)".
    static func describeUnsupported(_ descr: String) -> String {
        let code = descr.drop(while: { "<>|=".contains($0) }).first
        switch code {
        case "c": return " (complex numbers)"
        case "O": return " (Python objects)"
        case "U", "S", "a": return " (strings)"
        case "V": return " (raw bytes)"
        case "M", "m": return " (dates or time spans)"
        case "f": return " (a float of this size)"
        default: return ""
        }
    }

    /// Converts `count` elements at the start of `source` to Float64.
    func convert(_ source: UnsafeRawBufferPointer, count: Int, into out: UnsafeMutablePointer<Double>) {
        func each<T: FixedWidthInteger>(_: T.Type, _ f: (T) -> Double) {
            for i in 0..<count {
                let raw = source.loadUnaligned(fromByteOffset: i * MemoryLayout<T>.size, as: T.self)
                out[i] = f(bigEndian ? T(bigEndian: raw) : T(littleEndian: raw))
            }
        }
        switch (kind, size) {
        case (.float, 8): each(UInt64.self) { Double(bitPattern: $0) }
        case (.float, 4): each(UInt32.self) { Double(Float(bitPattern: $0)) }
        case (.float, _): each(UInt16.self, halfToDouble)
        case (.signed, 8): each(Int64.self) { Double($0) }
        case (.signed, 4): each(Int32.self) { Double($0) }
        case (.signed, 2): each(Int16.self) { Double($0) }
        case (.signed, _): each(Int8.self) { Double($0) }
        case (.unsigned, 8): each(UInt64.self) { Double($0) }
        case (.unsigned, 4): each(UInt32.self) { Double($0) }
        case (.unsigned, 2): each(UInt16.self) { Double($0) }
        case (.unsigned, _): each(UInt8.self) { Double($0) }
        case (.bool, _): each(UInt8.self) { $0 != 0 ? 1 : 0 }
        }
    }
}

/// IEEE binary16 to Float64, by hand because Float16 is missing on Intel Macs.
private func halfToDouble(_ h: UInt16) -> Double {
    let sign: FloatingPointSign = h & 0x8000 != 0 ? .minus : .plus
    let exponent = Int((h >> 10) & 0x1F)
    let fraction = Double(h & 0x3FF) / 1024
    switch exponent {
    case 0: return Double(sign: sign, exponent: -14, significand: fraction)
    case 31: return fraction == 0 ? (sign == .minus ? -.infinity : .infinity) : .nan
    default: return Double(sign: sign, exponent: exponent - 15, significand: 1 + fraction)
    }
}

/// The Python literals an .npy header may contain.
private indirect enum PyLiteral {
    case string(String), int(Int), bool(Bool), none
    case tuple([PyLiteral]), list([PyLiteral]), dict([(String, PyLiteral)])
}

/// A recursive-descent parser for the subset of Python literal syntax that
/// numpy.lib.format writes (it reads headers with ast.literal_eval).
private struct LiteralParser {
    struct Failure: Error { let message: String }
    let text: [Unicode.Scalar]
    var position = 0

    func error(_ message: String) -> Failure { Failure(message: "\(message) at character \(position + 1)") }

    mutating func skipSpace() {
        while position < text.count, text[position].properties.isWhitespace { position += 1 }
    }

    mutating func expect(_ c: Unicode.Scalar) throws {
        skipSpace()
        guard position < text.count, text[position] == c else { throw error("expected '\(c)'") }
        position += 1
    }

    /// True (and consumed) if the next non-space character is `c`.
    mutating func accept(_ c: Unicode.Scalar) -> Bool {
        skipSpace()
        if position < text.count, text[position] == c { position += 1; return true }
        return false
    }

    mutating func parseValue(depth: Int) throws -> PyLiteral {
        guard depth < 32 else { throw error("nested too deeply") }
        skipSpace()
        guard position < text.count else { throw Failure(message: "it ends early") }
        let c = text[position]
        switch c {
        case "{":
            position += 1
            var entries: [(String, PyLiteral)] = []
            while !accept("}") {
                guard case .string(let key) = try parseValue(depth: depth + 1) else { throw error("dict keys must be strings") }
                try expect(":")
                entries.append((key, try parseValue(depth: depth + 1)))
                if !accept(",") { try expect("}"); break }
            }
            return .dict(entries)
        case "(", "[":
            position += 1
            let close: Unicode.Scalar = c == "(" ? ")" : "]"
            var items: [PyLiteral] = []
            while !accept(close) {
                items.append(try parseValue(depth: depth + 1))
                if !accept(",") { try expect(close); break }
            }
            return c == "(" ? .tuple(items) : .list(items)
        case "'", "\"":
            position += 1
            var s = ""
            while position < text.count, text[position] != c {
                if text[position] == "\\" { position += 1; guard position < text.count else { break } }
                s.unicodeScalars.append(text[position])
                position += 1
            }
            guard position < text.count else { throw error("unterminated string") }
            position += 1
            return .string(s)
        case "0"..."9", "-", "+":
            let start = position
            position += 1
            while position < text.count, ("0"..."9").contains(text[position]) { position += 1 }
            let digits = String(String.UnicodeScalarView(text[start..<position]))
            if position < text.count, text[position] == "L" { position += 1 }  // Python 2 longs
            guard let n = Int(digits) else { throw error("bad integer '\(digits)'") }
            return .int(n)
        default:
            let start = position
            while position < text.count, text[position].properties.isAlphabetic { position += 1 }
            switch String(String.UnicodeScalarView(text[start..<position])) {
            case "True": return .bool(true)
            case "False": return .bool(false)
            case "None": return .none
            default: position = start; throw error("unexpected '\(c)'")
            }
        }
    }
}
