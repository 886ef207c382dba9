import Foundation
import HoneCore

/// The explanation methods `hone explain` offers, by their command-line names.
public enum ExplainMethod: String, CaseIterable, Sendable {
    case permutation, lime, kernelshap, saliency, treeshap
    case integratedGradients = "integrated_gradients"
}

/// A trained model as the explainers see it: its predictions, and what else it can give.
public struct ExplainableModel {
    /// Batch predictions (probabilities for a classifier, values for a regressor).
    public let prediction: PredictionFunction
    /// What the model is, for messages (`"a neural net"`).
    public let kind: String
    /// The same function on tensors through the autodiff tape, for gradient methods (nets only).
    public let differentiable: ((Tensor) -> Tensor)?
    /// Exact TreeSHAP values of one row for output `output` (tree models only): values and expected value.
    public let treeSHAP: ((_ row: [Float], _ output: Int) throws -> (values: [Double], expectedValue: Double))?
    /// What TreeSHAP values add up to (`"log_odds"`, `"probability"`, …), recorded in the
    /// explanation as `output_scale` because it can differ from the predicted probability.
    public let treeSHAPScale: String?

    /// A model; gradient methods need `differentiable`, TreeSHAP needs `treeSHAP`.
    public init(
        prediction: PredictionFunction, kind: String, differentiable: ((Tensor) -> Tensor)? = nil,
        treeSHAP: ((_ row: [Float], _ output: Int) throws -> (values: [Double], expectedValue: Double))? = nil,
        treeSHAPScale: String? = nil
    ) {
        self.prediction = prediction
        self.kind = kind
        self.differentiable = differentiable
        self.treeSHAP = treeSHAP
        self.treeSHAPScale = treeSHAPScale
    }
}

/// What to explain and how: the settings of one `hone explain` run.
public struct ExplanationRequest: Sendable {
    /// The method.
    public var method: ExplainMethod
    /// Indices of the data rows explained one by one (per-row methods).
    public var rows: [Int]
    /// The model output explained.
    public var output = 0
    /// The seed of every random choice.
    public var seed: UInt64 = 0
    /// KernelSHAP's coalition budget (2M + 2048 when `nil`) and background cluster count.
    public var shapSampleCount: Int?
    public var backgroundSize = 50
    /// Seeds KernelSHAP runs to report the spread of its values over.
    public var shapRepeats = 3
    /// LIME's perturbed samples per row and features per surrogate (all when `nil`).
    public var limeSampleCount = 5000
    public var limeFeatureCount: Int?
    /// Permutation importance repeats.
    public var permutationRepeats = 10
    /// Integrated Gradients steps (trapezoid rule, from the training mean as baseline).
    public var integratedGradientSteps = 64

    /// A request for `method` on `rows`, everything else at its default.
    public init(method: ExplainMethod, rows: [Int]) {
        self.method = method
        self.rows = rows
    }
}

/// The outcome of an explanation run: a JSON document and two SVG plots.
public struct ExplanationOutput {
    /// Global importance and per-row explanations.
    public var json: Data
    /// Global importance as bars.
    public var importanceSVG: String
    /// Per-row values as a beeswarm (`nil` for permutation importance, which has no rows).
    public var beeswarmSVG: String?
}

