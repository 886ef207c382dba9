import Foundation
import HoneCore
import HoneTune
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// W5: sampler quality (median regret) and sampler overhead on Branin and Hartmann6, run
// through the real `Study` (in-memory storage). Overhead counts only the time spent
// inside the sampler's hooks (a timing proxy wraps it), objective and storage excluded.

/// CPU seconds of the calling thread: sampler overhead is measured in CPU time, which a
/// busy shared machine disturbs far less than wall-clock time (the two agree when quiet).
private func threadCPUSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

/// Forwards every hook to `inner`, adding up the CPU time spent there.
final class TimedSampler: Sampler {
    let inner: Sampler
    private(set) var seconds = 0.0

    init(_ inner: Sampler) { self.inner = inner }

    private func timed<T>(_ body: () -> T) -> T {
        let start = threadCPUSeconds()
        let r = body()
        seconds += threadCPUSeconds() - start
        return r
    }

    func inferRelativeSearchSpace(study: StudyView, trial: FrozenTrial) -> [String: ParameterDistribution] {
        timed { inner.inferRelativeSearchSpace(study: study, trial: trial) }
    }

    func sampleRelative(study: StudyView, trial: FrozenTrial, searchSpace: [String: ParameterDistribution]) -> [String: Double] {
        timed { inner.sampleRelative(study: study, trial: trial, searchSpace: searchSpace) }
    }

    func sampleIndependent(study: StudyView, trial: FrozenTrial, name: String, distribution: ParameterDistribution) -> Double {
        timed { inner.sampleIndependent(study: study, trial: trial, name: name, distribution: distribution) }
    }

    func afterTrial(study: StudyView, trial: FrozenTrial, state: TrialState, values: [Double]?) {
        timed { inner.afterTrial(study: study, trial: trial, state: state, values: values) }
    }
}

/// The samplers of W5, by the names of `shared/bench/README.md`.
func makeTuneSampler(_ name: String, seed: UInt64) -> Sampler {
    switch name {
    case "random": return RandomSampler(seed: seed)
    case "tpe": return TPESampler(seed: seed)
    case "tpe-multivariate": return TPESampler(seed: seed, multivariate: true)
    case "tpe-independent": return TPESampler(seed: seed, multivariate: false)
    case "tpe-optuna": return TPESampler.optunaCompatible(seed: seed)
    case "tpe-optuna-independent": return TPESampler.optunaCompatible(seed: seed, multivariate: false)
    case "tpe-lhs-startup": return TPESampler(seed: seed, spaceFillingStartup: true)
    case "tpe-no-leave-one-out": return TPESampler(seed: seed, leaveOneOutDimensions: nil)
    case "gp": return GPSampler(seed: seed)
    case "genetic": return GeneticSampler(seed: seed)
    case "cmaes": return CmaEsSampler(seed: seed)
    case "genetic-generational": return GeneticSampler(seed: seed, populationSize: 50, steadyState: false)
    case "tpe-above-all": return TPESampler(seed: seed, maxAboveKernels: nil)
    default:
        // `tpe-above-N`: the default TPE with g(x) capped at N kernels, to weigh the cap.
        if name.hasPrefix("tpe-above-"), let cap = Int(name.dropFirst("tpe-above-".count)), cap > 0 {
            return TPESampler(seed: seed, maxAboveKernels: cap)
        }
        fatalError("unknown sampler \(name)")
    }
}

/// One study of `trials` trials; returns the best value so far after each trial, the
/// sampler's CPU seconds spent on each trial, each trial's whole wall-clock time
/// (study, storage, sampler and objective: what Optuna's anchor measures), and a digest
/// of every sampled value (FNV-1a over their bit patterns, parameters in name order), so
/// a change meant only for speed can be checked to sample the very same sequence.
/// One W5 study's record: see ``runTuneStudy(sampler:function:trials:)``.
typealias TuneRun = (best: [Double], overhead: [Double], wall: [Double], digest: UInt64)

func runTuneStudy(sampler: Sampler, function: TestFunction, trials: Int) -> TuneRun {
    let timed = TimedSampler(sampler)
    var best: [Double] = [], overhead: [Double] = [], wall: [Double] = []
    var digest: UInt64 = 0xcbf2_9ce4_8422_2325
    var bestSoFar = Double.infinity, lastSeconds = 0.0
    let clock = ContinuousClock()
    var lastStamp = clock.now
    let bounds = function.function.bounds(dimension: function.dimension)
    let first = function.function == .branin ? 1 : 0
    do {
        let study = try Study.create(sampler: timed)
        try study.optimize(trials: trials, callbacks: [{ _, t in
            if let v = t.value { bestSoFar = min(bestSoFar, v) }
            for name in t.params.keys.sorted() {
                var bits = t.params[name]!.bitPattern
                for _ in 0..<8 {
                    digest = (digest ^ (bits & 0xff)) &* 0x100_0000_01b3
                    bits >>= 8
                }
            }
            best.append(bestSoFar)
            overhead.append(timed.seconds - lastSeconds)
            lastSeconds = timed.seconds
            let now = clock.now
            let c = (now - lastStamp).components
            wall.append(Double(c.seconds) + Double(c.attoseconds) * 1e-18)
            lastStamp = now
        }]) { trial in
            let x = try bounds.indices.map { try trial.suggestFloat("x\($0 + first)", in: bounds[$0]) }
            return function.function.evaluate(x)
        }
    } catch {
        fatalError("W5 study failed: \(error)")
    }
    return (best, overhead, wall, digest)
}

