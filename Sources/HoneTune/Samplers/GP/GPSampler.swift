import Foundation
import HoneCore

/// Gaussian-process Bayesian optimization (like Optuna's `GPSampler`).
///
/// The first `nStartupTrials` trials form a Latin hypercube (the very first, asked before
/// the search space is known, is uniformly random). After that, each trial: normalizes the
/// shared search space to the unit cube (log scale where asked, half a step of margin for
/// discrete parameters, category indices for categorical ones), standardizes the
/// objective and warps it with a fitted Yeo–Johnson power transform (which only ever
/// spreads out the good values), fits a Matérn-5/2 ARD GP (``GaussianProcess``) by
/// maximum a posteriori, and maximizes log expected improvement over the best value:
/// 2,048 random candidates, then local search from the best one, the best trial so far
/// and 8 more drawn in proportion to their EI — projected L-BFGS in lengthscale-scaled
/// coordinates for continuous parameters, exhaustive or hill-climbing line search over
/// the grid for discrete and categorical ones, alternated until nothing improves. The
/// result is rounded to valid values. `spaceFillingStartup: false` and
/// `powerTransform = false` give Optuna's behaviour (random startup, plain standardization).
///
/// Running trials (other workers' trials, in parallel studies) are modelled by the
/// "kriging believer": each is added to the data with the fitted GP's mean at its point
/// as its value (hyperparameters kept), so the posterior variance, and with it the
/// expected improvement, drops around points already being evaluated and the next
/// proposal goes elsewhere. The best value stays the best observed one. With one worker
/// nothing is running but the trial being sampled, and nothing changes.
///
/// Multi-objective studies are scalarized per trial with a random augmented Chebyshev
/// weighting of the normalized objectives (ParEGO).
///
/// ### References
/// Snoek, Larochelle & Adams, NeurIPS 2012; Ament et al., NeurIPS 2023 (log EI);
/// Knowles, "ParEGO", IEEE TEC 10(1), 2006.
public final class GPSampler: Sampler {
    public let nStartupTrials: Int
    public let deterministicObjective: Bool
    public let spaceFillingStartup: Bool
    /// Warp the objective with a fitted Yeo–Johnson power transform before the GP.
    public var powerTransform = true
    /// Model running trials by their predicted values (kriging believer); off, parallel
    /// workers given the same data propose about the same point.
    public var krigingBeliever = true
    private var lhsFree: [[Int]] = []
    private var lhsIssued = 0
    public var nPreliminarySamples = 2048
    public var nLocalSearch = 10
    /// Projected-gradient tolerance of the acquisition's local search (lengthscale units).
    public var acquisitionTolerance = 1e-2
    private let relative: RelativeSearch
    private var cachedHyper: (names: [String], hyper: GPHyperparameters)?

    /// - Parameter spaceFillingStartup: draw the startup trials as a Latin hypercube
    ///   (stratified in every parameter) instead of independently at random.
    public init(
        seed: UInt64? = nil, nStartupTrials: Int = 10, deterministicObjective: Bool = false,
        spaceFillingStartup: Bool = true
    ) {
        self.spaceFillingStartup = spaceFillingStartup
        self.nStartupTrials = nStartupTrials
        self.deterministicObjective = deterministicObjective
        self.relative = RelativeSearch(seed: seed)
    }

    public func inferRelativeSearchSpace(study: StudyView, trial: FrozenTrial) -> [String: ParameterDistribution] {
        relative.searchSpace(study: study, trial: trial)
    }

    public func sampleIndependent(
        study: StudyView, trial: FrozenTrial, name: String, distribution: ParameterDistribution
    ) -> Double {
        relative.randomValue(distribution)
    }

