import COpenSSL

/// SHA-256 (FIPS 180-4), for content-addressed task ids: the system's libcrypto
/// (`EVP_Digest`), the library lk already links for the Jupyter kernel's HMAC.
/// Checked against the FIPS 180-4 examples and Python's hashlib (Tests/LkSweepTests).
public enum SHA256 {
    /// The 32-byte digest of `bytes`.
    public static func digest<S: Sequence>(_ bytes: S) -> [UInt8] where S.Element == UInt8 {
        let message = Array(bytes)
        var out = [UInt8](repeating: 0, count: 32)
        var n: UInt32 = 0
        let ok = message.withUnsafeBytes { m in EVP_Digest(m.baseAddress, m.count, &out, &n, EVP_sha256(), nil) }
        precondition(ok == 1 && n == 32, "libcrypto's SHA-256 failed")   // only on a broken libcrypto
        return out
    }

    /// The digest as 64 lowercase hex digits.
    public static func hex(_ text: String) -> String { hex(bytes: digest(Array(text.utf8))) }

    static func hex(bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef")
        var s = ""
        for b in bytes { s.append(digits[Int(b >> 4)]); s.append(digits[Int(b & 15)]) }
        return s
    }
}
