import Foundation
import LkTensor

/// The whole workspace in one file, for `:save FILE` and `:restore FILE`.
///
/// The file is a NumPy `.npz` archive (an uncompressed zip): every tensor is an
/// `.npy` entry named by where it sits (`X.npy`, `res.net.w.npy`, `runs[2].loss.npy`),
/// so `numpy.load(FILE)["X"]` reads it, and one entry `workspace.json` describes
/// every variable in order: numbers (as shortest round-trip text, so nan and inf
/// survive), booleans, strings, none, lists, records (fields in order), tensors (a
/// reference to their entry, and whether they are boolean), built-ins by name and
/// functions by their source text. The file is written atomically (temporary file,
/// fsync, rename): a kill during `:save` leaves the previous file whole.
///
/// Restoring evaluates each function's source again at the top level: a function
/// keeps its code and defaults, but a closure's captured variables are not saved —
/// its free names then refer to the workspace's globals.
public enum Workspace {
    public struct Summary: Sendable {
        /// Variables written or read.
        public var variables: [String] = []
        /// Variables left out, with the reason (a value of a kind that cannot be saved).
        public var skipped: [(String, String)] = []
        public var bytes = 0
    }

    static let manifestName = "workspace.json"
    static let formatName = "lk-workspace"

    // MARK: saving

    /// Writes every user variable of `interpreter` (but `_` and `args`) to `path`.
    @discardableResult
    public static func save(_ interpreter: Interpreter, to path: String) throws -> Summary {
        var summary = Summary()
        var entries: [(name: String, data: [UInt8])] = []
        var variables: [Any] = []
        for (name, value) in interpreter.userVariables where name != "_" && name != "args" {
            do {
                let v = try encode(value, path: name, &entries)
                variables.append([name, v])
                summary.variables.append(name)
            } catch let e as Unsaveable {
                summary.skipped.append((name, e.reason))
            }
        }
        let manifest: [String: Any] = ["format": formatName, "version": 1, "variables": variables]
        let json = try JSONSerialization.data(withJSONObject: manifest, options: [.sortedKeys])
        entries.insert((manifestName, Array(json)), at: 0)
        let bytes = try Zip.archive(entries)
        try AtomicFile.write(bytes, to: path)
        summary.bytes = bytes.count
        return summary
    }

    struct Unsaveable: Error { let reason: String }

    static func encode(_ value: Value, path: String, _ entries: inout [(name: String, data: [UInt8])]) throws -> Any {
        switch value {
        case .none: return ["none": true]
        case .number(let x): return ["number": "\(x)"]
        case .bool(let b): return ["bool": b]
        case .string(let s): return ["string": s]
        case .tensor(let t):
            let name = path + ".npy"
            entries.append((name, NPY.encode(t)))
            return t.isBool ? ["tensor": name, "dtype": "bool"] : ["tensor": name]
        case .list(let l):
            return ["list": try l.enumerated().map { try encode($1, path: "\(path)[\($0)]", &entries) }]
        case .record(let r):
            return ["record": try r.fields.map { [$0.0, try encode($0.1, path: "\(path).\($0.0)", &entries)] }]
        case .function(let f):
            return ["function": f.sourceText, "name": f.name]
        case .builtin(let b):
            return ["builtin": b.name]
        case .dual(let d):
            return try encode(d.value, path: path, &entries)
        case .unset:
            throw Unsaveable(reason: "unset")
        }
    }

    // MARK: restoring

    /// Reads a file `save` wrote and assigns its variables in `interpreter` (other
    /// variables are kept; a variable of the same name is replaced). A damaged file
    /// changes nothing: every variable is decoded before any is assigned.
    @discardableResult
    public static func restore(_ interpreter: Interpreter, from path: String) throws -> Summary {
        try restore(interpreter, bytes: AtomicFile.read(path), name: path)
    }

