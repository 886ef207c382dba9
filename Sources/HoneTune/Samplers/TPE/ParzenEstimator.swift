import Foundation
import HoneCore

/// Settings of a Parzen estimator, with Optuna's defaults.
struct ParzenParameters {
    var priorWeight: Double = 1.0
    var considerMagicClip: Bool = true
    var considerEndpoints: Bool = false
    /// Multiplies each kernel's neighbour-distance bandwidth before the clip (Optuna: 1).
    var bandwidthFactor: Double = 1.0
    /// The magic clip's lower bound, 1/(n + 2), is lowered to at most this, but for values
    /// on a grid not below one grid cell (Optuna: no cap).
    var magicClipCap: Double = .infinity
}

/// A mixture of product kernels over a set of parameters: one truncated-normal (or
/// discretized truncated-normal) / smoothed-categorical kernel per observation and
/// dimension, plus one broad prior kernel. Works in the normalized coordinates of
/// ``ParamTransform`` (log scale where asked), where every numerical parameter lies in [0, 1].
///
/// ### References
/// Bergstra, Bardenet, Bengio & Kégl, "Algorithms for hyper-parameter optimization",
/// NeurIPS 2011; Falkner, Klein & Hutter, "BOHB", ICML 2018 (multivariate kernels);
/// Watanabe, "Tree-structured Parzen estimator: understanding its algorithm components",
/// 2023 (Optuna's bandwidth rules).
struct ParzenEstimator {
    enum Dim {
        /// Per-kernel centre, 1/σ and the log normalizer `−log σ − log√(2π) − log mass`.
        case continuous(mu: [Double], invSigma: [Double], logNorm: [Double])
        /// Same, for values on a grid: the probability of a grid cell.
        case discrete(mu: [Double], invSigma: [Double], logMass: [Double])
        /// Row-major kernel × choice log-probabilities.
        case categorical(logProbs: [Double], nChoices: Int)
    }

    let transforms: [ParamTransform]
    let weights: [Double]
    let logWeights: [Double]
    let dims: [Dim]
    /// Per-kernel μ and σ of numerical dimensions (for sampling), indexed like `dims`.
    let mus: [[Double]]
    let sigmas: [[Double]]
    /// Per-kernel choice probabilities of categorical dimensions (cumulative), like `dims`.
    let cumProbs: [[Double]]

    var nKernels: Int { weights.count }

