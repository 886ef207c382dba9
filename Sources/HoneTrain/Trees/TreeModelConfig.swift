import Foundation
import HoneCore
import HoneTrees

/// A tree model in the `model` section of a training config: one key naming the kind,
/// its settings (LightGBM's and scikit-learn's names) as the value.
///
/// ```json
/// {"gbdt": {"rounds": 100, "max_leaves": 31, "learning_rate": 0.1, "early_stopping_rounds": 10}}
/// {"random_forest": {"trees": 100, "max_features": "sqrt"}}
/// {"decision_tree": {"max_depth": 5, "criterion": "entropy"}}
/// ```
///
/// The task (classification or regression) and the class count come from the data, as
/// for nets; early stopping of boosting watches the validation split of the data section.
public struct TreeModelConfig {
    /// The kinds of tree model.
    public static let kinds = ["gbdt", "random_forest", "decision_tree"]
    static let fields: [String: [String]] = [
        "gbdt": [
            "rounds", "learning_rate", "max_leaves", "max_depth", "growth", "lambda", "min_child_weight", "min_samples_leaf",
            "min_split_gain", "row_subsample", "column_subsample", "max_bins", "categorical_features", "categorical_split",
            "min_samples_per_category", "max_categories_left", "categorical_smoothing", "early_stopping_rounds",
        ],
        "random_forest": [
            "trees", "criterion", "max_depth", "min_samples_split", "min_samples_leaf", "max_features", "bootstrap", "max_bins",
        ],
        "decision_tree": ["criterion", "max_depth", "min_samples_split", "min_samples_leaf", "max_features", "max_bins"],
    ]

    /// The kind: `gbdt`, `random_forest` or `decision_tree`.
    public let kind: String
    /// The settings object, checked.
    let settings: ConfigObject

    /// Whether `value` names a tree model (an object whose only key is a tree kind).
    static func describesTrees(_ value: JSONValue) -> Bool {
        guard case .object(let fields) = value, fields.count == 1 else { return false }
        return kinds.contains(fields[0].key)
    }

    /// Checks the section at `path`: names, types and ranges of every setting.
    public init(_ value: JSONValue, path: String) throws {
        let (kind, settings) = try namedEntry(value, path: path, valid: Self.kinds)
        try settings.checkNoUnknownFields(allowed: Self.fields[kind]!)
        self.kind = kind
        self.settings = settings
        // Reading the options for both tasks checks every value before anything runs.
        _ = try boostingOptions(classCount: 2, seed: 0)
        // The task comes from the data later; here the criterion only has to be a known one.
        let criterion = try settings.choice("criterion", ["gini", "entropy", "squared_error"])
        _ = try forestOptions(regression: criterion == "squared_error", seed: 0)
    }

    /// Throws unless the settings suit the config's task (a regression criterion for regression, and so on).
    func check(regression: Bool) throws {
        _ = try forestOptions(regression: regression, seed: 0)
    }

    /// Boosting settings for `classCount` classes (nil for regression).
    func boostingOptions(classCount: Int?, seed: UInt64) throws -> GradientBoostingOptions {
        var options = GradientBoostingOptions()
        switch classCount {
        case nil: options.objective = .squaredError
        case 2: options.objective = .binaryLogistic
        case let count?: options.objective = .softmax(classCount: count)
        }
        options.seed = seed
        guard kind == "gbdt" else { return options }
        options.rounds = try settings.int("rounds") ?? options.rounds
        options.learningRate = try settings.double("learning_rate") ?? options.learningRate
        options.maxLeaves = try settings.int("max_leaves") ?? options.maxLeaves
        options.maxDepth = try settings.int("max_depth")
        if let growth = try settings.choice("growth", ["leaf_wise", "depth_wise"]) {
            options.growth = GradientBoostingOptions.Growth(rawValue: growth)!
        }
        options.lambda = try settings.double("lambda") ?? options.lambda
        options.minChildWeight = try settings.double("min_child_weight") ?? options.minChildWeight
        options.minSamplesLeaf = try settings.int("min_samples_leaf") ?? options.minSamplesLeaf
        options.minSplitGain = try settings.double("min_split_gain") ?? options.minSplitGain
        options.rowSubsample = try settings.double("row_subsample") ?? options.rowSubsample
        options.columnSubsample = try settings.double("column_subsample") ?? options.columnSubsample
        options.maxBins = try settings.int("max_bins") ?? options.maxBins
        options.categoricalFeatures = Set(try settings.intArray("categorical_features") ?? [])
        if let split = try settings.choice("categorical_split", ["native", "one_hot"]) {
            options.categoricalSplit = GradientBoostingOptions.CategoricalSplit(rawValue: split)!
        }
        options.minSamplesPerCategory = try settings.int("min_samples_per_category") ?? options.minSamplesPerCategory
        options.maxCategoriesLeft = try settings.int("max_categories_left") ?? options.maxCategoriesLeft
        options.categoricalSmoothing = try settings.double("categorical_smoothing") ?? options.categoricalSmoothing
        options.earlyStoppingRounds = try settings.int("early_stopping_rounds")
        try checked { try options.validate() }
        return options
    }

    /// Forest (or single-tree) settings.
    func forestOptions(regression: Bool, seed: UInt64) throws -> RandomForestOptions {
        var options = RandomForestOptions()
        options.seed = seed
        options.tree.seed = seed
        if kind == "decision_tree" { options.tree.maxFeatures = .all }
        guard kind != "gbdt" else { return options }
        let criteria = regression ? ["squared_error"] : ["gini", "entropy"]
        options.tree.criterion = DecisionTreeOptions.Criterion(rawValue: try settings.choice("criterion", criteria) ?? criteria[0])!
        options.tree.maxDepth = try settings.int("max_depth")
        options.tree.minSamplesSplit = try settings.int("min_samples_split") ?? options.tree.minSamplesSplit
        options.tree.minSamplesLeaf = try settings.int("min_samples_leaf") ?? options.tree.minSamplesLeaf
        options.tree.maxBins = try settings.int("max_bins") ?? options.tree.maxBins
        if let value = settings["max_features"] {
            options.tree.maxFeatures = try Self.featureSubset(value, path: settings.fieldPath("max_features"))
        }
        options.treeCount = try settings.int("trees") ?? options.treeCount
        options.bootstrap = try settings.bool("bootstrap") ?? options.bootstrap
        try checked { try options.validate() }
        return options
    }

    /// `"sqrt"`, `"log2"`, `"all"`, a fraction in (0, 1) or a whole feature count.
    static func featureSubset(_ value: JSONValue, path: String) throws -> DecisionTreeOptions.FeatureSubset {
        switch value {
        case .string("sqrt"): return .sqrt
        case .string("log2"): return .log2
        case .string("all"): return .all
        case .number(let number, _) where value.isInteger && number >= 1: return .count(Int(number))
        case .number(let number, _) where number > 0 && number < 1: return .fraction(number)
        default:
            throw ConfigError.invalidValue(path: path, message: "must be \"sqrt\", \"log2\", \"all\", a fraction in (0, 1) or a feature count")
        }
    }

    /// Runs `body`, turning a tree setting out of range into a config error at this section's path.
    private func checked(_ body: () throws -> Void) throws {
        do {
            try body()
        } catch TreesError.invalidConfiguration(let field, let expected) {
            throw ConfigError.invalidValue(path: settings.fieldPath(field), message: "expected \(expected)")
        }
    }
}
