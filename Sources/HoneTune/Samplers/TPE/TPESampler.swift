import Foundation
import HoneCore

/// Tree-structured Parzen Estimator sampler.
///
/// Splits the finished trials into a "good" group (the best γ(n)) and the rest, models
/// each with a Parzen estimator l(x) and g(x), draws candidates from l and keeps the one
/// maximizing l(x)/g(x) (equivalent to maximizing expected improvement). Defaults follow
/// Optuna's `TPESampler` (γ(n) = min(⌈0.1·n⌉, 25), neighbour-distance bandwidths with
/// the "magic clip", older trials down-weighted linearly once there are more than 25,
/// multivariate for one objective) except where measured better:
/// - narrower kernels as trials accumulate: each kernel's neighbour-distance bandwidth
///   is scaled by 0.7 (``bandwidthFactor``), and the magic clip's floor, 1/(k + 2) for k
///   kernels, is lowered to at most 0.15·n^(−1.5/d) after n trials in d dimensions
///   (``bandwidthFloor``). Optuna's floor for the good group's γ(n) kernels is 1/7 of
///   the range after 50 trials and never below 1/27, so TPE stops refining a basin long
///   before the budget ends; the d-th root keeps the floor wide where a few dozen points
///   cannot fill the space;
/// - single-objective: the good group's kernels are also weighted by rank, the best of k
///   trials by k/k, the next by (k−1)/k, … the worst by 1/k (``rankWeightedGoodGroup``);
/// - max(32, 8·d) EI candidates instead of 24; 5 random startup trials instead of 10;
///   prior weight 0.5 instead of 1;
/// - g(x) keeps at most 200 kernels (``maxAboveKernels``), so a trial costs the same from
///   about trial 250 on.
///
/// How they were chosen: 60 random settings of these knobs were run on seeds 0–199 of
/// nine test functions (Forrester, six-hump camel, Hartmann 3-D and 6-D, Branin, Levy 4-D,
/// Ackley 5-D, Styblinski–Tang 4-D, Rosenbrock 4-D), scored by the mean log ratio of the
/// median regret after 50 trials to the previous defaults'; the best few were run again
/// on unseen seeds (7000–7299) and partly other functions (Levy 2-D and 8-D, Ackley 2-D,
/// Rosenbrock 2-D, Styblinski–Tang 6-D). Median regret after 50 trials there, these
/// defaults / the previous ones: Branin 0.0030 / 0.072, Hartmann6 0.24 / 0.30, Hartmann3
/// 0.032 / 0.033, six-hump camel 0.00078 / 0.012, Levy 2-D 0.0018 / 0.021, Ackley 2-D
/// 1.4 / 3.2, Styblinski–Tang 6-D 47 / 52, Levy 8-D 9.2 / 9.3, Rosenbrock 2-D 1.23 / 1.13
/// (the one loss). Against Optuna 5's TPESampler itself on seeds 0–199 (W5's
/// `median_regret_at_50_wide`; Optuna by the reference script on the same seed numbers):
/// Branin 0.0036 vs 0.18, Hartmann6 0.22 vs 0.41. Five seeds decide little: on seeds 0–4
/// alone Hartmann6 is 0.32 vs 0.26, while over random draws of five seeds each Hone's
/// median is the lower one 93% of the time (Branin: 99.6%).
/// ``optunaCompatible(seed:multivariate:)`` gives Optuna's exact settings.
///
/// - `multivariate` (default: on for single-objective studies, like Optuna 5) models the
///   parameters every trial shares jointly with product kernels; parameters outside that
///   space (conditional ones) are sampled one by one, each from the trials that have it.
/// - `constantLiar` (default on; Optuna: off) counts running trials as bad ones, so
///   parallel workers spread out. A study with one worker has no running trial but the
///   one being sampled, so the default changes nothing there.
/// - Multi-objective studies split by nondominated rank, ties broken by hypervolume
///   contribution (two objectives) or crowding distance.
///
/// ### References
/// Bergstra, Bardenet, Bengio & Kégl, "Algorithms for hyper-parameter optimization",
/// NeurIPS 2011; Watanabe, "Tree-structured Parzen estimator: understanding its algorithm
/// components and their roles for better empirical performance", 2023; Falkner, Klein &
/// Hutter, "BOHB: robust and efficient hyperparameter
/// optimization at scale", ICML 2018; Ozaki, Tanigaki, Watanabe & Onishi, "Multiobjective
/// tree-structured Parzen estimator for computationally expensive optimization problems",
/// GECCO 2020.
public final class TPESampler: Sampler {
    public let nStartupTrials: Int
    public let nEICandidates: Int
    public let multivariate: Bool?
    public let constantLiar: Bool
    /// Most kernels in the "bad" model g(x); past this, g is fitted to an evenly spaced
    /// subsample (in trial order, weights kept), so a trial costs nearly the same at
    /// 1,000 trials as at 250. `nil` keeps every trial, like Optuna.
    ///
    /// g has about n − γ(n) kernels, so the cap first acts near trial 225, and the cost
    /// per trial grows until then with g (sampler CPU time, trials 91–100 → 991–1,000,
    /// medians of 3 runs: Branin 0.067 → 0.125 ms, Hartmann6 0.124 → 0.219 ms; flat from
    /// trial 300 on; Optuna's TPE, whole trials 1–100 → 901–1,000: 2.1 → 12.0 ms and
    /// 3.4 → 12.1 ms). A lower cap would flatten that growth
    /// but loses results: over seeds 0–299, the median regret on Hartmann6 after 300
    /// trials is 0.0167 with cap 200, 0.0192 with 128 and 0.0227 with 100 (Branin: no
    /// difference, 7.9·10⁻⁶, 8.1·10⁻⁶, 7.4·10⁻⁶).
    public let maxAboveKernels: Int?
    /// Draw the startup trials as a Latin hypercube (each parameter's range stratified)
    /// instead of independently at random. Off by default: over 20 seeds it made no
    /// consistent difference to TPE on Branin/Hartmann6 (it does help the GP sampler).
    public let spaceFillingStartup: Bool
    /// Multiplies each kernel's neighbour-distance bandwidth (Optuna: 1).
    public let bandwidthFactor: Double
    /// Lowers the magic clip's floor as trials accumulate; `nil` keeps Optuna's 1/(k + 2).
    public let bandwidthFloor: BandwidthFloor?
    /// At least this many EI candidates per parameter sampled jointly: a 6-D space gets
    /// 48 where `nEICandidates` is 32 (Optuna: 0).
    public let candidatesPerDimension: Int
    /// Weight the good group's kernels by rank as well as by age (single-objective
    /// studies only; multi-objective good groups have no single order).
    public let rankWeightedGoodGroup: Bool
    private var strata: [String: [Int]] = [:]
    private let parameters: ParzenParameters
    private let gamma: ((Int) -> Int)?
    private let weightsFunc: (Int) -> [Double]
    private var rng: SeededGenerator
    private let searchSpace = IntersectionSearchSpace(includePruned: true)

