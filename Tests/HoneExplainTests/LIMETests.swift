import Foundation
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
        var generator = SeededGenerator(seed: 3)
        for _ in 0..<50 {
            let value = discretizer.samplers[0].bins[1].value(at: generator.nextDouble())
            #expect(value > 3 - 1e-9 && value <= 5 + 1e-9)
        }
    }

    @Test func sampledBinsFollowTheTrainingQuartileFrequencies() {
        // Pearson's chi-square of 20,000 draws per feature against the training frequencies,
        // 3 degrees of freedom: 16.27 is its 99.9% point.
        let discretizer = QuartileDiscretizer(training: training)
        var generator = SeededGenerator(seed: 11)
        let draws = 20_000
        for feature in 0..<4 {
            let frequencies = discretizer.frequencies[feature]
            var counts = [Int](repeating: 0, count: frequencies.count)
            discretizer.samplers[feature].draw(draws, &generator) { _, bin, _ in counts[bin] += 1 }
            let chiSquare = zip(counts, frequencies).reduce(0.0) {
                let expected = Double(draws) * $1.1
                return $0 + (Double($1.0) - expected) * (Double($1.0) - expected) / expected
            }
            #expect(frequencies.count == 4)
            #expect(chiSquare < 16.27, "feature \(feature): chi-square \(chiSquare) for counts \(counts)")
        }
    }

    @Test func binValuesFollowTheTruncatedNormal() {
        // The mean of N(μ, σ²) truncated to [a, b] is μ + σ(φ(α) − φ(β))/(Φ(β) − Φ(α)), α = (a − μ)/σ, β = (b − μ)/σ.
        func phi(_ z: Double) -> Double { exp(-z * z / 2) / (2 * Double.pi).squareRoot() }
        func cdf(_ z: Double) -> Double { 0.5 * erfc(-z / 2.0.squareRoot()) }
        let cases = [(mean: 0.0, deviation: 1.0, low: -0.5, high: 2.0), (mean: 1.0, deviation: 0.5, low: 1.8, high: 3.0),
                     (mean: 5.0, deviation: 2.0, low: -1.0, high: 4.0)]
        var generator = SeededGenerator(seed: 5)
        for c in cases {
            // Drawn as LIME draws them, through the bin sampler.
            let sampler = BinSampler(cumulativeFrequencies: [1], bins: [TruncatedNormal(mean: c.mean, deviation: c.deviation, low: c.low, high: c.high)])
            let alpha = (c.low - c.mean) / c.deviation, beta = (c.high - c.mean) / c.deviation
            let expected = c.mean + c.deviation * (phi(alpha) - phi(beta)) / (cdf(beta) - cdf(alpha))
            var values: [Double] = []
            sampler.draw(40_000, &generator) { _, _, value in values.append(value) }
            let mean = values.reduce(0, +) / Double(values.count)
            let spread = (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)).squareRoot()
            #expect(values.allSatisfy { $0 >= c.low && $0 <= c.high })
            #expect(abs(mean - expected) < 4 * spread / Double(values.count).squareRoot(), "\(c): mean \(mean), expected \(expected)")
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
