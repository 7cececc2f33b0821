import CZlib
import Foundation

/// The pixels of an 8-bit RGB or RGBA PNG (what pngcairo writes), decoded
/// with zlib and the five PNG row filters, to check that a render drew
/// something and in which colours.
struct PNGPixels {
    let width: Int, height: Int
    /// Row-major RGB triples.
    let rgb: [UInt8]

    init(path: String) throws {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        struct Bad: Error { let why: String }
        guard bytes.count > 8, Array(bytes[0..<8]) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] else { throw Bad(why: "not a PNG") }
        func be32(_ i: Int) -> Int { bytes[i..<i + 4].reduce(0) { $0 << 8 | Int($1) } }
        var i = 8, w = 0, h = 0, channels = 0
        var idat: [UInt8] = []
        while i + 8 <= bytes.count {
            let n = be32(i), type = String(decoding: bytes[i + 4..<i + 8], as: UTF8.self)
            let body = Array(bytes[i + 8..<i + 8 + n])
            if type == "IHDR" {
                w = body[0..<4].reduce(0) { $0 << 8 | Int($1) }; h = body[4..<8].reduce(0) { $0 << 8 | Int($1) }
                guard body[8] == 8, body[12] == 0 else { throw Bad(why: "only 8-bit, non-interlaced PNGs") }
                switch body[9] { case 2: channels = 3; case 6: channels = 4; default: throw Bad(why: "colour type \(body[9])") }
            } else if type == "IDAT" {
                idat += body
            }
            i += 12 + n
        }
        let stride = w * channels
        var raw = [UInt8](repeating: 0, count: (stride + 1) * h)
        var size = uLongf(raw.count)
        let rc = raw.withUnsafeMutableBufferPointer { out in idat.withUnsafeBufferPointer { uncompress(out.baseAddress, &size, $0.baseAddress, uLong($0.count)) } }
        guard rc == Z_OK, Int(size) == raw.count else { throw Bad(why: "zlib: \(rc)") }
        var px = [UInt8](repeating: 0, count: stride * h)
        for y in 0..<h {
            let f = raw[y * (stride + 1)]
            for x in 0..<stride {
                let v = Int(raw[y * (stride + 1) + 1 + x])
                let a = x >= channels ? Int(px[y * stride + x - channels]) : 0
                let b = y > 0 ? Int(px[(y - 1) * stride + x]) : 0
                let c = x >= channels && y > 0 ? Int(px[(y - 1) * stride + x - channels]) : 0
                let pred: Int
                switch f {
                case 0: pred = 0
                case 1: pred = a
                case 2: pred = b
                case 3: pred = (a + b) / 2
                case 4:
                    let p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c)
                    pred = pa <= pb && pa <= pc ? a : pb <= pc ? b : c
                default: throw Bad(why: "filter \(f)")
                }
                px[y * stride + x] = UInt8((v + pred) & 0xff)
            }
        }
        width = w; height = h
        var rgb: [UInt8] = []
        rgb.reserveCapacity(w * h * 3)
        for p in 0..<(w * h) { for k in 0..<3 { rgb.append(px[p * channels + k]) } }
        self.rgb = rgb
    }

    /// The share of pixels that are not white.
    var inked: Double {
        var n = 0
        for p in 0..<(width * height) where rgb[3 * p] < 250 || rgb[3 * p + 1] < 250 || rgb[3 * p + 2] < 250 { n += 1 }
        return Double(n) / Double(width * height)
    }

    /// How many pixels are within `tolerance` of a colour `#rrggbb`.
    func count(_ hex: String, tolerance: Int = 12) -> Int {
        let v = Int(hex.dropFirst(), radix: 16)!
        let r = (v >> 16) & 0xff, g = (v >> 8) & 0xff, b = v & 0xff
        var n = 0
        for p in 0..<(width * height)
        where abs(Int(rgb[3 * p]) - r) <= tolerance && abs(Int(rgb[3 * p + 1]) - g) <= tolerance && abs(Int(rgb[3 * p + 2]) - b) <= tolerance { n += 1 }
        return n
    }
}
