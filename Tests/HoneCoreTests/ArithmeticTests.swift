import HoneTestSupport
import Testing

@testable import HoneCore

@Suite struct ArithmeticTests {
    @Test func broadcastingFollowsNumPyRules() {
        let a = Tensor(shape: [2, 1, 3], scalars: [1, 2, 3, 4, 5, 6])
        let b = Tensor(shape: [2, 1], scalars: [10, 20])
        let sum = a + b
        #expect(sum.shape == [2, 2, 3])
        expectClose(sum, [11, 12, 13, 21, 22, 23, 14, 15, 16, 24, 25, 26])
        let scaled = Tensor([[1, 2], [3, 4]]) * Tensor([10, 100])
        expectClose(scaled, [10, 200, 30, 400])
    }

    @Test func scalarOperandsMatchTensorOperands() {
        let x = randomTensor([3, 4])
        expectClose(x * 3, (x * Tensor(3)).scalars)
        expectClose(2 - x, (Tensor(2) - x).scalars)
        expectClose(1 / (x + 5), (Tensor(1) / (x + Tensor(5))).scalars)
    }

    @Test func binaryGradientsWithBroadcasting() {
        let shapes: [([Int], [Int])] = [([2, 3], [2, 3]), ([2, 3], [3]), ([4, 1, 3], [2, 1]), ([1], [2, 2]), ([2, 3, 4], [1, 3, 1])]
        for (sa, sb) in shapes {
            let a = randomTensor(sa, seed: 1), b = randomTensor(sb, low: 0.5, high: 2, seed: 2)
            expectGradientsMatch([a, b]) { $0[0] + $0[1] }
            expectGradientsMatch([a, b]) { $0[0] - $0[1] }
            expectGradientsMatch([a, b]) { $0[0] * $0[1] }
            expectGradientsMatch([a, b]) { $0[0] / $0[1] }
            expectGradientsMatch([a, b]) { Tensor.maximum($0[0], $0[1] - 1) }
            expectGradientsMatch([a, b]) { Tensor.minimum($0[0], $0[1] - 1) }
        }
    }

    @Test func scalarOperatorGradients() {
        let x = randomTensor([3, 2], low: 0.5, high: 2)
        expectGradientsMatch([x]) { -$0[0] }
        expectGradientsMatch([x]) { $0[0] * 3 + 1 }
        expectGradientsMatch([x]) { 2 - $0[0] / 4 }
        expectGradientsMatch([x]) { 3 / $0[0] }
    }

    @Test func unaryMathValuesAndGradients() {
        let positive = randomTensor([2, 3], low: 0.5, high: 2)
        expectClose(positive.exp(), positive.scalars.map { Foundation.exp($0) })
        expectClose(positive.log(), positive.scalars.map { Foundation.log($0) })
        expectClose(positive.sqrt(), positive.scalars.map { $0.squareRoot() })
        expectClose(positive.pow(1.5), positive.scalars.map { Foundation.pow($0, 1.5) })
        expectGradientsMatch([randomTensor([2, 3])]) { $0[0].exp() }
        expectGradientsMatch([positive]) { $0[0].log() }
        expectGradientsMatch([positive]) { $0[0].sqrt() }
        expectGradientsMatch([positive]) { $0[0].pow(2) }
        expectGradientsMatch([positive]) { $0[0].pow(-0.5) }
        expectGradientsMatch([tensorAwayFromZero([2, 3])]) { $0[0].abs() }
        expectGradientsMatch([Tensor([-0.9, -0.3, 0.2, 0.7])]) { $0[0].clamped(min: -0.5, max: 0.5) }
        let base = randomTensor([2, 3], low: 0.5, high: 2, seed: 4), exponent = randomTensor([3], seed: 5)
        expectGradientsMatch([base, exponent]) { Tensor.pow($0[0], $0[1]) }
        expectClose(Tensor.pow(Tensor([2, 3]), Tensor([3, 2])), [8, 9])
    }

    @Test func whereSelectsAndRoutesGradients() {
        let condition = Tensor([1, 0, 1])
        let a = randomTensor([2, 3], seed: 1), b = randomTensor([2, 3], seed: 2)
        let picked = Tensor.where(condition, a, b)
        #expect(picked[0, 0] == a[0, 0] && picked[0, 1] == b[0, 1] && picked[1, 2] == a[1, 2])
        expectGradientsMatch([a, b]) { Tensor.where(condition, $0[0], $0[1]) }
        expectGradientsMatch([randomTensor([3])]) { Tensor.where(condition, $0[0], Tensor.zeros([2, 3])) }
    }

    @Test func gradientsAccumulateAcrossBackwardCalls() {
        let x = Tensor([1, 2, 3]).requiringGrad()
        (x * 2).sum().backward()
        (x * 3).sum().backward()
        expectClose(x.grad!, [5, 5, 5])
        x.zeroGrad()
        #expect(x.grad == nil)
    }

    @Test func noGradScopeRecordsNothingAndDetachCutsTheGraph() {
        let x = Tensor([1, 2]).requiringGrad()
        let y = withNoGrad { x * 2 }
        #expect(!y.requiresGrad && y.isLeaf)
        let z = (x.detached() * x).sum()
        z.backward()
        // Only the non-detached factor carries gradient: d/dx (c · x) = c.
        expectClose(x.grad!, [1, 2])
    }

    @Test func sharedSubexpressionsAddTheirGradients() {
        let x = Tensor([2, -3]).requiringGrad()
        let y = x * x
        (y + y * x).sum().backward()  // d/dx (x² + x³) = 2x + 3x²
        expectClose(x.grad!, [4 + 12, -6 + 27])
    }
}

import Foundation

/// Tensors large enough to be split across cores take the vectorized operator loops;
/// every element is checked against the operator applied one pair at a time.
@Suite struct LargeArithmeticTests {
    static let count = 300_003

    static func values(seed: UInt64, offset: Float) -> [Float] {
        var generator = SeededGenerator(seed: seed)
        return (0..<count).map { _ in generator.nextFloat() * 4 - 2 + offset }
    }

    @Test func sameShapeOperatorsMatchPairwiseResults() {
        let x = Self.values(seed: 1, offset: 0), y = Self.values(seed: 2, offset: 5)
        let a = Tensor(shape: [Self.count], scalars: x), b = Tensor(shape: [Self.count], scalars: y)
        #expect((a + b).scalars == zip(x, y).map { $0 + $1 })
        #expect((a - b).scalars == zip(x, y).map { $0 - $1 })
        #expect((a * b).scalars == zip(x, y).map { $0 * $1 })
        #expect((a / b).scalars == zip(x, y).map { $0 / $1 })
    }

    @Test func scalarOperatorsMatchElementwiseResults() {
        let x = Self.values(seed: 3, offset: 0)
        let a = Tensor(shape: [Self.count], scalars: x)
        #expect((a + 1.5).scalars == x.map { $0 + 1.5 })
        #expect((a * -0.25).scalars == x.map { $0 * -0.25 })
        #expect((a - 2).scalars == x.map { $0 + -2 })
    }

    @Test func broadcastOperandsStillBroadcast() {
        let rows = 1_000, columns = 301
        let x = (0..<(rows * columns)).map { Float($0 % 97) * 0.5 }
        let bias = (0..<columns).map { Float($0) - 150 }
        let sum = Tensor(shape: [rows, columns], scalars: x) + Tensor(shape: [columns], scalars: bias)
        #expect(sum.scalars == (0..<(rows * columns)).map { x[$0] + bias[$0 % columns] })
    }
}