    public func sampleRelative(
        study: StudyView, trial: FrozenTrial, searchSpace space: [String: ParameterDistribution]
    ) -> [String: Double] {
        guard let layout = relative.layout(study: study, trial: trial, space: space) else { return [:] }
        let transforms = layout.transforms, trials = layout.trials
        if layout.isStartup(nStartupTrials) {
            guard spaceFillingStartup else { return [:] }
            return startupPoint(transforms: transforms, existing: trials) ?? [:]
        }
        let names = layout.names
        let x = trials.map { t in transforms.map { $0.normalize(t.params[$0.name]!) } }
        let y = scores(trials, directions: study.directions)
        let isCat = transforms.map { $0.kind == .categorical }
        var starts: [GPHyperparameters] = []
        if let c = cachedHyper, c.names == names { starts.append(c.hyper) }
        let gp = GaussianProcess.fit(
            x: x, y: y, isCategorical: isCat, starts: starts, deterministic: deterministicObjective)
        cachedHyper = (names, gp.hyper)
        let threshold = y.max() ?? 0
        let bestIndex = y.firstIndex(of: threshold) ?? 0
        var model = gp
        if krigingBeliever {
            let running = study.trials(states: [.running]).filter { t in
                t.number != trial.number && transforms.allSatisfy { t.params[$0.name] != nil }
            }
            if !running.isEmpty {
                let xr = running.map { t in transforms.map { $0.normalize(t.params[$0.name]!) } }
                let yr = xr.map { gp.posterior($0).mean }
                // Nil only if the augmented kernel matrix is not positive definite (a running
                // point on top of another): the plain model is used then.
                if let believer = GaussianProcess(x: x + xr, y: y + yr, isCategorical: isCat, hyper: gp.hyper) {
                    model = believer
                }
            }
        }
        var optimizer = AcquisitionOptimizer(gp: model, transforms: transforms, threshold: threshold)
        optimizer.tolerance = acquisitionTolerance
        let best = optimizer.maximize(
            warmStart: x[bestIndex], nPreliminary: nPreliminarySamples, nLocalSearch: nLocalSearch, rng: &relative.rng)
        var out: [String: Double] = [:]
        for (d, t) in transforms.enumerated() { out[t.name] = t.denormalize(best[d]) }
        return out
    }

    /// The next point of a Latin hypercube over the startup trials (each parameter's range
    /// cut into `nStartupTrials` strata, each stratum used once, in an independent random
    /// order per parameter; strata already holding a completed trial — the random first
    /// one — are skipped), mapped to valid values. Nil once the strata are used up.
    private func startupPoint(transforms: [ParamTransform], existing: [FrozenTrial]) -> [String: Double]? {
        let n = nStartupTrials
        if lhsFree.isEmpty {
            lhsFree = transforms.map { t in
                var used = Set<Int>()
                for e in existing {
                    if let v = e.params[t.name] { used.insert(min(Int(t.unitCoordinate(v) * Double(n)), n - 1)) }
                }
                var free = (0..<n).filter { !used.contains($0) }
                for i in stride(from: free.count - 1, to: 0, by: -1) { free.swapAt(i, relative.rng.nextInt(below: i + 1)) }
                return free
            }
        }
        guard lhsFree.count == transforms.count, lhsFree.allSatisfy({ lhsIssued < $0.count }) else { return nil }
        var out: [String: Double] = [:]
        for (d, t) in transforms.enumerated() {
            let u = (Double(lhsFree[d][lhsIssued]) + relative.rng.nextDouble()) / Double(n)
            out[t.name] = t.kind == .categorical
                ? min(Double(Int(u * Double(t.nChoices))), Double(t.nChoices - 1))
                : t.denormalize(u)
        }
        lhsIssued += 1
        return out
    }

    static func standardized(_ v: [Double]) -> [Double] {
        let mean = v.reduce(0, +) / Double(v.count)
        var s = 0.0
        for x in v { s += (x - mean) * (x - mean) }
        let sd = max((s / Double(v.count)).squareRoot(), 1e-12)
        return v.map { ($0 - mean) / sd }
    }

