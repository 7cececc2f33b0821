import Foundation

/// Numeric CSV files: a matrix of numbers, one row per line, with an optional
/// header line of column names.
///
/// Reading rules, chosen so that files from spreadsheets, pandas and
/// `np.savetxt` read without options:
/// - Delimiter: the one given, else the first of `,` tab `;` that occurs on the
///   first non-blank line, else spaces if it has any (as `np.savetxt` writes by
///   default), else a single column. The delimiter " " means any run of spaces
///   and tabs, and quotes have no meaning then.
/// - Header: the one given, else auto-detected: the first line is a header when
///   one of its fields is not a number (or is quoted, the way `write` quotes
///   names that look like numbers).
/// - Blank lines and lines starting with `#` are skipped; "\r\n" and "\r" (old
///   Mac, some spreadsheet exports) line ends and a UTF-8 byte order mark are accepted.
/// - Fields may be double-quoted ("a, b" with "" for a quote); spaces around a
///   field are ignored.
/// - An empty field, "nan" or "NaN" is NaN (a missing value); "inf", "-inf",
///   "infinity" (any case) are infinities.
/// - The result is always rank 2, rows × columns, so a one-column file is n×1.
public enum CSV {
    /// Reads a numeric CSV file. Errors name the file, line and column:
    /// "x.csv:7: expected 4 fields, found 3", "x.csv:3:5: field 2 is not a number: \"abc\"".
    public static func read(path: String, header: Bool? = nil, delimiter: Character? = nil) throws -> (data: Tensor, header: [String]?) {
        try decode(AtomicFile.read(path), name: path, header: header, delimiter: delimiter)
    }

    /// Reads the bytes of a CSV file (what `read` does once the file is read);
    /// `name` starts every error message. Invalid UTF-8 reads as U+FFFD, which is
    /// not a number, so it fails in the field that holds it.
    public static func decode(_ bytes: [UInt8], name: String, header: Bool? = nil, delimiter: Character? = nil) throws -> (data: Tensor, header: [String]?) {
        // The bytes and their decoded text are both held while parsing.
        _ = try Memory.checkedCount([bytes.count, 2], elementBytes: 1, what: "readcsv: the text of \(name) (\(formatBytes(Double(bytes.count))))")
        let body = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? bytes[3...] : bytes[...]
        return try parse(String(decoding: body, as: UTF8.self), name: name, header: header, delimiter: delimiter)
    }

    /// Writes a rank-1 tensor (one column) or a rank-2 tensor (rows × columns),
    /// with an optional header line, atomically. Numbers print as `formatNumber`
    /// prints them, the shortest form that reads back to the same Float64, so
    /// `read` returns exactly what was written; NaN and infinities print as
    /// "nan", "inf", "-inf". Names are quoted when they contain a delimiter, a
    /// quote, surrounding spaces, or look like a number; a name with a line break
    /// is refused (`read` is line-based and could not read it back).
    public static func write(_ t: Tensor, path: String, header: [String]? = nil, delimiter: Character = ",") throws {
        try AtomicFile.write(Array(try text(t, header: header, delimiter: delimiter).utf8), to: path)
    }

    /// The text `write` writes.
    static func text(_ t: Tensor, header: [String]?, delimiter: Character) throws -> String {
        guard t.rank == 1 || t.rank == 2 else {
            throw TensorError("writecsv: can only write a vector or a matrix, got shape \(shapeString(t.shape))")
        }
        guard !(delimiter.isNumber || delimiter.isLetter || delimiter.isNewline || "\".+-#".contains(delimiter)) else {
            throw TensorError("writecsv: \(delimiter.debugDescription) cannot be a delimiter: it can appear in numbers or quotes")
        }
        let rows = t.shape[0]
        let columns = t.rank == 2 ? t.shape[1] : 1
        let separator = String(delimiter)
        var out = ""
        if let header {
            guard header.count == columns else {
                throw TensorError("writecsv: the header has \(header.count) names but the tensor has \(columns) columns")
            }
            // `read` is line-based, so a name with a line break would not read back.
            if let bad = header.first(where: { $0.contains(where: \.isNewline) }) {
                throw TensorError("writecsv: the name \(bad.debugDescription) contains a line break, which a CSV header cannot hold")
            }
            if delimiter == " ", let bad = header.first(where: { $0.isEmpty || $0.contains(where: { $0.isWhitespace || $0 == "\"" }) }) {
                throw TensorError("writecsv: the name \(bad.debugDescription) cannot be written with spaces as the delimiter")
            }
            out += header.map { quoted($0, delimiter: delimiter) }.joined(separator: separator) + "\n"
        }
        out.reserveCapacity(out.utf8.count + t.count * 12)
        for r in 0..<rows {
            for c in 0..<columns {
                if c > 0 { out += separator }
                out += formatNumber(t.pointer[r * columns + c])
            }
            out += "\n"
        }
        return out
    }

