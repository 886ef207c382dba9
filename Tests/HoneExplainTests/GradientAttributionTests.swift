import HoneCore
import HoneNN
import HoneTestSupport
import Testing
@testable import HoneExplain

@Suite struct GradientAttributionTests {
    let net = Sequential { Linear(5, 8, seed: 11); Tanh(); Linear(8, 3, seed: 12); Sigmoid() }

    @Test func saliencyEqualsFiniteDifferences() {
        let row: [Float] = [0.3, -1.2, 0.8, 0.1, -0.4]
        let gradient = GradientAttribution.saliency(of: { net($0) }, row: row, output: 2)
        for j in 0..<5 {
            var up = row, down = row
            up[j] += 1e-2
            down[j] -= 1e-2
            let f: ([Float]) -> Double = { x in Double(withNoGrad { net(Tensor(shape: [1, 5], scalars: x)) }.scalars[2]) }
            let numeric = (f(up) - f(down)) / 2e-2
            #expect(abs(Double(gradient[j]) - numeric) < 1e-3)
        }
    }

    @Test func integratedGradientsOfAProductHaveTheClosedForm() throws {
        // f = x₀x₁ from the zero baseline: IGᵢ = xᵢ ∫₀¹ α x_other dα = x₀x₁ / 2 for both.
        let product: (Tensor) -> Tensor = { x in
            let scalars = x.shape[0]
            let first = x * Tensor(shape: [scalars, 2], scalars: [Float](repeating: 0, count: 2 * scalars).enumerated().map { $0.offset % 2 == 0 ? 1 : 0 })
            let second = x * Tensor(shape: [scalars, 2], scalars: [Float](repeating: 0, count: 2 * scalars).enumerated().map { $0.offset % 2 == 1 ? 1 : 0 })
            return (first.sum(axes: [1], keepDims: true) * second.sum(axes: [1], keepDims: true))
        }
        let result = try GradientAttribution.integratedGradients(of: product, row: [2, 3], baseline: [0, 0], steps: 4, rule: .trapezoid)
        #expect(abs(result.attributions[0] - 3) < 1e-5 && abs(result.attributions[1] - 3) < 1e-5)
        #expect(result.completenessError < 1e-5)
    }

    @Test func completenessErrorShrinksWithSteps() throws {
        let row: [Float] = [1.5, -2, 0.7, 2.2, -0.9]
        let baseline = [Float](repeating: 0, count: 5)
        for rule in GradientAttribution.Rule.allCases {
            let coarse = try GradientAttribution.integratedGradients(of: { net($0) }, row: row, baseline: baseline, steps: 4, rule: rule)
            let fine = try GradientAttribution.integratedGradients(of: { net($0) }, row: row, baseline: baseline, steps: 128, rule: rule)
            #expect(fine.completenessError < coarse.completenessError)
            #expect(fine.completenessError < 2e-3)
        }
        let exact = withNoGrad { net(Tensor(shape: [2, 5], scalars: row + baseline)) }.scalars
        let result = try GradientAttribution.integratedGradients(of: { net($0) }, row: row, baseline: baseline, steps: 256)
        #expect(abs(result.prediction - Double(exact[0])) < 1e-6 && abs(result.baselinePrediction - Double(exact[3])) < 1e-6)
        #expect(abs(result.attributions.reduce(0, +) - (result.prediction - result.baselinePrediction)) < 1e-4)
    }

    @Test func aBaselineOfAnotherLengthIsANamedError() {
        #expect(throws: ExplainError.featureCountMismatch(source: "the baseline", expected: 5, found: 2)) {
            try GradientAttribution.integratedGradients(of: { net($0) }, row: [1, 2, 3, 4, 5], baseline: [0, 0])
        }
    }
}
