// The sorting kernels behind Tensor+Sorting.swift: the order-preserving 64-bit key
// of a double, a stable radix sort (one MSD pass, then LSD passes per cache-sized
// bucket) for long lanes, a stable merge sort for short ones, and their scratch space.

// MARK: - Keys

let signBit: UInt64 = 0x8000_0000_0000_0000

/// An unsigned integer that orders like NumPy orders doubles: −inf < … < −0 = +0 <
/// … < +inf < nan (every nan maps to the largest key, so nans stay in order).
@inline(__always) func sortKey(_ x: Double) -> UInt64 {
    let b = x.bitPattern == signBit ? 0 : x.bitPattern   // −0 → +0
    // Negative: flip every bit; positive: flip the sign bit.
    let key = b ^ (UInt64(bitPattern: Int64(bitPattern: b) >> 63) | signBit)
    return x.isNaN ? .max : key
}

/// The double whose key is `k` (−0 comes back as +0; `sortLane` restores the signs).
@inline(__always) func keyValue(_ k: UInt64) -> Double {
    if k == .max { return .nan }
    return Double(bitPattern: k & signBit != 0 ? k & ~signBit : ~k)
}

/// `body` over contiguous slices of 0..<n, one per core when `parallel` and n is
/// large (else one slice); returns each slice's result, in order.
func forEachSlice(_ n: Int, parallel: Bool, _ body: (Range<Int>) -> Bool) -> [Bool] {
    let parts = parallel && n >= 1 << 20 ? Swift.max(1, Parallel.threads) : 1
    let slice = (n + parts - 1) / parts
    var results = [Bool](repeating: false, count: parts)
    results.withUnsafeMutableBufferPointer { out in
        Parallel.forEachChunk(count: parts, costPerItem: Int.max / 2, align: 1) { r in
            for p in r { out[p] = body((p * slice)..<Swift.min(n, (p + 1) * slice)) }
        }
    }
    return results
}

/// Key and index buffers (two halves each) for one thread's lanes, carved out of
/// one tensor buffer.
final class RadixScratch<I: FixedWidthInteger & UnsignedInteger> {
    let buffer: Tensor
    let keys: UnsafeMutablePointer<UInt64>
    let index: UnsafeMutablePointer<I>
    init(_ n: Int, withIndex: Bool) throws {
        let m = Swift.max(n, 1)
        let keyBytes = 16 * m, indexBytes = withIndex ? 2 * m * MemoryLayout<I>.stride : 0
        buffer = try Tensor(uninitializedShape: [(keyBytes + indexBytes + 7) / 8])
        let raw = UnsafeMutableRawPointer(buffer.pointer)
        keys = raw.bindMemory(to: UInt64.self, capacity: 2 * m)
        index = (raw + keyBytes).bindMemory(to: I.self, capacity: withIndex ? 2 * m : 0)
    }
}

@inline(__always)
func insertionSort(_ keys: UnsafeMutablePointer<UInt64>, _ n: Int) {
    if n < 2 { return }
    for i in 1..<n {
        let k = keys[i]
        var j = i
        while j > 0 && keys[j - 1] > k { keys[j] = keys[j - 1]; j -= 1 }
        keys[j] = k
    }
}

@inline(__always)
func insertionSort<I>(_ keys: UnsafeMutablePointer<UInt64>, _ n: Int, carrying index: UnsafeMutablePointer<I>) {
    if n < 2 { return }
    for i in 1..<n {
        let k = keys[i], v = index[i]
        var j = i
        while j > 0 && keys[j - 1] > k { keys[j] = keys[j - 1]; index[j] = index[j - 1]; j -= 1 }
        keys[j] = k; index[j] = v
    }
}

