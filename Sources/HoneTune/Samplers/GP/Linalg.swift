import Foundation

/// Dot product of two contiguous vectors, four lanes at a time.
@inline(__always)
func simdDot(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, _ n: Int) -> Double {
    var acc0 = SIMD4<Double>(), acc1 = SIMD4<Double>()
    var i = 0
    let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b)
    let stride = MemoryLayout<Double>.stride
    while i + 8 <= n {
        acc0 += ra.loadUnaligned(fromByteOffset: i * stride, as: SIMD4<Double>.self)
            * rb.loadUnaligned(fromByteOffset: i * stride, as: SIMD4<Double>.self)
        acc1 += ra.loadUnaligned(fromByteOffset: (i + 4) * stride, as: SIMD4<Double>.self)
            * rb.loadUnaligned(fromByteOffset: (i + 4) * stride, as: SIMD4<Double>.self)
        i += 8
    }
    var s = (acc0 + acc1).sum()
    while i < n { s += a[i] * b[i]; i += 1 }
    return s
}

/// y += alpha·x over contiguous vectors.
@inline(__always)
func simdAxpy(_ alpha: Double, _ x: UnsafePointer<Double>, _ y: UnsafeMutablePointer<Double>, _ n: Int) {
    for i in 0..<n { y[i] += alpha * x[i] }
}

/// Small dense linear algebra in Double for the Gaussian process (row-major n×n).
enum Linalg {
    /// Cholesky factor L (lower, row-major) of the symmetric positive definite `a`, in place.
    /// Returns false when `a` is not numerically positive definite.
    static func cholesky(_ a: inout [Double], _ n: Int) -> Bool {
        a.withUnsafeMutableBufferPointer { buf in
            let l = buf.baseAddress!
            for j in 0..<n {
                let rj = l + j * n
                let s = rj[j] - simdDot(rj, rj, j)
                if !(s > 0) || !s.isFinite { return false }
                let d = s.squareRoot()
                rj[j] = d
                let inv = 1 / d
                var i = j + 1
                while i < n {
                    let ri = l + i * n
                    ri[j] = (ri[j] - simdDot(ri, rj, j)) * inv
                    i += 1
                }
                for k in (j + 1)..<max(n, j + 1) { rj[k] = 0 }
            }
            return true
        }
    }

    /// Solves L·x = b (L lower triangular) in place.
    static func solveLower(_ l: [Double], _ n: Int, _ b: inout [Double]) {
        l.withUnsafeBufferPointer { L in
            b.withUnsafeMutableBufferPointer { x in
                let lp = L.baseAddress!, xp = x.baseAddress!
                for i in 0..<n {
                    let ri = lp + i * n
                    xp[i] = (xp[i] - simdDot(ri, xp, i)) / ri[i]
                }
            }
        }
    }

    /// Solves Lᵀ·x = b (L lower triangular) in place.
    static func solveUpperT(_ l: [Double], _ n: Int, _ b: inout [Double]) {
        l.withUnsafeBufferPointer { L in
            b.withUnsafeMutableBufferPointer { x in
                let lp = L.baseAddress!, xp = x.baseAddress!
                for i in stride(from: n - 1, through: 0, by: -1) {
                    let ri = lp + i * n
                    xp[i] /= ri[i]
                    // Column i of Lᵀ·x = b: subtract x_i·L[i][k] from the earlier equations.
                    simdAxpy(-xp[i], ri, xp, i)
                }
            }
        }
    }

    /// L⁻¹ (lower triangular, row-major) from the Cholesky factor L.
    static func lowerInverse(_ l: [Double], _ n: Int) -> [Double] {
        var li = [Double](repeating: 0, count: n * n)
        var tmp = [Double](repeating: 0, count: n)
        l.withUnsafeBufferPointer { L in
            li.withUnsafeMutableBufferPointer { M in
                tmp.withUnsafeMutableBufferPointer { T in
                    let lp = L.baseAddress!, mp = M.baseAddress!, tp = T.baseAddress!
                    for i in 0..<n {
                        // Row i of L⁻¹: M[i][j] = −(Σ_{j≤k<i} L[i][k]·M[k][j]) / L[i][i], M[i][i] = 1/L[i][i].
                        for j in 0..<i { tp[j] = 0 }
                        let ri = lp + i * n
                        for k in 0..<i { simdAxpy(ri[k], mp + k * n, tp, k + 1) }
                        let inv = 1 / ri[i]
                        let mi = mp + i * n
                        for j in 0..<i { mi[j] = -tp[j] * inv }
                        mi[i] = inv
                    }
                }
            }
        }
        return li
    }

    /// (L·Lᵀ)⁻¹ = L⁻ᵀ·L⁻¹ from L⁻¹.
    static func inverseFromLowerInverse(_ li: [Double], _ n: Int) -> [Double] {
        var inv = [Double](repeating: 0, count: n * n)
        li.withUnsafeBufferPointer { M in
            inv.withUnsafeMutableBufferPointer { R in
                let mp = M.baseAddress!, rp = R.baseAddress!
                // (i, j), j ≤ i: Σ_{k ≥ i} M[k][i]·M[k][j].
                for k in 0..<n {
                    let rk = mp + k * n
                    for i in 0...k {
                        let a = rk[i]
                        if a != 0 { simdAxpy(a, rk, rp + i * n, i + 1) }
                    }
                }
                for i in 0..<n { for j in (i + 1)..<max(n, i + 1) { rp[i * n + j] = rp[j * n + i] } }
            }
        }
        return inv
    }

