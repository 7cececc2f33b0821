import Foundation
import XCTest
import LkTensor
@testable import LkStudy
import LkTestSupport

/// EigenTrajectory's loader, normalisation, descriptor and errors against hand-made cases,
/// identities, and (when /work/shared/data/ethucy is present) the reference loader's output.
final class TrajectoriesTests: XCTestCase {
    static let ethucy = ProcessInfo.processInfo.environment["LK_ETHUCY"] ?? "/work/shared/data/ethucy"

    func windows(_ rows: [[[Double]]]) -> Tensor {
        try! Tensor(shape: [rows.count, rows[0].count, 2], data: rows.flatMap { $0.flatMap { $0 } })
    }

    func testLoaderOnHandMadeRecording() throws {
        // Frames 0, 10, …, 220 (23 frames). Ped 1 walks all of them; ped 2 misses frame 50;
        // ped 3 appears from frame 20 on; ped 4 only at frames 0–190 (20 frames).
        var lines: [String] = []
        for f in 0..<23 {
            let frame = f * 10
            lines.append("\(frame)\t1\t\(Double(f) * 0.5)\t1.00004")
            if f != 5 { lines.append("\(frame) 2 \(Double(f))  -2") }
            if f >= 2 { lines.append("\(frame).0\t3.0\t0\t\(Double(f) * 0.25)") }
            if f < 20 { lines.append("\(frame)\t4\t7\t7") }
        }
        let dir = try makeTemporaryDirectory("loadtraj")
        let file = dir.appendingPathComponent("scene.txt")
        try (lines.joined(separator: "\n") + "\n\n").write(to: file, atomically: true, encoding: .utf8)
        let t = try Trajectories.load(path: file.path)
        // Starts 0…3 (20-frame windows in 23 frames). Complete peds: start 0: {1, 4}; 1: {1};
        // 2: {1, 3}; 3: {1, 3}. Ped 2 is never complete. Start 1 has one ped → dropped.
        XCTAssertEqual(t.shape, [6, 20, 2])
        XCTAssertEqual(t.scalars[0], 0); XCTAssertEqual(t.scalars[1], 1.0, "rounded to 4 decimals")
        XCTAssertEqual(Array(t.scalars[40..<42]), [7, 7])                     // ped 4, start 0
        XCTAssertEqual(Array(t.scalars[80..<82]), [1.0, 1.0])                 // ped 1, start 2: x = 2·0.5
        XCTAssertEqual(Array(t.scalars[120..<122]), [0, 0.5])                 // ped 3, start 2: y = 2·0.25
        // A folder with an excluded file, and a bad line with its number.
        try "0 1 2\n".write(to: dir.appendingPathComponent("bad.txt"), atomically: true, encoding: .utf8)
        XCTAssertEqual(try Trajectories.load(path: dir.path, exclude: ["bad"]).shape, [6, 20, 2])
        XCTAssertThrowsError(try Trajectories.load(path: dir.path)) { e in
            XCTAssertTrue("\(e)".contains("bad.txt:1"), "\(e)")
        }
    }

    func testLoaderMatchesReferenceOnETH() throws {
        let path = Self.ethucy + "/test/biwi_hotel.txt"
        try XCTSkipUnless(FileManager.default.fileExists(atPath: path), "ETH/UCY data not found at \(Self.ethucy) (set LK_ETHUCY); skipping")
        // Counts and first window from the Social-GAN loader (utils/dataloader.py) run on the same files.
        XCTAssertEqual(try Trajectories.load(path: Self.ethucy + "/test/biwi_eth.txt").shape, [181, 20, 2])
        let hotel = try Trajectories.load(path: path)
        XCTAssertEqual(hotel.shape, [1053, 20, 2])
        XCTAssertEqual(Array(hotel.scalars[0..<4]), [-1.59, 0.93, -1.59, 0.93])
        XCTAssertEqual(Array(hotel.scalars[(hotel.count - 2)...]), [2.98, -2.59])
    }

