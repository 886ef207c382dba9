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
    /// Per feature, the running sums of `frequencies`: a uniform draw below entry `b` and at
    /// or above entry `b − 1` picks bin `b`.
    let cumulativeFrequencies: [[Double]]
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
        cumulativeFrequencies = frequencies.map { $0.reduce(into: [Double]()) { $0.append(($0.last ?? 0) + $1) } }
        binIndexMean = indexMean
        binIndexScale = indexScale
    }

    /// The bin of `value`: the number of cuts strictly below it (numpy's `searchsorted`, side left).
    static func bin(of value: Double, cuts: [Double]) -> Int {
        cuts.firstIndex { value <= $0 } ?? cuts.count
    }

    /// A value drawn from bin `bin` of `feature`: a normal with the bin's mean and
    /// deviation truncated to the bin's bounds (by rejection; the bound nearest a draw
    /// after 100 misses, which only a degenerate bin reaches).
    func draw(feature: Int, bin: Int, normals: inout NormalSampler) -> Double {
        Self.draw(mean: means[feature][bin], deviation: deviations[feature][bin],
                  low: lowers[feature][bin], high: uppers[feature][bin], normals: &normals)
    }

    /// A value drawn from a normal with `mean` and `deviation` truncated to [`low`, `high`],
    /// as ``draw(feature:bin:normals:)`` does for a bin.
    @inline(__always)
    static func draw(mean: Double, deviation: Double, low: Double, high: Double, normals: inout NormalSampler) -> Double {
        var value = mean
        for _ in 0..<100 {
            value = mean + deviation * normals.next()
            if value >= low && value <= high { return value }
        }
        return min(max(value, low), high)
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

/// Standard normal draws two at a time (Marsaglia's polar method): one logarithm and one
/// square root per pair and no trigonometry, the second value kept for the next call.
/// LIME draws 150,000 of them per explained row at W6's size, so they are its main cost.
struct NormalSampler {
    /// The uniform source, also used directly for LIME's bin choices.
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