    /// - Parameters:
    ///   - observations: `observations[d][i]` is observation i of parameter d, in internal
    ///     representation: one kernel each.
    ///   - obsWeights: one weight per observation (the prior kernel is added here).
    ///   - neighbourGaps: per parameter, optionally, each observation's gap to its
    ///     neighbours (``neighbourGaps(_:considerEndpoints:)``) among a larger set of
    ///     `bandwidthCount` observations of which these are a subsample: the kernels then
    ///     get the bandwidths they would have among all of them. `nil` (or a categorical
    ///     parameter) takes the gaps among `observations` themselves.
    init(
        transforms: [ParamTransform], observations: [[Double]], obsWeights: [Double], parameters p: ParzenParameters,
        neighbourGaps: [[Double]?] = [], bandwidthCount: Int? = nil
    ) {
        self.transforms = transforms
        let nObs = observations.first?.count ?? 0
        var w = nObs == 0 ? [1.0] : obsWeights + [p.priorWeight]
        let total = w.reduce(0, +)
        for i in w.indices { w[i] /= total }
        weights = w
        logWeights = w.map { Foundation.log($0) }
        let nK = w.count
        var dims: [Dim] = []
        var mus: [[Double]] = []
        var sigmas: [[Double]] = []
        var cum: [[Double]] = []
        for (d, t) in transforms.enumerated() {
            let obs = nObs == 0 ? [] : observations[d]
            if t.kind == .categorical {
                let c = t.nChoices
                var probs = [Double](repeating: 1.0 / Double(c), count: nK * c)
                if nObs > 0 {
                    let base = p.priorWeight / Double(nK)
                    for k in 0..<nK {
                        var rowSum = 0.0
                        for j in 0..<c { probs[k * c + j] = base; rowSum += base }
                        if k < nObs {
                            let j = min(max(Int(obs[k]), 0), c - 1)
                            probs[k * c + j] += 1; rowSum += 1
                        }
                        if rowSum > 0 { for j in 0..<c { probs[k * c + j] /= rowSum } }
                    }
                }
                var cumRow = [Double](repeating: 0, count: nK * c)
                for k in 0..<nK {
                    var s = 0.0
                    for j in 0..<c { s += probs[k * c + j]; cumRow[k * c + j] = s }
                    cumRow[k * c + c - 1] = 1
                }
                dims.append(.categorical(logProbs: probs.map { Foundation.log($0) }, nChoices: c))
                mus.append([]); sigmas.append([]); cum.append(cumRow)
                continue
            }
            // Numerical: centres are the normalized observations, bandwidths from the
            // distances to the neighbours (Optuna's rule), clipped by the "magic clip".
            let mu = obs.map { t.normalize($0) }
            var sigma = [Double](repeating: 0, count: nObs)
            if nObs > 0 {
                let given = d < neighbourGaps.count ? neighbourGaps[d] : nil
                precondition(given.map { $0.count == nObs } ?? true, "one neighbour gap per observation")
                let gaps = given ?? ParzenEstimator.neighbourGaps(mu, considerEndpoints: p.considerEndpoints)
                let count = given == nil ? nObs : max(bandwidthCount ?? nObs, nObs)
                let maxSigma = 1.0
                // A lowered clip stops at one grid cell: narrower kernels would put all their
                // mass on values already tried and never reach the neighbouring ones.
                let cap = t.kind == .discrete
                    ? max(p.magicClipCap, 1 / (((t.rawHigh - t.rawLow) / t.step).rounded(.down) + 1)) : p.magicClipCap
                let minSigma = p.considerMagicClip ? min(1.0 / min(100.0, 1.0 + Double(count + 1)), cap) : 1e-12
                let factor = p.bandwidthFactor
                for i in 0..<nObs { sigma[i] = min(max(gaps[i] * factor, minSigma), maxSigma) }
            }
            let allMu = mu + [0.5]
            let allSigma = sigma + [1.0]
            let inv = allSigma.map { 1 / $0 }
            var logMass = [Double](repeating: 0, count: nK)
            for k in 0..<nK {
                let a = -allMu[k] * inv[k], b = (1 - allMu[k]) * inv[k]
                // Kernels far from both bounds keep all their mass (Φ(±8.5) is 1 to 1e-17).
                logMass[k] = (a < -8.5 && b > 8.5) ? 0 : SamplerMath.logGaussMass(a, b)
            }
            if t.kind == .discrete {
                dims.append(.discrete(mu: allMu, invSigma: inv, logMass: logMass))
            } else {
                let norm = (0..<nK).map { -Foundation.log(allSigma[$0]) - SamplerMath.logSqrt2Pi - logMass[$0] }
                dims.append(.continuous(mu: allMu, invSigma: inv, logNorm: norm))
            }
            mus.append(allMu); sigmas.append(allSigma); cum.append([])
        }
        self.dims = dims
        self.mus = mus
        self.sigmas = sigmas
        self.cumProbs = cum
    }

    /// Optuna's bandwidth rule before scaling and clipping: each value's larger distance to
    /// its two neighbours in sorted order (ties by index), the bounds 0 and 1 counting as
    /// neighbours; without `considerEndpoints` the smallest and largest of two or more
    /// values take the distance to their one neighbour instead.
    static func neighbourGaps(_ mu: [Double], considerEndpoints: Bool) -> [Double] {
        let n = mu.count
        let order = (0..<n).sorted { mu[$0] < mu[$1] || (mu[$0] == mu[$1] && $0 < $1) }
        var gaps = [Double](repeating: 0, count: n)
        for (r, i) in order.enumerated() {
            gaps[i] = neighbourGap(
                mu[i], left: r > 0 ? mu[order[r - 1]] : nil, right: r + 1 < n ? mu[order[r + 1]] : nil,
                considerEndpoints: considerEndpoints)
        }
        return gaps
    }

    /// One value's gap of ``neighbourGaps(_:considerEndpoints:)`` from its neighbours' values.
    @inline(__always)
    static func neighbourGap(_ x: Double, left: Double?, right: Double?, considerEndpoints: Bool) -> Double {
        switch (left, right) {
        case let (l?, r?): return max(x - l, r - x)
        case let (nil, r?): return considerEndpoints ? max(x - 0, r - x) : r - x
        case let (l?, nil): return considerEndpoints ? max(x - l, 1 - x) : x - l
        case (nil, nil): return max(x - 0, 1 - x)
        }
    }

