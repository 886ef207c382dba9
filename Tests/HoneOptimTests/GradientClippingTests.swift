import Foundation
import Testing

@testable import HoneOptim

@Suite struct GradientClippingTests {
    /// Two parameters with gradients [3, 4] and [12] (joint 2-norm 13), and one without.
    func parameters() -> [Tensor] {
        let a = Tensor.zeros([2]).requiringGrad()
        a.grad = Tensor([3, 4])
        let b = Tensor.zeros([1]).requiringGrad()
        b.grad = Tensor([12])
        let unused = Tensor.zeros([5]).requiringGrad()
        return [a, b, unused]
    }

    func gradients(_ parameters: [Tensor]) -> [Float] { parameters.compactMap(\.grad).flatMap(\.scalars) }

    @Test func globalNormIsReturnedAndTheClippedNormEqualsTheMaximum() throws {
        let clipped = parameters()
        let norm = try GradientClipping.byGlobalNorm(clipped, maxNorm: 6.5)
        #expect(norm == 13)
        let factor = 6.5 / (13 + 1e-6)
        expectClose(gradients(clipped), [3, 4, 12].map { Float($0 * factor) }, tolerance: 1e-7)
        let after = GradientClipping.totalNorm(clipped.compactMap(\.grad))
        #expect(Swift.abs(after - 6.5) < 1e-5)
        #expect(clipped[2].grad == nil)
    }

    @Test func gradientsBelowTheMaximumAreUntouched() throws {
        let clipped = parameters()
        let norm = try GradientClipping.byGlobalNorm(clipped, maxNorm: 13.5)
        #expect(norm == 13)
        #expect(gradients(clipped) == [3, 4, 12])
    }

    @Test func otherNormTypesMatchHandComputation() throws {
        #expect(try GradientClipping.byGlobalNorm(parameters(), maxNorm: 100, normType: 1) == 19)
        #expect(try GradientClipping.byGlobalNorm(parameters(), maxNorm: 100, normType: .infinity) == 12)
        let cubic = Float(Foundation.pow(27.0 + 64 + 1728, 1.0 / 3))
        #expect(Swift.abs(try GradientClipping.byGlobalNorm(parameters(), maxNorm: 100, normType: 3) - cubic) < 1e-5)
        let clipped = parameters()
        try GradientClipping.byGlobalNorm(clipped, maxNorm: 6, normType: .infinity)
        expectClose(gradients(clipped), [3, 4, 12].map { Float($0 * 6 / (12 + 1e-6)) }, tolerance: 1e-7)
    }

    func withNaN() -> [Tensor] {
        let clipped = parameters()
        clipped[0].grad = Tensor([3, .nan])
        return clipped
    }

    @Test func nonFiniteNormsAreHandledByPolicy() throws {
        let scaled = withNaN()
        #expect(try GradientClipping.byGlobalNorm(scaled, maxNorm: 1).isNaN)
        let allNaN = gradients(scaled).allSatisfy { $0.isNaN }
        #expect(allNaN)

        let skipped = withNaN()
        #expect(try GradientClipping.byGlobalNorm(skipped, maxNorm: 1, onNonFinite: .skip).isNaN)
        #expect(gradients(skipped)[0] == 3 && gradients(skipped)[1].isNaN && gradients(skipped)[2] == 12)

        let zeroed = parameters()
        zeroed[1].grad = Tensor([.infinity])
        #expect(try GradientClipping.byGlobalNorm(zeroed, maxNorm: 1, onNonFinite: .zero) == .infinity)
        #expect(gradients(zeroed) == [0, 0, 0])

        let refused = withNaN()
        #expect(throws: GradientClippingError.self) {
            try GradientClipping.byGlobalNorm(refused, maxNorm: 1, onNonFinite: .throwError)
        }
        #expect(gradients(refused)[0] == 3 && gradients(refused)[2] == 12)
    }

    @Test func infiniteNormScalesLikePyTorch() throws {
        // max / (inf + 1e-6) = 0: finite gradients become 0 and the infinite one NaN.
        let clipped = parameters()
        clipped[1].grad = Tensor([-.infinity])
        #expect(try GradientClipping.byGlobalNorm(clipped, maxNorm: 1) == .infinity)
        let values = gradients(clipped)
        #expect(values[0] == 0 && values[1] == 0 && values[2].isNaN)
    }

    @Test func clippingByValueClampsEachEntry() {
        let clipped = parameters()
        clipped[0].grad = Tensor([-7, 0.5])
        clipped[1].grad = Tensor([.nan])
        GradientClipping.byValue(clipped, clipValue: 2)
        let values = gradients(clipped)
        #expect(values[0] == -2 && values[1] == 0.5 && values[2].isNaN)
    }
}
