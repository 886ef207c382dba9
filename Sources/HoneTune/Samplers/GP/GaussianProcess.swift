import Foundation

/// The Matérn-5/2 correlation as a function of the squared scaled distance r²:
/// m(r²) = (1 + √5·r + 5/3·r²)·exp(−√5·r). Returns the value and dm/d(r²).
@inline(__always)
func matern52(_ d2: Double) -> (value: Double, derivative: Double) {
    let s5d = (5 * d2).squareRoot()
    let e = Foundation.exp(-s5d)
    return (e * ((5.0 / 3.0) * d2 + s5d + 1), (-5.0 / 6.0) * (s5d + 1) * e)
}

/// Kernel hyperparameters of ``GaussianProcess``.
public struct GPHyperparameters: Sendable, Equatable {
    /// 1/ℓ² per dimension (automatic relevance determination).
    public var inverseSquaredLengthscales: [Double]
    /// Signal variance s: k(x, x) = s.
    public var kernelScale: Double
    /// Observation noise variance.
    public var noiseVariance: Double

    public init(inverseSquaredLengthscales: [Double], kernelScale: Double, noiseVariance: Double) {
        self.inverseSquaredLengthscales = inverseSquaredLengthscales
        self.kernelScale = kernelScale
        self.noiseVariance = noiseVariance
    }

    public static func defaults(dimensions: Int) -> GPHyperparameters {
        GPHyperparameters(
            inverseSquaredLengthscales: [Double](repeating: 1, count: dimensions), kernelScale: 1, noiseVariance: 1)
    }
}

/// Gaussian-process regression with a Matérn-5/2 ARD kernel,
/// k(x, x') = s·m(Σ_d θ_d·δ_d(x, x')), where δ_d = (x_d − x'_d)² for numerical
/// dimensions and [x_d ≠ x'_d] (Hamming) for categorical ones, plus a noise variance.
///
/// Hyperparameters are fitted by maximizing the log marginal likelihood plus Optuna's
/// log prior (θ: −0.1/θ − 0.1·θ; s: Gamma(2, 1); noise: Gamma(1.1, 30)) with L-BFGS on
/// their logarithms, restarted from the previous fit and from the defaults.
///
/// ### References
/// Rasmussen & Williams, "Gaussian Processes for Machine Learning", MIT Press 2006,
/// ch. 2 and 5; Snoek, Larochelle & Adams, "Practical Bayesian optimization of machine
/// learning algorithms", NeurIPS 2012.
public struct GaussianProcess {
    public let x: [[Double]]
    public let y: [Double]
    public let isCategorical: [Bool]
    public private(set) var hyper: GPHyperparameters
    let n: Int
    let dims: Int
    /// Cholesky factor of K + noise·I, K⁻¹·y and K⁻¹.
    private(set) var chol: [Double] = []
    private(set) var alpha: [Double] = []
    private(set) var kInv: [Double] = []
    /// Row-major x values for fast kernel rows.
    private let flatX: [Double]

    public static let minimumNoise = 1e-6

    /// A GP with given hyperparameters (no fitting). Returns nil if the kernel matrix is
    /// not positive definite.
    public init?(x: [[Double]], y: [Double], isCategorical: [Bool], hyper: GPHyperparameters) {
        self.init(unchecked: x, y: y, isCategorical: isCategorical, hyper: hyper)
        guard cacheMatrices() else { return nil }
    }

    private mutating func cacheMatrices() -> Bool {
        var k = kernelMatrix(hyper)
        for i in 0..<n { k[i * n + i] += hyper.noiseVariance }
        guard Linalg.cholesky(&k, n) else { return false }
        chol = k
        var a = y
        Linalg.solveLower(chol, n, &a)
        Linalg.solveUpperT(chol, n, &a)
        alpha = a
        kInv = Linalg.choleskyInverse(chol, n)
        return true
    }

    @inline(__always)
    private func sqd(_ a: Double, _ b: Double, _ d: Int) -> Double {
        if isCategorical[d] { return a == b ? 0 : 1 }
        let t = a - b
        return t * t
    }

