import HoneCore

/// One CART decision tree (Breiman et al. 1984) for classification or regression.
///
/// ```swift
/// var options = DecisionTreeOptions()
/// options.maxDepth = 4
/// let tree = try DecisionTree.fit(x, labels: y, options: options)
/// let probabilities = try tree.predict(x)
/// ```
public enum DecisionTree {
    /// Fits a tree to `x` and `labels` (class indices 0, 1, … or, with the squared-error criterion, targets).
    public static func fit(_ x: FeatureMatrix, labels: [Double], options: DecisionTreeOptions = DecisionTreeOptions()) throws -> TreeModel {
        try options.validate()
        guard labels.count == x.rowCount, x.rowCount > 0 else {
            throw TreesError.shapeMismatch("\(labels.count) labels for \(x.rowCount) rows")
        }
        let classCount = try options.resolvedClassCount(labels)
        let binning = try FeatureBinning(x, maxBins: options.maxBins, categorical: [], seed: options.seed)
        let grower = CARTGrower(bins: binning.binColumns(x), rowCount: x.rowCount, binning: binning, options: options, classCount: classCount)
        var rng = SeededGenerator(seed: options.seed)
        let (tree, _) = grower.grow(labels: labels, weights: [Double](repeating: 1, count: x.rowCount), rng: &rng)
        let outputs = options.isRegression ? 1 : classCount
        return TreeModel(
            kind: .decisionTree, task: options.isRegression ? .regression : .classification(classCount: classCount),
            featureCount: x.featureCount, trees: [tree], treeOutputOffsets: [0], rawOutputCount: outputs,
            baseScore: [Double](repeating: 0, count: outputs), treeWeight: 1, link: .identity, categoricalFeatures: [])
    }
}