    func testNormalisationHandCaseAndRoundTrip() throws {
        // Walking along +y at 0.5 m per frame from (3, 2): heading 90°, two-step displacement 1,
        // so p̂ₜ = 2·(pₜ − p₇) R = (t − 7, 0).
        let walk = windows([(0..<20).map { [3, 2 + 0.5 * Double($0)] }])
        let (n, f) = try Trajectories.normalize(walk, obs: 8)
        let want = windows([(0..<20).map { [Double($0) - 7, 0] }])
        XCTAssertLessThan(maxAbsDifference(n, want), 1e-12)
        XCTAssertEqual(f.scale.scalars, [2]); XCTAssertEqual(f.origin.scalars, [3, 5.5]); XCTAssertEqual(f.moving.scalars, [1])
        // Static below static_dist: unscaled. Round trip on random windows is the identity.
        let (_, fs) = try Trajectories.normalize(walk, obs: 8, staticDist: 0.6)
        XCTAssertEqual(fs.scale.scalars, [1]); XCTAssertEqual(fs.moving.scalars, [0])
        Random.seed(12)
        let t = try Random.randn([30, 20, 2])
        let (tn, frame) = try Trajectories.normalize(t, obs: 8, staticDist: 0.3)
        XCTAssertLessThan(maxAbsDifference(try Trajectories.denormalize(tn, frame: frame), t), 1e-12)
        // Each normalised window has its last observed point at the origin, heading along +x.
        for i in 0..<30 {
            let p = tn.pointer + i * 40
            XCTAssertEqual(p[14], 0, accuracy: 1e-12); XCTAssertEqual(p[15], 0, accuracy: 1e-12)
            XCTAssertEqual(p[11], 0, accuracy: 1e-12); XCTAssertLessThan(p[10], 0)
        }
    }

    func testDescriptorHandCaseAndFullRank() throws {
        // X = [[3, 4], [6, 8]] has rank one along (0.6, 0.8): projector U Uᵀ = [[.36, .48], [.48, .64]].
        let t = windows([[[3, 4]], [[6, 8]]])
        let d = try Trajectories.descriptor(t, k: 1)
        XCTAssertLessThan(maxAbsDifference(d.basis, try Tensor(shape: [2, 1], data: [0.6, 0.8])), 1e-14)
        XCTAssertLessThan(maxAbsDifference(d.coeffs, try Tensor(shape: [2, 1], data: [5, 10])), 1e-13)
        XCTAssertEqual(d.sv.scalars[0], 125.0.squareRoot(), accuracy: 1e-12)
        XCTAssertEqual(d.sv.scalars[1], 0, accuracy: 1e-12)
        let proj = try Tensor.matmul(d.basis, d.basis, transB: true)
        XCTAssertLessThan(maxAbsDifference(proj, try Tensor(shape: [2, 2], data: [0.36, 0.48, 0.48, 0.64])), 1e-14)
        // Every column: reconstruction is exact; truncation error is the tail of the singular values.
        let w = try Trajectories.simWalkers(count: 200, seed: 3)
        let full = try Trajectories.descriptor(w, k: 40)
        XCTAssertLessThan(maxAbsDifference(try Trajectories.reconstruct(full.coeffs, basis: full.basis), w), 1e-10)
        let k4 = try Trajectories.descriptor(w, k: 4)
        let r4 = try Trajectories.reconstruct(try Trajectories.project(w, basis: k4.basis), basis: k4.basis)
        let err = zip(r4.scalars, w.scalars).map { ($0 - $1) * ($0 - $1) }.reduce(0, +)
        let tail = k4.sv.scalars.dropFirst(4).map { $0 * $0 }.reduce(0, +)
        XCTAssertEqual(err, tail, accuracy: 1e-8 * tail)
    }

    func testDisplacementErrorsHandCase() throws {
        let truth = windows([[[0, 0], [1, 0], [2, 0]]])
        let a = windows([[[0, 1], [1, 1], [2, 1]]])              // errors 1, 1, 1
        let b = windows([[[0, 0], [1, 0], [2, 1.5]]])            // errors 0, 0, 1.5
        let pred = try Tensor.stack([a, b])
        let (ade, fde) = try Trajectories.displacementErrors(pred: pred, truth: truth, name: "t")
        XCTAssertEqual(ade, [0.5]); XCTAssertEqual(fde, [1.0])   // minima taken independently
        XCTAssertThrowsError(try Trajectories.displacementErrors(pred: a, truth: try Tensor(shape: [2, 3, 2]), name: "t"))
    }

