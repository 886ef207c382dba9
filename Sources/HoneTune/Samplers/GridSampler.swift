import Foundation
import HoneCore

/// Tries every combination of the given parameter values, each exactly once.
///
/// The study enqueues the whole grid once, atomically, as waiting trials in its storage
/// (see ``FiniteSampler``); every worker thread or process claims grid points from the
/// storage, so none is run twice and none is skipped, and the study stops when the grid
/// is done. A worker that dies mid-trial has its point re-enqueued on resume.
///
/// ```swift
/// let grid = GridSampler(searchSpace: ["lr": [0.1, 0.01], "opt": ["sgd", "adam"]])
/// ```
/// The objective must suggest exactly these names; each suggest returns the grid value
/// (which must lie in the suggested range).
public final class GridSampler: FiniteSampler {
    /// The grid, names sorted.
    public let searchSpace: [(name: String, values: [ParameterValue])]
    private let seed: UInt64?
    private let fallback: RandomSampler
    private var warned = Set<String>()

    /// - Parameters:
    ///   - searchSpace: the values of each parameter (duplicates are dropped).
    ///   - seed: when given, the grid is run in a shuffled order (so an early stop still
    ///     spreads over the grid); otherwise in lexicographic order of the sorted names.
    public init(searchSpace: [String: [ParameterValue]], seed: UInt64? = nil) {
        self.searchSpace = searchSpace.keys.sorted().map { name in
            var seen = Set<ParameterValue>()
            return (name, searchSpace[name]!.filter { seen.insert($0).inserted })
        }
        self.seed = seed
        fallback = RandomSampler(seed: seed ?? 0)
    }

    /// A grid from distributions: every choice of a categorical, every integer (per step),
    /// every point of a stepped float; an unstepped float gets `floatPoints` evenly spaced
    /// values (log-spaced on a log scale), or throws when `floatPoints` is nil.
    public convenience init(
        distributions: [String: ParameterDistribution], floatPoints: Int? = nil, seed: UInt64? = nil
    ) throws {
        var space: [String: [ParameterValue]] = [:]
        var total = 1
        // Sizes are checked before any value is made, so a huge range fails fast instead of
        // exhausting memory.
        func checkSize(_ name: String, _ size: Double) throws {
            guard size.isFinite, size <= Double(Self.maximumPoints), total * Int(size) <= Self.maximumPoints else {
                throw TuneError.invalidDistribution(
                    name: name, reason: "the grid would have more than \(Self.maximumPoints) points")
            }
            total *= Int(size)
        }
        for (name, d) in distributions.sorted(by: { $0.key < $1.key }) {
            switch d {
            case .categorical(let choices):
                try checkSize(name, Double(choices.count))
                space[name] = choices.map(ParameterValue.init)
            case .int(let low, let high, let log, let step):
                let count = ((Double(high) - Double(low)) / Double(step)).rounded(.down) + 1
                if log, let n = floatPoints, count > Double(n) {
                    try checkSize(name, Double(n))
                    let unit = (0..<n).map { n == 1 ? 0 : Double($0) / Double(n - 1) }
                    space[name] = Array(Set(unit.map { Int(d.fromUnit($0)) })).sorted().map { .int($0) }
                } else {
                    try checkSize(name, count)
                    space[name] = stride(from: low, through: high, by: step).map { .int($0) }
                }
            case .float(let low, let high, _, let step):
                if let step {
                    let steps = ((high - low) / step + 1e-9).rounded(.down)
                    try checkSize(name, steps + 1)
                    let n = Int(steps)
                    space[name] = (0...n).map { .float(min(low + Double($0) * step, high)) }
                } else if let n = floatPoints, n >= 1 {
                    try checkSize(name, Double(n))
                    space[name] = (0..<n).map { .float(d.fromUnit(n == 1 ? 0.5 : Double($0) / Double(n - 1))) }
                } else {
                    throw TuneError.invalidDistribution(
                        name: name, reason: "a grid needs a step (or a number of grid points) for a float range")
                }
            }
        }
        self.init(searchSpace: space, seed: seed)
    }

    /// The most points a grid made from distributions may have: each point is stored as
    /// a waiting trial up front, and no study runs more.
    public static let maximumPoints = 1_000_000

    /// The number of grid points.
    public var count: Int { searchSpace.reduce(1) { $0 * $1.values.count } }

    /// "grid:" and a hash of the grid, so a study enqueues one grid once.
    public var configurationSetKey: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let text = searchSpace.map { entry in
            entry.name + "=" + String(decoding: (try? encoder.encode(entry.values)) ?? Data(), as: UTF8.self)
        }.joined(separator: "&")
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a
        for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return "grid:" + String(hash, radix: 16) + ":\(count)"
    }

    public func configurations() -> [[String: ParameterValue]] {
        var out: [[String: ParameterValue]] = [[:]]
        for (name, values) in searchSpace {
            out = out.flatMap { partial in values.map { v in partial.merging([name: v]) { $1 } } }
        }
        if let seed {
            var rng = SeededGenerator(seed: seed)
            for i in stride(from: out.count - 1, to: 0, by: -1) { out.swapAt(i, rng.nextInt(below: i + 1)) }
        }
        return out
    }

    /// Only reached for a name outside the grid: sampled at random, with a warning.
    public func sampleIndependent(
        study: StudyView, trial: FrozenTrial, name: String, distribution: ParameterDistribution
    ) -> Double {
        if warned.insert(name).inserted {
            FileHandle.standardError.write(Data(
                "warning: '\(name)' is not in the grid search space; sampling it at random\n".utf8))
        }
        return fallback.sampleIndependent(study: study, trial: trial, name: name, distribution: distribution)
    }
}