    /// `count` draws from the mixture; `result[d][c]` is candidate c's internal value of parameter d.
    func sample(count: Int, rng: inout SeededGenerator) -> [[Double]] {
        sampleWithParents(count: count, rng: &rng).values
    }

    /// ``sample(count:rng:)`` and, for each candidate, the index of the kernel it was drawn
    /// from (the prior kernel is the last).
    func sampleWithParents(count: Int, rng: inout SeededGenerator) -> (values: [[Double]], parents: [Int]) {
        var cumW = [Double](repeating: 0, count: nKernels)
        var s = 0.0
        for k in 0..<nKernels { s += weights[k]; cumW[k] = s }
        var active = [Int](repeating: 0, count: count)
        for c in 0..<count {
            let u = rng.nextDouble() * s
            var k = 0
            // Binary search on the cumulative weights.
            var lo = 0, hi = nKernels - 1
            while lo < hi {
                let mid = (lo + hi) / 2
                if cumW[mid] > u { hi = mid } else { lo = mid + 1 }
            }
            k = lo
            active[c] = k
        }
        var out = [[Double]](repeating: [Double](repeating: 0, count: count), count: transforms.count)
        for (d, t) in transforms.enumerated() {
            for c in 0..<count {
                let k = active[c]
                if t.kind == .categorical {
                    let nc = t.nChoices
                    let u = rng.nextDouble()
                    var j = 0
                    while j < nc - 1 && cumProbs[d][k * nc + j] < u { j += 1 }
                    out[d][c] = Double(j)
                } else {
                    let x = SamplerMath.truncatedNormalSample(
                        mu: mus[d][k], sigma: sigmas[d][k], low: 0, high: 1, u: rng.nextDouble())
                    out[d][c] = t.denormalize(x)
                }
            }
        }
        return (out, active)
    }

    /// Log density of each candidate (`candidates[d][c]`, internal values) under the mixture.
    func logPDF(_ candidates: [[Double]]) -> [Double] {
        rowLogSumExps(logKernelTerms(candidates))
    }

    /// The log-sum-exp of each row of ``logKernelTerms(_:)``'s terms: one log density a candidate.
    private func rowLogSumExps(_ terms: [Double]) -> [Double] {
        let nK = nKernels
        return terms.withUnsafeBufferPointer { a in
            (0..<(terms.count / nK)).map { c in
                SamplerMath.logSumExp(UnsafeBufferPointer(rebasing: a[(c * nK)..<((c + 1) * nK)]))
            }
        }
    }

    /// Log density of each candidate under the mixture without the kernel it was drawn
    /// from (`parents[c]`, from ``sampleWithParents(count:rng:)``); the broad prior
    /// kernel, when it is the parent, stays. See ``TPESampler/leaveOneOutDimensions``.
    func logPDF(_ candidates: [[Double]], leavingOut parents: [Int]) -> [Double] {
        let nC = candidates.first?.count ?? 0
        precondition(parents.count == nC, "one parent kernel per candidate")
        let nK = nKernels
        var terms = logKernelTerms(candidates)
        for c in 0..<nC where parents[c] < nK - 1 { terms[c * nK + parents[c]] = -.infinity }
        return rowLogSumExps(terms)
    }

    /// Log of each kernel's weighted density at each candidate, row-major (candidate c's
    /// kernel k at `c · nKernels + k`): the log density is each row's log-sum-exp.
    func logKernelTerms(_ candidates: [[Double]]) -> [Double] {
        if let terms = continuousLogKernelTerms(candidates) { return terms }
        let nC = candidates.first?.count ?? 0
        let nK = nKernels
        var acc = [Double](repeating: 0, count: nC * nK)
        for c in 0..<nC { for k in 0..<nK { acc[c * nK + k] = logWeights[k] } }
        acc.withUnsafeMutableBufferPointer { a in
            for (d, dim) in dims.enumerated() {
                let t = transforms[d]
                switch dim {
                case .continuous(let mu, let inv, let norm):
                    let xs = candidates[d].map { t.normalize($0) }
                    mu.withUnsafeBufferPointer { m in
                    inv.withUnsafeBufferPointer { iv in
                    norm.withUnsafeBufferPointer { nr in
                        for c in 0..<nC {
                            let x = xs[c]
                            let row = a.baseAddress! + c * nK
                            for k in 0..<nK {
                                let z = (x - m[k]) * iv[k]
                                row[k] += nr[k] - 0.5 * z * z
                            }
                        }
                    }}}
                case .discrete(let mu, let inv, let logMass):
                    for c in 0..<nC {
                        let v = candidates[d][c]
                        let left = t.normalize(v - 0.5 * t.step)
                        let right = t.normalize(v + 0.5 * t.step)
                        let row = c * nK
                        for k in 0..<nK {
                            a[row + k] += SamplerMath.logGaussMass((left - mu[k]) * inv[k], (right - mu[k]) * inv[k])
                                - logMass[k]
                        }
                    }
                case .categorical(let lp, let nc):
                    for c in 0..<nC {
                        let j = min(max(Int(candidates[d][c]), 0), nc - 1)
                        let row = c * nK
                        for k in 0..<nK { a[row + k] += lp[k * nc + j] }
                    }
                }
            }
        }
        return acc
    }

