import Foundation
import HoneCore

/// Covariance matrix adaptation evolution strategy, (μ/μ_w, λ)-CMA-ES with cumulative
/// step-size adaptation and rank-one + rank-μ covariance updates.
///
/// Works on the numerical parameters every completed trial shares, in the normalized unit
/// cube of ``ParamTransform`` (log scale where asked; discrete values rounded after
/// sampling); categorical parameters and everything outside that space are sampled at
/// random. Starts at the centre with σ = 1/6 (like Optuna's `CmaEsSampler`), population
/// λ = 4 + ⌊3·ln n⌋. Points outside the cube are resampled (up to 100 times), then
/// clipped. Each generation is the next λ trials it samples; the distribution is updated
/// once they have all finished (failed or pruned ones rank last). The state lives in the
/// sampler (a new sampler on an old study restarts the search from the centre).
///
/// ### References
/// Hansen, "The CMA evolution strategy: a tutorial", arXiv:1604.00772, 2016;
/// Hansen & Ostermeier, "Completely derandomized self-adaptation in evolution
/// strategies", Evolutionary Computation 9(2), 2001.
public final class CmaEsSampler: Sampler {
    public let nStartupTrials: Int
    public let sigma0: Double
    public let populationSize: Int?
    private let relative: RelativeSearch
    private var state: CMAState?
    private var stateKey: [String] = []

    public init(seed: UInt64? = nil, nStartupTrials: Int = 1, sigma0: Double = 1.0 / 6, populationSize: Int? = nil) {
        self.nStartupTrials = nStartupTrials
        self.sigma0 = sigma0
        self.populationSize = populationSize
        self.relative = RelativeSearch(seed: seed)
    }

    public func inferRelativeSearchSpace(study: StudyView, trial: FrozenTrial) -> [String: ParameterDistribution] {
        relative.searchSpace(study: study, trial: trial).filter { !$0.value.isCategorical }
    }

    public func sampleIndependent(
        study: StudyView, trial: FrozenTrial, name: String, distribution: ParameterDistribution
    ) -> Double {
        relative.randomValue(distribution)
    }

    public func sampleRelative(
        study: StudyView, trial: FrozenTrial, searchSpace space: [String: ParameterDistribution]
    ) -> [String: Double] {
        guard let layout = relative.layout(study: study, trial: trial, space: space),
            !layout.isStartup(nStartupTrials)
        else { return [:] }
        let transforms = layout.transforms
        let names = layout.names
        if state == nil || names != stateKey {
            state = CMAState(dimension: names.count, sigma: sigma0, lambda: populationSize)
            stateKey = names
        }
        let st = state!
        // Tell: once every member of the generation has finished.
        if st.members.count == st.lambda {
            // Only the trials from the generation's oldest member on: a trial's cost does
            // not grow with the study.
            let recent = study.trials(states: nil, fromNumber: st.members.keys.min() ?? 0)
            var byNumber: [Int: FrozenTrial] = [:]
            for t in recent where st.members.keys.contains(t.number) { byNumber[t.number] = t }
            if st.members.keys.allSatisfy({ byNumber[$0]?.state.isFinished ?? false }) {
                let sign = minimizationSigns(study.directions).first ?? 1
                let scored = st.members.map { number, x -> (Double, [Double]) in
                    let t = byNumber[number]!
                    let v = t.state == .complete ? (t.values?.first).map { sign * $0 } ?? .infinity : .infinity
                    return (v.isNaN ? .infinity : v, x)
                }
                st.tell(scored.sorted { $0.0 < $1.0 }.map { $0.1 })
            }
        }
        let x = st.ask(&relative.rng)
        if st.members.count < st.lambda { st.members[trial.number] = x }
        var out: [String: Double] = [:]
        for (d, t) in transforms.enumerated() { out[t.name] = t.denormalize(x[d]) }
        return out
    }
}

/// The search distribution N(m, σ²·C) and its evolution paths.
final class CMAState {
    let n: Int
    let lambda: Int
    let mu: Int
    let weights: [Double]
    let muEff: Double
    let cSigma: Double, dSigma: Double, cC: Double, c1: Double, cMu: Double, chiN: Double
    var mean: [Double]
    var sigma: Double
    var cov: [Double]
    var pSigma: [Double]
    var pC: [Double]
    /// Eigenvectors (columns of B, row-major) and square roots of the eigenvalues of C.
    var b: [Double]
    var d: [Double]
    var generation = 0
    /// Trials of the current generation and the unit-cube points they were given.
    var members: [Int: [Double]] = [:]

    init(dimension n: Int, sigma: Double, lambda: Int?) {
        self.n = n
        let lam = max(lambda ?? (4 + Int(3 * Foundation.log(Double(n)))), 2)
        self.lambda = lam
        let muCount = lam / 2
        mu = muCount
        var w = (0..<muCount).map { Foundation.log((Double(lam) + 1) / 2) - Foundation.log(Double($0 + 1)) }
        let s = w.reduce(0, +)
        w = w.map { $0 / s }
        weights = w
        muEff = 1 / w.reduce(0) { $0 + $1 * $1 }
        let nd = Double(n)
        cSigma = (muEff + 2) / (nd + muEff + 5)
        dSigma = 1 + 2 * max(0, ((muEff - 1) / (nd + 1)).squareRoot() - 1) + cSigma
        cC = (4 + muEff / nd) / (nd + 4 + 2 * muEff / nd)
        c1 = 2 / ((nd + 1.3) * (nd + 1.3) + muEff)
        cMu = min(1 - c1, 2 * (muEff - 2 + 1 / muEff) / ((nd + 2) * (nd + 2) + muEff))
        chiN = nd.squareRoot() * (1 - 1 / (4 * nd) + 1 / (21 * nd * nd))
        mean = [Double](repeating: 0.5, count: n)
        self.sigma = sigma
        cov = [Double](repeating: 0, count: n * n)
        b = [Double](repeating: 0, count: n * n)
        for i in 0..<n { cov[i * n + i] = 1; b[i * n + i] = 1 }
        d = [Double](repeating: 1, count: n)
        pSigma = [Double](repeating: 0, count: n)
        pC = [Double](repeating: 0, count: n)
    }

