import CZeroMQ
import Foundation
import LkLang
import LkSession
import LkTensor

/// The Jupyter kernel (`lk kernel -f CONNECTION_FILE`): the messaging protocol
/// 5.3 over ZeroMQ on one `Session`.
///
/// Threads: the main thread serves the shell socket and runs cells one at a
/// time (the protocol's order); a control thread serves the control socket, so
/// `interrupt_request` and `shutdown_request` are answered while a cell runs,
/// and sends printed output in batches while the cell runs; a heartbeat thread
/// echoes pings. iopub is shared by them under a lock. A message that fails its
/// signature or is malformed is logged to stderr and dropped, never run.
///
/// Every method is `@_optimize(none)`: with them optimized, Swift 6.3's `-O`
/// whole-module build of this file did not finish in 30 minutes (the optimizer,
/// not the type checker: `-Onone` takes seconds). Its work is waiting on sockets,
/// so nothing measurable is lost (Benchmarks/ `kernel` rows).
public final class Kernel: @unchecked Sendable {
    public static let protocolVersion = "5.3"
    public static let version = "0.1.0"

    let session = Session(arguments: [], interactive: false)
    let signer: Signer
    let context: UnsafeMutableRawPointer
    let shell, control, stdin, iopub, heartbeat: Socket
    let iopubLock = NSLock()
    let sessionID = UUID().uuidString.lowercased()
    let figureDirectory: URL

    var executionCount = 0
    /// Executed cells: (line number, input, the value shown).
    var history: [(Int, String, String?)] = []
    /// The `execute_request` running now: output and figures are its children.
    var running: Message? = nil
    /// Printed text not yet sent, and when text was last sent.
    var pendingOutput = ""
    var lastSent = DispatchTime.now()
    let outputLock = NSLock()

    /// Binds the sockets the connection file names (and no others).
    public init(connectionFile path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else { throw WireError("cannot read the connection file \(path)") }
        guard let c = (try? JSONSerialization.jsonObject(with: data)) as? JSONObject else { throw WireError("\(path) is not a JSON object") }
        let scheme = c["signature_scheme"] as? String ?? "hmac-sha256"
        guard scheme == "hmac-sha256" else { throw WireError("signature_scheme \(scheme) is not supported (only hmac-sha256)") }
        signer = Signer(key: Array((c["key"] as? String ?? "").utf8))
        let transport = c["transport"] as? String ?? "tcp"
        let ip = c["ip"] as? String ?? "127.0.0.1"
        func endpoint(_ name: String) throws -> String {
            guard let port = c[name] as? Int else { throw WireError("\(path) has no \(name)") }
            return transport == "ipc" ? "ipc://\(ip)-\(port)" : "\(transport)://\(ip):\(port)"
        }
        guard let ctx = zmq_ctx_new() else { throw WireError("zmq_ctx_new failed") }
        context = ctx
        shell = try Socket(ctx, ZMQ_ROUTER)
        control = try Socket(ctx, ZMQ_ROUTER)
        stdin = try Socket(ctx, ZMQ_ROUTER)
        iopub = try Socket(ctx, ZMQ_PUB)
        heartbeat = try Socket(ctx, ZMQ_ROUTER)
        try shell.bind(try endpoint("shell_port"))
        try control.bind(try endpoint("control_port"))
        try stdin.bind(try endpoint("stdin_port"))
        try iopub.bind(try endpoint("iopub_port"))
        try heartbeat.bind(try endpoint("hb_port"))
        figureDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("lk-kernel-\(getpid())")
        session.onOutput = { [unowned self] in stream($0) }
        session.figures.route(to: figureDirectory, format: "png") { [unowned self] in publishFigure($0) }
        // A figure drawn again (update=true, add=true, hline, train(…, live=true)) replaces its display.
        session.figures.onUpdate = { [unowned self] in publishFigure($0, update: true) }
    }

    /// Serves until a `shutdown_request`; returns the exit status. Not optimised:
    /// Swift 6.3's optimiser does not finish on this endless serving loop (a
    /// release build hung for over 30 minutes), and it waits on sockets anyway.
    @_optimize(none)
    public func run() -> Int32 {
        signal(SIGINT) { _ in Interrupt.flag.pointee = 1 }   // interrupt_mode signal: stop the cell, keep serving
        let hb = heartbeat
        Thread.detachNewThread { zmq_proxy(hb.handle, hb.handle, nil) }
        Thread.detachNewThread { [self] in serveControl() }
        publish("status", ["execution_state": "starting"], parent: nil)
        while true {
            guard let frames = shell.receive() else { continue }
            guard let m = accept(frames, on: "shell") else { continue }
            dispatch(m, on: shell)
        }
    }