    // Finished trials, each read once, and the per-trial cache of the split.
    private var table: TrialTable?
    /// Every trial numbered below this one has finished and is in `table`: each trial
    /// reads only the trials from here on (the running ones and the new ones).
    private var readUpTo = 0
    private var cacheTrialNumber = -1
    private var cachedSplit: Split?

    /// Below/above membership of the table's rows plus running trials (constant liar).
    struct Split {
        var isBelow: [Bool]
        var running: [FrozenTrial]
    }

    /// - Parameters:
    ///   - seed: seeds every random choice; `nil` draws a seed from the system.
    ///   - gamma: the number of "good" trials among n (default: min(⌈0.1·n⌉, 25), or
    ///     ⌈0.1·n⌉ for multi-objective studies, as in Optuna).
    ///   - weights: weights of n observations, oldest first (default: Optuna's ramp).
    public init(
        seed: UInt64? = nil, nStartupTrials: Int = TPESampler.defaultStartupTrials,
        nEICandidates: Int = TPESampler.defaultEICandidates,
        priorWeight: Double = TPESampler.defaultPriorWeight, considerMagicClip: Bool = true,
        considerEndpoints: Bool = false,
        multivariate: Bool? = nil, constantLiar: Bool = true, maxAboveKernels: Int? = 200,
        spaceFillingStartup: Bool = false, rankWeightedGoodGroup: Bool = true,
        bandwidthFactor: Double = TPESampler.defaultBandwidthFactor,
        bandwidthFloor: BandwidthFloor? = .hone, candidatesPerDimension: Int = TPESampler.defaultCandidatesPerDimension,
        gamma: ((Int) -> Int)? = nil, weights: ((Int) -> [Double])? = nil
    ) {
        precondition(bandwidthFactor > 0 && bandwidthFactor.isFinite, "bandwidthFactor must be positive")
        precondition(candidatesPerDimension >= 0, "candidatesPerDimension must be non-negative")
        self.bandwidthFactor = bandwidthFactor
        self.bandwidthFloor = bandwidthFloor
        self.candidatesPerDimension = candidatesPerDimension
        self.spaceFillingStartup = spaceFillingStartup
        self.rankWeightedGoodGroup = rankWeightedGoodGroup
        precondition(maxAboveKernels.map { $0 > 0 } ?? true, "maxAboveKernels must be positive")
        self.maxAboveKernels = maxAboveKernels
        precondition(priorWeight >= 0, "priorWeight must be non-negative")
        precondition(nEICandidates > 0, "nEICandidates must be positive")
        self.nStartupTrials = nStartupTrials
        self.nEICandidates = nEICandidates
        self.multivariate = multivariate
        self.constantLiar = constantLiar
        self.parameters = ParzenParameters(
            priorWeight: priorWeight, considerMagicClip: considerMagicClip, considerEndpoints: considerEndpoints,
            bandwidthFactor: bandwidthFactor)
        self.gamma = gamma
        self.weightsFunc = weights ?? TPESampler.defaultWeights
        self.rng = SeededGenerator(seed: seed ?? UInt64.random(in: 0...UInt64.max))
    }