    /// A point of the unit cube drawn from N(m, σ²C), resampled while outside, then clipped.
    func ask(_ rng: inout SeededGenerator) -> [Double] {
        var x = mean
        for _ in 0..<100 {
            let z = (0..<n).map { _ in rng.nextGaussian() }
            for i in 0..<n {
                var y = 0.0
                for j in 0..<n { y += b[i * n + j] * d[j] * z[j] }
                x[i] = mean[i] + sigma * y
            }
            if x.allSatisfy({ $0 >= 0 && $0 <= 1 }) { return x }
        }
        return x.map { min(max($0, 0), 1) }
    }

    /// Updates the distribution from the generation's points, best first.
    func tell(_ sorted: [[Double]]) {
        let nd = Double(n)
        let ys = sorted.prefix(mu).map { x in (0..<n).map { (x[$0] - mean[$0]) / sigma } }
        var yw = [Double](repeating: 0, count: n)
        for (k, y) in ys.enumerated() { for i in 0..<n { yw[i] += weights[k] * y[i] } }
        for i in 0..<n { mean[i] += sigma * yw[i] }
        // C^(−1/2)·y_w = B·D⁻¹·Bᵀ·y_w
        var t = [Double](repeating: 0, count: n)
        for j in 0..<n { var s = 0.0; for i in 0..<n { s += b[i * n + j] * yw[i] }; t[j] = s / d[j] }
        let cs = (cSigma * (2 - cSigma) * muEff).squareRoot()
        for i in 0..<n {
            var s = 0.0
            for j in 0..<n { s += b[i * n + j] * t[j] }
            pSigma[i] = (1 - cSigma) * pSigma[i] + cs * s
        }
        let normPS = pSigma.reduce(0) { $0 + $1 * $1 }.squareRoot()
        generation += 1
        let hSigma = normPS / (1 - Foundation.pow(1 - cSigma, 2 * Double(generation))).squareRoot()
            < (1.4 + 2 / (nd + 1)) * chiN ? 1.0 : 0.0
        let cc = (cC * (2 - cC) * muEff).squareRoot()
        for i in 0..<n { pC[i] = (1 - cC) * pC[i] + hSigma * cc * yw[i] }
        let keep = 1 - c1 - cMu + (1 - hSigma) * c1 * cC * (2 - cC)
        for i in 0..<n {
            for j in 0...i {
                var rankMu = 0.0
                for (k, y) in ys.enumerated() { rankMu += weights[k] * y[i] * y[j] }
                let v = keep * cov[i * n + j] + c1 * pC[i] * pC[j] + cMu * rankMu
                cov[i * n + j] = v
                cov[j * n + i] = v
            }
        }
        sigma *= Foundation.exp((cSigma / dSigma) * (normPS / chiN - 1))
        sigma = min(max(sigma, 1e-12), 1e3)
        (b, d) = CMAState.eigen(cov, n)
        members = [:]
    }

    /// Eigen-decomposition of a symmetric matrix by cyclic Jacobi rotations: returns the
    /// eigenvectors as columns (row-major) and the square roots of the (floored) eigenvalues.
    static func eigen(_ a0: [Double], _ n: Int) -> ([Double], [Double]) {
        var a = a0
        var v = [Double](repeating: 0, count: n * n)
        for i in 0..<n { v[i * n + i] = 1 }
        for _ in 0..<100 {
            var off = 0.0
            for i in 0..<n { for j in 0..<n where j != i { off += a[i * n + j] * a[i * n + j] } }
            if off < 1e-22 { break }
            for p in 0..<n {
                for q in (p + 1)..<max(n, p + 1) {
                    let apq = a[p * n + q]
                    if abs(apq) < 1e-300 { continue }
                    let theta = (a[q * n + q] - a[p * n + p]) / (2 * apq)
                    let t = (theta >= 0 ? 1.0 : -1.0) / (abs(theta) + (theta * theta + 1).squareRoot())
                    let c = 1 / (t * t + 1).squareRoot(), s = t * c
                    for k in 0..<n {
                        let akp = a[k * n + p], akq = a[k * n + q]
                        a[k * n + p] = c * akp - s * akq
                        a[k * n + q] = s * akp + c * akq
                    }
                    for k in 0..<n {
                        let apk = a[p * n + k], aqk = a[q * n + k]
                        a[p * n + k] = c * apk - s * aqk
                        a[q * n + k] = s * apk + c * aqk
                    }
                    for k in 0..<n {
                        let vkp = v[k * n + p], vkq = v[k * n + q]
                        v[k * n + p] = c * vkp - s * vkq
                        v[k * n + q] = s * vkp + c * vkq
                    }
                }
            }
        }
        let d = (0..<n).map { max(a[$0 * n + $0], 1e-20).squareRoot() }
        return (v, d)
    }
}
