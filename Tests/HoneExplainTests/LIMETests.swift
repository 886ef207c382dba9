import HoneCore
import Testing
@testable import HoneExplain

@Suite struct LIMETests {
    /// A training set whose features have very different scales, so "weight × scale" is a real check.
    let training: FeatureRows = {
        let base = uniformRows(400, 4, seed: 21)
        let scales: [Float] = [1, 10, 0.1, 3]
        return FeatureRows(values: base.values.enumerated().map { $0.element * scales[$0.offset % 4] + Float($0.offset % 4) },
                           featureCount: 4)
    }()

    @Test func continuousPerturbationRecoversWeightsTimesFeatureScale() throws {
        let weights: [Float] = [2, -0.5, 30, 1]
        let lime = try LIMETabular(model: linearModel(weights, bias: 1), training: training, perturbation: .continuous, seed: 0)
        let explanation = try lime.explain(training[row: 5], sampleCount: 5000)
        for (feature, coefficient) in explanation.coefficients {
            let column = training.column(feature)
            let mean = column.reduce(0, +) / Double(column.count)
            let scale = (column.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(column.count)).squareRoot()
            let expected = Double(weights[feature]) * scale
            #expect(abs(coefficient - expected) < 0.01 * abs(expected))
        }
        #expect(explanation.score > 0.999)
        #expect(abs(explanation.localPrediction - explanation.prediction) < 0.01 * abs(explanation.prediction) + 0.01)
    }

    @Test func theSameSeedGivesTheSameExplanationAndAnotherSeedAnother() throws {
        let model = PredictionFunction(featureCount: 4) { rows, count in (0..<count).map { rows[4 * $0] * rows[4 * $0 + 1] + rows[4 * $0 + 2] } }
        let first = try LIMETabular(model: model, training: training, seed: 7).explain(training[row: 3], featureCount: 3)
        let again = try LIMETabular(model: model, training: training, seed: 7).explain(training[row: 3], featureCount: 3)
        let other = try LIMETabular(model: model, training: training, seed: 8).explain(training[row: 3], featureCount: 3)
        #expect(first == again)
        #expect(first != other)
        #expect(first.coefficients.count == 3)
    }

    @Test func forwardSelectionKeepsTheFeaturesTheModelUses() throws {
        // Quartile bins: the surrogate sees "same bin as the row"; features 1 and 3 carry the signal.
        let model = linearModel([0, 1, 0, 5])
        let lime = try LIMETabular(model: model, training: training, seed: 1)
        let explanation = try lime.explain(training[row: 10], featureCount: 2, selection: .forwardSelection)
        #expect(Set(explanation.coefficients.map(\.feature)) == [1, 3])
        let highest = try lime.explain(training[row: 10], featureCount: 2, selection: .highestWeights)
        #expect(Set(highest.coefficients.map(\.feature)) == [1, 3])
    }

    @Test func quartileBinsFollowNumpysPercentileAndSearchsorted() {
        let discretizer = QuartileDiscretizer(training: FeatureRows(values: [1, 2, 3, 4, 5, 6, 7, 8, 9], featureCount: 1))
        #expect(discretizer.cuts[0] == [3, 5, 7])
        #expect(QuartileDiscretizer.bin(of: 3, cuts: [3, 5, 7]) == 0)
        #expect(QuartileDiscretizer.bin(of: 3.5, cuts: [3, 5, 7]) == 1)
        #expect(QuartileDiscretizer.bin(of: 8, cuts: [3, 5, 7]) == 3)
        #expect(discretizer.means[0] == [2, 4.5, 6.5, 8.5])
        var normals = NormalSampler(seed: 3)
        for _ in 0..<50 {
            let value = discretizer.draw(feature: 0, bin: 1, normals: &normals)
            #expect(value > 3 - 1e-9 && value <= 5 + 1e-9)
        }
    }

    @Test func badRequestsAreNamedErrors() throws {
        #expect(throws: ExplainError.featureCountMismatch(source: "the training rows", expected: 3, found: 4)) {
            try LIMETabular(model: linearModel([1, 2, 3]), training: training)
        }
        let lime = try LIMETabular(model: linearModel([1, 2, 3, 4]), training: training)
        #expect(throws: ExplainError.invalidSetting(name: "featureCount", detail: "expected 1...4, got 9")) {
            try lime.explain(training[row: 0], featureCount: 9)
        }
    }
}
