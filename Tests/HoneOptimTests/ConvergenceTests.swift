import Testing

@testable import HoneOptim

/// Each optimizer solves a small least-squares problem whose optimum is known.
@Suite struct ConvergenceTests {
    static let trueWeight: [Float] = [1.5, -2, 0.5]
    static let trueBias: Float = 0.3

    static let optimizers: [String: (Tensor, Tensor) -> (Optimizer, steps: Int)] = [
        "SGD": { (SGD(parameters: [$0, $1], learningRate: 0.1), 300) },
        "Momentum": { (SGD(parameters: [$0, $1], learningRate: 0.05, momentum: 0.9), 300) },
        "Nesterov": { (SGD(parameters: [$0, $1], learningRate: 0.05, momentum: 0.9, nesterov: true), 300) },
        "Adam": { (Adam(parameters: [$0, $1], learningRate: 0.05), 600) },
        "AMSGrad": { (Adam(parameters: [$0, $1], learningRate: 0.05, amsgrad: true), 600) },
        "AdamW": { (AdamW(parameters: [$0, $1], learningRate: 0.05, weightDecay: 0), 600) },
        "RMSprop": { (RMSprop(parameters: [$0, $1], learningRate: 0.01), 600) },
        "RMSprop centered momentum": { (RMSprop(parameters: [$0, $1], learningRate: 0.005, momentum: 0.5, centered: true), 600) },
        "Adagrad": { (Adagrad(parameters: [$0, $1], learningRate: 0.5), 600) },
    ]

    @Test(arguments: optimizers.keys.sorted())
    func leastSquaresReachesTheKnownOptimum(_ name: String) throws {
        let inputs = Tensor.normal([64, 3], seed: 11)
        let targets = matmul(inputs, Tensor(shape: [3, 1], scalars: Self.trueWeight)) + Self.trueBias
        let weight = Tensor.zeros([3, 1]).requiringGrad()
        let bias = Tensor.zeros([1]).requiringGrad()
        let make = try #require(Self.optimizers[name])
        let (optimizer, steps) = make(weight, bias)
        // Annealing the rate lets the adaptive methods settle instead of hovering at lr scale.
        let scheduler = LearningRateScheduler(
            optimizer, schedule: CosineAnnealing(initialLearningRate: optimizer.learningRate, period: steps))
        for _ in 0..<steps {
            optimizer.zeroGrad()
            let residual = matmul(inputs, weight) + bias - targets
            (residual * residual).mean().backward()
            optimizer.step()
            scheduler.step()
        }
        expectClose(weight.scalars, Self.trueWeight, tolerance: 1e-2, "\(name) weight")
        expectClose(bias.scalars, [Self.trueBias], tolerance: 1e-2, "\(name) bias")
    }
}