/// Runs one explanation method over a data set: per-row explanations of the requested
/// rows, global importance (mean |value| per feature, or the permutation drop), JSON and plots.
public enum ExplanationJob {
    /// Explains `model` on `data`.
    ///
    /// - Parameters:
    ///   - training: rows the perturbations and the background are drawn from.
    ///   - labels: class labels of `data` (permutation importance scores accuracy), or
    ///   - targets: regression targets of `data` (scored by negative mean squared error).
    /// - Throws: ``ExplainError`` for a method the model cannot serve, mismatched feature
    ///   counts or rows out of range.
    public static func run(
        model: ExplainableModel, data: FeatureRows, dataName: String, training: FeatureRows, featureNames: [String],
        labels: [Int]? = nil, targets: [Float]? = nil, request: ExplanationRequest
    ) throws -> ExplanationOutput {
        let d = model.prediction.featureCount
        guard data.featureCount == d else { throw ExplainError.featureCountMismatch(source: dataName, expected: d, found: data.featureCount) }
        guard training.featureCount == d else {
            throw ExplainError.featureCountMismatch(source: "the training data", expected: d, found: training.featureCount)
        }
        guard featureNames.count == d else {
            throw ExplainError.invalidSetting(name: "feature names", detail: "\(featureNames.count) names for \(d) features")
        }
        if let bad = request.rows.first(where: { !(0..<data.rowCount).contains($0) }) {
            throw ExplainError.invalidSetting(name: "--rows", detail: "row \(bad) is outside \(dataName)'s 0..<\(data.rowCount)")
        }
        var document = ExplanationDocument(method: request.method.rawValue, output: request.output, featureNames: featureNames)
        switch request.method {
        case .permutation:
            guard labels != nil || targets != nil else {
                throw ExplainError.invalidSetting(name: "permutation", detail: "\(dataName) has no target column to score against")
            }
            let (baseline, importances) = try PermutationImportance.compute(
                model: model.prediction, rows: data, repeats: request.permutationRepeats, seed: request.seed
            ) { outputs in
                if let labels { return Score.accuracy(outputs, labels: labels, outputCount: model.prediction.outputCount) }
                return Score.negativeMeanSquaredError(outputs, targets: targets ?? [], outputCount: model.prediction.outputCount)
            }
            document.baselineScore = baseline
            document.score = labels != nil ? "accuracy" : "negative_mean_squared_error"
            document.globalImportance = importances.map {
                .init(feature: featureNames[$0.feature], value: $0.mean, standardDeviation: $0.standardDeviation,
                      confidenceLow: $0.confidenceInterval.lowerBound, confidenceHigh: $0.confidenceInterval.upperBound)
            }
        default:
            if request.method == .treeshap { document.outputScale = model.treeSHAPScale }
            // The explained rows' inputs go along so a reader can colour attributions by feature value.
            document.rows = try explainRows(model: model, data: data, training: training, request: request).map { row in
                var row = row
                row.featureValues = data[row: row.row].map(Double.init)
                return row
            }
            document.globalImportance = (0..<d).map { j in
                .init(feature: featureNames[j], value: document.rows!.reduce(0) { $0 + abs($1.values[j]) } / Double(max(document.rows!.count, 1)))
            }
        }
        document.globalImportance.sort { abs($0.value) > abs($1.value) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let json = try encoder.encode(document)
        let title = "\(request.method.rawValue): " + (request.method == .permutation ? "drop in \(document.score ?? "score") when shuffled" : "mean |attribution|")
        let errors = request.method == .permutation ? document.globalImportance.map { ($0.confidenceHigh ?? $0.value) - $0.value } : nil
        let importance = ExplanationPlots.bar(
            names: document.globalImportance.map(\.feature), values: document.globalImportance.map(\.value), errors: errors, title: title)
        let beeswarm = document.rows.map { rows in
            ExplanationPlots.beeswarm(
                names: featureNames, values: rows.map(\.values), featureValues: rows.map { data[row: $0.row] },
                title: "\(request.method.rawValue): per-row attributions")
        }
        return ExplanationOutput(json: json, importanceSVG: importance, beeswarmSVG: beeswarm)
    }

    private static func explainRows(
        model: ExplainableModel, data: FeatureRows, training: FeatureRows, request: ExplanationRequest
    ) throws -> [ExplanationDocument.Row] {
        let method = request.method
        switch method {
        case .kernelshap:
            let background = WeightedBackground.kMeans(training, clusterCount: request.backgroundSize, seed: request.seed)
            let explainer = try KernelSHAP(
                model: model.prediction, background: background, output: request.output, sampleCount: request.shapSampleCount, seed: request.seed)
            let explanations = try explainer.explain(selectedRows(data, request.rows), repeats: request.shapRepeats)
            return zip(request.rows, explanations).map { index, e in
                .init(row: index, prediction: e.prediction, reference: e.expectedValue, values: e.values, spread: e.spread)
            }
        case .lime:
            let lime = try LIMETabular(model: model.prediction, training: training, output: request.output, seed: request.seed)
            let explanations = try lime.explain(
                selectedRows(data, request.rows), featureCount: request.limeFeatureCount, sampleCount: request.limeSampleCount)
            return zip(request.rows, explanations).map { index, e in
                var values = [Double](repeating: 0, count: data.featureCount)
                for (feature, weight) in e.coefficients { values[feature] = weight }
                return .init(row: index, prediction: e.prediction, reference: e.intercept, values: values, localPrediction: e.localPrediction, score: e.score)
            }
        case .treeshap:
            guard let treeSHAP = model.treeSHAP else {
                throw ExplainError.unsupportedMethod(method: "treeshap", model: "\(model.kind) (TreeSHAP needs a tree model; try kernelshap)")
            }
            return try request.rows.map { index in
                let row = data[row: index]
                let (values, expected) = try treeSHAP(row, request.output)
                return .init(row: index, prediction: expected + values.reduce(0, +), reference: expected, values: values)
            }
        case .saliency, .integratedGradients:
            guard let function = model.differentiable else {
                throw ExplainError.unsupportedMethod(method: method.rawValue, model: "\(model.kind) (gradients need a differentiable model)")
            }
            let baseline = (0..<training.featureCount).map { Float(training.column($0).reduce(0, +) / Double(training.rowCount)) }
            return try request.rows.map { index in
                let row = data[row: index]
                if method == .saliency {
                    let gradient = GradientAttribution.saliency(of: function, row: row, output: request.output).map(Double.init)
                    let prediction = model.prediction.column(row, rowCount: 1, output: request.output)[0]
                    return .init(row: index, prediction: prediction, reference: nil, values: gradient)
                }
                let ig = try GradientAttribution.integratedGradients(
                    of: function, row: row, baseline: baseline, steps: request.integratedGradientSteps, output: request.output)
                return .init(row: index, prediction: ig.prediction, reference: ig.baselinePrediction, values: ig.attributions,
                             completenessError: ig.completenessError)
            }
        case .permutation:
            return []
        }
    }
}

/// The rows of `data` at `indices`, in that order.
private func selectedRows(_ data: FeatureRows, _ indices: [Int]) -> FeatureRows {
    FeatureRows(values: indices.flatMap { data[row: $0] }, featureCount: data.featureCount)
}

/// The JSON document of an explanation run (snake_case keys).
struct ExplanationDocument: Codable {
    struct Importance: Codable {
        var feature: String
        var value: Double
        var standardDeviation: Double? = nil
        var confidenceLow: Double? = nil
        var confidenceHigh: Double? = nil

