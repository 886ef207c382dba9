import Foundation
import HoneCore
import HoneExplain
import HoneNN

/// The W6 workload's data and model, as the reference side exported them
/// (Fixtures/W6: `make_fixture.py` wrote them from `explain_anchor.py`'s output).
///
/// The model is scikit-learn's MLPClassifier on standardized features,
/// f(x) = sigmoid(relu(((x − mean) / scale)·W₁ + b₁)·W₂ + b₂); the standardization is
/// folded into the first layer (W₁/scale, b₁ − (mean/scale)·W₁), the same function in one GEMM.
struct W6Fixture {
    /// Names of the 30 features.
    let featureNames: [String]
    /// The exported MLP as a model to explain.
    let model: PredictionFunction
    /// shap's k-means background (50 rows) and its weights.
    let background: WeightedBackground
    /// The 20 explained rows (the first rows of the test split).
    let explainedRows: FeatureRows
    /// shap's values for the explained rows at `shapSampleCount` coalitions, and shap's E[f] and f(x).
    let shapValues: [[Double]], shapExpectedValue: Double, shapPredictions: [Double], shapSampleCount: Int
    /// shap's values for the first rows at `shapPreciseSampleCount` coalitions: a closer estimate of the truth.
    let shapPreciseValues: [[Double]], shapPreciseSampleCount: Int
    /// The exact case: one background row, rows differing from it in 10 features, and shap's (exact) values.
    let exactBackground: WeightedBackground, exactRows: FeatureRows, exactSHAPValues: [[Double]]
    /// The training and test splits (features, then the 0/1 target).
    let training: FeatureRows, test: FeatureRows, testLabels: [Int]
    /// The training split's 0/1 target (the TreeSHAP model's labels).
    let trainingLabels: [Int]

    /// Reads the fixture from the benchmark resources.
    static func load() throws -> W6Fixture {
        guard let directory = Bundle.module.url(forResource: "W6", withExtension: nil) else {
            throw ExplainError.invalidSetting(name: "W6 fixture", detail: "Fixtures/W6 missing from the benchmark resources")
        }
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: directory.appendingPathComponent("w6-model.json"))) as! [String: Any]
        func doubles(_ key: String) -> [Double] { (json[key] as! [NSNumber]).map(\.doubleValue) }
        func matrix(_ value: Any?) -> [[Double]] { (value as! [[NSNumber]]).map { $0.map(\.doubleValue) } }
        let (training, trainingLabels) = try readCSV(directory.appendingPathComponent("w6-train.csv"))
        let (test, labels) = try readCSV(directory.appendingPathComponent("w6-test.csv"))
        let rows = matrix(json["explained_rows"])
        return W6Fixture(
            featureNames: json["feature_names"] as! [String],
            model: mlp(mean: doubles("scaler_mean"), scale: doubles("scaler_scale"),
                       coefs: (json["coefs"] as! [Any]).map(matrix), intercepts: (json["intercepts"] as! [[NSNumber]]).map { $0.map(\.doubleValue) }),
            background: WeightedBackground(
                rows: FeatureRows(matrix(json["background_data"]).map { $0.map(Float.init) }), weights: doubles("background_weights")),
            explainedRows: FeatureRows(rows.map { $0.map(Float.init) }),
            shapValues: matrix(json["shap_values"]), shapExpectedValue: (json["shap_expected_value"] as! NSNumber).doubleValue,
            shapPredictions: doubles("shap_fx"), shapSampleCount: (json["shap_nsamples"] as! NSNumber).intValue,
            shapPreciseValues: matrix(json["shap_precise_values"]), shapPreciseSampleCount: (json["shap_precise_nsamples"] as! NSNumber).intValue,
            exactBackground: WeightedBackground(rows: FeatureRows(matrix(json["exact_background"]).map { $0.map(Float.init) })),
            exactRows: FeatureRows(matrix(json["exact_rows"]).map { $0.map(Float.init) }), exactSHAPValues: matrix(json["exact_shap_values"]),
            training: training, test: test, testLabels: labels, trainingLabels: trainingLabels)
    }

    private static func mlp(mean: [Double], scale: [Double], coefs: [[[Double]]], intercepts: [[Double]]) -> PredictionFunction {
        let inputs = mean.count, hidden = intercepts[0].count
        let first = Linear(inputs, hidden), second = Linear(hidden, 1)
        var weight = [Float](repeating: 0, count: hidden * inputs)
        var bias = [Float](repeating: 0, count: hidden)
        for o in 0..<hidden {
            var shift = intercepts[0][o]
            for i in 0..<inputs {
                weight[o * inputs + i] = Float(coefs[0][i][o] / scale[i])
                shift -= coefs[0][i][o] * mean[i] / scale[i]
            }
            bias[o] = Float(shift)
        }
        first.weight.assign(Tensor(shape: [hidden, inputs], scalars: weight))
        first.bias!.assign(Tensor(shape: [hidden], scalars: bias))
        second.weight.assign(Tensor(shape: [1, hidden], scalars: (0..<hidden).map { Float(coefs[1][$0][0]) }))
        second.bias!.assign(Tensor(shape: [1], scalars: [Float(intercepts[1][0])]))
        let net = Sequential { first; ReLU(); second; Sigmoid() }
        return PredictionFunction(featureCount: inputs, outputCount: 1) { net($0) }
    }

    /// A numeric CSV with a header line: all columns but the last as features, the last as the integer target.
    private static func readCSV(_ url: URL) throws -> (FeatureRows, [Int]) {
        let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n").dropFirst()
        var values: [Float] = [], labels: [Int] = []
        var width = 0
        for line in lines {
            let fields = line.split(separator: ",").map { Double($0)! }
            width = fields.count - 1
            values += fields.dropLast().map(Float.init)
            labels.append(Int(fields.last!))
        }
        return (FeatureRows(values: values, featureCount: width), labels)
    }
}