    /// Hone's default number of random startup trials (Optuna: 10).
    public static let defaultStartupTrials = 5

    /// Hone's default number of candidates drawn from l(x) per sample (Optuna: 24).
    public static let defaultEICandidates = 32

    /// Hone's default EI candidates per jointly sampled parameter (Optuna: none).
    public static let defaultCandidatesPerDimension = 8

    /// Hone's default weight of the prior kernel (Optuna: 1).
    public static let defaultPriorWeight = 0.5

    /// Hone's default bandwidth factor (Optuna: 1).
    public static let defaultBandwidthFactor = 0.7

    /// Hone's default γ: Optuna's, min(⌈0.1·n⌉, 25).
    public static func defaultGamma(_ n: Int) -> Int { optunaGamma(n) }

    /// Optuna's γ for single-objective studies: min(⌈0.1·n⌉, 25).
    public static func optunaGamma(_ n: Int) -> Int { min((n + 9) / 10, 25) }

    /// A sampler with Optuna 5's TPESampler defaults (10 startup trials, γ = min(⌈0.1·n⌉,
    /// 25), 24 candidates, prior weight 1, Optuna's bandwidths and magic clip, good group
    /// weighted by age only, every trial in g(x)).
    public static func optunaCompatible(seed: UInt64? = nil, multivariate: Bool? = nil) -> TPESampler {
        TPESampler(seed: seed, nStartupTrials: 10, nEICandidates: 24, priorWeight: 1, multivariate: multivariate,
                   constantLiar: false, maxAboveKernels: nil, rankWeightedGoodGroup: false, bandwidthFactor: 1, bandwidthFloor: nil,
                   candidatesPerDimension: 0, gamma: { n in optunaGamma(n) })
    }

    /// Optuna's default weights: 1 for the newest 25, a linear ramp from 1/n for older ones.
    public static func defaultWeights(_ n: Int) -> [Double] {
        if n == 0 { return [] }
        if n < 25 { return [Double](repeating: 1, count: n) }
        let m = n - 25
        var w = [Double](repeating: 1, count: n)
        if m == 1 { w[0] = 1.0 / Double(n) }
        else if m > 1 {
            let lo = 1.0 / Double(n)
            for i in 0..<m { w[i] = lo + (1 - lo) * Double(i) / Double(m - 1) }
        }
        return w
    }

    private func isMultivariate(_ study: StudyView) -> Bool {
        multivariate ?? (study.directions.count <= 1)
    }

