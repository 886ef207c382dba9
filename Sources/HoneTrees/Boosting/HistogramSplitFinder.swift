/// The gradient sum, hessian sum and row count of a set of rows.
struct GradientStats: Sendable {
    var g = 0.0
    var h = 0.0
    var n = 0.0

    static func + (a: GradientStats, b: GradientStats) -> GradientStats { GradientStats(g: a.g + b.g, h: a.h + b.h, n: a.n + b.n) }
    static func - (a: GradientStats, b: GradientStats) -> GradientStats { GradientStats(g: a.g - b.g, h: a.h - b.h, n: a.n - b.n) }
}

/// The best split found for one leaf.
struct BoostingSplit: Sendable {
    var feature = -1
    var gain = 0.0
    /// Numeric splits: bins 1 … thresholdBin go left.
    var thresholdBin = 0
    var missingGoesLeft = false
    /// Categorical splits: bit `c` set sends category code `c` left.
    var categories: [UInt64]? = nil
    var left = GradientStats()
    var right = GradientStats()

    var isValid: Bool { feature >= 0 }
}

/// The limits every candidate split must respect.
struct SplitRules: Sendable {
    var lambda: Double
    var minChildWeight: Double
    var minSamplesLeaf: Double
    var minSplitGain: Double
    var categoricalSplit: GradientBoostingOptions.CategoricalSplit
    var minSamplesPerCategory: Double
    var maxCategoriesLeft: Int
    var categoricalSmoothing: Double

    init(_ options: GradientBoostingOptions) {
        lambda = options.lambda
        minChildWeight = options.minChildWeight
        minSamplesLeaf = Double(options.minSamplesLeaf)
        minSplitGain = options.minSplitGain
        categoricalSplit = options.categoricalSplit
        minSamplesPerCategory = Double(options.minSamplesPerCategory)
        maxCategoriesLeft = options.maxCategoriesLeft
        categoricalSmoothing = options.categoricalSmoothing
    }

    @inline(__always)
    func allows(_ side: GradientStats) -> Bool { side.n >= minSamplesLeaf && side.h >= minChildWeight }
}

/// Finds the split of a leaf that most reduces the second-order loss approximation
/// G²/(H + λ) (Chen & Guestrin 2016), from the leaf's gradient histograms.
///
/// A histogram holds `binStride` bins of (g, h, n) per feature; bin 0 is the missing values.
enum HistogramSplitFinder {
    /// Doubles per bin (gradient, hessian, count).
    static let channels = 3
    /// Bins per feature in a histogram buffer.
    static let binStride = 256
    /// Doubles per feature in a histogram buffer.
    static let featureStride = binStride * channels

    static func best(
        histogram: UnsafePointer<Double>, features: [Int], total: GradientStats, binning: FeatureBinning, rules: SplitRules
    ) -> BoostingSplit {
        var best = BoostingSplit()
        best.gain = rules.minSplitGain
        for feature in features {
            let bins = histogram + feature * featureStride
            if binning.isCategorical[feature] {
                categorical(bins, feature: feature, total: total, rules: rules, best: &best)
            } else {
                numeric(bins, feature: feature, binCount: binning.binCount(feature), total: total, rules: rules, best: &best)
            }
        }
        return best
    }

    @inline(__always)
    private static func stats(_ bins: UnsafePointer<Double>, _ bin: Int) -> GradientStats {
        GradientStats(g: bins[bin * channels], h: bins[bin * channels + 1], n: bins[bin * channels + 2])
    }

    @inline(__always)
    private static func score(_ s: GradientStats, _ lambda: Double) -> Double { s.g * s.g / (s.h + lambda) }

    private static func numeric(
        _ bins: UnsafePointer<Double>, feature: Int, binCount: Int, total: GradientStats, rules: SplitRules, best: inout BoostingSplit
    ) {
        let missing = stats(bins, 0)
        let parent = score(total, rules.lambda)
        for missingLeft in missing.n > 0 ? [false, true] : [false] {
            var left = missingLeft ? missing : GradientStats()
            for bin in 1...binCount {
                let count = bins[bin * channels + 2]
                if count == 0 { continue }
                left.g += bins[bin * channels]
                left.h += bins[bin * channels + 1]
                left.n += count
                let right = total - left
                if right.n < rules.minSamplesLeaf || right.h < rules.minChildWeight { break }
                if !rules.allows(left) { continue }
                let gain = score(left, rules.lambda) + score(right, rules.lambda) - parent
                if gain > best.gain {
                    best = BoostingSplit(
                        feature: feature, gain: gain, thresholdBin: bin, missingGoesLeft: missingLeft, categories: nil,
                        left: left, right: right)
                }
            }
        }
    }

    private static func categorical(
        _ bins: UnsafePointer<Double>, feature: Int, total: GradientStats, rules: SplitRules, best: inout BoostingSplit
    ) {
        var used: [(code: Int, stats: GradientStats)] = []
        for bin in 1..<binStride where bins[bin * channels + 2] >= rules.minSamplesPerCategory {
            used.append((bin - 1, stats(bins, bin)))
        }
        guard !used.isEmpty else { return }
        func consider(_ codes: [Int], _ left: GradientStats, lambda: Double) {
            let right = total - left
            guard rules.allows(left), rules.allows(right) else { return }
            let gain = score(left, lambda) + score(right, lambda) - score(total, lambda)
            guard gain > best.gain else { return }
            var words = [UInt64](repeating: 0, count: 4)
            for code in codes { words[code >> 6] |= 1 << UInt64(code & 63) }
            best = BoostingSplit(
                feature: feature, gain: gain, thresholdBin: 0, missingGoesLeft: false, categories: words, left: left, right: right)
        }
        switch rules.categoricalSplit {
        case .oneHot:
            for category in used { consider([category.code], category.stats, lambda: rules.lambda) }
        case .native:
            // Ordering categories by gradient over hessian makes the best many-vs-many
            // partition a prefix of that order (Fisher 1958; LightGBM).
            let smoothing = rules.categoricalSmoothing
            let lambda = rules.lambda + smoothing
            used.sort { $0.stats.g / ($0.stats.h + smoothing) < $1.stats.g / ($1.stats.h + smoothing) }
            let longest = min(rules.maxCategoriesLeft, used.count)
            for order in [used, used.reversed()] {
                var left = GradientStats()
                var codes: [Int] = []
                for category in order.prefix(longest) {
                    left = left + category.stats
                    codes.append(category.code)
                    consider(codes, left, lambda: lambda)
                }
            }
        }
    }
}
