/// The settings of histogram gradient boosting; names and defaults follow LightGBM's.
public struct GradientBoostingOptions: Sendable, Equatable {
    /// The loss the trees descend.
    public enum Objective: Equatable, Sendable {
        /// Two classes (labels 0 and 1), log loss on one margin.
        case binaryLogistic
        /// `classCount` classes (labels 0 … classCount − 1), softmax cross-entropy; one tree per class and round.
        case softmax(classCount: Int)
        /// Regression, squared error.
        case squaredError
    }

    /// The order in which leaves are split.
    public enum Growth: String, Sendable {
        /// Best-first: always the leaf whose split reduces the loss most, up to `maxLeaves` (LightGBM).
        case leafWise = "leaf_wise"
        /// Level by level down to `maxDepth` (XGBoost's default).
        case depthWise = "depth_wise"
    }

    /// How categorical features are split.
    public enum CategoricalSplit: String, Sendable {
        /// Many categories against the rest, ordered by gradient over hessian (LightGBM).
        case native
        /// One category against the rest, as one-hot encoding would give.
        case oneHot = "one_hot"
    }

    /// The loss the trees descend.
    public var objective: Objective = .binaryLogistic
    /// The number of boosting rounds (fewer when early stopping ends the fit).
    public var rounds = 100
    /// The shrinkage on every tree's values.
    public var learningRate = 0.1
    /// The most leaves a tree may have.
    public var maxLeaves = 31
    /// The deepest a leaf may be; nil for no limit (depth-wise growth needs one).
    public var maxDepth: Int? = nil
    /// Leaf-wise or depth-wise growth.
    public var growth: Growth = .leafWise
    /// L2 regularization of leaf values (λ).
    public var lambda = 0.0
    /// The least hessian sum a child may have.
    public var minChildWeight = 1e-3
    /// The fewest training rows a child may have (LightGBM's `min_data_in_leaf`).
    ///
    /// Rows are counted. LightGBM instead estimates a child's rows from its share of the
    /// hessian sum, so under log loss, where confident rows carry little hessian, it admits
    /// children of a few uncertain rows: on 455 rows its 100 trees of up to 31 leaves hold
    /// about a quarter more leaves, half of them under this limit.
    public var minSamplesLeaf = 20
    /// The least loss reduction a split must bring.
    public var minSplitGain = 0.0
    /// The fraction of rows each round trains on (1: all).
    public var rowSubsample = 1.0
    /// The fraction of features each tree may split on (1: all).
    public var columnSubsample = 1.0
    /// The most non-missing bins per numeric feature (2 … 255).
    public var maxBins = 255
    /// Features holding category codes (whole numbers 0 … 254) instead of numbers.
    public var categoricalFeatures: Set<Int> = []
    /// How categorical features are split.
    public var categoricalSplit: CategoricalSplit = .native
    /// The fewest rows a category needs to be placed by a split (rarer ones go right).
    public var minSamplesPerCategory = 10
    /// The most categories the left side of a native categorical split may hold.
    public var maxCategoriesLeft = 32
    /// Extra L2 regularization of categorical splits, and the smoothing of their ordering.
    public var categoricalSmoothing = 10.0
    /// Stop when the validation loss has not improved for this many rounds; nil never stops early.
    public var earlyStoppingRounds: Int? = nil
    /// The fraction of the training rows held out for early stopping when no validation set is given.
    public var validationFraction = 0.1
    /// The seed of row and column subsampling and of the validation split.
    public var seed: UInt64 = 0

    /// The defaults.
    public init() {}

    /// Throws for any setting out of its range.
    public func validate() throws {
        func check(_ ok: Bool, _ field: String, _ expected: String) throws {
            if !ok { throw TreesError.invalidConfiguration(field: field, expected: expected) }
        }
        if case .softmax(let classCount) = objective {
            try check(classCount >= 2, "objective", "a softmax over at least 2 classes, got \(classCount)")
        }
        try check(rounds >= 1, "rounds", "at least 1, got \(rounds)")
        try check(learningRate > 0 && learningRate.isFinite, "learning_rate", "a positive number, got \(learningRate)")
        try check(maxLeaves >= 2, "max_leaves", "at least 2, got \(maxLeaves)")
        try check(maxDepth.map { $0 >= 1 } ?? (growth == .leafWise), "max_depth",
                  growth == .leafWise ? "at least 1" : "at least 1 (depth-wise growth needs a depth)")
        try check(lambda >= 0, "lambda", "at least 0, got \(lambda)")
        try check(minChildWeight >= 0, "min_child_weight", "at least 0, got \(minChildWeight)")
        try check(minSamplesLeaf >= 1, "min_samples_leaf", "at least 1, got \(minSamplesLeaf)")
        try check(minSplitGain >= 0, "min_split_gain", "at least 0, got \(minSplitGain)")
        try check(rowSubsample > 0 && rowSubsample <= 1, "row_subsample", "in (0, 1], got \(rowSubsample)")
        try check(columnSubsample > 0 && columnSubsample <= 1, "column_subsample", "in (0, 1], got \(columnSubsample)")
        try check(minSamplesPerCategory >= 1, "min_samples_per_category", "at least 1, got \(minSamplesPerCategory)")
        try check(maxCategoriesLeft >= 1, "max_categories_left", "at least 1, got \(maxCategoriesLeft)")
        try check(categoricalSmoothing >= 0, "categorical_smoothing", "at least 0, got \(categoricalSmoothing)")
        try check(earlyStoppingRounds.map { $0 >= 1 } ?? true, "early_stopping_rounds", "at least 1")
        try check(validationFraction > 0 && validationFraction < 1, "validation_fraction", "in (0, 1), got \(validationFraction)")
    }

    /// The number of raw outputs (margins) the objective needs.
    var outputCount: Int {
        if case .softmax(let classCount) = objective { return classCount }
        return 1
    }
}