    /// Reads the trials finished since the last trial into the table and the search space;
    /// returns how many complete or pruned trials there are.
    @discardableResult
    private func refreshTrials(_ study: StudyView, _ trial: FrozenTrial) -> Int {
        if trial.number != cacheTrialNumber {
            cacheTrialNumber = trial.number
            cachedSplit = nil
            if table == nil || table!.signs != minimizationSigns(study.directions) {
                table = TrialTable(directions: study.directions)
                readUpTo = 0
            }
            let fresh = study.trials(states: nil, fromNumber: readUpTo)
            for t in fresh {
                guard t.number == readUpTo, t.state.isFinished else { break }
                readUpTo += 1
            }
            let finished = fresh.filter { $0.state == .complete || $0.state == .pruned }
            table!.update(finished)
            searchSpace.update(finished)
        }
        return table!.finishedCount
    }

    public func inferRelativeSearchSpace(study: StudyView, trial: FrozenTrial) -> [String: ParameterDistribution] {
        guard isMultivariate(study) else { return [:] }
        refreshTrials(study, trial)
        return searchSpace.current
    }

    public func sampleRelative(
        study: StudyView, trial: FrozenTrial, searchSpace space: [String: ParameterDistribution]
    ) -> [String: Double] {
        if space.isEmpty { return [:] }
        if refreshTrials(study, trial) < nStartupTrials { return [:] }
        return sample(study: study, trial: trial, space: space)
    }

    public func sampleIndependent(
        study: StudyView, trial: FrozenTrial, name: String, distribution: ParameterDistribution
    ) -> Double {
        if distribution.isSingle || refreshTrials(study, trial) < nStartupTrials {
            if spaceFillingStartup && trial.number < nStartupTrials && !distribution.isSingle {
                return stratifiedStartupValue(name: name, distribution: distribution, index: trial.number)
            }
            return distribution.randomInternal(&rng)
        }
        return sample(study: study, trial: trial, space: [name: distribution])[name] ?? distribution.randomInternal(&rng)
    }

    /// Startup value `index` of parameter `name`: its range (log scale where asked) cut into
    /// `nStartupTrials` strata, each used once in a random order (a Latin hypercube
    /// across parameters).
    private func stratifiedStartupValue(name: String, distribution: ParameterDistribution, index: Int) -> Double {
        let n = nStartupTrials
        if strata[name] == nil {
            var p = Array(0..<n)
            for i in stride(from: n - 1, to: 0, by: -1) { p.swapAt(i, rng.nextInt(below: i + 1)) }
            strata[name] = p
        }
        let u = (Double(strata[name]![index]) + rng.nextDouble()) / Double(n)
        let t = ParamTransform(name: name, distribution: distribution)
        if t.kind == .categorical { return min(Double(Int(u * Double(t.nChoices))), Double(t.nChoices - 1)) }
        return t.denormalize(u)
    }

    private func split(_ study: StudyView, _ trial: FrozenTrial) -> Split {
        if let s = cachedSplit { return s }
        refreshTrials(study, trial)
        let table = table!
        var running: [FrozenTrial] = []
        if constantLiar {
            // Running trials are never below `readUpTo`.
            running = study.trials(states: [.running], fromNumber: readUpTo).filter { $0.number != trial.number }
        }
        let s = Split(isBelow: TPESampler.belowMask(table, directions: study.directions, gamma: gamma), running: running)
        cachedSplit = s
        return s
    }

    /// Observations (`[parameter][observation]`) and weights of one side of the split: the
    /// rows that have every parameter, in trial-number order, then (above only) the running
    /// trials that have them, as they are the newest. Past `limit` observations, an evenly
    /// spaced subsample that keeps the newest one; only the kept values are gathered, so
    /// the cost grows with the trials only through one pass over the split.
    private func observations(
        below: Bool, _ split: Split, _ transforms: [ParamTransform], uniformWeights: Bool, limit: Int?
    ) -> (values: [[Double]], weights: [Double], orderHints: [[Int]?]) {
        let table = table!
        let names = transforms.map(\.name)
        let rows = table.rows(where: split.isBelow, is: below, having: names)
        let running = below ? [] : split.running.filter { t in names.allSatisfy { t.params[$0] != nil } }
        let n = rows.count + running.count
        var weights = uniformWeights ? [Double](repeating: 1, count: n) : Array(weightsFunc(n).prefix(n))
        if below && rankWeightedGoodGroup && !uniformWeights {
            for (i, w) in TPESampler.rankWeights(table, rows: rows).enumerated() { weights[i] *= w }
        }
        var picks = Array(0..<n)
        if let cap = limit, n > cap {
            let spacing = Double(n - 1) / Double(max(cap - 1, 1))
            picks = [Int](repeating: 0, count: cap)
            for i in 0..<cap { picks[cap - 1 - i] = n - 1 - Int((Double(i) * spacing).rounded()) }
            weights = picks.map { weights[$0] }
        }
        let values = names.map { name in
            let column = table.column(name)
            return picks.map { $0 < rows.count ? column[rows[$0]] : running[$0 - rows.count].params[name]! }
        }
        return (values, weights, running.isEmpty && below == false ? orderHints(names, rows: rows, picks: picks) : [])
    }

