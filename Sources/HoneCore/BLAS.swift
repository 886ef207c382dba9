import Foundation
#if canImport(Accelerate)
    import Accelerate
#else
    import CBLAS
#endif

/// Single-precision matrix multiply through the platform BLAS (OpenBLAS on Linux,
/// Accelerate on macOS): C = α·op(A)·op(B) + β·C, all row-major.
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
    cblas_sgemm(
        CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
        Int32(m), Int32(n), Int32(k), alpha,
        a, Int32(lda ?? (transposeA ? m : k)),
        b, Int32(ldb ?? (transposeB ? k : n)),
        beta, c, Int32(ldc ?? n))
}

/// Runs `body` with BLAS limited to the calling thread, so that several threads can each
/// run their own small GEMMs at once; the previous thread count is restored afterwards.
///
/// OpenBLAS's thread count is global, so overlapping sections (two models training on
/// two threads) are counted: the first to enter saves and lowers the count, the last
/// to leave restores it.
func withSingleThreadedBLAS(_ body: () -> Void) {
    #if canImport(Accelerate)
        body()
    #else
        SingleThreadedBLASSections.enter()
        body()
        SingleThreadedBLASSections.leave()
    #endif
}

#if !canImport(Accelerate)
    /// The bookkeeping behind ``withSingleThreadedBLAS(_:)``.
    private enum SingleThreadedBLASSections {
        private static let lock = NSLock()
        nonisolated(unsafe) private static var active = 0
        nonisolated(unsafe) private static var savedThreadCount: Int32 = 1

        static func enter() {
            lock.lock()
            defer { lock.unlock() }
            if active == 0 {
                savedThreadCount = openblas_get_num_threads()
                if savedThreadCount > 1 { openblas_set_num_threads(1) }
            }
            active += 1
        }

        static func leave() {
            lock.lock()
            defer { lock.unlock() }
            active -= 1
            if active == 0 && savedThreadCount > 1 { openblas_set_num_threads(savedThreadCount) }
        }
    }
#endif