    private func kernelMatrix(_ h: GPHyperparameters) -> [Double] {
        var k = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            k[i * n + i] = h.kernelScale
            for j in 0..<i {
                var r2 = 0.0
                for d in 0..<dims { r2 += h.inverseSquaredLengthscales[d] * sqd(flatX[i * dims + d], flatX[j * dims + d], d) }
                let v = h.kernelScale * matern52(r2).value
                k[i * n + j] = v
                k[j * n + i] = v
            }
        }
        return k
    }

    /// Log prior of the hyperparameters (Optuna's `default_log_prior`, constants dropped).
    static func logPrior(_ h: GPHyperparameters) -> Double {
        var lp = 0.0
        for t in h.inverseSquaredLengthscales { lp -= 0.1 / t + 0.1 * t }
        lp += Foundation.log(h.kernelScale) - h.kernelScale
        lp += 0.1 * Foundation.log(h.noiseVariance) - 30 * h.noiseVariance
        return lp
    }

    /// Negative (log marginal likelihood + log prior) and its gradient in the raw
    /// parameters [log θ_1…log θ_D, log s, log(noise − minimum)], or nil when the kernel
    /// matrix is not positive definite.
    func negativeLogPosterior(raw: [Double], deterministic: Bool) -> (Double, [Double])? {
        let h = GaussianProcess.hyper(fromRaw: raw, dims: dims, deterministic: deterministic)
        let s = h.kernelScale
        // Squared distances per dimension are recomputed on the fly: O(n²·D).
        var kf = [Double](repeating: 0, count: n * n)
        var dm = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            kf[i * n + i] = s
            dm[i * n + i] = -5.0 / 6.0
            for j in 0..<i {
                var r2 = 0.0
                for d in 0..<dims { r2 += h.inverseSquaredLengthscales[d] * sqd(flatX[i * dims + d], flatX[j * dims + d], d) }
                let (m, md) = matern52(r2)
                kf[i * n + j] = s * m; kf[j * n + i] = s * m
                dm[i * n + j] = md; dm[j * n + i] = md
            }
        }
        var c = kf
        for i in 0..<n { c[i * n + i] += h.noiseVariance }
        guard Linalg.cholesky(&c, n) else { return nil }
        var a = y
        Linalg.solveLower(c, n, &a)
        var quad = 0.0
        for v in a { quad += v * v }
        Linalg.solveUpperT(c, n, &a)
        var logDet = 0.0
        for i in 0..<n { logDet += Foundation.log(c[i * n + i]) }
        let lml = -logDet - 0.5 * quad
        let kinv = Linalg.choleskyInverse(c, n)
        // W = α·αᵀ − K⁻¹; ∂LML/∂p = ½·tr(W·∂K/∂p).
        var grad = [Double](repeating: 0, count: dims + 2)
        var trWKf = 0.0, trW = 0.0
        for i in 0..<n {
            let wii = a[i] * a[i] - kinv[i * n + i]
            trW += wii
            trWKf += wii * s
            for j in 0..<i {
                let w = 2 * (a[i] * a[j] - kinv[i * n + j])  // both (i, j) and (j, i)
                trWKf += w * kf[i * n + j]
                let coef = w * s * dm[i * n + j]
                for d in 0..<dims {
                    grad[d] += coef * sqd(flatX[i * dims + d], flatX[j * dims + d], d)
                }
            }
        }
        for d in 0..<dims { grad[d] *= 0.5 * h.inverseSquaredLengthscales[d] }
        grad[dims] = 0.5 * trWKf
        grad[dims + 1] = deterministic ? 0 : 0.5 * trW * (h.noiseVariance - GaussianProcess.minimumNoise)
        // Prior gradient in raw coordinates.
        let lp = GaussianProcess.logPrior(h)
        for d in 0..<dims {
            let t = h.inverseSquaredLengthscales[d]
            grad[d] += 0.1 / t - 0.1 * t
        }
        grad[dims] += 1 - s
        if !deterministic {
            grad[dims + 1] += (0.1 / h.noiseVariance - 30) * (h.noiseVariance - GaussianProcess.minimumNoise)
        }
        let value = -(lml + lp)
        guard value.isFinite else { return nil }
        return (value, grad.map { -$0 })
    }

    static func hyper(fromRaw raw: [Double], dims: Int, deterministic: Bool) -> GPHyperparameters {
        GPHyperparameters(
            inverseSquaredLengthscales: raw[0..<dims].map { Foundation.exp($0) },
            kernelScale: Foundation.exp(raw[dims]),
            noiseVariance: deterministic ? minimumNoise : Foundation.exp(raw[dims + 1]) + minimumNoise)
    }

    static func raw(fromHyper h: GPHyperparameters) -> [Double] {
        h.inverseSquaredLengthscales.map { Foundation.log($0) }
            + [Foundation.log(h.kernelScale), Foundation.log(max(h.noiseVariance - 0.99 * minimumNoise, 1e-300))]
    }

    /// Fits the hyperparameters by maximum a posteriori, starting from each of `starts`
    /// (and the defaults), keeping the best.
    public static func fit(
        x: [[Double]], y: [Double], isCategorical: [Bool], starts: [GPHyperparameters] = [],
        deterministic: Bool = false, gradientTolerance: Double = 1e-2
    ) -> GaussianProcess {
        let dims = isCategorical.count
        let defaults = GPHyperparameters.defaults(dimensions: dims)
        // A model with the default hyperparameters evaluates the objective for any raw vector.
        let base = GaussianProcess(unchecked: x, y: y, isCategorical: isCategorical, hyper: defaults)
        var best: (f: Double, raw: [Double])?
        var tried: [[Double]] = []
        // Like Optuna: warm-start from the previous fit, and from the defaults only when
        // there is none or it fails.
        for start in starts + [defaults] {
            if best != nil { break }
            var r = raw(fromHyper: start)
            if deterministic { r[dims + 1] = 0 }
            if tried.contains(where: { zip($0, r).allSatisfy { abs($0 - $1) < 1e-12 } }) { continue }
            tried.append(r)
            var opt = LBFGS()
            opt.gradientTolerance = gradientTolerance
            opt.maxIterations = 200
            opt.relativeTolerance = 2.2e-9
            let res = opt.minimize(r) { base.negativeLogPosterior(raw: $0, deterministic: deterministic) }
            if res.f.isFinite, best == nil || res.f < best!.f { best = (res.f, res.x) }
        }
        if let best, let gp = GaussianProcess(
            x: x, y: y, isCategorical: isCategorical,
            hyper: hyper(fromRaw: best.raw, dims: dims, deterministic: deterministic)) {
            return gp
        }
        // Fall back to the defaults, with jitter if needed.
        var h = defaults
        while true {
            if let gp = GaussianProcess(x: x, y: y, isCategorical: isCategorical, hyper: h) { return gp }
            h.noiseVariance *= 10
        }
    }

    private init(unchecked x: [[Double]], y: [Double], isCategorical: [Bool], hyper: GPHyperparameters) {
        self.x = x
        self.y = y
        self.isCategorical = isCategorical
        self.hyper = hyper
        n = x.count
        dims = isCategorical.count
        flatX = x.flatMap { $0 }
    }

    /// Kernel values k(q, X_j) and, when asked, dk/d(r²) for each training point.
    @inline(__always)
    private func kernelRow(_ q: [Double], _ k: inout [Double], _ dk: inout [Double], withDerivative: Bool) {
        let s = hyper.kernelScale
        let theta = hyper.inverseSquaredLengthscales
        for j in 0..<n {
            var r2 = 0.0
            let rj = j * dims
            for d in 0..<dims { r2 += theta[d] * sqd(q[d], flatX[rj + d], d) }
            if withDerivative {
                let (m, md) = matern52(r2)
                k[j] = s * m
                dk[j] = s * md
            } else {
                k[j] = s * matern52(r2).value
            }
        }
    }

    /// Posterior mean and variance of f at `q`.
    public func posterior(_ q: [Double]) -> (mean: Double, variance: Double) {
        var k = [Double](repeating: 0, count: n), dk: [Double] = []
        kernelRow(q, &k, &dk, withDerivative: false)
        var mean = 0.0
        for j in 0..<n { mean += k[j] * alpha[j] }
        var v = k
        Linalg.solveLower(chol, n, &v)
        var vv = 0.0
        for t in v { vv += t * t }
        return (mean, max(hyper.kernelScale - vv, 0))
    }

    /// Posterior mean and variance at `q` with their gradients in the coordinates
    /// `gradDims` (numerical dimensions only).
    func posteriorWithGradient(_ q: [Double], gradDims: [Int]) -> (mean: Double, variance: Double, dMean: [Double], dVar: [Double]) {
        var k = [Double](repeating: 0, count: n), dk = [Double](repeating: 0, count: n)
        kernelRow(q, &k, &dk, withDerivative: true)
        var mean = 0.0
        for j in 0..<n { mean += k[j] * alpha[j] }
        // w = K⁻¹·k
        var w = [Double](repeating: 0, count: n)
        kInv.withUnsafeBufferPointer { K in
            for i in 0..<n {
                var s = 0.0
                let ri = i * n
                for j in 0..<n { s += K[ri + j] * k[j] }
                w[i] = s
            }
        }
        var kw = 0.0
        for j in 0..<n { kw += k[j] * w[j] }
        let variance = max(hyper.kernelScale - kw, 0)
        var dMean = [Double](repeating: 0, count: gradDims.count)
        var dVar = [Double](repeating: 0, count: gradDims.count)
        for (gi, d) in gradDims.enumerated() {
            let th2 = 2 * hyper.inverseSquaredLengthscales[d]
            var gm = 0.0, gv = 0.0
            for j in 0..<n {
                let dkj = dk[j] * th2 * (q[d] - flatX[j * dims + d])
                gm += alpha[j] * dkj
                gv += w[j] * dkj
            }
            dMean[gi] = gm
            dVar[gi] = -2 * gv
        }
        return (mean, variance, dMean, dVar)
    }
}

/// Log expected improvement over `threshold` (maximizing) from a GP posterior:
/// log EI = logEI_std((μ − f*)/σ) + log σ, stable where EI underflows.
///
/// ### References
/// Ament, Daulton, Eriksson, Balandat & Bakshy, "Unexpected improvements to expected
/// improvement for Bayesian optimization", NeurIPS 2023.
public func logExpectedImprovement(mean: Double, variance: Double, threshold: Double) -> Double {
    let sigma = (variance + 1e-12).squareRoot()
    return SamplerMath.standardLogEI((mean - threshold) / sigma) + Foundation.log(sigma)
}
