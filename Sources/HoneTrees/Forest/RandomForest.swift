import Dispatch
import HoneCore

/// The settings of a random forest; names and defaults follow scikit-learn's.
public struct RandomForestOptions: Sendable, Equatable {
    /// The settings of every tree (by default each node draws √(feature count) features).
    public var tree: DecisionTreeOptions = {
        var options = DecisionTreeOptions()
        options.maxFeatures = .sqrt
        return options
    }()
    /// The number of trees.
    public var treeCount = 100
    /// Whether each tree sees a bootstrap sample (rows drawn with replacement) instead of every row.
    public var bootstrap = true
    /// Whether to score each row with the trees that did not see it (needs `bootstrap`).
    public var computeOutOfBagScore = true
    /// The seed of the bootstrap samples and of every tree's feature draws.
    public var seed: UInt64 = 0

    /// The defaults.
    public init() {}

    /// Throws for any setting out of its range.
    public func validate() throws {
        try tree.validate()
        guard treeCount >= 1 else { throw TreesError.invalidConfiguration(field: "trees", expected: "at least 1, got \(treeCount)") }
    }
}

/// A random forest (Breiman 2001): trees grown on bootstrap samples, each node choosing
/// among a random subset of the features, predictions averaged.
///
/// Trees are built in parallel; each draws from its own generator seeded from
/// `options.seed` and its index, so the forest is the same however threads are scheduled.
public enum RandomForest {
    /// Fits a forest to `x` and `labels` (class indices 0, 1, … or, with the squared-error criterion, targets).
    ///
    /// With bootstrap and `computeOutOfBagScore`, the model's `outOfBagScore` is the
    /// accuracy (or R²) of each row predicted by the trees that did not see it.
    public static func fit(_ x: FeatureMatrix, labels: [Double], options: RandomForestOptions = RandomForestOptions()) throws -> TreeModel {
        try options.validate()
        guard labels.count == x.rowCount, x.rowCount > 0 else {
            throw TreesError.shapeMismatch("\(labels.count) labels for \(x.rowCount) rows")
        }
        let classCount = try options.tree.resolvedClassCount(labels)
        let binning = try FeatureBinning(x, maxBins: options.tree.maxBins, categorical: [], seed: options.seed)
        let bins = binning.binColumns(x)
        let grower = CARTGrower(bins: bins, rowCount: x.rowCount, binning: binning, options: options.tree, classCount: classCount)
        let n = x.rowCount
        var grown = [(tree: Tree, thresholdBins: [Int])?](repeating: nil, count: options.treeCount)
        grown.withUnsafeMutableBufferPointer { slots in
            let slots = slots
            DispatchQueue.concurrentPerform(iterations: options.treeCount) { t in
                var rng = SeededGenerator(seed: options.seed &+ UInt64(t) &* 0x9E37_79B9_7F4A_7C15)
                let weights = bootstrapWeights(n, enabled: options.bootstrap, rng: &rng)
                slots[t] = grower.grow(labels: labels, weights: weights, rng: &rng)
            }
        }
        let trees = grown.map { $0!.tree }
        let outputs = options.tree.isRegression ? 1 : classCount
        var model = TreeModel(
            kind: .randomForest, task: options.tree.isRegression ? .regression : .classification(classCount: classCount),
            featureCount: x.featureCount, trees: trees, treeOutputOffsets: [Int](repeating: 0, count: trees.count),
            rawOutputCount: outputs, baseScore: [Double](repeating: 0, count: outputs),
            treeWeight: 1 / Double(trees.count), link: .identity, categoricalFeatures: [])
        if options.bootstrap && options.computeOutOfBagScore {
            model.outOfBagScore = outOfBagScore(
                grown.map { $0! }, bins: bins, labels: labels, outputs: outputs, regression: options.tree.isRegression, options: options)
        }
        return model
    }

    /// Bootstrap multiplicities: how often each of `count` rows is drawn in `count` draws with replacement.
    static func bootstrapWeights(_ count: Int, enabled: Bool, rng: inout SeededGenerator) -> [Double] {
        guard enabled else { return [Double](repeating: 1, count: count) }
        var weights = [Double](repeating: 0, count: count)
        for _ in 0..<count { weights[rng.nextInt(below: count)] += 1 }
        return weights
    }

    /// Accuracy (or R²) of every row that some tree left out, predicted by those trees only.
    private static func outOfBagScore(
        _ grown: [(tree: Tree, thresholdBins: [Int])], bins: [UInt8], labels: [Double], outputs: Int, regression: Bool,
        options: RandomForestOptions
    ) -> Double? {
        let n = labels.count
        var sums = [Double](repeating: 0, count: n * outputs)
        var votes = [Int](repeating: 0, count: n)
        bins.withUnsafeBufferPointer { bins in
            for (t, entry) in grown.enumerated() {
                // The same generator stream as the fit, so the same bootstrap sample.
                var rng = SeededGenerator(seed: options.seed &+ UInt64(t) &* 0x9E37_79B9_7F4A_7C15)
                let weights = bootstrapWeights(n, enabled: true, rng: &rng)
                for row in 0..<n where weights[row] == 0 {
                    let leaf = entry.tree.leaf(binnedRow: row, bins: bins, rowCount: n, thresholdBins: entry.thresholdBins)
                    for k in 0..<outputs { sums[row * outputs + k] += entry.tree.values[leaf * outputs + k] }
                    votes[row] += 1
                }
            }
        }
        let scored = (0..<n).filter { votes[$0] > 0 }
        guard !scored.isEmpty else { return nil }
        if regression {
            let mean = scored.map { labels[$0] }.reduce(0, +) / Double(scored.count)
            var residual = 0.0
            var spread = 0.0
            for row in scored {
                let predicted = sums[row] / Double(votes[row])
                residual += (labels[row] - predicted) * (labels[row] - predicted)
                spread += (labels[row] - mean) * (labels[row] - mean)
            }
            return spread > 0 ? 1 - residual / spread : nil
        }
        var correct = 0
        for row in scored {
            let scores = sums[(row * outputs)..<((row + 1) * outputs)]
            let predicted = scores.indices.max { scores[$0] < scores[$1] }! - row * outputs
            if predicted == Int(labels[row]) { correct += 1 }
        }
        return Double(correct) / Double(scored.count)
    }
}