    // MARK: receiving

    /// The message, or nil (logged) when it must be dropped.
    @_optimize(none) func accept(_ frames: [Data], on channel: String) -> Message? {
        do { return try signer.message(frames) } catch {
            FileHandle.standardError.write(Data("lk kernel: dropped a message on \(channel): \(error)\n".utf8))
            return nil
        }
    }

    @_optimize(none)   // as run(): the optimiser does not finish on the endless loop
    func serveControl() {
        while true {
            if poll([control], timeout: 100)[0], let frames = control.receive(wait: false), let m = accept(frames, on: "control") {
                dispatch(m, on: control)
            }
            flushOutput()
        }
    }

    @_optimize(none) func dispatch(_ m: Message, on socket: Socket) {
        let known: Set<String> = ["kernel_info_request", "execute_request", "is_complete_request", "complete_request",
                                  "inspect_request", "history_request", "comm_info_request", "interrupt_request",
                                  "shutdown_request"]
        guard known.contains(m.type) else {
            FileHandle.standardError.write(Data("lk kernel: ignored a message of type \(m.type)\n".utf8))
            return
        }
        publish("status", ["execution_state": "busy"], parent: m)
        if let (type, content) = answer(m) {
            reply(to: m, on: socket, type: type, content: content)
        }
        publish("status", ["execution_state": "idle"], parent: m)
        if m.type == "shutdown_request" {
            // Let the reply and the idle status leave, then end (the client restarts us if asked).
            try? FileManager.default.removeItem(at: figureDirectory)
            usleep(100_000)
            exit(0)
        }
    }

    /// The reply to a request (nil when the handler sent it itself).
    @_optimize(none) func answer(_ m: Message) -> (String, JSONObject)? {
        switch m.type {
        case "kernel_info_request": return ("kernel_info_reply", kernelInfo())
        case "execute_request": return execute(m)
        case "is_complete_request": return ("is_complete_reply", isComplete(m.content))
        case "complete_request": return ("complete_reply", complete(m.content))
        case "inspect_request": return ("inspect_reply", inspect(m.content))
        case "history_request": return ("history_reply", historyReply(m.content))
        case "comm_info_request":
            var c = JSONObject()
            c["status"] = "ok"
            c["comms"] = JSONObject()
            return ("comm_info_reply", c)
        case "interrupt_request":
            Interrupt.flag.pointee = 1
            return ("interrupt_reply", ["status": "ok"])
        default:   // shutdown_request
            var c = JSONObject()
            c["status"] = "ok"
            c["restart"] = m.content["restart"] as? Bool ?? false
            return ("shutdown_reply", c)
        }
    }

    // MARK: sending

    @_optimize(none) func header(_ type: String) -> JSONObject {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return ["msg_id": UUID().uuidString.lowercased(), "session": sessionID, "username": "lk",
                "date": f.string(from: Date()), "msg_type": type, "version": Kernel.protocolVersion]
    }

    @_optimize(none) func reply(to m: Message, on socket: Socket, type: String, content: JSONObject) {
        let r = Message(identities: m.identities, header: header(type), parent: m.header, content: content)
        socket.send(signer.frames(r))
    }

    @_optimize(none) func publish(_ type: String, _ content: JSONObject, parent: Message?) {
        let topic = Data("kernel.\(sessionID).\(type)".utf8)
        let m = Message(identities: [topic], header: header(type), parent: parent?.header ?? [:], content: content)
        let frames = signer.frames(m)
        iopubLock.lock(); defer { iopubLock.unlock() }
        iopub.send(frames)
    }

    /// Printed text of the running cell: sent at once if none went out in the last
    /// 50 ms, else gathered and sent by the control thread within 100 ms.
    @_optimize(none) func stream(_ text: String) {
        outputLock.lock()
        pendingOutput += text
        let due = DispatchTime.now().uptimeNanoseconds - lastSent.uptimeNanoseconds > 50_000_000 || pendingOutput.utf8.count > 1 << 16
        outputLock.unlock()
        if due { flushOutput() }
    }

    @_optimize(none) func flushOutput() {
        outputLock.lock()
        let text = pendingOutput, parent = running
        pendingOutput = ""
        lastSent = .now()
        outputLock.unlock()
        guard !text.isEmpty, let parent else { return }
        publish("stream", ["name": "stdout", "text": text], parent: parent)
    }

