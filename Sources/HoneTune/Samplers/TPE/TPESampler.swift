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
/// - with 4 or more parameters sampled jointly, each candidate is scored by l(x) without
///   the kernel it was drawn from (``leaveOneOutDimensions``);
/// - max(32, 8·d) EI candidates instead of 24; 5 random startup trials instead of 10;
///   prior weight 0.5 instead of 1;
/// - g(x) keeps at most 100 kernels (``maxAboveKernels``), each as narrow as among all
///   observations, so a trial costs about the same from trial 110 on.
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
/// (the one loss); leave-one-out scoring was measured later, on its own (see
/// ``leaveOneOutDimensions``). Against Optuna 5's TPESampler itself on seeds 0–199 (W5's
/// `median_regret_at_50_wide`; Optuna by the reference script on the same seed numbers):
/// Branin 0.0036 vs 0.18, Hartmann6 0.21 vs 0.41; on W5's seeds 0–4, 0.0058 vs 0.022 and
/// 0.11 vs 0.26.
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
    /// Most kernels in the "bad" model g(x) (default 100). Past this, the newest ⌊cap/2⌋
    /// observations and an evenly spaced subsample of the older ones get a kernel, each as
    /// narrow as among all observations (its gaps to its neighbours among every one, read
    /// off the trial table without a sort), so from about trial 110 on a trial costs the
    /// same however many trials there are. `nil` keeps every trial, like Optuna.
    ///
    /// Sampler cost per trial, trials 101–110 → 991–1,000 (instructions, `valgrind
    /// --tool=callgrind`, repeatable): Hartmann6 1.15M → 1.34M (×1.16), Branin 0.59M →
    /// 0.64M (×1.09); with the previous cap of 200 kernels, each with the bandwidth among
    /// the kept ones only: 1.21M → 1.96M (×1.62) and 0.61M → 1.06M (×1.74). Optuna's TPE,
    /// whole trials 1–100 → 901–1,000: 2.1 → 12.0 ms and 3.4 → 12.1 ms (×5.7, ×3.6).
    ///
    /// What the cap costs in results (median regret, `hone bench tune` with
    /// `HONE_BENCH_TUNE_TRIALS`): after 1,000 trials, seeds 0–99, cap 100 / the previous
    /// cap 200: Hartmann6 0.0112 / 0.0138, Levy 4-D 0.0018 / 0.0020, Ackley 5-D 2.588 /
    /// 2.593, Hartmann 3-D 1.4·10⁻⁵ / 1.1·10⁻⁵. After 300 trials, seeds 0–199, it loses
    /// on some functions (Levy 4-D 0.0101 / 0.0079, Ackley 5-D 3.36 / 3.13, six-hump
    /// camel 2.0·10⁻⁶ / 1.4·10⁻⁶) and wins on others (Hartmann 3-D 4.3·10⁻⁴ / 6.3·10⁻⁴;
    /// Hartmann6 over seeds 0–399 0.0182 / 0.0179). The full-data bandwidths are what
    /// make 100 kernels enough: with each kernel's bandwidth taken among the kept ones,
    /// Hartmann6 after 300 trials was 0.0228.
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
    /// Score candidates by l(x) without the kernel each was drawn from when at least this
    /// many parameters are sampled jointly (`nil`: never, as in Optuna). A candidate's own
    /// kernel makes l high at it merely because it was drawn there, more so the nearer it
    /// lands, so the plain score favours tiny steps from one good trial; without it, l
    /// rewards candidates that other good trials support too.
    ///
    /// Default 4. Median regret after 50 trials over seeds 0–999, with / without
    /// (`hone bench tune`, samplers `tpe` and `tpe-no-leave-one-out`): Hartmann6 0.207 /
    /// 0.235, Levy 4-D 0.353 / 0.392, Levy 5-D 1.07 / 1.28, Levy 8-D 7.58 / 9.85, Ackley
    /// 4-D 5.22 / 5.22, Ackley 8-D 11.4 / 12.7, Styblinski–Tang 5-D 31.3 / 33.4,
    /// Rosenbrock 5-D 160 / 185 (after 100 trials all alike or better but Rosenbrock 5-D,
    /// 29.5 / 28.5; after 300 trials, seeds 0–199, alike or better on Hartmann6, Levy 4-D,
    /// Ackley 5-D, Styblinski–Tang 6-D and Rosenbrock 4-D). In 2 and 3 dimensions it
    /// helps some functions and hurts others (Branin 0.0041 / 0.0034, Hartmann 3-D 0.033 /
    /// 0.033 after 50 trials but 0.0132 / 0.0119 after 100, Styblinski–Tang 3-D 6.6 /
    /// 14.2 after 100), so those keep the plain score.
    public let leaveOneOutDimensions: Int?
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
    /// This trial's rows of each side in trial-number order (key: below?), and its age
    /// weights by count: parameters sampled one by one share them.
    private var sideRows: [Bool: [Int]] = [:]
    private var cachedWeights: [Int: [Double]] = [:]
    /// Flags of this trial's above rows (all of them), for neighbour gaps.
    private var aboveMembers: [Bool]?

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
        multivariate: Bool? = nil, constantLiar: Bool = true, maxAboveKernels: Int? = 100,
        spaceFillingStartup: Bool = false, rankWeightedGoodGroup: Bool = true,
        bandwidthFactor: Double = TPESampler.defaultBandwidthFactor,
        bandwidthFloor: BandwidthFloor? = .hone, candidatesPerDimension: Int = TPESampler.defaultCandidatesPerDimension,
        leaveOneOutDimensions: Int? = TPESampler.defaultLeaveOneOutDimensions,
        gamma: ((Int) -> Int)? = nil, weights: ((Int) -> [Double])? = nil
    ) {
        precondition(bandwidthFactor > 0 && bandwidthFactor.isFinite, "bandwidthFactor must be positive")
        precondition(candidatesPerDimension >= 0, "candidatesPerDimension must be non-negative")
        self.bandwidthFactor = bandwidthFactor
        self.bandwidthFloor = bandwidthFloor
        self.candidatesPerDimension = candidatesPerDimension
        precondition(leaveOneOutDimensions.map { $0 > 0 } ?? true, "leaveOneOutDimensions must be positive")
        self.leaveOneOutDimensions = leaveOneOutDimensions
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

    /// Hone's default least number of jointly sampled parameters for leave-one-out scoring.
    public static let defaultLeaveOneOutDimensions = 4

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
                   candidatesPerDimension: 0, leaveOneOutDimensions: nil, gamma: { n in optunaGamma(n) })
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
            sideRows = [:]
            cachedWeights = [:]
            aboveMembers = nil
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

    /// Observations and bandwidths of one side of the split, ready for a ``ParzenEstimator``.
    struct SideObservations {
        /// `[parameter][kernel]`, internal values.
        var values: [[Double]]
        var weights: [Double]
        /// Per parameter, the kernels' gaps to their neighbours among all `count`
        /// observations (`nil`: the estimator takes them among the kernels).
        var neighbourGaps: [[Double]?]
        /// How many observations the side has, kernels or not.
        var count: Int
    }

    /// One side of the split: the rows that have every parameter, in trial-number order,
    /// then (above only) the running trials that have them, as they are the newest. Past
    /// `limit` observations, only those of ``aboveKernels(count:cap:)`` get a kernel, each
    /// with the bandwidth it has among all of them. Above, with no running trial, those
    /// gaps come from the table's value-sorted rows, without a sort: a sample's cost then
    /// stops growing with the trials but for a few passes over arrays of flags and rows.
    private func observations(
        below: Bool, _ split: Split, _ transforms: [ParamTransform], uniformWeights: Bool, limit: Int?
    ) -> SideObservations {
        let table = table!
        let names = transforms.map(\.name)
        let side = sideRows[below] ?? table.rows(where: split.isBelow, is: below, having: [])
        sideRows[below] = side
        let rows = table.keeping(side, having: names)
        let running = below ? [] : split.running.filter { t in names.allSatisfy { t.params[$0] != nil } }
        let n = rows.count + running.count
        var weights = uniformWeights ? [Double](repeating: 1, count: n) : ageWeights(n)
        if below && rankWeightedGoodGroup && !uniformWeights {
            for (i, w) in TPESampler.rankWeights(table, rows: rows).enumerated() { weights[i] *= w }
        }
        func value(_ name: String, _ column: [Double], _ i: Int) -> Double {
            i < rows.count ? column[rows[i]] : running[i - rows.count].params[name]!
        }
        let kernels = below ? Array(0..<n) : limit.flatMap { TPESampler.aboveKernels(count: n, cap: $0) } ?? Array(0..<n)
        let values = names.map { name in
            let column = table.column(name)
            return kernels.map { value(name, column, $0) }
        }
        if below { return SideObservations(values: values, weights: weights, neighbourGaps: [], count: n) }
        let considerEndpoints = parameters.considerEndpoints
        var member: [Bool] = []
        if running.isEmpty {
            // Where no row lacks these parameters the flags are the side's, shared by the
            // parameters sampled one by one.
            if rows.count == side.count, let shared = aboveMembers {
                member = shared
            } else {
                member = [Bool](repeating: false, count: table.count)
                for r in rows { member[r] = true }
                if rows.count == side.count { aboveMembers = member }
            }
        }
        let gaps: [[Double]?] = transforms.map { t in
            if t.kind == .categorical { return nil }
            if running.isEmpty {
                return table.neighbourGaps(
                    t.name, transform: t, rows: kernels.map { rows[$0] }, member: member, considerEndpoints: considerEndpoints)
            }
            let column = table.column(t.name)
            let all = ParzenEstimator.neighbourGaps((0..<n).map { t.normalize(value(t.name, column, $0)) },
                                                    considerEndpoints: considerEndpoints)
            return kernels.map { all[$0] }
        }
        return SideObservations(values: values, weights: kernels.map { weights[$0] }, neighbourGaps: gaps, count: n)
    }

    /// `weightsFunc(n)`, kept for the next parameter of the same trial.
    private func ageWeights(_ n: Int) -> [Double] {
        if let w = cachedWeights[n] { return w }
        let w = Array(weightsFunc(n).prefix(n))
        cachedWeights[n] = w
        return w
    }

    /// Which of `n` observations of g(x), oldest first, get a kernel when there are more
    /// than `cap` (`nil` when there are not): the newest ⌊cap/2⌋, which lie where the search
    /// now is, and an evenly spaced subsample of the older ones, their newest included.
    /// Every observation still sets its neighbours' bandwidths, so the kept kernels are
    /// as narrow as with all of them and only their number is capped.
    static func aboveKernels(count n: Int, cap: Int) -> [Int]? {
        precondition(cap > 0, "cap must be positive")
        guard n > cap else { return nil }
        let recent = cap / 2
        let older = n - recent
        let slots = cap - recent
        // older > slots, so the spacing is at least 1 and the picks are distinct.
        let spacing = Double(older - 1) / Double(max(slots - 1, 1))
        var picks = (0..<slots).reversed().map { older - 1 - Int((Double($0) * spacing).rounded()) }
        picks += older..<n
        return picks
    }

    private func sample(study: StudyView, trial: FrozenTrial, space: [String: ParameterDistribution]) -> [String: Double] {
        let transforms = sortedTransforms(space)
        let sp = split(study, trial)
        let good = observations(below: true, sp, transforms, uniformWeights: study.directions.count > 1, limit: nil)
        let bad = observations(below: false, sp, transforms, uniformWeights: false, limit: maxAboveKernels)
        var parameters = self.parameters
        // The floor shrinks with the dimension of the whole space, also when one parameter
        // is sampled on its own (independent or conditional parameters).
        let dimensions = max(transforms.count, searchSpace.current.count)
        if let floor = bandwidthFloor {
            parameters.magicClipCap = floor.value(trials: table!.finishedCount, dimensions: dimensions)
        }
        let below = ParzenEstimator(transforms: transforms, observations: good.values, obsWeights: good.weights, parameters: parameters)
        let above = ParzenEstimator(
            transforms: transforms, observations: bad.values, obsWeights: bad.weights, parameters: parameters,
            neighbourGaps: bad.neighbourGaps, bandwidthCount: bad.count)
        let count = max(nEICandidates, candidatesPerDimension * transforms.count)
        let (candidates, parents) = below.sampleWithParents(count: count, rng: &rng)
        let leaveOneOut = leaveOneOutDimensions.map { transforms.count >= $0 } ?? false
        let belowDensity = leaveOneOut
            ? below.logPDF(candidates, leavingOut: parents) : below.logPDF(candidates)
        let best = TPESampler.bestCandidate(
            belowLogDensity: belowDensity, aboveLogTerms: above.logKernelTerms(candidates),
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