    /// `restore` from the bytes of a workspace file; `name` is the file in messages.
    @discardableResult
    public static func restore(_ interpreter: Interpreter, bytes: [UInt8], name path: String) throws -> Summary {
        let entries = try Zip.entries(bytes, path: path)
        guard let json = entries[manifestName],
              let manifest = try? JSONSerialization.jsonObject(with: Data(json)) as? [String: Any],
              manifest["format"] as? String == formatName, let variables = manifest["variables"] as? [Any] else {
            throw TensorError("\(path) is not an lk workspace (no \(manifestName) in it; :save writes one)")
        }
        var summary = Summary()
        summary.bytes = bytes.count
        var decoded: [(String, Value)] = []
        for item in variables {
            guard let pair = item as? [Any], pair.count == 2, let name = pair[0] as? String else { throw corrupt(path) }
            // Only names a program could have assigned (`:vars` prints them as they are).
            guard isName(name) else {
                throw corrupt(path, "it names a variable \"\(messageText(name, limit: 40))\", which is not a name")
            }
            decoded.append((name, try decode(pair[1], interpreter, entries, path)))
        }
        for (name, value) in decoded {
            interpreter.setGlobal(name, value)
            summary.variables.append(name)
        }
        return summary
    }

    /// Whether `text` is one identifier token, as the lexer reads names.
    static func isName(_ text: String) -> Bool {
        guard let tokens = try? Lexer.tokenize(SourceFile(name: "<restore>", text: text)),
              case .identifier(let n)? = tokens.first?.kind, n == text else { return false }
        return tokens.dropFirst().allSatisfy { if case .eof = $0.kind { return true }; return false }
    }

    static func corrupt(_ path: String, _ detail: String = "its description is damaged") -> TensorError {
        TensorError("cannot restore \(path): \(detail)")
    }

    static func decode(_ any: Any, _ interpreter: Interpreter, _ entries: [String: [UInt8]], _ path: String) throws -> Value {
        guard let d = any as? [String: Any] else { throw corrupt(path) }
        if d["none"] != nil { return .none }
        if let s = d["number"] as? String { guard let x = Double(s) else { throw corrupt(path) }; return .number(x) }
        if let b = d["bool"] as? Bool { return .bool(b) }
        if let s = d["string"] as? String { return .string(s) }
        if let name = d["tensor"] as? String {
            guard let data = entries[name] else { throw corrupt(path, "the entry \(messageText(name)) is missing") }
            var t = try NPY.decode(data, name: name)
            if d["dtype"] as? String == "bool" { t.isBool = true }
            return Value.from(t)
        }
        if let l = d["list"] as? [Any] { return .list(try l.map { try decode($0, interpreter, entries, path) }) }
        if let r = d["record"] as? [Any] {
            return .record(Record(try r.map { f in
                guard let p = f as? [Any], p.count == 2, let n = p[0] as? String else { throw corrupt(path) }
                return (n, try decode(p[1], interpreter, entries, path))
            }))
        }
        if let b = d["builtin"] as? String {
            guard let builtin = interpreter.builtins[b] else { throw corrupt(path, "it names a built-in this lk does not have, \(messageText(b))") }
            return .builtin(builtin)
        }
        if let source = d["function"] as? String { return try function(source, name: d["name"] as? String ?? "", interpreter, path) }
        throw corrupt(path)
    }

    /// A function from its source: a declaration `fn name(…) { … }` (compiled inside a
    /// wrapper, so that restoring it defines no other global and recursion still finds
    /// it) or an expression `fn(x) => …`, compiled in the workspace so that its free
    /// names are the workspace's globals. The source must be that one definition and
    /// nothing else: restoring a file defines functions, it never runs code (a
    /// workspace from someone else could otherwise write files or loop forever).
    static func function(_ source: String, name: String, _ interpreter: Interpreter, _ path: String) throws -> Value {
        let shown = name.isEmpty ? "value" : messageText(name, limit: 40)
        let program: Program
        switch Parser.parse(SourceFile(name: "<restore>", text: source)) {
        case .complete(let p): program = p
        case .incomplete(let d), .error(let d):
            throw corrupt(path, "the function \(shown) does not compile again: \(d.message)")
        }
        let isDeclaration: Bool
        switch program.statements.count == 1 ? program.statements[0].kind : nil {
        case .function(let decl)? where !name.isEmpty && decl.name == name: isDeclaration = true
        case .expr(let e)? where { if case .function(let d) = e.kind { return d.name == nil }; return false }(): isDeclaration = false
        default: throw corrupt(path, "the function \(shown) is not a single function definition")
        }
        let text = isDeclaration ? "(fn() {\n\(source)\nreturn \(name)\n})()" : source
        do {
            guard let v = try interpreter.run(SourceFile(name: "<restore>", text: text)), case .function = v else { throw corrupt(path) }
            return v
        } catch let d as Diagnostic {
            throw corrupt(path, "the function \(shown) does not compile again: \(d.message)")
        }
    }
}