private func median(_ xs: [Double]) -> Double {
    let s = xs.sorted()
    guard !s.isEmpty else { return .nan }
    return s.count % 2 == 1 ? s[s.count / 2] : 0.5 * (s[s.count / 2 - 1] + s[s.count / 2])
}

/// W5. `quick` runs 2 seeds × 50 trials and a 300-trial long run, for smoke tests.
/// `HONE_BENCH_TUNE_SAMPLERS` (comma-separated names), `HONE_BENCH_TUNE_SEEDS` and
/// `HONE_BENCH_TUNE_LONG_TRIALS` (0 skips the long run) override the defaults, to check
/// a change on many seeds without the other samplers; `HONE_BENCH_TUNE_TRIALS` sets the
/// trials per seed (regret is also reported at 200, 300 and 1,000 trials when reached),
/// `HONE_BENCH_TUNE_WIDE_SEEDS` the seeds of the wide run (default 200; 0 skips it),
/// `HONE_BENCH_TUNE_LONG_RUNS` how many long runs the overhead is the median of (default 3).
/// `HONE_BENCH_TUNE_FUNCTIONS` replaces Branin and Hartmann6 by other test functions, to
/// check a sampler change beyond W5: names of ``BenchmarkFunction`` with the dimension
/// appended for those of any dimension (`forrester,six_hump_camel,hartmann3,levy4`).
public func runTuneBenchmark(quick: Bool) -> [BenchResult] {
    let environment = ProcessInfo.processInfo.environment
    let samplers = environment["HONE_BENCH_TUNE_SAMPLERS"].map { $0.split(separator: ",").map(String.init) }
    let functions = environment["HONE_BENCH_TUNE_FUNCTIONS"].map { $0.split(separator: ",").map(String.init) }
    return runTuneBenchmark(
        samplers: samplers ?? ["random", "tpe", "tpe-independent", "gp", "genetic", "cmaes"],
        functions: (functions ?? ["branin", "hartmann6"]).map(parseTestFunction),
        seeds: environment["HONE_BENCH_TUNE_SEEDS"].flatMap { Int($0) } ?? (quick ? 2 : 5),
        trials: environment["HONE_BENCH_TUNE_TRIALS"].flatMap { Int($0) } ?? (quick ? 50 : 100),
        longTrials: environment["HONE_BENCH_TUNE_LONG_TRIALS"].flatMap { Int($0) } ?? (quick ? 300 : 1000),
        wideSeeds: environment["HONE_BENCH_TUNE_WIDE_SEEDS"].flatMap { Int($0) } ?? (quick ? 0 : 200),
        longRuns: max(environment["HONE_BENCH_TUNE_LONG_RUNS"].flatMap { Int($0) } ?? (quick ? 1 : 3), 1))
}

/// A test function by name, with its dimension appended for the functions of any
/// dimension (`levy4`); stops on a name that is none.
func parseTestFunction(_ name: String) -> TestFunction {
    if let function = BenchmarkFunction(rawValue: name), let fixed = function.dimension {
        return TestFunction(function: function, dimension: fixed)
    }
    let digits = name.reversed().prefix { $0.isNumber }
    let base = String(name.dropLast(digits.count))
    guard let function = BenchmarkFunction(rawValue: base) else { fatalError("unknown test function \(name)") }
    if let fixed = function.dimension {
        guard digits.isEmpty || Int(String(digits.reversed())) == fixed else { fatalError("\(base) has \(fixed) inputs") }
        return TestFunction(function: function, dimension: fixed)
    }
    guard let n = Int(String(digits.reversed())), n > 0 else { fatalError("\(base) needs a dimension, e.g. \(base)4") }
    return TestFunction(function: function, dimension: n)
}

/// A benchmark function at one dimension, named as in the report (`levy4`, `branin`).
struct TestFunction {
    let function: BenchmarkFunction
    let dimension: Int
    var name: String { function.dimension == nil ? "\(function.rawValue)\(dimension)" : function.rawValue }
    var minimum: Double { function.globalMinimum(dimension: dimension) }
}

/// W5 on Branin and Hartmann6 with explicit settings (see the next function).
public func runTuneBenchmark(samplers: [String], seeds: Int, trials: Int, longTrials: Int, wideSeeds: Int = 0) -> [BenchResult] {
    runTuneBenchmark(samplers: samplers, functions: [parseTestFunction("branin"), parseTestFunction("hartmann6")],
                     seeds: seeds, trials: trials, longTrials: longTrials, wideSeeds: wideSeeds)
}

