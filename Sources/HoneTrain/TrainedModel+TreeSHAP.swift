import HoneTrees

extension TrainedModel {
    /// Exact TreeSHAP of one raw row for model output `output` (a class index, or 0 for a
    /// regressor): the values and the expected value, on the scale ``treeSHAPScale`` names.
    /// `nil` unless the run trained a tree model.
    ///
    /// A boosted two-class model has one raw output, the log-odds of class 1, so class 1 is
    /// explained by its values and class 0 by their negatives (its log-odds is −m).
    public var treeSHAP: ((_ row: [Float], _ output: Int) throws -> (values: [Double], expectedValue: Double))? {
        guard case .trees(let model) = model else { return nil }
        let featureCount = featureCount
        return { row, output in
            let x = try FeatureMatrix(floats: row, rowCount: 1, featureCount: featureCount)
            guard model.link == .sigmoid else {
                return (try model.shapValues(rows: x, output: output)[0], model.expectedValue(output: output))
            }
            guard output == 0 || output == 1 else {
                throw TreesError.invalidConfiguration(field: "output", expected: "class 0 or 1 of a two-class model, got \(output)")
            }
            let values = try model.shapValues(rows: x, output: 0)[0]
            let expected = model.expectedValue(output: 0)
            return output == 1 ? (values, expected) : (values.map { -$0 }, -expected)
        }
    }

    /// What TreeSHAP values add up to: `"log_odds"` (boosted two-class), `"margin"` (boosted
    /// multiclass, before the softmax), `"probability"` (forest or tree class fractions) or
    /// `"value"` (regression); `nil` unless the run trained a tree model.
    public var treeSHAPScale: String? {
        guard case .trees(let model) = model else { return nil }
        switch model.link {
        case .sigmoid: return "log_odds"
        case .softmax: return "margin"
        case .identity: return isClassifier ? "probability" : "value"
        }
    }
}
