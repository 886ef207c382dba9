import Foundation
import HoneCore
import HoneTune
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// CPU seconds of the calling thread: sampler overhead is measured in CPU time, which a
/// busy shared machine disturbs far less than wall-clock time (the two agree when quiet).
private func threadCPUSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

// W5: sampler quality (median regret) and sampler overhead on Branin and Hartmann6.
// The study loop here is a minimal one (in-memory trials, define-by-run order of a fixed
// parameter list) so that the timing covers the sampler alone: every call into the
// sampler is timed, the objective and the bookkeeping are not.

/// A test function with its known global minimum.
struct TuneObjective {
    let name: String
    let params: [(String, ParameterDistribution)]
    let minimum: Double
    let f: ([Double]) -> Double

    static let branin = TuneObjective(
        name: "branin",
        params: [("x1", .float(low: -5, high: 10, log: false, step: nil)),
                 ("x2", .float(low: 0, high: 15, log: false, step: nil))],
        minimum: 0.397887,
        f: { x in
            let a = 1.0, b = 5.1 / (4 * Double.pi * Double.pi), c = 5 / Double.pi
            let r = 6.0, s = 10.0, t = 1 / (8 * Double.pi)
            let u = x[1] - b * x[0] * x[0] + c * x[0] - r
            return a * u * u + s * (1 - t) * cos(x[0]) + s
        })

    static let hartmann6 = TuneObjective(
        name: "hartmann6",
        params: (0..<6).map { ("x\($0)", .float(low: 0, high: 1, log: false, step: nil)) },
        minimum: -3.32237,
        f: { x in
            let a: [[Double]] = [[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14],
                                 [3, 3.5, 1.7, 10, 17, 8], [17, 8, 0.05, 10, 0.1, 14]]
            let p: [[Double]] = [[1312, 1696, 5569, 124, 8283, 5886], [2329, 4135, 8307, 3736, 1004, 9991],
                                 [2348, 1451, 3522, 2883, 3047, 6650], [4047, 8828, 8732, 5743, 1091, 381]]
            let alpha: [Double] = [1.0, 1.2, 3.0, 3.2]
            var total = 0.0
            for i in 0..<4 {
                var inner = 0.0
                for j in 0..<6 { let d = x[j] - 1e-4 * p[i][j]; inner += a[i][j] * d * d }
                total += alpha[i] * exp(-inner)
            }
            return -total
        })
}

/// The smallest study a sampler needs: trials in memory, asked in order.
final class BenchStudy: StudyView {
    let directions: [StudyDirection]
    private(set) var all: [FrozenTrial] = []

    init(directions: [StudyDirection] = [.minimize]) { self.directions = directions }

    func trials(states: Set<TrialState>?) -> [FrozenTrial] {
        guard let states else { return all }
        return all.filter { states.contains($0.state) }
    }

    /// Runs one trial; returns the objective value and the seconds spent inside the sampler.
    func runTrial(sampler: Sampler, objective: TuneObjective) -> (value: Double, samplerSeconds: Double) {
        var trial = FrozenTrial(number: all.count, state: .running)
        all.append(trial)
        var spent = 0.0
        var start = threadCPUSeconds()
        let space = sampler.inferRelativeSearchSpace(study: self, trial: trial)
        let relative = space.isEmpty ? [:] : sampler.sampleRelative(study: self, trial: trial, searchSpace: space)
        spent += threadCPUSeconds() - start
        var x: [Double] = []
        for (name, dist) in objective.params {
            let v: Double
            if let r = relative[name], space[name] == dist {
                v = r
            } else {
                start = threadCPUSeconds()
                v = sampler.sampleIndependent(study: self, trial: trial, name: name, distribution: dist)
                spent += threadCPUSeconds() - start
            }
            trial.params[name] = v
            trial.distributions[name] = dist
            all[trial.number] = trial
            x.append(v)
        }
        let y = objective.f(x)
        start = threadCPUSeconds()
        sampler.afterTrial(study: self, trial: trial, state: .complete, values: [y])
        spent += threadCPUSeconds() - start
        trial.state = .complete
        trial.values = [y]
        all[trial.number] = trial
        return (y, spent)
    }
}