    @inline(__always)
    static func yeoJohnson(_ x: Double, _ l: Double) -> Double {
        if x >= 0 { return abs(l) < 1e-9 ? Foundation.log1p(x) : (Foundation.pow(x + 1, l) - 1) / l }
        return abs(l - 2) < 1e-9 ? -Foundation.log1p(-x) : -(Foundation.pow(1 - x, 2 - l) - 1) / (2 - l)
    }

    /// Standardizes values to maximize, then applies the Yeo–Johnson power transform whose
    /// λ maximizes the Gaussian likelihood (grid then golden-section search on [−3, 1]),
    /// which spreads out the values near the best ones when the objective has a heavy
    /// tail of bad values (e.g. Branin's 0.4…300). λ = 1 is the identity; λ > 1 is not
    /// allowed, as it would squeeze the good values together instead.
    ///
    /// Yeo & Johnson, "A new family of power transformations to improve normality or
    /// symmetry", Biometrika 87(4), 2000; Cowen-Rivers et al., "HEBO", JAIR 2022.
    static func yeoJohnsonWarp(_ values: [Double]) -> [Double] {
        // The transform acts on values to *minimize* (heavy tail of bad values to the right).
        let v = standardized(values.map { -$0 })
        let n = Double(v.count)
        var logTerm = 0.0
        for x in v { logTerm += (x >= 0 ? 1 : -1) * Foundation.log1p(abs(x)) }
        func ll(_ l: Double) -> Double {
            var mean = 0.0
            var t = [Double](repeating: 0, count: v.count)
            for (i, x) in v.enumerated() { t[i] = yeoJohnson(x, l); mean += t[i] }
            mean /= n
            var s = 0.0
            for x in t { s += (x - mean) * (x - mean) }
            let r = -0.5 * n * Foundation.log(max(s / n, 1e-300)) + (l - 1) * logTerm
            return r.isFinite ? r : -.infinity
        }
        var bestL = 1.0, bestV = ll(1)
        for k in 0...16 {
            let l = -3 + 0.25 * Double(k)
            let f = ll(l)
            if f > bestV { bestV = f; bestL = l }
        }
        var a = max(bestL - 0.25, -3), b = min(bestL + 0.25, 1)
        let g = 0.5 * (5.0.squareRoot() - 1)
        for _ in 0..<30 {
            let c = b - g * (b - a), d = a + g * (b - a)
            if ll(c) > ll(d) { b = d } else { a = c }
        }
        let l = ll(0.5 * (a + b)) > bestV ? 0.5 * (a + b) : bestL
        return v.map { -yeoJohnson($0, l) }
    }

    /// Standardized values to maximize; several objectives are scalarized (ParEGO).
    private func scores(_ trials: [FrozenTrial], directions: [StudyDirection]) -> [Double] {
        let signs = minimizationSigns(directions)
        var raw: [Double]
        if directions.count <= 1 {
            raw = trials.map { -signs[0] * $0.values![0] }
        } else {
            let m = directions.count
            var lo = [Double](repeating: .infinity, count: m), hi = [Double](repeating: -.infinity, count: m)
            for t in trials { for i in 0..<m { let v = signs[i] * t.values![i]; lo[i] = min(lo[i], v); hi[i] = max(hi[i], v) } }
            var w = (0..<m).map { _ in -Foundation.log(1 - relative.rng.nextDouble()) }
            let ws = w.reduce(0, +)
            for i in 0..<m { w[i] /= ws }
            raw = trials.map { t in
                var mx = -Double.infinity, sum = 0.0
                for i in 0..<m {
                    let r = hi[i] > lo[i] ? (signs[i] * t.values![i] - lo[i]) / (hi[i] - lo[i]) : 0
                    mx = max(mx, w[i] * r); sum += w[i] * r
                }
                return -(mx + 0.05 * sum)
            }
        }
        // Non-finite values are clipped to the finite range.
        let finite = raw.filter(\.isFinite)
        let lo = finite.min() ?? 0, hi = finite.max() ?? 0
        raw = raw.map { $0.isFinite ? $0 : ($0 > 0 ? hi : lo) }
        if powerTransform { raw = GPSampler.yeoJohnsonWarp(raw) }
        let mean = raw.reduce(0, +) / Double(raw.count)
        var v = 0.0
        for r in raw { v += (r - mean) * (r - mean) }
        let sd = max((v / Double(raw.count)).squareRoot(), 1e-12)
        return raw.map { ($0 - mean) / sd }
    }
}

