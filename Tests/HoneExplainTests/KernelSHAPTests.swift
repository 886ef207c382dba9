import HoneCore
import HoneNN
import Testing
@testable import HoneExplain

@Suite struct KernelSHAPTests {
    /// f(x) = x₀·x₁ + max(x₂, x₃) + x₄³ − 2x₀: interactions, a kink and a nonlinearity.
    let nonlinear = PredictionFunction(featureCount: 5) { rows, count in
        (0..<count).map { r in
            let x = Array(rows[(r * 5)..<(r * 5 + 5)])
            return x[0] * x[1] + max(x[2], x[3]) + x[4] * x[4] * x[4] - 2 * x[0]
        }
    }

    @Test func exactEnumerationEqualsBruteForceShapley() throws {
        let background = WeightedBackground(rows: uniformRows(7, 5, seed: 3), weights: [1, 2, 3, 1, 1, 4, 2])
        let explainer = try KernelSHAP(model: nonlinear, background: background)
        for index in 0..<4 {
            let row = uniformRows(4, 5, seed: 11)[row: index]
            let explanation = try explainer.explain(row)
            #expect(explanation.isExact)
            let truth = bruteForceShapley(nonlinear, row: row, background: background)
            for (value, expected) in zip(explanation.values, truth) { #expect(abs(value - expected) < 1e-6) }
        }
    }

    @Test func exactEnumerationOfANetEqualsBruteForceShapley() throws {
        let net = Sequential { Linear(6, 8, seed: 1); Tanh(); Linear(8, 2, seed: 2); Sigmoid() }
        let model = PredictionFunction(featureCount: 6, outputCount: 2) { net($0) }
        let background = WeightedBackground(rows: uniformRows(5, 6, seed: 4))
        let explainer = try KernelSHAP(model: model, background: background, output: 1)
        let row = uniformRows(1, 6, seed: 9)[row: 0]
        let one = PredictionFunction(featureCount: 6) { rows, count in
            let outputs = model(rows, rowCount: count)
            return (0..<count).map { outputs[$0 * 2 + 1] }
        }
        let truth = bruteForceShapley(one, row: row, background: background)
        let explanation = try explainer.explain(row)
        for (value, expected) in zip(explanation.values, truth) { #expect(abs(value - expected) < 1e-6) }
    }

    @Test func productOfTwoFeaturesHasItsHandDerivedValues() throws {
        // x = (2, 3); background (1, 0) and (0, 1): E[b₀] = E[b₁] = ½, E[b₀b₁] = 0.
        // φ₀ = ½[(x₀E[b₁] − E[b₀b₁]) + (x₀x₁ − E[b₀]x₁)] = ½[1 + 4.5] = 2.75, φ₁ = ½[1.5 + 5] = 3.25.
        let product = PredictionFunction(featureCount: 2) { rows, count in (0..<count).map { rows[2 * $0] * rows[2 * $0 + 1] } }
        let background = WeightedBackground(rows: FeatureRows([[1, 0], [0, 1]]))
        let explanation = try KernelSHAP(model: product, background: background).explain([2, 3])
        #expect(abs(explanation.values[0] - 2.75) < 1e-6)
        #expect(abs(explanation.values[1] - 3.25) < 1e-6)
        // max(x₀, x₁) at (2, 3) over the background (0, 0): v(∅) = 0, v({0}) = 2, v({1}) = 3, v({0,1}) = 3.
        // φ₀ = ½[(2 − 0) + (3 − 3)] = 1, φ₁ = ½[(3 − 0) + (3 − 2)] = 2.
        let maximum = PredictionFunction(featureCount: 2) { rows, count in (0..<count).map { max(rows[2 * $0], rows[2 * $0 + 1]) } }
        let zero = WeightedBackground(rows: FeatureRows([[0, 0]]))
        let maxExplanation = try KernelSHAP(model: maximum, background: zero).explain([2, 3])
        #expect(abs(maxExplanation.values[0] - 1) < 1e-6)
        #expect(abs(maxExplanation.values[1] - 2) < 1e-6)
    }

    @Test func sampledModeRecoversALinearModelsClosedForm() throws {
        let weights: [Float] = (0..<20).map { Float($0 % 7) - 3 }
        let background = WeightedBackground(rows: uniformRows(10, 20, seed: 5))
        let explainer = try KernelSHAP(model: linearModel(weights, bias: 0.5), background: background, sampleCount: 300)
        let row = uniformRows(1, 20, seed: 6)[row: 0]
        let explanation = try explainer.explain(row)
        #expect(!explanation.isExact)
        #expect(explanation.coalitionCount <= 300)
        for j in 0..<20 {
            let mean = background.rows.column(j).reduce(0, +) / 10
            #expect(abs(explanation.values[j] - Double(weights[j]) * (Double(row[j]) - mean)) < 1e-4)
        }
    }

    @Test func sampledModeIsLocallyAccurateReproducibleAndReportsItsSpread() throws {
        let net = Sequential { Linear(16, 12, seed: 3); ReLU(); Linear(12, 1, seed: 4) }
        let model = PredictionFunction(featureCount: 16) { net($0) }
        let background = WeightedBackground.kMeans(uniformRows(60, 16, seed: 7), clusterCount: 8, seed: 0)
        let explainer = try KernelSHAP(model: model, background: background, sampleCount: 500, seed: 42)
        let row = uniformRows(1, 16, seed: 8)[row: 0]
        let explanation = try explainer.explain(row, repeats: 3)
        #expect(!explanation.isExact)
        #expect(abs(explanation.values.reduce(0, +) - (explanation.prediction - explanation.expectedValue)) < 1e-4)
        let spread = try #require(explanation.spread)
        #expect(spread.allSatisfy { $0.isFinite && $0 >= 0 } && spread.contains { $0 > 0 })
        #expect(try explainer.explain(row).values == explanation.values)
        let truthCheck = bruteForceShapleySum(model, background: background)
        #expect(abs(explanation.expectedValue - truthCheck) < 1e-6)
    }

    @Test func featuresEqualToEveryBackgroundRowGetZero() throws {
        let background = WeightedBackground(rows: FeatureRows([[1, 0, 5], [2, 1, 5]]))
        let explanation = try KernelSHAP(model: linearModel([1, 2, 3]), background: background).explain([3, 3, 5])
        #expect(explanation.values[2] == 0)
        #expect(abs(explanation.values[0] - 1.5) < 1e-6 && abs(explanation.values[1] - 5) < 1e-6)
    }

    @Test func mismatchedFeatureCountsAreNamedErrors() throws {
        let background = WeightedBackground(rows: uniformRows(3, 4, seed: 1))
        #expect(throws: ExplainError.featureCountMismatch(source: "the background", expected: 5, found: 4)) {
            try KernelSHAP(model: nonlinear, background: background)
        }
        let explainer = try KernelSHAP(model: nonlinear, background: WeightedBackground(rows: uniformRows(3, 5, seed: 1)))
        #expect(throws: ExplainError.featureCountMismatch(source: "the explained row", expected: 5, found: 3)) {
            try explainer.explain([1, 2, 3])
        }
    }