/// A uniform sampler for the benchmark's baseline (the study module's RandomSampler
/// lives on another branch).
final class BenchRandomSampler: Sampler {
    private var rng: SeededGenerator
    init(seed: UInt64) { rng = SeededGenerator(seed: seed) }
    func sampleIndependent(study: StudyView, trial: FrozenTrial, name: String, distribution: ParameterDistribution) -> Double {
        distribution.fromUnit(rng.nextDouble())
    }
}

/// The samplers of W5, by the names of `shared/bench/README.md`.
func makeTuneSampler(_ name: String, seed: UInt64) -> Sampler {
    switch name {
    case "random": return BenchRandomSampler(seed: seed)
    case "tpe": return TPESampler(seed: seed)
    case "tpe-multivariate": return TPESampler(seed: seed, multivariate: true)
    case "tpe-independent": return TPESampler(seed: seed, multivariate: false)
    case "gp": return GPSampler(seed: seed)
    case "genetic": return GeneticSampler(seed: seed)
    default: fatalError("unknown sampler \(name)")
    }
}

private func median(_ xs: [Double]) -> Double {
    let s = xs.sorted()
    guard !s.isEmpty else { return .nan }
    return s.count % 2 == 1 ? s[s.count / 2] : 0.5 * (s[s.count / 2 - 1] + s[s.count / 2])
}

/// W5. `quick` runs 2 seeds × 50 trials and a 300-trial long run, for smoke tests.
public func runTuneBenchmark(quick: Bool) -> [BenchResult] {
    runTuneBenchmark(
        samplers: ["random", "tpe", "tpe-independent", "gp", "genetic"],
        seeds: quick ? 2 : 5, trials: quick ? 50 : 100, longTrials: quick ? 300 : 1000)
}

/// W5 with explicit settings. `tpe` is the default TPESampler (multivariate, like
/// Optuna 5's default) and is also reported as `tpe-multivariate`.
public func runTuneBenchmark(samplers: [String], seeds: Int, trials: Int, longTrials: Int) -> [BenchResult] {
    var results: [BenchResult] = []
    let objectives = [TuneObjective.branin, TuneObjective.hartmann6]
    let checkpoints = [25, 50, 100].filter { $0 <= trials }
    for s in samplers {
        for obj in objectives {
            var regrets = [Int: [Double]]()
            for seed in 0..<seeds {
                let study = BenchStudy()
                let sampler = makeTuneSampler(s, seed: UInt64(seed))
                var best = Double.infinity
                for i in 0..<trials {
                    let (y, _) = study.runTrial(sampler: sampler, objective: obj)
                    best = min(best, y)
                    if checkpoints.contains(i + 1) { regrets[i + 1, default: []].append(best - obj.minimum) }
                }
            }
            if ProcessInfo.processInfo.environment["HONE_BENCH_VERBOSE"] != nil {
                let per = checkpoints.map { c in "@\(c): " + regrets[c]!.map { String(format: "%.4g", $0) }.joined(separator: " ") }
                FileHandle.standardError.write("\(s) \(obj.name) per seed \(per.joined(separator: " | "))\n".data(using: .utf8)!)
            }
            var names = ["W5/\(obj.name)/\(s)"]
            if s == "tpe" { names.append("W5/\(obj.name)/tpe-multivariate") }
            for name in names {
                for c in checkpoints {
                    results.append(BenchResult(workload: name, metric: "median_regret_at_\(c)", value: median(regrets[c]!)))
                }
            }
            // Overhead: mean sampler time of the 10 trials before trial 100 and before the
            // last one of a single long run (GP's cubic cost stops its run at 100 trials).
            let long = s == "gp" ? min(longTrials, 100) : longTrials
            let study = BenchStudy()
            let sampler = makeTuneSampler(s, seed: 0)
            var w100 = 0.0, wLong = 0.0
            for i in 0..<long {
                let (_, t) = study.runTrial(sampler: sampler, objective: obj)
                if i >= 90 && i < 100 { w100 += t }
                if i >= long - 10 { wLong += t }
            }
            for name in names {
                if long >= 100 {
                    results.append(BenchResult(workload: name, metric: "overhead_ms_per_trial_at_100", value: w100 / 10 * 1e3))
                }
                if long > 100 {
                    results.append(BenchResult(workload: name, metric: "overhead_ms_per_trial_at_\(long)", value: wLong / 10 * 1e3))
                }
            }
            FileHandle.standardError.write("\(s) \(obj.name) done\n".data(using: .utf8)!)
        }
    }
    return results
}