    /// A routed figure (PNG) as `display_data`, with its SVG beside it; its
    /// `display_id` is the figure's file, so a redraw of that file is sent as
    /// `update_display_data` and the frontend replaces the picture in place.
    @_optimize(none) func publishFigure(_ path: String, update: Bool = false) {
        flushOutput()
        defer { try? FileManager.default.removeItem(atPath: path) }
        guard let png = FileManager.default.contents(atPath: path) else { return }
        var data: JSONObject = ["image/png": png.base64EncodedString(), "text/plain": "<figure>"]
        let svgPath = path + ".svg"
        if session.figures.saveLast(svg: svgPath), let svg = FileManager.default.contents(atPath: svgPath) {
            data["image/svg+xml"] = crispSVG(String(decoding: svg, as: UTF8.self))
            try? FileManager.default.removeItem(atPath: svgPath)
        }
        outputLock.lock(); let parent = running; outputLock.unlock()
        let id = "lk-figure-" + (path as NSString).lastPathComponent
        publish(update ? "update_display_data" : "display_data",
                ["data": data, "metadata": JSONObject(), "transient": ["display_id": id] as JSONObject], parent: parent)
    }

    // MARK: requests

    @_optimize(none) func kernelInfo() -> JSONObject {
        var language = JSONObject()
        language["name"] = "lk"
        language["version"] = Kernel.version
        language["mimetype"] = "text/x-lk"
        language["file_extension"] = ".lk"
        language["pygments_lexer"] = "text"
        language["codemirror_mode"] = "text/plain"
        var info = JSONObject()
        info["status"] = "ok"
        info["protocol_version"] = Kernel.protocolVersion
        info["implementation"] = "lk"
        info["implementation_version"] = Kernel.version
        info["language_info"] = language
        info["banner"] = "lk \(Kernel.version) — \(BLASInfo.summary)"
        info["help_links"] = [Any]()
        info["debugger"] = false
        return info
    }

    @_optimize(none) func execute(_ m: Message) -> (String, JSONObject)? {
        let code = m.content["code"] as? String ?? ""
        let silent = m.content["silent"] as? Bool ?? false
        let store = (m.content["store_history"] as? Bool ?? true) && !silent
        let stopOnError = m.content["stop_on_error"] as? Bool ?? true
        if store { executionCount += 1 }
        let count = executionCount
        var input = JSONObject()
        input["code"] = code
        input["execution_count"] = count
        publish("execute_input", input, parent: m)
        outputLock.lock(); running = m; outputLock.unlock()

        var shown: String? = nil
        var diagnostic: Diagnostic? = nil
        let trimmed = code.trimmingCharacters(in: .whitespacesAndNewlines)
        if Session.isCommand(trimmed) && !trimmed.contains("\n") {
            let r = session.command(trimmed)
            if !r.text.isEmpty { stream(r.text + "\n") }
            diagnostic = r.diagnostic
        } else {
            let r = session.execute(SourceFile(name: "cell[\(count)]", text: code))
            shown = r.shown
            diagnostic = r.diagnostic
        }
        flushOutput()
        outputLock.lock(); running = nil; outputLock.unlock()
        if store { history.append((count, code, shown)) }

        if let d = diagnostic {
            let error = Kernel.errorContent(d)
            if !silent { publish("error", error, parent: m) }
            // The cells sent before this reply are aborted; those sent after it run.
            let queued = stopOnError ? waiting() : []
            var content = error
            content["status"] = "error"
            content["execution_count"] = count
            reply(to: m, on: shell, type: "execute_reply", content: content)
            abort(queued)
            return nil
        }
        if let shown, !silent {
            var result = JSONObject()
            result["execution_count"] = count
            result["data"] = ["text/plain": shown]
            result["metadata"] = JSONObject()
            publish("execute_result", result, parent: m)
        }
        var ok = JSONObject()
        ok["status"] = "ok"
        ok["execution_count"] = count
        ok["user_expressions"] = JSONObject()
        ok["payload"] = [Any]()
        return ("execute_reply", ok)
    }

    /// An `error` message's content: the diagnostic with its caret as the traceback.
    @_optimize(none) static func errorContent(_ d: Diagnostic) -> JSONObject {
        var e = JSONObject()
        switch d.kind {
        case .interrupted: e["ename"] = "Interrupted"; e["evalue"] = "interrupted"
        case .parse: e["ename"] = "ParseError"; e["evalue"] = d.message
        case .runtime: e["ename"] = "Error"; e["evalue"] = d.message
        }
        e["traceback"] = d.render().split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        return e
    }