/// W5 with explicit settings. `tpe` is the default TPESampler (multivariate for one
/// objective, like Optuna 5's default) and is also reported as `tpe-multivariate`.
/// Overhead is the sampler's CPU time, mean over trials 91–100 and over the last 10
/// trials of a long run, the median of `longRuns` such runs (seeds 0, 1, …);
/// `trial_wall_ms_at_…` is the whole trial's wall-clock time over the same windows.
/// GP's run stops at 100 trials (its cubic cost makes 1,000 impractical).
/// `wideSeeds` > 0 also runs every sampler but GP on that many seeds (0, 1, …) and reports
/// `median_regret_at_50_wide` and `median_regret_at_100_wide` with `wide_seeds`: the
/// median of five seeds swings by a factor of two or more from one set of seeds to
/// another, so a comparison that should hold beyond seeds 0–4 needs these.
/// Set `HONE_BENCH_VERBOSE` to print every seed's regrets and sampled-values digest to standard error.
func runTuneBenchmark(
    samplers: [String], functions: [TestFunction], seeds: Int, trials: Int, longTrials: Int, wideSeeds: Int = 0,
    longRuns: Int = 3
) -> [BenchResult] {
    var results: [BenchResult] = []
    let verbose = ProcessInfo.processInfo.environment["HONE_BENCH_VERBOSE"] != nil
    let checkpoints = [25, 50, 100, 200, 300, 1000].filter { $0 <= trials }
    for s in samplers {
        for function in functions {
            var regrets = [Int: [Double]]()
            var digests: [String] = []
            // The wide run's first seeds are the reported ones: each seed is run once.
            let wideCount = wideSeeds > 0 && s != "gp" && trials >= 50 ? wideSeeds : 0
            var wide: [Int: [Double]] = [:]
            for seed in 0..<max(seeds, wideCount) {
                let run = runTuneStudy(sampler: makeTuneSampler(s, seed: UInt64(seed)), function: function, trials: trials)
                if seed < seeds {
                    for c in checkpoints { regrets[c, default: []].append(run.best[c - 1] - function.minimum) }
                    digests.append(String(run.digest, radix: 16))
                }
                if seed < wideCount {
                    for c in [50, 100] where c <= trials { wide[c, default: []].append(run.best[c - 1] - function.minimum) }
                }
            }
            if verbose {
                let per = checkpoints.map { c in "@\(c): " + regrets[c]!.map { String(format: "%.4g", $0) }.joined(separator: " ") }
                FileHandle.standardError.write("\(s) \(function.name) per seed \(per.joined(separator: " | "))\n".data(using: .utf8)!)
                FileHandle.standardError.write(
                    "\(s) \(function.name) sampled-values digest per seed \(digests.joined(separator: " "))\n".data(using: .utf8)!)
            }
            var names = ["W5/\(function.name)/\(s)"]
            if s == "tpe" { names.append("W5/\(function.name)/tpe-multivariate") }
            let long = s == "gp" ? min(longTrials, 100) : longTrials
            // Several long runs (seeds 0, 1, …): a 10-trial window lasts about a millisecond,
            // so one busy moment on a shared machine can double one run's figure.
            let runs = long >= 100
                ? (0..<longRuns).map { runTuneStudy(sampler: makeTuneSampler(s, seed: UInt64($0)), function: function, trials: long) }
                : []
            /// The median over the long runs of the mean of `series` over trials `range`, in ms.
            func windowMs(_ series: (TuneRun) -> [Double], _ range: Range<Int>) -> Double {
                median(runs.map { series($0)[range].reduce(0, +) / Double(range.count) * 1e3 })
            }
            if verbose && long >= 100 {
                // Means over 100-trial windows, steadier than the 10-trial metrics.
                let windows = stride(from: 0, to: long, by: 100).map { (lo: Int) -> String in
                    String(format: "%d-%d: %.4f", lo + 1, min(lo + 100, long), windowMs({ $0.overhead }, lo..<min(lo + 100, long)))
                }
                FileHandle.standardError.write("\(s) \(function.name) overhead ms/trial by window \(windows.joined(separator: ", "))\n".data(using: .utf8)!)
            }
            for name in names {
                for c in checkpoints {
                    results.append(BenchResult(workload: name, metric: "median_regret_at_\(c)", value: median(regrets[c]!)))
                }
                for c in wide.keys.sorted() {
                    results.append(BenchResult(workload: name, metric: "median_regret_at_\(c)_wide", value: median(wide[c]!)))
                }
                if !wide.isEmpty {
                    results.append(BenchResult(workload: name, metric: "wide_seeds", value: Double(wideSeeds)))
                }
                for end in Set([100, long]).sorted() where long >= 100 {
                    let window = (end - 10)..<end
                    results.append(BenchResult(
                        workload: name, metric: "overhead_ms_per_trial_at_\(end)", value: windowMs({ $0.overhead }, window)))
                    results.append(BenchResult(
                        workload: name, metric: "trial_wall_ms_at_\(end)", value: windowMs({ $0.wall }, window)))
                }
            }
        }
    }
    return results
}
