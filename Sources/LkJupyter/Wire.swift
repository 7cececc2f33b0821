import COpenSSL
import CZeroMQ
import Foundation

/// A JSON object as the Jupyter messaging protocol carries it.
public typealias JSONObject = [String: Any]

/// One Jupyter message (messaging protocol 5.3): the routing identities of a
/// ROUTER socket, the four JSON parts and any binary buffers.
struct Message {
    var identities: [Data] = []
    var header: JSONObject
    var parent: JSONObject = [:]
    var metadata: JSONObject = [:]
    var content: JSONObject = [:]
    var buffers: [Data] = []

    var type: String { header["msg_type"] as? String ?? "" }
}

/// Why an incoming message was dropped (logged to the kernel's stderr).
struct WireError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

/// Signs and checks messages: HMAC-SHA256 over header, parent header, metadata
/// and content with the connection file's key (libcrypto). An empty key means
/// signing is off, as the protocol says.
struct Signer {
    static let delimiter = Data("<IDS|MSG>".utf8)
    let key: [UInt8]

    func signature(_ parts: [Data]) -> String {
        guard !key.isEmpty else { return "" }
        // One-shot HMAC over the parts joined (a message is small; HMAC_CTX is deprecated).
        var joined = Data()
        for p in parts { joined.append(p) }
        var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var n: UInt32 = 0
        let done = joined.withUnsafeBytes { m in
            HMAC(EVP_sha256(), key, Int32(key.count), m.bindMemory(to: UInt8.self).baseAddress, m.count, &out, &n)
        }
        guard done != nil else { return "" }
        return out[0..<Int(n)].map { String(format: "%02x", $0) }.joined()
    }

    /// Constant-time comparison of the signature a message carries with the right one.
    func verify(_ given: Data, _ parts: [Data]) -> Bool {
        guard !key.isEmpty else { return true }
        let want = Array(signature(parts).utf8)
        let got = [UInt8](given)
        guard got.count == want.count, !want.isEmpty else { return false }
        return CRYPTO_memcmp(got, want, want.count) == 0
    }

    /// The frames of a message, signed.
    func frames(_ m: Message) -> [Data] {
        let parts = [m.header, m.parent, m.metadata, m.content].map(Signer.json)
        return m.identities + [Signer.delimiter, Data(signature(parts).utf8)] + parts + m.buffers
    }

    /// A message from its frames, or why it is dropped: no delimiter, missing
    /// frames, a wrong or missing signature (checked before any JSON is read),
    /// JSON that is not an object.
    func message(_ frames: [Data]) throws -> Message {
        guard let d = frames.firstIndex(of: Signer.delimiter) else { throw WireError("no <IDS|MSG> delimiter") }
        guard frames.count >= d + 6 else { throw WireError("\(frames.count - d - 1) frames after the delimiter, need 5") }
        let parts = Array(frames[(d + 2)..<(d + 6)])
        guard verify(frames[d + 1], parts) else { throw WireError("bad signature") }
        func object(_ i: Int, _ name: String) throws -> JSONObject {
            guard let o = (try? JSONSerialization.jsonObject(with: parts[i])) as? JSONObject else {
                throw WireError("the \(name) is not a JSON object")
            }
            return o
        }
        let header = try object(0, "header")
        guard header["msg_type"] is String, header["msg_id"] is String else { throw WireError("the header lacks msg_type or msg_id") }
        return Message(identities: Array(frames[..<d]), header: header, parent: try object(1, "parent header"),
                       metadata: try object(2, "metadata"), content: try object(3, "content"),
                       buffers: Array(frames[(d + 6)...]))
    }

    static func json(_ o: JSONObject) -> Data {
        (try? JSONSerialization.data(withJSONObject: o, options: [.sortedKeys])) ?? Data("{}".utf8)
    }
}

/// A ZeroMQ socket (libzmq through the CZeroMQ shim).
final class Socket: @unchecked Sendable {
    let handle: UnsafeMutableRawPointer

    init(_ context: UnsafeMutableRawPointer, _ type: Int32) throws {
        guard let h = zmq_socket(context, type) else { throw WireError("zmq_socket: \(Socket.lastError)") }
        handle = h
        var linger: Int32 = 1000
        zmq_setsockopt(h, ZMQ_LINGER, &linger, MemoryLayout<Int32>.size)
        // A frame larger than this drops the sender's connection, not the kernel.
        var maximum: Int64 = 256 << 20
        zmq_setsockopt(h, ZMQ_MAXMSGSIZE, &maximum, MemoryLayout<Int64>.size)
    }

    static var lastError: String { String(cString: zmq_strerror(zmq_errno())) }

    func bind(_ endpoint: String) throws {
        guard zmq_bind(handle, endpoint) == 0 else { throw WireError("cannot bind \(endpoint): \(Socket.lastError)") }
    }

    func subscribeAll() { zmq_setsockopt(handle, ZMQ_SUBSCRIBE, "", 0) }

    /// All frames of the next message; nil when interrupted or (with `wait` false) none waiting.
    func receive(wait: Bool = true) -> [Data]? {
        var frames: [Data] = []
        while true {
            var msg = zmq_msg_t()
            zmq_msg_init(&msg)
            defer { zmq_msg_close(&msg) }
            let n = zmq_msg_recv(&msg, handle, wait || !frames.isEmpty ? 0 : ZMQ_DONTWAIT)
            if n < 0 {
                if zmq_errno() == EINTR && !frames.isEmpty { continue }
                return nil
            }
            frames.append(Data(bytes: zmq_msg_data(&msg), count: Int(n)))
            if zmq_msg_more(&msg) == 0 { return frames }
        }
    }

    func send(_ frames: [Data]) {
        for (i, f) in frames.enumerated() {
            let flags = i < frames.count - 1 ? ZMQ_SNDMORE : 0
            f.withUnsafeBytes { buf in
                while zmq_send(handle, buf.baseAddress, buf.count, flags) < 0 && zmq_errno() == EINTR {}
            }
        }
    }

    func close() { zmq_close(handle) }
}

/// Waits until one of `sockets` has a message (or `timeout` ms pass, -1 for ever);
/// returns which have one.
func poll(_ sockets: [Socket], timeout: Int) -> [Bool] {
    var items = sockets.map { zmq_pollitem_t(socket: $0.handle, fd: 0, events: Int16(ZMQ_POLLIN), revents: 0) }
    let n = zmq_poll(&items, Int32(items.count), timeout)
    if n <= 0 { return sockets.map { _ in false } }
    return items.map { $0.revents & Int16(ZMQ_POLLIN) != 0 }
}