    /// ``logKernelTerms(_:)`` where every dimension is continuous (the common case, and
    /// most of a sample's cost): four kernels at a time, each term summed over the
    /// dimensions in registers and stored once. Same operations in the same order as the
    /// general path, so the same bits. `nil` when some dimension is discrete or categorical.
    private func continuousLogKernelTerms(_ candidates: [[Double]]) -> [Double]? {
        let nC = candidates.first?.count ?? 0
        let nK = nKernels
        let nD = dims.count
        // Kernel parameters dimension-major in one block each: [d · nK + k].
        var mu = [Double](), inv = [Double](), norm = [Double]()
        mu.reserveCapacity(nD * nK); inv.reserveCapacity(nD * nK); norm.reserveCapacity(nD * nK)
        for dim in dims {
            guard case .continuous(let m, let iv, let nr) = dim else { return nil }
            mu += m; inv += iv; norm += nr
        }
        var xs = [Double](repeating: 0, count: nD * nC)
        for (d, t) in transforms.enumerated() { for c in 0..<nC { xs[c * nD + d] = t.normalize(candidates[d][c]) } }
        let out = [Double](unsafeUninitializedCapacity: nC * nK) { buffer, initialized in
            mu.withUnsafeBufferPointer { m in
            inv.withUnsafeBufferPointer { iv in
            norm.withUnsafeBufferPointer { nr in
            logWeights.withUnsafeBufferPointer { lw in
            xs.withUnsafeBufferPointer { x in
                ParzenEstimator.continuousTerms(
                    out: buffer.baseAddress!, mu: m.baseAddress!, invSigma: iv.baseAddress!, logNorm: nr.baseAddress!,
                    logWeights: lw.baseAddress!, points: x.baseAddress!, kernels: nK, dimensions: nD, count: nC)
            }}}}}
            initialized = nC * nK
        }
        return out
    }

    /// The loop of ``continuousLogKernelTerms(_:)`` on raw pointers: `out[c·nK + k]` =
    /// `logWeights[k] + Σ_d (logNorm[d·nK + k] − ½·z²)`, z = (x[c·nD + d] − mu[d·nK + k])·invSigma[d·nK + k].
    private static func continuousTerms(
        out: UnsafeMutablePointer<Double>, mu: UnsafePointer<Double>, invSigma: UnsafePointer<Double>,
        logNorm: UnsafePointer<Double>, logWeights: UnsafePointer<Double>, points: UnsafePointer<Double>,
        kernels nK: Int, dimensions nD: Int, count nC: Int
    ) {
        typealias V = SIMD4<Double>
        let half = V(repeating: 0.5)
        let blocks = nK / 4
        for c in 0..<nC {
            let row = out + c &* nK
            let x = points + c &* nD
            var k = 0
            for _ in 0..<blocks {
                var s = UnsafeRawPointer(logWeights + k).loadUnaligned(as: V.self)
                var m = mu + k, iv = invSigma + k, nr = logNorm + k
                for d in 0..<nD {
                    let z = (V(repeating: x[d]) - UnsafeRawPointer(m).loadUnaligned(as: V.self))
                        * UnsafeRawPointer(iv).loadUnaligned(as: V.self)
                    s += UnsafeRawPointer(nr).loadUnaligned(as: V.self) - half * z * z
                    m += nK; iv += nK; nr += nK
                }
                UnsafeMutableRawPointer(row + k).storeBytes(of: s, as: V.self)
                k &+= 4
            }
            while k < nK {
                var s = logWeights[k]
                for d in 0..<nD {
                    let at = d &* nK &+ k
                    let z = (x[d] - mu[at]) * invSigma[at]
                    s += logNorm[at] - 0.5 * z * z
                }
                row[k] = s
                k &+= 1
            }
        }
    }
}