/// Stable radix sort of the keys `a[0..<n]`, using `b` (room for n) as the other
/// buffer; with `ia`/`ib`, indices move with the keys (`ia` pairs with a, `ib` with
/// b). The result is handed out in consecutive pieces covering 0..<n:
/// `emit(lo, count, keys, index)` with the sorted keys (and indices) of positions
/// lo..<lo+count, while they are still in cache.
///
/// Long inputs take one MSD pass on the top 16 bits (sign, exponent and 4 bits of
/// mantissa), which cuts them into buckets that mostly fit in cache, then sort each
/// bucket by LSD passes on the remaining 48 bits, each in its own part of both
/// buffers (so buckets are independent: with `parallel`, they are shared among the
/// cores). A pass in which every key has the same digit is skipped (integers, one
/// sign, one exponent). Inputs shorter than 2¹⁶ are merge sorted instead: there the
/// sign and exponent digits are so skewed that a radix pass stalls on one counter.
func radixSort<I: FixedWidthInteger & UnsignedInteger>(_ a: UnsafeMutablePointer<UInt64>, _ b: UnsafeMutablePointer<UInt64>, _ n: Int,
                                                     _ ia: UnsafeMutablePointer<I>?, _ ib: UnsafeMutablePointer<I>?,
                                                     parallel: Bool = false,
                                                     emit: (Int, Int, UnsafeMutablePointer<UInt64>, UnsafeMutablePointer<I>?) -> Void) {
    func whole(keyBits: Int, digitBits: Int) {
        let inA = lsdRadixSort(a, b, n, ia, ib, keyBits: keyBits, digitBits: digitBits)
        emit(0, n, inA ? a : b, inA ? ia : ib)
    }
    if n < 1 << 16 {
        let inA = mergeSort(a, b, n, ia, ib)
        emit(0, n, inA ? a : b, inA ? ia : ib)
        return
    }
    let buckets = 1 << 16
    // The MSD pass: each of `parts` contiguous slices of a counts its buckets, then
    // scatters into b from its own offsets (slice p's keys of a bucket go after those
    // of slices before it, which keeps the pass stable).
    let parts = parallel && n >= 1 << 20 ? Swift.max(1, Parallel.threads) : 1
    let slice = (n + parts - 1) / parts
    let offsets = UnsafeMutablePointer<Int>.allocate(capacity: parts * buckets)
    defer { offsets.deallocate() }
    offsets.initialize(repeating: 0, count: parts * buckets)
    Parallel.forEachChunk(count: parts, costPerItem: Int.max / 2, align: 1) { r in
        for p in r {
            let h = offsets + p * buckets
            for i in (p * slice)..<Swift.min(n, (p + 1) * slice) { h[Int(a[i] >> 48)] += 1 }
        }
    }
    let starts = UnsafeMutablePointer<Int>.allocate(capacity: buckets + 1)
    defer { starts.deallocate() }
    var total = 0
    for r in 0..<buckets {
        starts[r] = total
        for p in 0..<parts { let c = offsets[p * buckets + r]; offsets[p * buckets + r] = total; total += c }
    }
    starts[buckets] = n
    let first = Int(a[0] >> 48)
    if starts[first + 1] - starts[first] == n { whole(keyBits: 48, digitBits: 12); return }
    Parallel.forEachChunk(count: parts, costPerItem: Int.max / 2, align: 1) { r in
        for p in r {
            let next = offsets + p * buckets, range = (p * slice)..<Swift.min(n, (p + 1) * slice)
            if let ia, let ib {
                for i in range { let k = a[i], r = Int(k >> 48), at = next[r]; next[r] = at + 1; b[at] = k; ib[at] = ia[i] }
            } else {
                for i in range { let k = a[i], r = Int(k >> 48), at = next[r]; next[r] = at + 1; b[at] = k }
            }
        }
    }
    // Each bucket [lo, hi) is sorted in b using a[lo..<hi] as its other buffer.
    func sortBuckets(_ range: Range<Int>) {
        let counts = UnsafeMutablePointer<Int>.allocate(capacity: lsdCountsCapacity)
        defer { counts.deallocate() }
        for r in range {
            let lo = starts[r], count = starts[r + 1] - lo
            if count == 0 { continue }
            let inB = count < 2 || lsdRadixSort(b + lo, a + lo, count, ib.map { $0 + lo }, ia.map { $0 + lo }, keyBits: 48,
                                                digitBits: count >= 1 << 15 ? 12 : 8, counts: counts)
            emit(lo, count, inB ? b + lo : a + lo, inB ? ib.map { $0 + lo } : ia.map { $0 + lo })
        }
    }
    if parallel && Parallel.threads > 1 {
        // Parts of about n / threads keys each, cut at bucket boundaries.
        let parts = Parallel.threads
        let cuts = (0...parts).map { p -> Int in
            var lo = 0, hi = buckets
            while lo < hi { let mid = (lo + hi) / 2; if starts[mid] < p * (n / parts) { lo = mid + 1 } else { hi = mid } }
            return p == parts ? buckets : lo
        }
        Parallel.forEachChunk(count: parts, costPerItem: n, align: 1) { r in
            for p in r { sortBuckets(cuts[p]..<cuts[p + 1]) }
        }
    } else {
        sortBuckets(0..<buckets)
    }
}

