import Foundation
import HoneCore

/// Each feature cut at its training quartiles into up to four bins, with the statistics
/// LIME needs to draw a value back from a bin (the `lime` package's QuartileDiscretizer).
struct QuartileDiscretizer {
    /// Per feature, the distinct quartiles (25th, 50th, 75th percentile, linear interpolation).
    let cuts: [[Double]]
    /// Per feature and bin: mean, standard deviation (plus 1e-11), lower and upper bound of the training values in it.
    let means: [[Double]], deviations: [[Double]], lowers: [[Double]], uppers: [[Double]]
    /// Per feature, the fraction of training rows in each bin.
    let frequencies: [[Double]]
    /// Per feature, its bins drawn at the training frequencies and values drawn from them.
    let samplers: [BinSampler]
    /// Per feature, the mean and standard deviation of the bin indices of the training rows.
    let binIndexMean: [Double], binIndexScale: [Double]

    init(training: FeatureRows) {
        var cuts: [[Double]] = [], means: [[Double]] = [], deviations: [[Double]] = []
        var lowers: [[Double]] = [], uppers: [[Double]] = [], frequencies: [[Double]] = []
        var indexMean: [Double] = [], indexScale: [Double] = []
        for feature in 0..<training.featureCount {
            let column = training.column(feature)
            let sorted = column.sorted()
            let quartiles = Array(Set([0.25, 0.5, 0.75].map { percentile(sorted, $0) })).sorted()
            let bins = column.map { Self.bin(of: $0, cuts: quartiles) }
            var binMeans: [Double] = [], binDeviations: [Double] = [], binFrequencies: [Double] = []
            for b in 0...quartiles.count {
                let members = zip(column, bins).filter { $0.1 == b }.map(\.0)
                let mean = members.isEmpty ? 0 : members.reduce(0, +) / Double(members.count)
                let variance = members.isEmpty ? 0 : members.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(members.count)
                binMeans.append(mean)
                binDeviations.append(variance.squareRoot() + 1e-11)
                binFrequencies.append(Double(members.count) / Double(column.count))
            }
            let binValues = bins.map(Double.init)
            let mean = binValues.reduce(0, +) / Double(binValues.count)
            let deviation = (binValues.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(binValues.count)).squareRoot()
            cuts.append(quartiles)
            means.append(binMeans)
            deviations.append(binDeviations)
            lowers.append([sorted.first!] + quartiles)
            uppers.append(quartiles + [sorted.last!])
            frequencies.append(binFrequencies)
            indexMean.append(mean)
            indexScale.append(deviation == 0 ? 1 : deviation)
        }
        self.cuts = cuts
        self.means = means
        self.deviations = deviations
        self.lowers = lowers
        self.uppers = uppers
        self.frequencies = frequencies
        samplers = (0..<frequencies.count).map { feature in
            BinSampler(
                cumulativeFrequencies: frequencies[feature].reduce(into: [Double]()) { $0.append(($0.last ?? 0) + $1) },
                bins: (0..<frequencies[feature].count).map {
                    TruncatedNormal(mean: means[feature][$0], deviation: deviations[feature][$0],
                                    low: lowers[feature][$0], high: uppers[feature][$0])
                })
        }
        binIndexMean = indexMean
        binIndexScale = indexScale
    }

    /// The bin of `value`: the number of cuts strictly below it (numpy's `searchsorted`, side left).
    static func bin(of value: Double, cuts: [Double]) -> Int {
        cuts.firstIndex { value <= $0 } ?? cuts.count
    }

    /// A human-readable condition for `feature` lying in `bin` (`"x <= 1.5"`, `"1.5 < x <= 2"`, `"x > 2"`).
    func condition(feature: Int, bin: Int, name: String) -> String {
        let cut = cuts[feature]
        if cut.isEmpty { return name }
        if bin == 0 { return "\(name) <= \(cut[0])" }
        if bin == cut.count { return "\(name) > \(cut[bin - 1])" }
        return "\(cut[bin - 1]) < \(name) <= \(cut[bin])"
    }
}

/// How LIME redraws one feature: a bin at the training frequencies, then a value from it.
struct BinSampler {
    /// The running sums of the bin frequencies: a uniform draw below entry `b` and at or
    /// above entry `b − 1` picks bin `b`.
    let cumulativeFrequencies: [Double]
    /// Each bin's distribution of values.
    let bins: [TruncatedNormal]
    /// The running sums as 53-bit integers (the last, the total, left out), compared with
    /// the generator's top 53 bits.
    private let edges: [UInt64]

