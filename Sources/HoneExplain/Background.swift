import HoneCore

/// Weighted background rows: the distribution that "absent" features are drawn from.
///
/// KernelSHAP's value of a coalition is the model's output averaged over the background
/// with the coalition's features fixed to the explained row's values; a background of a
/// few weighted cluster centres (``kMeans(_:clusterCount:seed:iterations:)``) keeps that
/// average cheap.
public struct WeightedBackground: Equatable, Sendable {
    /// The background rows.
    public let rows: FeatureRows
    /// One weight per row, summing to 1.
    public let weights: [Double]

    /// A background from rows and weights (normalized here); equal weights when `nil`.
    public init(rows: FeatureRows, weights: [Double]? = nil) {
        let raw = weights ?? [Double](repeating: 1, count: rows.rowCount)
        precondition(raw.count == rows.rowCount, "\(raw.count) weights for \(rows.rowCount) background rows")
        let total = raw.reduce(0, +)
        precondition(total > 0 && raw.allSatisfy { $0 >= 0 }, "background weights must be non-negative with a positive sum")
        self.rows = rows
        self.weights = raw.map { $0 / total }
    }

    /// `clusterCount` centres of `data` found by k-means (k-means++ start, Lloyd iterations),
    /// weighted by their cluster sizes, each centre value then moved to the nearest value
    /// that feature takes in `data` (as `shap.kmeans` does, so a centre stays a plausible row).
    ///
    /// ### References
    /// Arthur & Vassilvitskii 2007, "k-means++: the advantages of careful seeding".
    public static func kMeans(_ data: FeatureRows, clusterCount: Int, seed: UInt64 = 0, iterations: Int = 300) -> WeightedBackground {
        let n = data.rowCount, d = data.featureCount
        let k = min(clusterCount, n)
        precondition(k >= 1, "k-means needs at least one cluster")
        var generator = SeededGenerator(seed: seed)
        var centres = [Double](repeating: 0, count: k * d)
        let x = data.values.map(Double.init)
        func distance(_ row: Int, _ centre: Int) -> Double {
            var sum = 0.0
            for j in 0..<d {
                let diff = x[row * d + j] - centres[centre * d + j]
                sum += diff * diff
            }
            return sum
        }
        let first = generator.nextInt(below: n)
        for j in 0..<d { centres[j] = x[first * d + j] }
        var nearest = (0..<n).map { distance($0, 0) }
        for c in 1..<max(k, 1) {
            let total = nearest.reduce(0, +)
            var chosen = generator.nextInt(below: n)
            if total > 0 {
                var target = generator.nextDouble() * total
                for row in 0..<n {
                    target -= nearest[row]
                    if target <= 0 { chosen = row; break }
                }
            }
            for j in 0..<d { centres[c * d + j] = x[chosen * d + j] }
            for row in 0..<n { nearest[row] = min(nearest[row], distance(row, c)) }
        }
        var labels = [Int](repeating: -1, count: n)
        for _ in 0..<iterations {
            var changed = false
            for row in 0..<n {
                var best = 0, bestDistance = Double.infinity
                for c in 0..<k {
                    let value = distance(row, c)
                    if value < bestDistance { best = c; bestDistance = value }
                }
                if labels[row] != best { labels[row] = best; changed = true }
            }
            if !changed { break }
            var sums = [Double](repeating: 0, count: k * d)
            var counts = [Int](repeating: 0, count: k)
            for row in 0..<n {
                counts[labels[row]] += 1
                for j in 0..<d { sums[labels[row] * d + j] += x[row * d + j] }
            }
            for c in 0..<k where counts[c] > 0 {
                for j in 0..<d { centres[c * d + j] = sums[c * d + j] / Double(counts[c]) }
            }
        }
        var counts = [Double](repeating: 0, count: k)
        for label in labels { counts[label] += 1 }
        var rounded = [Float](repeating: 0, count: k * d)
        for j in 0..<d {
            let column = data.column(j)
            for c in 0..<k {
                let target = centres[c * d + j]
                rounded[c * d + j] = Float(column.min { abs($0 - target) < abs($1 - target) } ?? target)
            }
        }
        let kept = (0..<k).filter { counts[$0] > 0 }
        let keptRows = kept.flatMap { rounded[($0 * d)..<(($0 + 1) * d)] }
        return WeightedBackground(rows: FeatureRows(values: keptRows, featureCount: d), weights: kept.map { counts[$0] })
    }
}