/// The few pieces of the zip format an uncompressed `.npz` needs: stored entries,
/// CRC-32 checked on reading, no zip64 (entries and files under 4 GiB).
enum Zip {
    static func archive(_ entries: [(name: String, data: [UInt8])]) throws -> [UInt8] {
        var out: [UInt8] = [], central: [UInt8] = []
        func u16(_ v: Int, _ b: inout [UInt8]) { b += [UInt8(v & 0xff), UInt8(v >> 8 & 0xff)] }
        func u32(_ v: UInt32, _ b: inout [UInt8]) { for s in stride(from: 0, to: 32, by: 8) { b.append(UInt8(v >> UInt32(s) & 0xff)) } }
        for (name, data) in entries {
            guard data.count < Int(UInt32.max), out.count < Int(UInt32.max) else {
                throw TensorError("the workspace is too large for one file (an entry or the file passes 4 GiB)")
            }
            let crc = crc32(data), nameBytes = Array(name.utf8), offset = UInt32(out.count)
            // Local header: signature, version 2.0, no flags, stored, no time (1980-01-01).
            u32(0x0403_4b50, &out); u16(20, &out); u16(0, &out); u16(0, &out); u16(0, &out); u16(0x21, &out)
            u32(crc, &out); u32(UInt32(data.count), &out); u32(UInt32(data.count), &out)
            u16(nameBytes.count, &out); u16(0, &out); out += nameBytes; out += data
            u32(0x0201_4b50, &central); u16(20, &central); u16(20, &central); u16(0, &central); u16(0, &central)
            u16(0, &central); u16(0x21, &central); u32(crc, &central); u32(UInt32(data.count), &central)
            u32(UInt32(data.count), &central); u16(nameBytes.count, &central); u16(0, &central); u16(0, &central)
            u16(0, &central); u16(0, &central); u32(0, &central); u32(offset, &central); central += nameBytes
        }
        guard entries.count < 0xffff, out.count + central.count < Int(UInt32.max) else {
            throw TensorError("the workspace is too large for one file (more than 65535 tensors or 4 GiB)")
        }
        let start = UInt32(out.count)
        out += central
        u32(0x0605_4b50, &out); u16(0, &out); u16(0, &out); u16(entries.count, &out); u16(entries.count, &out)
        u32(UInt32(central.count), &out); u32(start, &out); u16(0, &out)
        return out
    }

    /// The entries of an archive `archive` wrote (local headers read in order).
    static func entries(_ b: [UInt8], path: String) throws -> [String: [UInt8]] {
        func u16(_ i: Int) -> Int { Int(b[i]) | Int(b[i + 1]) << 8 }
        func u32(_ i: Int) -> UInt32 { UInt32(b[i]) | UInt32(b[i + 1]) << 8 | UInt32(b[i + 2]) << 16 | UInt32(b[i + 3]) << 24 }
        let damaged = TensorError("cannot restore \(path): it is not a workspace file, or it is damaged")
        var out: [String: [UInt8]] = [:], i = 0
        while i + 30 <= b.count, u32(i) == 0x0403_4b50 {
            guard u16(i + 8) == 0 else { throw TensorError("cannot restore \(path): it holds compressed entries (lk writes them stored)") }
            let crc = u32(i + 14), size = Int(u32(i + 18)), nameLength = u16(i + 26), extra = u16(i + 28)
            let start = i + 30 + nameLength + extra
            guard start + size <= b.count else { throw damaged }
            let name = String(decoding: b[(i + 30)..<(i + 30 + nameLength)], as: UTF8.self)
            let data = Array(b[start..<(start + size)])
            guard crc32(data) == crc else { throw TensorError("cannot restore \(path): the entry \(messageText(name)) is damaged (checksum mismatch)") }
            out[name] = data
            i = start + size
        }
        if out.isEmpty { throw damaged }
        return out
    }

    static let table: [UInt32] = (0..<256).map { n in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    /// CRC-32 (ISO 3309, the zip and PNG checksum).
    static func crc32(_ data: [UInt8]) -> UInt32 {
        var c: UInt32 = 0xffff_ffff
        for byte in data { c = table[Int((c ^ UInt32(byte)) & 0xff)] ^ (c >> 8) }
        return c ^ 0xffff_ffff
    }
}
