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
        for f in files {
            try Interrupt.check()
            let w = try windows(file: f, length: len)
            // The files' windows together, before they are joined.
            _ = try Memory.checkedCount([data.count + w.count], what: "loadtraj: the windows of \(files.count) files (\((data.count + w.count) / (2 * len)) windows of \(len) frames)")  // checked: two arrays already in memory
            data += w
        }
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
        if frames.count < len { return [] }
        // The pedestrians seen exactly once at every frame of the window starting at s.
        func pedestrians(_ s: Int) -> [Double] {
            let window = frames[s..<(s + len)]
            return Array(Set(byFrame[frames[s]]!)).sorted().filter { p in
                let t = track[p]!
                return window.allSatisfy { t[$0] != nil && !repeated.contains([p, $0]) }
            }
        }
        // Each observation can enter up to `len` windows, so the output can be `len` times
        // the file (2 pedestrians over 100,000 frames with obs + pred = 50,000 is 80 GB):
        // the windows are counted first and their size checked before any is built.
        // A pedestrian is in the window at s when a run of consecutive frame indices seen
        // once each covers s ..< s + len: counted from each pedestrian's runs, in time
        // proportional to the file (not to the output, as the windows themselves are).
        let index = Dictionary(uniqueKeysWithValues: frames.enumerated().map { ($0.element, $0.offset) })
        var starts = [Int](repeating: 0, count: frames.count + 1)   // checked: one per frame read
        for (p, t) in track {
            let seen = t.keys.filter { !repeated.contains([p, $0]) }.map { index[$0]! }.sorted()
            var a = 0
            while a < seen.count {
                var b = a + 1
                while b < seen.count && seen[b] == seen[b - 1] + 1 { b += 1 }
                // Indices seen[a] ... seen[b - 1] in a row: windows from seen[a] to seen[b - 1] + 1 - len.
                if b - a >= len { starts[seen[a]] += 1; starts[seen[b - 1] + 2 - len] -= 1 }
                a = b
            }
        }
        var rows = 0, running = 0
        for s in 0...(frames.count - len) {
            running += starts[s]
            if running >= 2 { rows += running }
        }
        var out = try Memory.reserved(Double.self, rows, len, 2, what: "loadtraj: \(rows) pedestrian windows of \(len) frames from \(file)")
        for s in 0...(frames.count - len) {
            let peds = pedestrians(s)
            guard peds.count >= 2 else { continue }
            for p in peds {
                let t = track[p]!
                for f in frames[s..<(s + len)] { let (x, y) = t[f]!; out.append(x); out.append(y) }
            }
        }
        assert(out.count == rows * len * 2, "loadtraj: the windows counted and built differ")  // checked: reserved above
        return out
    }
}