/// Maximizes log EI of a fitted GP over the normalized search space.
struct AcquisitionOptimizer {
    let gp: GaussianProcess
    let transforms: [ParamTransform]
    let threshold: Double
    let continuous: [Int]
    let discrete: [Int]
    let grids: [[Double]]
    let lengthscales: [Double]
    var tolerance = 1e-2

    init(gp: GaussianProcess, transforms: [ParamTransform], threshold: Double) {
        self.gp = gp
        self.transforms = transforms
        self.threshold = threshold
        continuous = transforms.indices.filter { transforms[$0].kind == .continuous }
        discrete = transforms.indices.filter { transforms[$0].kind != .continuous }
        grids = transforms.map { $0.gridPoints() }
        lengthscales = continuous.map { 1 / gp.hyper.inverseSquaredLengthscales[$0].squareRoot() }
    }

    func value(_ q: [Double]) -> Double {
        let (m, v) = gp.posterior(q)
        return logExpectedImprovement(mean: m, variance: v, threshold: threshold)
    }

    /// Value and gradient in the continuous coordinates.
    func valueAndGradient(_ q: [Double]) -> (Double, [Double]) {
        let p = gp.posteriorWithGradient(q, gradDims: continuous)
        let varS = p.variance + 1e-12
        let sigma = varS.squareRoot()
        let z = (p.mean - threshold) / sigma
        let f = SamplerMath.standardLogEI(z) + Foundation.log(sigma)
        let dlogei = SamplerMath.standardLogEIDerivative(z)
        var g = [Double](repeating: 0, count: continuous.count)
        for i in 0..<continuous.count {
            let dSigma = p.dVar[i] / (2 * sigma)
            let dz = p.dMean[i] / sigma - (p.mean - threshold) / varS * dSigma
            g[i] = dlogei * dz + dSigma / sigma
        }
        return (f, g)
    }

    /// A random point of the space, already on the grid for discrete dimensions.
    func randomPoint(_ rng: inout SeededGenerator) -> [Double] {
        transforms.enumerated().map { d, t in
            let u = rng.nextDouble()
            switch t.kind {
            case .continuous: return u
            case .categorical: return min(Double(Int(u * Double(t.nChoices))), Double(t.nChoices - 1))
            case .discrete: return nearestGrid(u, grids[d])
            }
        }
    }

    func nearestGrid(_ u: Double, _ grid: [Double]) -> Double {
        var lo = 0, hi = grid.count - 1
        while hi - lo > 1 {
            let mid = (lo + hi) / 2
            if grid[mid] <= u { lo = mid } else { hi = mid }
        }
        return abs(grid[lo] - u) <= abs(grid[hi] - u) ? grid[lo] : grid[hi]
    }

    func maximize(warmStart: [Double], nPreliminary: Int, nLocalSearch: Int, rng: inout SeededGenerator) -> [Double] {
        var samples: [[Double]] = []
        var values: [Double] = []
        samples.reserveCapacity(nPreliminary)
        for _ in 0..<nPreliminary {
            let p = randomPoint(&rng)
            samples.append(p)
            values.append(value(p))
        }
        let maxI = values.indices.max { values[$0] < values[$1] }!
        // The best sample, plus others drawn with probability ∝ EI (roulette, no replacement).
        var chosen = [maxI]
        var probs = values.map { Foundation.exp($0 - values[maxI]) }
        probs[maxI] = 0
        let nonZero = probs.filter { $0 > 0 }.count
        let extra = min(nLocalSearch - 2, nonZero)
        for _ in 0..<max(extra, 0) {
            let total = probs.reduce(0, +)
            guard total > 0 else { break }
            var u = rng.nextDouble() * total
            var pick = probs.count - 1
            for (i, p) in probs.enumerated() where p > 0 {
                u -= p
                if u <= 0 { pick = i; break }
            }
            chosen.append(pick)
            probs[pick] = 0
        }
        var starts = chosen.map { samples[$0] }
        starts.append(warmStart)
        var bestX = samples[maxI], bestF = values[maxI]
        for s in starts {
            let (x, f) = localSearch(s)
            if f > bestF { bestF = f; bestX = x }
        }
        return bestX
    }

