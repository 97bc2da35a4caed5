import CTandemKernels

/// The instruction sets TandemNN's `Float` kernels are compiled for; one is chosen at run
/// time, so the package needs no processor-specific build flags.
///
/// ``active`` is chosen once per process: the set named by the environment variable
/// `TANDEM_KERNELS` (`portable`, `avx2`, `avx512`) when this processor supports it,
/// otherwise the best one it supports. A pass runs the set of its ``PassContext``
/// (``active`` unless given), so tests can run the same model on every set in one process.
///
/// - ``portable``: plain code for the baseline of the target (SSE2 on x86_64); any processor.
/// - ``avx2``: AVX2 with fused multiply-adds (x86-64-v3: Haswell, Zen and later). Sums differ
///   from the portable set's in the last bits, as fused multiply-adds round once.
/// - ``avx512``: AVX-512 on rows long enough for sixteen lanes (x86-64-v4: Skylake-X,
///   Zen 4 and later); the same arithmetic in the same order as ``avx2``, so equal results.
///
/// `Double` passes (gradient checks) run portable Swift code whatever the set.
public enum KernelSet: String, CaseIterable, Sendable, CustomStringConvertible {
    case portable
    case avx2
    case avx512

    /// The set passes run unless told otherwise (see the type's description).
    public static let active = KernelSet(code: tk_default_set())

    /// The sets this processor can run, slowest first.
    public static var supported: [KernelSet] { allCases.filter(\.isSupported) }

    /// Whether this processor can run the set. A pass given a set it cannot run uses the
    /// best one it can.
    public var isSupported: Bool { tk_set_is_supported(code) != 0 }

    /// The set's name, as `TANDEM_KERNELS` spells it.
    public var description: String { rawValue }

    /// The number the C kernels (`CTandemKernels`) take as their first argument.
    public var code: Int32 {
        switch self {
        case .portable: TKSetPortable
        case .avx2: TKSetAVX2
        case .avx512: TKSetAVX512
        }
    }

    init(code: Int32) {
        switch code {
        case TKSetAVX512: self = .avx512
        case TKSetAVX2: self = .avx2
        default: self = .portable
        }
    }
}
