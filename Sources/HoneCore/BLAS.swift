import Foundation
#if canImport(Accelerate)
    import Accelerate
#else
    import CDNNL
#endif

/// Single-precision matrix multiply: C = α·op(A)·op(B) + β·C, all row-major.
///
/// On Linux this is oneDNN's `dnnl_sgemm` (JIT-generated AVX2/AVX-512 kernels). On the
/// 2-core reference machine it ran the training workloads' shapes (128×784·784×256,
/// 2048×64·64×256, …) 1.3–2.2× faster than OpenBLAS and 1024³ at 197 vs 147 GFLOP/s.
/// It runs on the same OpenMP team as ``Parallel``, so a GEMM inside a parallel loop
/// (one image of a convolution per thread) stays on its thread. macOS uses Accelerate.
///
/// - Parameters:
///   - m, n, k: op(A) is m×k, op(B) is k×n, C is m×n.
///   - transposeA, transposeB: whether A (stored k×m) or B (stored n×k) is read transposed.
@inline(__always)
public func sgemm(
    transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float = 1,
    a: UnsafePointer<Float>, lda: Int? = nil, b: UnsafePointer<Float>, ldb: Int? = nil,
    beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int? = nil
) {
    guard m > 0, n > 0 else { return }
    if k == 0 {
        for i in 0..<(m * n) { c[i] = beta == 0 ? 0 : beta * c[i] }
        return
    }
    let leadingA = lda ?? (transposeA ? m : k)
    let leadingB = ldb ?? (transposeB ? k : n)
    let leadingC = ldc ?? n
    #if canImport(Accelerate)
        cblas_sgemm(
            CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
            Int32(m), Int32(n), Int32(k), alpha, a, Int32(leadingA), b, Int32(leadingB), beta, c, Int32(leadingC))
    #else
        let status = dnnl_sgemm(
            transposeA ? transposed : notTransposed, transposeB ? transposed : notTransposed,
            Int64(m), Int64(n), Int64(k), alpha, a, Int64(leadingA), b, Int64(leadingB), beta, c, Int64(leadingC))
        precondition(status == dnnl_success, "sgemm: oneDNN refused \(m)×\(k)·\(k)×\(n) (status \(status.rawValue))")
    #endif
}

#if !canImport(Accelerate)
    /// oneDNN's transpose flags, the BLAS characters 'T' and 'N'.
    private let transposed = CChar(UInt8(ascii: "T"))
    private let notTransposed = CChar(UInt8(ascii: "N"))
#endif
