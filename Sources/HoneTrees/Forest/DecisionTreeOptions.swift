import Foundation

/// The settings of one CART decision tree (Breiman et al. 1984), as used alone or in a forest;
/// names and defaults follow scikit-learn's.
public struct DecisionTreeOptions: Sendable, Equatable {
    /// The impurity a split reduces.
    public enum Criterion: String, Sendable {
        /// Gini impurity (classification).
        case gini
        /// Shannon entropy (classification).
        case entropy
        /// Squared error (regression).
        case squaredError = "squared_error"
    }

    /// How many features each node may choose its split from.
    public enum FeatureSubset: Equatable, Sendable {
        /// Every feature.
        case all
        /// √(feature count), rounded down (at least 1).
        case sqrt
        /// log₂(feature count), rounded down (at least 1).
        case log2
        /// This fraction of the features (at least 1).
        case fraction(Double)
        /// This many features.
        case count(Int)

        /// The number of features out of `featureCount`.
        func resolve(_ featureCount: Int) -> Int {
            let n = Double(featureCount)
            let picked: Int
            switch self {
            case .all: picked = featureCount
            case .sqrt: picked = Int(n.squareRoot())
            case .log2: picked = Int(Foundation.log2(n))
            case .fraction(let f): picked = Int(n * f)
            case .count(let c): picked = c
            }
            return min(featureCount, max(1, picked))
        }
    }

    /// The impurity a split reduces; `squaredError` makes a regression tree.
    public var criterion: Criterion = .gini
    /// The number of classes; nil counts them from the labels (largest label + 1).
    public var classCount: Int? = nil
    /// The deepest a leaf may be; nil grows until leaves are pure or too small.
    public var maxDepth: Int? = nil
    /// The least (bootstrap-weighted) rows a node needs to be split.
    public var minSamplesSplit = 2
    /// The least (bootstrap-weighted) rows each child must keep.
    public var minSamplesLeaf = 1
    /// How many features each node may choose from (each node draws its own).
    public var maxFeatures: FeatureSubset = .all
    /// The most non-missing bins per feature (2 … 255): splits fall between bins.
    public var maxBins = 255
    /// The seed of the per-node feature draws (a forest seeds each tree from its own seed instead).
    public var seed: UInt64 = 0

    /// The defaults.
    public init() {}

    /// Whether the tree predicts a number rather than class probabilities.
    public var isRegression: Bool { criterion == .squaredError }

    /// Throws for any setting out of its range.
    public func validate() throws {
        func check(_ ok: Bool, _ field: String, _ expected: String) throws {
            if !ok { throw TreesError.invalidConfiguration(field: field, expected: expected) }
        }
        try check(classCount.map { $0 >= 2 } ?? true, "class_count", "at least 2")
        try check(maxDepth.map { $0 >= 1 } ?? true, "max_depth", "at least 1")
        try check(minSamplesSplit >= 2, "min_samples_split", "at least 2, got \(minSamplesSplit)")
        try check(minSamplesLeaf >= 1, "min_samples_leaf", "at least 1, got \(minSamplesLeaf)")
        switch maxFeatures {
        case .fraction(let f): try check(f > 0 && f <= 1, "max_features", "a fraction in (0, 1], got \(f)")
        case .count(let c): try check(c >= 1, "max_features", "at least 1 feature, got \(c)")
        default: break
        }
    }

    /// The class count for `labels`, checking every label (or every target for regression).
    func resolvedClassCount(_ labels: [Double]) throws -> Int {
        if isRegression {
            if let bad = labels.firstIndex(where: { !$0.isFinite }) {
                throw TreesError.invalidLabels("row \(bad): targets must be finite, got \(labels[bad])")
            }
            return 1
        }
        for (row, y) in labels.enumerated() where !(y >= 0 && y == y.rounded(.down) && y < 65_536) {
            throw TreesError.invalidLabels("row \(row): class labels are whole numbers from 0, got \(y)")
        }
        let count = classCount ?? max(2, Int(labels.max() ?? 0) + 1)
        if let bad = labels.firstIndex(where: { Int($0) >= count }) {
            throw TreesError.invalidLabels("row \(bad): label \(Int(labels[bad])) is not below the class count \(count)")
        }
        return count
    }
}
