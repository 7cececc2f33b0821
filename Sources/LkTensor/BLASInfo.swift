import CBLAS
import Foundation

/// What BLAS lk is running on, and whether it is using the right kernels.
///
/// OpenBLAS built with `DYNAMIC_ARCH` picks its kernels ("core") from the CPU at start-up.
/// Older releases (Debian's 0.3.21 among them) do not recognise some newer or virtualised
/// CPUs and fall back to Prescott (SSE3) kernels, which makes matrix products several
/// times slower. The fix is the environment variable `OPENBLAS_CORETYPE`, read by OpenBLAS
/// when the library loads; lk reports the problem but never sets the variable itself.
public enum BLASInfo {
    /// `openblas_get_config()`, e.g. "OpenBLAS 0.3.21 NO_LAPACKE DYNAMIC_ARCH NO_AFFINITY SkylakeX MAX_THREADS=64".
    public static var config: String { String(cString: openblas_get_config()) }

    /// `openblas_get_corename()`: the kernel family in use, e.g. "SkylakeX", "Haswell", "Prescott".
    public static var coreName: String { String(cString: openblas_get_corename()) }

    /// `openblas_get_num_threads()`.
    public static var threads: Int { Int(openblas_get_num_threads()) }

    /// The version number from `config` (the word after "OpenBLAS"), e.g. "0.3.21"; "unknown" if absent.
    public static var version: String { parseVersion(config) ?? "unknown" }

    /// Whether the CPU advertises AVX2 and AVX-512 (`avx512f`), from the `flags` line of
    /// `/proc/cpuinfo`; both false where that file does not exist.
    public static var cpuFlags: (avx2: Bool, avx512: Bool) { cachedFlags }

    private static let cachedFlags: (avx2: Bool, avx512: Bool) = {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return (false, false) }
        return parseFlags(text)
    }()

    /// A warning with the fix when OpenBLAS runs kernels older than the CPU (see `slowCore`), else nil.
    public static var warning: String? {
        slowCoreWarning(core: coreName, version: version, flags: cpuFlags)
    }

    /// One line: "OpenBLAS 0.3.21, core Prescott, 2 threads".
    public static var summary: String {
        "OpenBLAS \(version), core \(coreName), \(threads) thread\(threads == 1 ? "" : "s")"
    }

    // MARK: - Pure helpers (tested without depending on the machine)

    /// Kernel families without AVX2 FMA kernels for double precision. On a CPU that has
    /// AVX2 they leave most of the machine idle.
    static let slowCores: Set<String> = [
        "generic", "prescott", "core2", "penryn", "dunnington", "nehalem", "atom", "katmai",
        "coppermine", "northwood", "banias", "sandybridge", "opteron", "barcelona", "bobcat",
    ]

    static func slowCoreWarning(core: String, version: String, flags: (avx2: Bool, avx512: Bool)) -> String? {
        guard flags.avx2, slowCores.contains(core.lowercased()) else { return nil }
        let fix = flags.avx512 ? "OPENBLAS_CORETYPE=SkylakeX (or Haswell for AVX2)" : "OPENBLAS_CORETYPE=Haswell"
        let cpu = flags.avx512 ? "AVX-512" : "AVX2"
        return "OpenBLAS \(version) uses its \(core) kernels on a CPU with \(cpu) (matrix products run several times slower); run with \(fix)"
    }

    static func parseVersion(_ config: String) -> String? {
        let words = config.split(separator: " ")
        guard let i = words.firstIndex(of: "OpenBLAS"), i + 1 < words.count else { return nil }
        return String(words[i + 1])
    }

    static func parseFlags(_ cpuinfo: String) -> (avx2: Bool, avx512: Bool) {
        for line in cpuinfo.split(separator: "\n") where line.hasPrefix("flags") {
            let flags = Set(line.split(separator: ":", maxSplits: 1).last?.split(separator: " ").map(String.init) ?? [])
            return (flags.contains("avx2"), flags.contains("avx512f"))
        }
        return (false, false)
    }
}