    /// After a failed cell, the cells already waiting are not run (`stop_on_error`).
    @_optimize(none) func waiting() -> [Message] {
        var queued: [Message] = []
        while let frames = shell.receive(wait: false) {
            if let m = accept(frames, on: "shell") { queued.append(m) }
        }
        return queued
    }

    @_optimize(none) func abort(_ queued: [Message]) {
        for m in queued {
            guard m.type == "execute_request" else { dispatch(m, on: shell); continue }
            publish("status", ["execution_state": "busy"], parent: m)
            reply(to: m, on: shell, type: "execute_reply", content: ["status": "aborted", "execution_count": executionCount])
            publish("status", ["execution_state": "idle"], parent: m)
        }
    }

    @_optimize(none) func isComplete(_ content: JSONObject) -> JSONObject {
        let code = content["code"] as? String ?? ""
        if Session.isCommand(code.trimmingCharacters(in: .whitespaces)) { return ["status": "complete"] }
        switch session.parse(SourceFile(name: "<cell>", text: code)) {
        case .complete: return ["status": "complete"]
        case .incomplete: return ["status": "incomplete", "indent": ""]
        case .error: return ["status": "invalid"]
        }
    }

    /// The text before a cursor given in Unicode code points (protocol 5.2+).
    @_optimize(none) static func prefix(_ code: String, _ cursor: Int) -> String {
        String(String.UnicodeScalarView(code.unicodeScalars.prefix(max(0, cursor))))
    }

    @_optimize(none) func complete(_ content: JSONObject) -> JSONObject {
        let code = content["code"] as? String ?? ""
        let cursor = content["cursor_pos"] as? Int ?? code.unicodeScalars.count
        let before = Kernel.prefix(code, cursor)
        let (from, candidates) = session.complete(before)
        let start = String(decoding: Array(before.utf8)[..<from], as: UTF8.self).unicodeScalars.count
        var r = JSONObject()
        r["status"] = "ok"
        r["matches"] = candidates
        r["cursor_start"] = start
        r["cursor_end"] = before.unicodeScalars.count
        r["metadata"] = JSONObject()
        return r
    }

    @_optimize(none) func inspect(_ content: JSONObject) -> JSONObject {
        let code = content["code"] as? String ?? ""
        let cursor = content["cursor_pos"] as? Int ?? code.unicodeScalars.count
        let scalars = Array(code.unicodeScalars)
        func isIdent(_ s: Unicode.Scalar) -> Bool { s == "_" || CharacterSet.alphanumerics.contains(s) }
        var end = min(max(0, cursor), scalars.count)
        // At `name(` or `name(…` with nothing after the paren yet, the name before it.
        if end > 0 && (end == scalars.count || !isIdent(scalars[end])) && scalars[end - 1] == "(" { end -= 1 }
        var start = end
        while start > 0 && isIdent(scalars[start - 1]) { start -= 1 }
        while end < scalars.count && isIdent(scalars[end]) { end += 1 }
        let name = String(String.UnicodeScalarView(scalars[start..<end]))
        let doc = name.isEmpty ? nil : session.documentation(of: name)
        var r = JSONObject()
        r["status"] = "ok"
        r["found"] = doc != nil
        r["data"] = doc.map { ["text/plain": $0] } ?? [String: String]()
        r["metadata"] = JSONObject()
        return r
    }

    @_optimize(none) func historyReply(_ content: JSONObject) -> JSONObject {
        let output = content["output"] as? Bool ?? false
        let n = content["n"] as? Int
        var rows = history
        switch content["hist_access_type"] as? String ?? "tail" {
        case "range":
            let start = content["start"] as? Int ?? 0, stop = content["stop"] as? Int ?? Int.max
            rows = rows.filter { $0.0 >= start && $0.0 < stop }
        case "search":
            let pattern = content["pattern"] as? String ?? "*"
            rows = rows.filter { fnmatch(pattern, $0.1, 0) == 0 }
            if content["unique"] as? Bool ?? false {
                var seen = Set<String>()
                rows = rows.reversed().filter { seen.insert($0.1).inserted }.reversed()
            }
            if let n { rows = Array(rows.suffix(n)) }
        default:
            if let n { rows = Array(rows.suffix(n)) }
        }
        var entries: [[Any]] = []
        for (line, input, shown) in rows {
            let text: Any = output ? [input, shown ?? ""] : input
            entries.append([1, line, text])
        }
        var r = JSONObject()
        r["status"] = "ok"
        r["history"] = entries
        return r
    }
}
