import HoneCore

/// Maps feature values to small bin numbers, the form histogram-based tree growing works on
/// (Ke et al. 2017, LightGBM).
///
/// Bin 0 holds missing values. A numeric feature's other bins cover value ranges cut at
/// quantiles of (a sample of) the training values, at most `maxBins` of them; a feature
/// with few distinct values gets one bin per value. A categorical feature's code `c` goes
/// to bin `c + 1`, so codes must be whole numbers in 0…254.
struct FeatureBinning: Sendable {
    /// The largest number of non-missing bins a feature can have (bins fit in a `UInt8`).
    static let binLimit = 255

    /// Per numeric feature, the inclusive upper edge of each non-missing bin (the last is +∞).
    let upperBounds: [[Double]]
    /// Which features are categorical.
    let isCategorical: [Bool]

    /// The number of non-missing bins of `feature`.
    func binCount(_ feature: Int) -> Int {
        isCategorical[feature] ? Self.binLimit : upperBounds[feature].count
    }

    /// Bin edges for every feature of `x`, from at most `sampleLimit` rows.
    init(_ x: FeatureMatrix, maxBins: Int, categorical: Set<Int>, sampleLimit: Int = 200_000, seed: UInt64 = 0) throws {
        guard (2...Self.binLimit).contains(maxBins) else {
            throw TreesError.invalidConfiguration(field: "max_bins", expected: "2 to \(Self.binLimit), got \(maxBins)")
        }
        if let bad = categorical.first(where: { !(0..<x.featureCount).contains($0) }) {
            throw TreesError.invalidConfiguration(
                field: "categorical_features", expected: "feature indices below \(x.featureCount), got \(bad)")
        }
        var sampleRows = Array(0..<x.rowCount)
        if x.rowCount > sampleLimit {
            var rng = SeededGenerator(seed: seed)
            for i in 0..<sampleLimit {
                sampleRows.swapAt(i, i + rng.nextInt(below: x.rowCount - i))
            }
            sampleRows = Array(sampleRows[0..<sampleLimit]).sorted()
        }
        var bounds = [[Double]]()
        var categoricalFlags = [Bool]()
        for feature in 0..<x.featureCount {
            if categorical.contains(feature) {
                for row in 0..<x.rowCount {
                    let v = x[row, feature]
                    guard v.isNaN || (v >= 0 && v < Double(Self.binLimit) && v == v.rounded(.down)) else {
                        throw TreesError.invalidConfiguration(
                            field: "categorical feature \(feature)",
                            expected: "whole category codes from 0 to \(Self.binLimit - 1), got \(v) in row \(row)")
                    }
                }
                bounds.append([])
                categoricalFlags.append(true)
                continue
            }
            var sample = sampleRows.map { x[$0, feature] }.filter { !$0.isNaN }
            sample.sort()
            bounds.append(Self.quantileEdges(sortedValues: sample, maxBins: maxBins))
            categoricalFlags.append(false)
        }
        upperBounds = bounds
        isCategorical = categoricalFlags
    }

    /// Upper bin edges of sorted values: one bin per distinct value when they are few,
    /// else cuts placed so each bin holds about the same number of values; edges sit
    /// halfway between neighbouring distinct values, the last edge is +∞.
    static func quantileEdges(sortedValues: [Double], maxBins: Int) -> [Double] {
        var distinct: [Double] = []
        var counts: [Int] = []
        for v in sortedValues {
            if let last = distinct.last, last == v {
                counts[counts.count - 1] += 1
            } else {
                distinct.append(v)
                counts.append(1)
            }
        }
        guard distinct.count > 1 else { return [.infinity] }
        var edges: [Double] = []
        if distinct.count <= maxBins {
            for i in 0..<(distinct.count - 1) { edges.append(midpoint(distinct[i], distinct[i + 1])) }
        } else {
            let perBin = Double(sortedValues.count) / Double(maxBins)
            var seen = 0
            var nextCut = perBin
            for i in 0..<(distinct.count - 1) {
                seen += counts[i]
                if Double(seen) >= nextCut, edges.count < maxBins - 1 {
                    edges.append(midpoint(distinct[i], distinct[i + 1]))
                    while nextCut <= Double(seen) { nextCut += perBin }
                }
            }
        }
        edges.append(.infinity)
        return edges
    }

    private static func midpoint(_ a: Double, _ b: Double) -> Double {
        let m = a + (b - a) / 2
        // The edge must lie at or above `a` and strictly below `b`, so `a` goes left.
        return m < b ? m : a
    }

    /// The bin of `value` for `feature`.
    @inline(__always)
    func bin(_ value: Double, feature: Int) -> UInt8 {
        if value.isNaN { return 0 }
        if isCategorical[feature] {
            return value >= 0 && value < Double(Self.binLimit) ? UInt8(Int(value) + 1) : 0
        }
        let edges = upperBounds[feature]
        var low = 0
        var high = edges.count - 1
        while low < high {
            let mid = (low + high) / 2
            if value <= edges[mid] { high = mid } else { low = mid + 1 }
        }
        return UInt8(low + 1)
    }

    /// The bins of every value of `x`, feature-major (`bins[feature * rowCount + row]`).
    func binColumns(_ x: FeatureMatrix) -> [UInt8] {
        let rows = x.rowCount
        var bins = [UInt8](repeating: 0, count: rows * x.featureCount)
        bins.withUnsafeMutableBufferPointer { out in
            x.values.withUnsafeBufferPointer { values in
                Parallel.forEachChunk(x.featureCount, costPerItem: rows * 8) { features in
                    for feature in features {
                        for row in 0..<rows {
                            out[feature * rows + row] = bin(values[row * x.featureCount + feature], feature: feature)
                        }
                    }
                }
            }
        }
        return bins
    }
}