        enum CodingKeys: String, CodingKey {
            case feature, value
            case standardDeviation = "standard_deviation", confidenceLow = "confidence_low", confidenceHigh = "confidence_high"
        }
    }

    struct Row: Codable {
        var row: Int
        var prediction: Double
        /// E[f] (SHAP), the intercept (LIME) or f(baseline) (Integrated Gradients).
        var reference: Double?
        var values: [Double]
        var spread: [Double]? = nil
        var localPrediction: Double? = nil
        var score: Double? = nil
        var completenessError: Double? = nil
        /// The row's inputs, one per feature.
        var featureValues: [Double]? = nil

        enum CodingKeys: String, CodingKey {
            case row, prediction, reference, values, spread, score
            case localPrediction = "local_prediction", completenessError = "completeness_error", featureValues = "feature_values"
        }
    }

    var method: String
    var output: Int
    var featureNames: [String]
    var globalImportance: [Importance] = []
    var rows: [Row]? = nil
    var baselineScore: Double? = nil
    var score: String? = nil
    /// What TreeSHAP's prediction and values are on (`log_odds`, `probability`, …); absent for other methods.
    var outputScale: String? = nil

    enum CodingKeys: String, CodingKey {
        case method, output, rows, score
        case featureNames = "feature_names", globalImportance = "global_importance", baselineScore = "baseline_score"
        case outputScale = "output_scale"
    }
}