    /// For each parameter, the kept observations' positions in order of value, read off
    /// the table's value-sorted rows in one pass instead of sorted per trial; the estimator
    /// checks each hint (ties, or values that normalize alike, fail it and sort instead).
    private func orderHints(_ names: [String], rows: [Int], picks: [Int]) -> [[Int]?] {
        let table = table!
        var position = [Int](repeating: -1, count: table.count)
        for (p, pick) in picks.enumerated() { position[rows[pick]] = p }
        return names.map { name in
            var hint: [Int] = []
            hint.reserveCapacity(picks.count)
            position.withUnsafeBufferPointer { pos in
                for row in table.rowsSortedByValue(name) where pos[row] >= 0 { hint.append(pos[row]) }
            }
            return hint
        }
    }

    private func sample(study: StudyView, trial: FrozenTrial, space: [String: ParameterDistribution]) -> [String: Double] {
        let transforms = sortedTransforms(space)
        let sp = split(study, trial)
        let (obsBelow, wBelow, _) = observations(
            below: true, sp, transforms, uniformWeights: study.directions.count > 1, limit: nil)
        let (obsAbove, wAbove, aboveHints) = observations(
            below: false, sp, transforms, uniformWeights: false, limit: maxAboveKernels)
        var parameters = self.parameters
        // The floor shrinks with the dimension of the whole space, also when one parameter
        // is sampled on its own (independent or conditional parameters).
        let dimensions = max(transforms.count, searchSpace.current.count)
        if let floor = bandwidthFloor {
            parameters.magicClipCap = floor.value(trials: table!.finishedCount, dimensions: dimensions)
        }
        let below = ParzenEstimator(transforms: transforms, observations: obsBelow, obsWeights: wBelow, parameters: parameters)
        let above = ParzenEstimator(
            transforms: transforms, observations: obsAbove, obsWeights: wAbove, parameters: parameters,
            orderHints: aboveHints)
        let count = max(nEICandidates, candidatesPerDimension * transforms.count)
        let candidates = below.sample(count: count, rng: &rng)
        let best = TPESampler.bestCandidate(
            belowLogDensity: below.logPDF(candidates), aboveLogTerms: above.logKernelTerms(candidates),
            kernelCount: above.nKernels)
        var out: [String: Double] = [:]
        for (d, t) in transforms.enumerated() { out[t.name] = candidates[d][best] }
        return out
    }
}

/// A lower bound for TPE's kernel widths that narrows as trials accumulate: after n
/// finished trials in a d-dimensional space, the magic clip's floor (1/(k + 2) of the
/// range for k kernels) is lowered to at most `scale · n^(−rate/d)`. With ``hone`` (0.15,
/// 1.5) the floor after 50 trials is 0.00042 of the range for one parameter, 0.0080
/// for two and 0.056 for six; a few dozen points cover a 2-D box densely enough to refine a
/// basin, not a 6-D one.
public struct BandwidthFloor: Sendable, Equatable {
    public var scale: Double
    public var rate: Double

    public init(scale: Double, rate: Double) {
        precondition(scale > 0 && scale.isFinite && rate >= 0 && rate.isFinite,
                     "BandwidthFloor needs a positive scale and a non-negative rate")
        self.scale = scale
        self.rate = rate
    }

    /// Hone's default.
    public static let hone = BandwidthFloor(scale: 0.15, rate: 1.5)

    /// `scale · n^(−rate/d)`, with n and d at least 1.
    public func value(trials n: Int, dimensions d: Int) -> Double {
        scale * Foundation.pow(Double(max(n, 1)), -rate / Double(max(d, 1)))
    }
}