    private func bruteForceShapleySum(_ model: PredictionFunction, background: WeightedBackground) -> Double {
        let outputs = model(background.rows.values, rowCount: background.rows.rowCount)
        return zip(outputs, background.weights).reduce(0) { $0 + Double($1.0) * $1.1 }
    }
}

@Suite struct ParallelExplanationTests {
    @Test func rowsExplainedInParallelEqualRowsExplainedOneByOne() throws {
        let net = HoneNN.Sequential { Linear(14, 6, seed: 5); ReLU(); Linear(6, 1, seed: 6) }
        let model = PredictionFunction(featureCount: 14) { net($0) }
        let rows = uniformRows(5, 14, seed: 31)
        let shap = try KernelSHAP(model: model, background: WeightedBackground(rows: uniformRows(6, 14, seed: 32)), sampleCount: 200, seed: 3)
        let batch = try shap.explain(rows)
        for index in 0..<5 { #expect(batch[index] == (try shap.explain(rows[row: index]))) }
        let lime = try LIMETabular(model: model, training: uniformRows(50, 14, seed: 33), seed: 4)
        let limeBatch = try lime.explain(rows, featureCount: 5, sampleCount: 300)
        for index in 0..<5 { #expect(limeBatch[index] == (try lime.explain(rows[row: index], featureCount: 5, sampleCount: 300))) }
    }
}