    /// A header name, quoted if reading it back would otherwise change it or
    /// mistake it for a number.
    private static func quoted(_ name: String, delimiter: Character) -> String {
        // Any of the delimiters `read` detects is quoted, so that detection is not misled.
        let needsQuotes = name.contains(delimiter) || name.contains(where: { ",;\t\"".contains($0) }) || name.contains(where: \.isNewline)
            || name.first?.isWhitespace == true || name.last?.isWhitespace == true
            || name.isEmpty || parseNumber(Substring(name)) != nil || name.hasPrefix("#")
        if !needsQuotes { return name }
        return "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// Parses CSV text; `name` starts every error message.
    static func parse(_ text: String, name: String, header wantHeader: Bool?, delimiter: Character?) throws -> (data: Tensor, header: [String]?) {
        // Parsing holds every line twice (the split, and the content lines with their numbers)
        // and then the numbers twice (an array, then the tensor): counted against the memory
        // limit before it is built, since for short lines it is 50–90 times the file's size.
        let lineCount = text.utf8.reduce(1) { $1 == 10 ? $0 + 1 : $0 }
        // (Measured, debug build: 105 bytes a line for a file of "0" lines; this counts the two
        // arrays and the fields of the line being parsed, 104.)
        let perLine = MemoryLayout<Substring>.stride + MemoryLayout<(Int, Substring)>.stride + 32
        _ = try Memory.checkedCount([lineCount, perLine], elementBytes: 1, what: "readcsv: the \(lineCount) lines of \(name)")
        // Content lines with their 1-based line numbers.
        var lines: [(number: Int, text: Substring)] = []
        var number = 0
        // "\r\n" is one Character in Swift, so it must be named as a line end.
        for var line in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" }) {
            number += 1
            if line.last == "\r" { line = line.dropLast() }
            let trimmed = line.drop(while: { $0 == " " || $0 == "\t" })
            if trimmed.isEmpty || trimmed.first == "#" { continue }
            lines.append((number, line))
        }
        guard let first = lines.first else { return (try Tensor(shape: [0, 0]), nil) }
        // Detect the delimiter outside quoted names: "a,b";c is a semicolon file.
        var unquoted = "", inQuotes = false
        for c in first.text.trimmingCharacters(in: .whitespaces) {
            if c == "\"" { inQuotes.toggle() } else if !inQuotes { unquoted.append(c) }
        }
        let candidates: [Character] = [",", "\t", ";"]
        let separator: Character = delimiter ?? candidates.first(where: { unquoted.contains($0) })
            ?? (unquoted.contains(" ") ? " " : ",")

        let firstFields = try fields(of: first.text, separator: separator, name: name, line: first.number)
        let isHeader = wantHeader ?? firstFields.contains { $0.quoted || parseNumber($0.text) == nil }
        let header = isHeader ? firstFields.map { String($0.text) } : nil
        let rows = isHeader ? lines.dropFirst() : lines[...]
        let columns = firstFields.count

        _ = try Memory.checkedCount([rows.count, columns, 2], what: "readcsv: \(rows.count)×\(columns) numbers from \(name)")
        var values: [Double] = []
        values.reserveCapacity(rows.count * columns)
        for line in rows {
            let row = try fields(of: line.text, separator: separator, name: name, line: line.number)
            guard row.count == columns else {
                throw TensorError("\(name):\(line.number): expected \(columns) field\(columns == 1 ? "" : "s"), found \(row.count)")
            }
            for (k, field) in row.enumerated() {
                guard let x = parseNumber(field.text) else {
                    throw TensorError("\(name):\(line.number):\(field.column): field \(k + 1) is not a number: \"\(messageText(field.text))\"")
                }
                values.append(x)
            }
        }
        do {
            return (try Tensor(shape: [rows.count, columns], data: values), header)
        } catch let error as TensorError {
            throw TensorError("\(name): \(error.message)")
        }
    }