    func testAnchorsFindSeparatedClusters() throws {
        var rows: [Double] = []
        for c in [[0.0, 0.0], [10, 0], [0, 10]] { for j in 0..<10 { rows += [c[0] + Double(j % 3) * 0.1, c[1] + Double(j % 2) * 0.1] } }
        let a = try Trajectories.anchors(try Tensor(shape: [30, 2], data: rows), n: 3, seed: 1)
        let v = a.scalars
        let unsorted: [[Double]] = [[v[0], v[1]], [v[2], v[3]], [v[4], v[5]]]
        let centres = unsorted.sorted { (p: [Double], q: [Double]) -> Bool in p[0] + 2 * p[1] < q[0] + 2 * q[1] }
        let mx = 0.9 / 10, my = 0.5 / 10   // means of (j mod 3)·0.1 and (j mod 2)·0.1 over j < 10
        for (c, want) in zip(centres, [[mx, my], [10 + mx, my], [mx, 10 + my]]) {
            XCTAssertEqual(c[0], want[0], accuracy: 1e-12); XCTAssertEqual(c[1], want[1], accuracy: 1e-12)
        }
    }

    func testBaselineIsExactWhenEveryTrainingFutureIsAnAnchor() throws {
        // Test = train, anchors = N, full rank: each agent's own future is among its anchors.
        let w = try Trajectories.simWalkers(count: 30, seed: 5)
        let r = try Trajectories.anchorBaseline(train: w, test: w, k: 24, anchors: 30, staticDist: 0)
        XCTAssertLessThan(r.ade, 1e-9); XCTAssertLessThan(r.fde, 1e-9)
        XCTAssertEqual(r.pred.shape, [30, 30, 12, 2])
        // With few anchors it is worse but still a sensible forecast (metres).
        let train = try Trajectories.simWalkers(count: 600, seed: 6), test = try Trajectories.simWalkers(count: 200, seed: 7)
        let few = try Trajectories.anchorBaseline(train: train, test: test, k: 6, anchors: 20)
        XCTAssertGreaterThan(few.ade, 0); XCTAssertLessThan(few.ade, 1.0); XCTAssertLessThan(few.ade, few.fde)
    }

    func testSimWalkersArePlausible() throws {
        let w = try Trajectories.simWalkers(count: 300, seed: 1)
        XCTAssertEqual(w.shape, [300, 20, 2])
        XCTAssertEqual(try Trajectories.simWalkers(count: 300, seed: 1).scalars, w.scalars)
        var speeds: [Double] = []
        for i in 0..<300 { for t in 1..<20 {
            let p = w.pointer + i * 40 + 2 * t
            let dx: Double = p[0] - p[-2], dy: Double = p[1] - p[-1]
            speeds.append((dx * dx + dy * dy).squareRoot() / 0.4)
        } }
        let mean = speeds.reduce(0, +) / Double(speeds.count)
        XCTAssertGreaterThan(mean, 0.8); XCTAssertLessThan(mean, 1.6)   // m/s, walking pace
        XCTAssertLessThan(speeds.max()!, 3.5)
    }
}

/// The anchors-only predictor on the real leave-one-scene-out split, against an independent
/// NumPy implementation of the paper's pipeline (TrajNorm, truncated SVD, 20 k-means anchors
/// with 10 restarts, best-of-20 ADE/FDE): HOTEL 0.153 / 0.257 m. k-means local optima move
/// the figures by a few per cent between seeds, hence the 10% tolerance.
final class TrajectoriesETHUCYTests: XCTestCase {
    func testAnchorBaselineOnHotelMatchesReference() throws {
        let root = TrajectoriesTests.ethucy
        try XCTSkipUnless(FileManager.default.fileExists(atPath: root + "/test/biwi_hotel.txt"), "ETH/UCY data not found at \(root) (set LK_ETHUCY); skipping")
        let train = try Trajectories.load(path: root + "/train", exclude: ["biwi_hotel_train"])
        let test = try Trajectories.load(path: root + "/test/biwi_hotel.txt")
        XCTAssertEqual(train.shape[0], 29152)
        let r = try Trajectories.anchorBaseline(train: train, test: test, restarts: 2)
        XCTAssertEqual(r.ade, 0.153, accuracy: 0.015); XCTAssertEqual(r.fde, 0.257, accuracy: 0.026)
    }
}