    /// (L·Lᵀ)⁻¹ from the Cholesky factor L.
    static func choleskyInverse(_ l: [Double], _ n: Int) -> [Double] {
        inverseFromLowerInverse(lowerInverse(l, n), n)
    }
}

/// Limited-memory BFGS (Nocedal 1980) with optional box bounds handled by projection:
/// variables at a bound whose gradient points outward are held fixed for the step, and
/// trial points are clipped into the box (a projected quasi-Newton method). The line
/// search backtracks until the Armijo condition holds.
struct LBFGS {
    var memory = 10
    var maxIterations = 200
    /// Stop when the largest projected gradient component is below this.
    var gradientTolerance = 1e-5
    /// Stop when the objective's relative decrease is below this.
    var relativeTolerance = 1e-10

    struct Result {
        var x: [Double]
        var f: Double
        var iterations: Int
    }

    /// Minimizes `fg` (value and gradient; nil or a non-finite value marks an infeasible
    /// point) from `x0`, within `lower...upper` when given.
    func minimize(
        _ x0: [Double], lower: [Double]? = nil, upper: [Double]? = nil,
        _ fg: ([Double]) -> (Double, [Double])?
    ) -> Result {
        let n = x0.count
        var x = x0
        func project(_ v: inout [Double]) {
            if let lower { for i in 0..<n where v[i] < lower[i] { v[i] = lower[i] } }
            if let upper { for i in 0..<n where v[i] > upper[i] { v[i] = upper[i] } }
        }
        project(&x)
        guard var (f, g) = fg(x), f.isFinite else { return Result(x: x, f: .infinity, iterations: 0) }
        var sHist: [[Double]] = [], yHist: [[Double]] = [], rhoHist: [Double] = []
        var iter = 0
        while iter < maxIterations {
            iter += 1
            // Free variables: not pinned at a bound by the gradient.
            var free = [Bool](repeating: true, count: n)
            var pg = 0.0
            for i in 0..<n {
                if let lower, x[i] <= lower[i], g[i] > 0 { free[i] = false; continue }
                if let upper, x[i] >= upper[i], g[i] < 0 { free[i] = false; continue }
                pg = max(pg, abs(g[i]))
            }
            if pg < gradientTolerance { break }
            // Two-loop recursion on the free subspace.
            var q = g
            for i in 0..<n where !free[i] { q[i] = 0 }
            var alphas = [Double](repeating: 0, count: sHist.count)
            for k in stride(from: sHist.count - 1, through: 0, by: -1) {
                var a = 0.0
                for i in 0..<n where free[i] { a += sHist[k][i] * q[i] }
                a *= rhoHist[k]
                alphas[k] = a
                for i in 0..<n where free[i] { q[i] -= a * yHist[k][i] }
            }
            if let last = sHist.indices.last {
                var sy = 0.0, yy = 0.0
                for i in 0..<n where free[i] { sy += sHist[last][i] * yHist[last][i]; yy += yHist[last][i] * yHist[last][i] }
                let gammaScale = (sy > 0 && yy > 0) ? sy / yy : 1
                for i in 0..<n { q[i] *= gammaScale }
            } else {
                // First step: unit length in the largest coordinate.
                let scale = 1 / max(pg, 1e-12)
                for i in 0..<n { q[i] *= min(scale, 1) }
            }
            for k in 0..<sHist.count {
                var b = 0.0
                for i in 0..<n where free[i] { b += yHist[k][i] * q[i] }
                b *= rhoHist[k]
                for i in 0..<n where free[i] { q[i] += sHist[k][i] * (alphas[k] - b) }
            }
            var d = q.map { -$0 }
            for i in 0..<n where !free[i] { d[i] = 0 }
            var slope = 0.0
            for i in 0..<n { slope += d[i] * g[i] }
            if !(slope < 0) {
                // Not a descent direction: fall back to steepest descent and reset memory.
                sHist.removeAll(); yHist.removeAll(); rhoHist.removeAll()
                let scale = min(1, 1 / max(pg, 1e-12))
                for i in 0..<n { d[i] = free[i] ? -g[i] * scale : 0 }
            }
            // Backtracking line search on the projected path.
            var t = 1.0
            var accepted: (x: [Double], f: Double, g: [Double])?
            for _ in 0..<30 {
                var xn = x
                for i in 0..<n { xn[i] += t * d[i] }
                project(&xn)
                var dec = 0.0
                for i in 0..<n { dec += g[i] * (xn[i] - x[i]) }
                if dec == 0 && t < 1e-12 { break }
                if let (fn, gn) = fg(xn), fn.isFinite, fn <= f + 1e-4 * dec {
                    accepted = (xn, fn, gn)
                    break
                }
                t *= 0.5
            }
            guard let (xn, fn, gn) = accepted else { break }
            var s = [Double](repeating: 0, count: n), y = [Double](repeating: 0, count: n)
            var sy = 0.0
            for i in 0..<n { s[i] = xn[i] - x[i]; y[i] = gn[i] - g[i]; sy += s[i] * y[i] }
            let fOld = f
            x = xn; f = fn; g = gn
            if sy > 1e-12 {
                sHist.append(s); yHist.append(y); rhoHist.append(1 / sy)
                if sHist.count > memory { sHist.removeFirst(); yHist.removeFirst(); rhoHist.removeFirst() }
            }
            if abs(fOld - f) <= relativeTolerance * max(abs(fOld), abs(f), 1) { break }
        }
        return Result(x: x, f: f, iterations: iter)
    }
}