    /// One field of a line: its text (unquoted, without surrounding spaces), its
    /// 1-based column in the line, and whether it was quoted.
    struct Field {
        let text: Substring
        let column: Int
        let quoted: Bool
    }

    /// Splits a line into fields at `separator`, honouring double quotes.
    static func fields(of line: Substring, separator: Character, name: String, line number: Int) throws -> [Field] {
        var result: [Field] = []
        var i = line.startIndex
        var column = 1
        if separator == " " {
            var start: Int? = nil
            var fieldStart = line.startIndex
            // A field "…" loses its quotes; quotes cannot hide a space in this mode.
            func field(_ text: Substring, _ column: Int) -> Field {
                let quoted = text.count >= 2 && text.first == "\"" && text.last == "\""
                return Field(text: quoted ? text.dropFirst().dropLast() : text, column: column, quoted: quoted)
            }
            for j in line.indices {
                let blank = line[j] == " " || line[j] == "\t"
                if blank, let s = start { result.append(field(line[fieldStart..<j], s)); start = nil }
                if !blank && start == nil { start = column; fieldStart = j }
                column += 1
            }
            if let s = start { result.append(field(line[fieldStart...], s)) }
            return result
        }
        while true {
            // Skip spaces before the field (but not a separator that is a tab).
            while i < line.endIndex, line[i] == " " || (line[i] == "\t" && separator != "\t") { i = line.index(after: i); column += 1 }
            let start = column
            if i < line.endIndex, line[i] == "\"" {
                var text = ""
                var j = line.index(after: i)
                var width = 1
                while true {
                    guard j < line.endIndex else {
                        throw TensorError("\(name):\(number):\(start): unterminated quoted field")
                    }
                    let c = line[j]
                    j = line.index(after: j); width += 1
                    if c == "\"" {
                        if j < line.endIndex, line[j] == "\"" { text.append("\""); j = line.index(after: j); width += 1; continue }
                        break
                    }
                    text.append(c)
                }
                i = j; column += width
                while i < line.endIndex, line[i] == " " { i = line.index(after: i); column += 1 }
                result.append(Field(text: Substring(text), column: start, quoted: true))
                if i < line.endIndex, line[i] != separator {
                    throw TensorError("\(name):\(number):\(column): expected \(separator.debugDescription) after a quoted field")
                }
            } else {
                let end = line[i...].firstIndex(of: separator) ?? line.endIndex
                var text = line[i..<end]
                while let last = text.last, last == " " || (last == "\t" && separator != "\t") { text = text.dropLast() }
                column += line[i..<end].count
                result.append(Field(text: text, column: start, quoted: false))
                i = end
            }
            if i == line.endIndex { return result }
            i = line.index(after: i)  // the separator
            column += 1
        }
    }

    /// A CSV number: a decimal literal, "nan", "inf", "infinity" (any case,
    /// optionally signed), or empty for NaN. Hex floats and other forms that
    /// Double(String) would accept are refused: a CSV field "0x10" is more likely
    /// a mistake than sixteen.
    static func parseNumber(_ field: Substring) -> Double? {
        if field.isEmpty { return .nan }
        let unsigned = field.first == "-" || field.first == "+" ? field.dropFirst() : field
        switch unsigned.lowercased() {
        case "nan": return .nan
        case "inf", "infinity": return field.first == "-" ? -.infinity : .infinity
        default: break
        }
        guard unsigned.first?.isASCII == true, unsigned.first!.isNumber || unsigned.first == ".",
              unsigned.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "." || $0 == "e" || $0 == "E" || $0 == "+" || $0 == "-") })
        else { return nil }
        return Double(field)
    }
}