    /// Alternates continuous L-BFGS and discrete line searches until nothing changes.
    func localSearch(_ start: [Double]) -> ([Double], Double) {
        var x = start
        var f = value(x)
        var lastChanged = -2  // −1: continuous, d: discrete dimension d
        for _ in 0..<100 {
            if !continuous.isEmpty {
                let (nx, nf) = continuousAscent(x, f)
                if nf > f { x = nx; f = nf; lastChanged = -1 }
            }
            var changed = false
            for d in discrete {
                if lastChanged == d { lastChanged = -2; break }  // converged: back where it last moved
                let (nx, nf) = discreteSearch(x, f, d)
                if nf > f { x = nx; f = nf; lastChanged = d; changed = true }
            }
            if !changed { break }
        }
        return (x, f)
    }

    private func continuousAscent(_ x0: [Double], _ f0: Double) -> ([Double], Double) {
        let c = continuous
        let z0 = c.enumerated().map { i, d in x0[d] / lengthscales[i] }
        let upper = lengthscales.map { 1 / $0 }
        var opt = LBFGS()
        opt.gradientTolerance = tolerance
        opt.maxIterations = 200
        opt.relativeTolerance = 1e-12
        let res = opt.minimize(z0, lower: [Double](repeating: 0, count: c.count), upper: upper) { z in
            var q = x0
            for (i, d) in c.enumerated() { q[d] = min(max(z[i] * lengthscales[i], 0), 1) }
            let (f, g) = valueAndGradient(q)
            guard f.isFinite else { return nil }
            return (-f, (0..<c.count).map { -g[$0] * lengthscales[$0] })
        }
        var q = x0
        for (i, d) in c.enumerated() { q[d] = min(max(res.x[i] * lengthscales[i], 0), 1) }
        let f = -res.f
        return f > f0 ? (q, f) : (x0, f0)
    }

    private func discreteSearch(_ x0: [Double], _ f0: Double, _ d: Int) -> ([Double], Double) {
        let grid = grids[d]
        if grid.count <= 1 { return (x0, f0) }
        var bestX = x0, bestF = f0
        if transforms[d].kind == .categorical || grid.count <= 16 {
            for g in grid where g != x0[d] {
                var q = x0
                q[d] = g
                let f = value(q)
                if f > bestF { bestF = f; bestX = q }
            }
            return (bestX, bestF)
        }
        // Hill climbing over grid indices with doubling strides.
        var idx = 0
        var lo = 0, hi = grid.count - 1
        while hi - lo > 1 { let m = (lo + hi) / 2; if grid[m] <= x0[d] { lo = m } else { hi = m } }
        idx = abs(grid[lo] - x0[d]) <= abs(grid[hi] - x0[d]) ? lo : hi
        var improved = true
        while improved {
            improved = false
            var stride = 1
            var candidates: [Int] = []
            while stride < grid.count { candidates += [idx - stride, idx + stride]; stride *= 2 }
            var bestIdx = idx
            for ci in candidates where ci >= 0 && ci < grid.count {
                var q = bestX
                q[d] = grid[ci]
                let f = value(q)
                if f > bestF { bestF = f; bestIdx = ci }
            }
            if bestIdx != idx { idx = bestIdx; bestX[d] = grid[idx]; improved = true }
        }
        return (bestX, bestF)
    }
}