    init(cumulativeFrequencies: [Double], bins: [TruncatedNormal]) {
        self.cumulativeFrequencies = cumulativeFrequencies
        self.bins = bins
        let total = cumulativeFrequencies[cumulativeFrequencies.count - 1]
        edges = cumulativeFrequencies.dropLast().map { UInt64(($0 / total * 0x1p53).rounded()) }
    }

    /// `count` draws of a bin and a value in it (two uniforms each), each handed to `body`
    /// with its index; the tables are read through pointers held for the whole batch.
    @inline(__always)
    func draw(_ count: Int, _ generator: inout SeededGenerator, _ body: (_ index: Int, _ bin: Int, _ value: Double) -> Void) {
        bins.withUnsafeBufferPointer { bins in
            for index in 0..<count {
                let u = generator.next() >> 11
                // The bin is the number of edges at or below u, counted by sign bits: bins are
                // drawn at random, so a compare-and-branch would be mispredicted about once per draw.
                var bin = 0
                for edge in edges { bin &+= Int(truncatingIfNeeded: (edge &- 1 &- u) >> 63) }
                body(index, bin, bins[bin].value(at: generator.nextDouble()))
            }
        }
    }
}

/// A normal with a bin's mean and deviation truncated to the bin's bounds (scipy's
/// `truncnorm`, which the `lime` package draws from), drawn by inverting its distribution
/// function: one uniform and, for most draws, one rational function per value, where
/// rejection sampling needed a logarithm per pair of normals and retried misses.
struct TruncatedNormal {
    /// The normal's mean and standard deviation, and the bounds it is truncated to.
    let mean: Double, deviation: Double, low: Double, high: Double
    /// Whether the standardized interval lies above 0 and is drawn mirrored, so that a
    /// bin far in the upper tail keeps the precision Φ has in the lower one.
    private let mirrored: Bool
    /// Φ at the (mirrored) standardized lower bound, and Φ(upper) − Φ(lower).
    private let lowerProbability: Double, probabilityWidth: Double

    init(mean: Double, deviation: Double, low: Double, high: Double) {
        self.mean = mean
        self.deviation = deviation
        self.low = low
        self.high = high
        let a = (low - mean) / deviation, b = (high - mean) / deviation
        mirrored = a > 0
        let lower = StandardNormal.cdf(mirrored ? -b : a), upper = StandardNormal.cdf(mirrored ? -a : b)
        lowerProbability = lower
        probabilityWidth = upper - lower
    }

    /// The value at which the truncated distribution function is `u` ∈ [0, 1); an infinite
    /// quantile (a bound 38 deviations out) lands on the bound.
    @inline(__always)
    func value(at u: Double) -> Double {
        let z = StandardNormal.quantile(lowerProbability + u * probabilityWidth)
        return min(max(mean + deviation * (mirrored ? -z : z), low), high)
    }
}

/// Standard normal draws two at a time (Marsaglia's polar method): one logarithm and one
/// square root per pair and no trigonometry, the second value kept for the next call.
/// LIME's continuous perturbation draws one per feature and sample.
struct NormalSampler {
    /// The uniform source.
    var generator: SeededGenerator
    private var spare: Double?

    init(seed: UInt64) {
        generator = SeededGenerator(seed: seed)
    }

    mutating func next() -> Double {
        if let value = spare {
            spare = nil
            return value
        }
        while true {
            let u = 2 * generator.nextDouble() - 1, v = 2 * generator.nextDouble() - 1
            let s = u * u + v * v
            if s > 0 && s < 1 {
                let factor = (-2 * log(s) / s).squareRoot()
                spare = v * factor
                return u * factor
            }
        }
    }
}

/// The `q` quantile of sorted values, interpolating linearly between neighbours (numpy's default).
func percentile(_ sorted: [Double], _ q: Double) -> Double {
    let position = q * Double(sorted.count - 1)
    let lower = Int(position.rounded(.down))
    let upper = min(lower + 1, sorted.count - 1)
    return sorted[lower] + (position - Double(lower)) * (sorted[upper] - sorted[lower])
}
