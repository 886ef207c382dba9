import Foundation
import HoneCore

/// A fitted tree model: one decision tree, a random forest or a boosted ensemble.
///
/// Every kind is a set of trees whose leaf values add up to raw outputs:
/// `raw[k] = baseScore[k] + treeWeight * Σ (leaf values of the trees feeding output k)`,
/// and `link` turns raw outputs into predictions. A forest averages (`treeWeight` is one
/// over the tree count) trees that each predict all class fractions; a boosted ensemble
/// adds margins, one tree per class and round. TreeSHAP explains the raw outputs.
public struct TreeModel: Sendable {
    /// How the trees were built.
    public enum Kind: String, Codable, Sendable {
        /// One CART tree.
        case decisionTree = "decision_tree"
        /// Averaged trees on bootstrap samples.
        case randomForest = "random_forest"
        /// Summed trees fitted to loss gradients.
        case gradientBoosting = "gbdt"
    }

    /// What the model predicts.
    public enum Task: Equatable, Codable, Sendable {
        /// Class probabilities over `classCount` classes (labels 0, 1, …, classCount − 1).
        case classification(classCount: Int)
        /// One real number.
        case regression
    }

    /// The map from raw outputs to predictions.
    public enum Link: String, Codable, Sendable {
        /// Predictions are the raw outputs (forest class fractions, regression values).
        case identity
        /// One raw margin m gives the class probabilities [1 − σ(m), σ(m)].
        case sigmoid
        /// Raw margins give class probabilities by softmax.
        case softmax
    }

    /// The measure `featureImportance(_:)` adds up over split nodes.
    public enum ImportanceKind: String, Sendable {
        /// The total loss reduction of the splits on each feature.
        case gain
        /// How many splits use each feature.
        case splitCount = "split"
    }

    /// How the trees were built.
    public let kind: Kind
    /// What the model predicts.
    public let task: Task
    /// The number of features every row must have.
    public let featureCount: Int
    /// The trees.
    public internal(set) var trees: [Tree]
    /// The first raw output each tree's values add to.
    public internal(set) var treeOutputOffsets: [Int]
    /// The number of raw outputs.
    public let rawOutputCount: Int
    /// The raw outputs before any tree.
    public let baseScore: [Double]
    /// The factor on every tree's values (1 for boosting, 1 / tree count for a forest).
    public let treeWeight: Double
    /// The map from raw outputs to predictions.
    public let link: Link
    /// The features split as categories rather than as numbers.
    public let categoricalFeatures: [Int]
    /// The forest's out-of-bag accuracy (classification) or R² (regression), when computed.
    public internal(set) var outOfBagScore: Double?
    /// The boosting round with the best validation loss, when early stopping watched one.
    public internal(set) var bestIteration: Int?

    init(
        kind: Kind, task: Task, featureCount: Int, trees: [Tree], treeOutputOffsets: [Int], rawOutputCount: Int,
        baseScore: [Double], treeWeight: Double, link: Link, categoricalFeatures: [Int]
    ) {
        self.kind = kind
        self.task = task
        self.featureCount = featureCount
        self.trees = trees
        self.treeOutputOffsets = treeOutputOffsets
        self.rawOutputCount = rawOutputCount
        self.baseScore = baseScore
        self.treeWeight = treeWeight
        self.link = link
        self.categoricalFeatures = categoricalFeatures
    }

    /// The number of prediction columns: classes for a classifier, 1 for regression.
    public var predictionCount: Int {
        if case .classification(let classCount) = task { return classCount }
        return 1
    }

    /// Throws unless `x` has this model's feature count.
    public func checkFeatureCount(_ x: FeatureMatrix) throws {
        guard x.featureCount == featureCount else {
            throw TreesError.featureCountMismatch(expected: featureCount, got: x.featureCount)
        }
    }

    /// The raw outputs for every row of `x` (`rawOutputCount` per row, row-major).
    public func predictRaw(_ x: FeatureMatrix) throws -> [Double] {
        try checkFeatureCount(x)
        let outputs = rawOutputCount
        var raw = [Double](repeating: 0, count: x.rowCount * outputs)
        let cost = max(1, trees.count * 8)
        x.values.withUnsafeBufferPointer { all in
            raw.withUnsafeMutableBufferPointer { out in
                Parallel.forEachChunk(x.rowCount, costPerItem: cost) { rows in
                    // Tree by tree, so one tree's nodes stay in cache across the chunk's rows.
                    for (t, tree) in trees.enumerated() {
                        let offset = treeOutputOffsets[t]
                        tree.values.withUnsafeBufferPointer { values in
                            for row in rows {
                                let features = UnsafeBufferPointer(rebasing: all[(row * featureCount)..<((row + 1) * featureCount)])
                                let leaf = tree.leaf(for: features)
                                for k in 0..<tree.outputCount {
                                    out[row * outputs + offset + k] += values[leaf * tree.outputCount + k]
                                }
                            }
                        }
                    }
                    for row in rows {
                        for k in 0..<outputs { out[row * outputs + k] = baseScore[k] + treeWeight * out[row * outputs + k] }
                    }
                }
            }
        }
        return raw
    }

    /// Predictions for every row of `x`: class probabilities, or one regression value per row.
    public func predict(_ x: FeatureMatrix) throws -> [[Double]] {
        let raw = try predictRaw(x)
        let outputs = rawOutputCount
        return (0..<x.rowCount).map { row in
            let margins = Array(raw[(row * outputs)..<((row + 1) * outputs)])
            switch link {
            case .identity:
                return margins
            case .sigmoid:
                let p = 1 / (1 + exp(-margins[0]))
                return [1 - p, p]
            case .softmax:
                let top = margins.max() ?? 0
                let e = margins.map { exp($0 - top) }
                let total = e.reduce(0, +)
                return e.map { $0 / total }
            }
        }
    }

    /// The most likely class of each row (classification) or the predicted value (regression).
    public func predictLabels(_ x: FeatureMatrix) throws -> [Double] {
        try predict(x).map { p in
            guard case .classification = task else { return p[0] }
            return Double(p.indices.max { p[$0] < p[$1] } ?? 0)
        }
    }

    /// Per-feature importance summed over every split node of every tree.
    public func featureImportance(_ importance: ImportanceKind = .gain) -> [Double] {
        var total = [Double](repeating: 0, count: featureCount)
        for tree in trees {
            for node in 0..<tree.nodeCount where !tree.isLeaf(node) {
                total[Int(tree.feature[node])] += importance == .gain ? tree.gain[node] : 1
            }
        }
        return total
    }
}