/// Stable bottom-up merge sort of the keys `a[0..<n]` (indices `ia` moving with them),
/// `b`/`ib` the other buffers: insertion-sorted runs of 16, then branch-free merges
/// (the left run wins ties). Returns true when the result is in a (and ia).
func mergeSort<I: FixedWidthInteger & UnsignedInteger>(_ a: UnsafeMutablePointer<UInt64>, _ b: UnsafeMutablePointer<UInt64>, _ n: Int,
                                                     _ ia: UnsafeMutablePointer<I>?, _ ib: UnsafeMutablePointer<I>?) -> Bool {
    let run = 16
    var lo = 0
    while lo < n {
        let m = Swift.min(run, n - lo)
        if let ia { insertionSort(a + lo, m, carrying: ia + lo) } else { insertionSort(a + lo, m) }
        lo += run
    }
    var src = a, dst = b, isrc = ia, idst = ib, inA = true
    var width = run
    while width < n {
        var start = 0
        while start < n {
            let mid = Swift.min(start + width, n), end = Swift.min(start + 2 * width, n)
            var i = start, j = mid, k = start
            if let si = isrc, let di = idst {
                while i < mid && j < end {
                    let x = src[i], y = src[j], takeRight = y < x
                    dst[k] = takeRight ? y : x
                    di[k] = takeRight ? si[j] : si[i]
                    j &+= takeRight ? 1 : 0; i &+= takeRight ? 0 : 1; k &+= 1
                }
                while i < mid { dst[k] = src[i]; di[k] = si[i]; i += 1; k += 1 }
                while j < end { dst[k] = src[j]; di[k] = si[j]; j += 1; k += 1 }
            } else {
                while i < mid && j < end {
                    let x = src[i], y = src[j], takeRight = y < x
                    dst[k] = takeRight ? y : x
                    j &+= takeRight ? 1 : 0; i &+= takeRight ? 0 : 1; k &+= 1
                }
                while i < mid { dst[k] = src[i]; i += 1; k += 1 }
                while j < end { dst[k] = src[j]; j += 1; k += 1 }
            }
            start = end
        }
        swap(&src, &dst); swap(&isrc, &idst); inA.toggle()
        width *= 2
    }
    return inA
}

/// Room for the histograms of any `lsdRadixSort` on at most 48 key bits.
let lsdCountsCapacity = 4 * (1 << 12) + 6 * (1 << 8)

/// LSD radix sort of the low `keyBits` bits of `a[0..<n]` (the higher bits must be
/// equal or already in order), `digitBits` at a time; see `radixSort`. Lanes of up
/// to `insertionLimit` keys are sorted by insertion.
func lsdRadixSort<I: FixedWidthInteger & UnsignedInteger>(_ a: UnsafeMutablePointer<UInt64>, _ b: UnsafeMutablePointer<UInt64>, _ n: Int,
                                                        _ ia: UnsafeMutablePointer<I>?, _ ib: UnsafeMutablePointer<I>?,
                                                        keyBits: Int, digitBits bits: Int,
                                                        counts reused: UnsafeMutablePointer<Int>? = nil) -> Bool {
    if n <= insertionLimit {
        if let ia { insertionSort(a, n, carrying: ia) } else { insertionSort(a, n) }
        return true
    }
    let radix = 1 << bits, passes = (keyBits + bits - 1) / bits
    let mask = UInt64(radix - 1)
    // `reused` (room for lsdCountsCapacity) saves a 128 KB allocation, and its page
    // faults, per bucket.
    let counts = reused ?? UnsafeMutablePointer<Int>.allocate(capacity: radix * passes)
    defer { if reused == nil { counts.deallocate() } }
    counts.initialize(repeating: 0, count: radix * passes)
    for i in 0..<n {
        var k = a[i]
        for p in 0..<passes { counts[p * radix + Int(k & mask)] += 1; k >>= UInt64(bits) }
    }
    var src = a, dst = b
    var isrc = ia, idst = ib
    var inA = true
    for p in 0..<passes {
        let c = counts + p * radix
        let shift = UInt64(p * bits)
        if c[Int((src[0] >> shift) & mask)] == n { continue }
        var total = 0
        for r in 0..<radix { let t = c[r]; c[r] = total; total += t }
        if let si = isrc, let di = idst {
            for i in 0..<n {
                let k = src[i], r = Int((k >> shift) & mask)
                let at = c[r]; c[r] = at + 1
                dst[at] = k; di[at] = si[i]
            }
            swap(&isrc, &idst)
        } else {
            for i in 0..<n {
                let k = src[i], r = Int((k >> shift) & mask)
                let at = c[r]; c[r] = at + 1
                dst[at] = k
            }
        }
        swap(&src, &dst)
        inA.toggle()
    }
    return inA
}
