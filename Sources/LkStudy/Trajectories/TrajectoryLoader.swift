import Foundation
import LkTensor

// ETH/UCY pedestrian recordings → fixed-length windows, exactly as the Social-GAN loader
// used by EigenTrajectory (utils/dataloader.py) cuts them.

public enum Trajectories {
    /// Windows of `obs + pred` consecutive frames from one recording or every regular file of a
    /// folder (sorted by name) except those named in `exclude` (with or without extension).
    ///
    /// A file holds one observation per line, `frame ped x y`, tab- or space-separated. Its
    /// distinct frame numbers, sorted, are indexed 0, 1, …; the window starting at index s covers
    /// indices s ..< s + L (L = obs + pred). A pedestrian belongs to the window when it has
    /// exactly one observation at each of those L frames; positions are rounded to 4 decimals
    /// (as the reference loader does). Windows with fewer than two such pedestrians are dropped.
    /// Pedestrians within a window come in increasing id; windows in file, then start order.
    /// Returns N×L×2.
    public static func load(path: String, exclude: [String] = [], obs: Int = 8, pred: Int = 12) throws -> Tensor {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: path, isDirectory: &isDir) else { throw TensorError("loadtraj: no such file or folder: \(path)") }
        var files: [String]
        if isDir.boolValue {
            let names = try fm.contentsOfDirectory(atPath: path).filter { !$0.hasPrefix(".") }.sorted()
            let drop = Set(exclude.flatMap { [$0, ($0 as NSString).deletingPathExtension] })
            files = names.filter { !drop.contains($0) && !drop.contains(($0 as NSString).deletingPathExtension) }
                .map { (path as NSString).appendingPathComponent($0) }
            guard !files.isEmpty else { throw TensorError("loadtraj: no files left in \(path) after exclude") }
        } else {
            files = [path]
        }
        var data: [Double] = []
        let len = obs + pred
        guard obs >= 2 && pred >= 1 else { throw TensorError("loadtraj: obs must be at least 2 and pred at least 1, got \(obs) and \(pred)") }
        for f in files { try Interrupt.check(); data += try windows(file: f, length: len) }
        return try Tensor(shape: [data.count / (2 * len), len, 2], data: data)
    }

    static func windows(file: String, length len: Int) throws -> [Double] {
        let bytes: [UInt8]
        do { bytes = try AtomicFile.read(file) } catch let e as TensorError { throw TensorError("loadtraj: \(e.message)") }
        return try windows(bytes, name: file, length: len)
    }

    /// The windows of one recording's bytes (`name` for messages): what `load` does
    /// with each file. Lines may end in "\n", "\r\n" or "\r"; the frame and the
    /// pedestrian id must be finite (they are compared as keys).
    public static func windows(_ bytes: [UInt8], name file: String, length len: Int) throws -> [Double] {
        guard let text = String(bytes: bytes, encoding: .utf8) else {
            throw TensorError("loadtraj: \(file) is not a text file (it is not UTF-8)")
        }
        // ped id → frame → (x, y); a repeated (ped, frame) pair disqualifies that frame.
        var track: [Double: [Double: (Double, Double)]] = [:]
        var repeated = Set<[Double]>()
        var byFrame: [Double: [Double]] = [:]
        var lineNo = 0
        // "\r\n" is one Character in Swift, so it must be named as a line end.
        for line in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" }) {
            lineNo += 1
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            if fields.isEmpty { continue }
            let nums = fields.compactMap { Double($0) }
            guard fields.count == 4, nums.count == 4 else {
                throw TensorError("loadtraj: \(file):\(lineNo): expected 4 numbers `frame ped x y`, got \"\(messageText(line, limit: 60))\"")
            }
            let (frame, ped) = (nums[0], nums[1])
            guard frame.isFinite, ped.isFinite else {
                throw TensorError("loadtraj: \(file):\(lineNo): the frame and the pedestrian id must be finite numbers, got \"\(messageText(line, limit: 60))\"")
            }
            let x = (nums[2] * 1e4).rounded(.toNearestOrEven) / 1e4, y = (nums[3] * 1e4).rounded(.toNearestOrEven) / 1e4
            if track[ped]?[frame] != nil { repeated.insert([ped, frame]) }
            track[ped, default: [:]][frame] = (x, y)
            byFrame[frame, default: []].append(ped)
        }
        let frames = byFrame.keys.sorted()
        var out: [Double] = []
        if frames.count < len { return out }
        for s in 0...(frames.count - len) {
            let window = frames[s..<(s + len)]
            var peds = Array(Set(byFrame[frames[s]]!)).sorted()
            peds = peds.filter { p in
                let t = track[p]!
                return window.allSatisfy { t[$0] != nil && !repeated.contains([p, $0]) }
            }
            guard peds.count >= 2 else { continue }
            for p in peds {
                let t = track[p]!
                for f in window { let (x, y) = t[f]!; out.append(x); out.append(y) }
            }
        }
        return out
    }
}
