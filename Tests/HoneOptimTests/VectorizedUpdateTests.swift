import Foundation
import Testing

@testable import HoneOptim

/// The optimizers update eight values at a time, across cores for large parameters, with
/// a partial vector at the end. These check every position — whole vectors, the tail, both
/// halves of a split — against the update rule written out one value at a time.
@Suite struct VectorizedUpdateTests {
    /// Large enough to be split across cores, and not a multiple of 8.
    static let count = 300_001

    static func values(_ count: Int, seed: UInt64) -> [Float] {
        var generator = SeededGenerator(seed: seed)
        return (0..<count).map { _ in generator.nextFloat() * 4 - 2 }
    }

    /// Runs `steps` steps of `optimizer` over one parameter with fresh gradients each step.
    static func run(_ makeOptimizer: ([Tensor]) -> Optimizer, steps: Int) -> (start: [Float], gradients: [[Float]], result: [Float]) {
        let start = values(count, seed: 1)
        let parameter = Tensor(shape: [count], scalars: start, requiresGrad: true)
        let optimizer = makeOptimizer([parameter])
        var gradients: [[Float]] = []
        for step in 0..<steps {
            let gradient = values(count, seed: UInt64(10 + step))
            gradients.append(gradient)
            parameter.grad = Tensor(shape: [count], scalars: gradient)
            optimizer.step()
        }
        return (start, gradients, parameter.scalars)
    }

    @Test(arguments: [false, true])
    func sgdMomentumMatchesTheRuleValueByValue(nesterov: Bool) {
        let (learningRate, momentum, weightDecay): (Float, Float, Float) = (0.05, 0.9, 0.01)
        let dampening: Float = nesterov ? 0 : 0.2
        let run = Self.run({
            SGD(parameters: $0, learningRate: learningRate, momentum: momentum, dampening: dampening,
                weightDecay: weightDecay, nesterov: nesterov)
        }, steps: 3)
        var expected = run.start
        var buffer = [Float](repeating: 0, count: Self.count)
        for (step, gradient) in run.gradients.enumerated() {
            for i in 0..<Self.count {
                let g = gradient[i] + weightDecay * expected[i]
                buffer[i] = step == 0 ? g : momentum * buffer[i] + (1 - dampening) * g
                expected[i] -= learningRate * (nesterov ? g + momentum * buffer[i] : buffer[i])
            }
        }
        #expect(run.result == expected)
    }

    @Test func plainSGDMatchesTheRuleValueByValue() {
        let run = Self.run({ SGD(parameters: $0, learningRate: 0.1, weightDecay: 0.5) }, steps: 2)
        var expected = run.start
        for gradient in run.gradients {
            for i in 0..<Self.count { expected[i] -= 0.1 * (gradient[i] + 0.5 * expected[i]) }
        }
        #expect(run.result == expected)
    }

    @Test(arguments: [false, true])
    func adamMatchesTheRuleValueByValue(amsgrad: Bool) {
        let (learningRate, beta1, beta2, epsilon): (Float, Float, Float, Float) = (1e-2, 0.9, 0.999, 1e-8)
        let run = Self.run({ Adam(parameters: $0, learningRate: learningRate, weightDecay: 0.01, amsgrad: amsgrad) }, steps: 3)
        var expected = run.start
        var first = [Float](repeating: 0, count: Self.count), second = first, maximum = first
        for (index, gradient) in run.gradients.enumerated() {
            let step = Double(index + 1)
            let stepSize = Float(Double(learningRate) / (1 - Foundation.pow(Double(beta1), step)))
            let correctionRoot = Float((1 - Foundation.pow(Double(beta2), step)).squareRoot())
            for i in 0..<Self.count {
                let g = gradient[i] + 0.01 * expected[i]
                first[i] += (g - first[i]) * (1 - beta1)
                second[i] = second[i] * beta2 + (1 - beta2) * g * g
                maximum[i] = Swift.max(maximum[i], second[i])
                let denominator = (amsgrad ? maximum[i] : second[i]).squareRoot() / correctionRoot + epsilon
                expected[i] -= stepSize * (first[i] / denominator)
            }
        }
        #expect(run.result == expected)
    }
}
