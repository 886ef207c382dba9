import Foundation
import HoneTestSupport
import Testing

@testable import HoneCore

@Suite struct ReductionTests {
    let x = Tensor(shape: [2, 3], scalars: [1, 5, 3, 4, 2, 6])

    @Test func reductionValuesAlongAxes() {
        expectClose(x.sum(axes: [0]), [5, 7, 9])
        expectClose(x.sum(axes: [1]), [9, 12])
        #expect(x.sum(axes: [1], keepDims: true).shape == [2, 1])
        expectClose(x.sum(), [21])
        expectClose(x.mean(axes: [-1]), [3, 4])
        expectClose(x.max(axis: 1), [5, 6])
        expectClose(x.min(axis: 0), [1, 2, 3])
        expectClose(x.variance(axes: [1]), [4, 4])
        expectClose(x.variance(axes: [1], unbiased: false), [8.0 / 3, 8.0 / 3])
        #expect(x.argmax(axis: 1) == [1, 2])
    }

    @Test func reductionGradients() {
        let t = randomTensor([2, 3, 4])
        for axes in [[0], [1], [2], [0, 2], [1, 2], [0, 1, 2]] {
            expectGradientsMatch([t]) { $0[0].sum(axes: axes) }
            expectGradientsMatch([t]) { $0[0].mean(axes: axes, keepDims: true) }
            expectGradientsMatch([t]) { $0[0].variance(axes: axes) }
            expectGradientsMatch([t]) { $0[0].max(axes: axes) }
        }
        expectGradientsMatch([t]) { $0[0].min(axis: 1, keepDims: true) }
    }
}

@Suite struct ActivationTests {
    @Test func activationValues() {
        let v = Tensor([-2, -0.5, 0.5, 2])
        expectClose(v.relu(), [0, 0, 0.5, 2])
        expectClose(v.leakyRelu(slope: 0.1), [-0.2, -0.05, 0.5, 2])
        expectClose(v.sigmoid(), v.scalars.map { 1 / (1 + Foundation.exp(-$0)) })
        expectClose(v.tanh(), v.scalars.map { Foundation.tanh($0) })
        // GELU(x) = x Φ(x); Φ(2) = 0.97724987, Φ(-0.5) = 0.30853754.
        expectClose(v.gelu(), [-2 * (1 - 0.97724987), -0.5 * 0.30853754, 0.5 * (1 - 0.30853754), 2 * 0.97724987], tolerance: 1e-5)
    }

    @Test func reluVectorLanesAndTailMatchScalarDefinition() {
        // 21 values: two full eight-lane blocks and a tail of five, with NaN and −0.
        let values: [Float] = (0..<21).map { Float($0 % 7) - 3 + ($0 % 2 == 0 ? 0.25 : 0) }
        var input = values
        input[9] = .nan
        input[3] = -0.0
        let x = Tensor(shape: [21], scalars: input).requiringGrad()
        let y = x.relu()
        expectClose(y, input.map { $0 > 0 ? $0 : 0 })
        let upstream = Tensor(shape: [21], scalars: (0..<21).map { Float($0) + 1 })
        y.backward(upstream)
        expectClose(x.grad!, (0..<21).map { input[$0] > 0 ? Float($0) + 1 : 0 })
    }

    @Test func activationGradients() {
        let t = tensorAwayFromZero([3, 4])
        expectGradientsMatch([t]) { $0[0].relu() }
        expectGradientsMatch([t]) { $0[0].leakyRelu(slope: 0.2) }
        expectGradientsMatch([t]) { $0[0].sigmoid() }
        expectGradientsMatch([t]) { $0[0].tanh() }
        expectGradientsMatch([t]) { $0[0].gelu() }
        for axis in [0, 1, -1] {
            expectGradientsMatch([t]) { $0[0].softmax(axis: axis) }
            expectGradientsMatch([t]) { $0[0].logSoftmax(axis: axis) }
        }
    }

    @Test func softmaxMatchesDefinitionAndSumsToOne() {
        let t = Tensor([[1, 2, 3], [0, 0, 0]])
        let e: [Float] = [1, 2, 3].map { Foundation.exp($0) }
        let total = e.reduce(0, +)
        expectClose(t.softmax(), e.map { $0 / total } + [1.0 / 3, 1.0 / 3, 1.0 / 3])
        expectClose(t.logSoftmax(), e.map { Foundation.log($0 / total) } + [Float](repeating: -Foundation.log(3), count: 3))
        expectClose(t.softmax(axis: 0).sum(axes: [0]), [1, 1, 1])
    }

    @Test func softmaxIsStableOnHugeInputs() {
        let t = Tensor([[1e4, -1e4, 0], [1e4, 1e4, -1e4]])
        let s = t.softmax()
        let l = t.logSoftmax()
        #expect(s.scalars.allSatisfy { $0.isFinite })
        #expect(l.scalars.allSatisfy { $0.isFinite })
        expectClose(s, [1, 0, 0, 0.5, 0.5, 0])
        expectClose(l, [0, -2e4, -1e4, -Foundation.log(2), -Foundation.log(2), -2e4 - Foundation.log(2)], tolerance: 1e-6)
        let big = Tensor([[1e4, -1e4, 0]]).requiringGrad()
        big.logSoftmax().sum().backward()
        #expect(big.grad!.scalars.allSatisfy { $0.isFinite })
        expectClose(big.grad!, [1 - 3, 1, 1], tolerance: 1e-5)
    }
}
