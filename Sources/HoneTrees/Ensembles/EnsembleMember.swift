/// Predictions for a batch of rows: one row of outputs (class probabilities, or one value) per input row.
public typealias RowPredictor = @Sendable (FeatureMatrix) throws -> [[Double]]

/// Anything that fits on rows and labels and then maps a batch of rows to outputs: a tree
/// model, a net behind a closure, another ensemble. Ensembles only see this shape, so nets
/// and trees can sit in the same one.
///
/// ```swift
/// let net = EnsembleMember(name: "mlp") { x, labels in
///     let model = try trainMyNet(x, labels)
///     return { rows in try model.probabilities(rows) }
/// }
/// let stack = try Stacking.fit(x, labels: y, members: [.gradientBoosting(), net], classCount: 2)
/// ```
public struct EnsembleMember: Sendable {
    /// The member's name in reports.
    public let name: String
    /// Fits on rows and labels and returns the fitted predictor.
    public let fit: @Sendable (FeatureMatrix, [Double]) throws -> RowPredictor

    /// A member from a fitting closure.
    public init(name: String, fit: @escaping @Sendable (FeatureMatrix, [Double]) throws -> RowPredictor) {
        self.name = name
        self.fit = fit
    }

    /// Histogram gradient boosting with `options`.
    public static func gradientBoosting(_ options: GradientBoostingOptions = GradientBoostingOptions(), name: String = "gbdt") -> EnsembleMember {
        EnsembleMember(name: name) { x, labels in
            let model = try GradientBoosting.fit(x, labels: labels, options: options)
            return { try model.predict($0) }
        }
    }

    /// A random forest with `options`.
    public static func randomForest(_ options: RandomForestOptions = RandomForestOptions(), name: String = "random_forest") -> EnsembleMember {
        EnsembleMember(name: name) { x, labels in
            let model = try RandomForest.fit(x, labels: labels, options: options)
            return { try model.predict($0) }
        }
    }

    /// One decision tree with `options`.
    public static func decisionTree(_ options: DecisionTreeOptions = DecisionTreeOptions(), name: String = "decision_tree") -> EnsembleMember {
        EnsembleMember(name: name) { x, labels in
            let model = try DecisionTree.fit(x, labels: labels, options: options)
            return { try model.predict($0) }
        }
    }
}
