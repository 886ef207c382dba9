import Foundation
import Testing

@testable import HoneOptim

/// Each optimizer's first steps on a fixed problem against PyTorch's (ReferenceValues.swift).
@Suite struct OptimizerReferenceTests {
    /// The Swift construction matching each PyTorch case of Fixtures/make_reference.py.
    static let cases: [String: (ReferenceProblem) -> Optimizer] = [
        "sgd": { SGD(parameters: $0.parameters, learningRate: 0.05) },
        "sgd_weight_decay": { SGD(parameters: $0.parameters, learningRate: 0.05, weightDecay: 0.1) },
        "sgd_momentum": { SGD(parameters: $0.parameters, learningRate: 0.05, momentum: 0.9, dampening: 0.1) },
        "sgd_momentum_weight_decay": {
            SGD(parameters: $0.parameters, learningRate: 0.05, momentum: 0.9, weightDecay: 0.1)
        },
        "sgd_nesterov": { SGD(parameters: $0.parameters, learningRate: 0.05, momentum: 0.9, nesterov: true) },
        "sgd_nesterov_weight_decay": {
            SGD(parameters: $0.parameters, learningRate: 0.05, momentum: 0.9, weightDecay: 0.1, nesterov: true)
        },
        "sgd_groups": { problem in
            SGD(
                groups: [
                    ParameterGroup(parameters: [problem.weight], learningRate: 0.01, weightDecay: 0.2),
                    ParameterGroup(parameters: [problem.bias]),
                ],
                learningRate: 0.1, momentum: 0.5)
        },
        "adam": { Adam(parameters: $0.parameters, learningRate: 0.1) },
        "adam_weight_decay": { Adam(parameters: $0.parameters, learningRate: 0.1, weightDecay: 0.1) },
        "adam_amsgrad": { Adam(parameters: $0.parameters, learningRate: 0.1, betas: (0.8, 0.5), amsgrad: true) },
        "adam_amsgrad_weight_decay": {
            Adam(parameters: $0.parameters, learningRate: 0.1, betas: (0.8, 0.5), weightDecay: 0.1, amsgrad: true)
        },
        "adamw": { AdamW(parameters: $0.parameters, learningRate: 0.1) },
        "adamw_weight_decay": { AdamW(parameters: $0.parameters, learningRate: 0.1, weightDecay: 0.5) },
        "adamw_amsgrad": {
            AdamW(parameters: $0.parameters, learningRate: 0.1, betas: (0.8, 0.5), weightDecay: 0.5, amsgrad: true)
        },
        "rmsprop": { RMSprop(parameters: $0.parameters, learningRate: 0.01) },
        "rmsprop_weight_decay": { RMSprop(parameters: $0.parameters, learningRate: 0.01, weightDecay: 0.1) },
        "rmsprop_centered": { RMSprop(parameters: $0.parameters, learningRate: 0.01, centered: true) },
        "rmsprop_momentum": { RMSprop(parameters: $0.parameters, learningRate: 0.01, momentum: 0.9) },
        "rmsprop_centered_momentum_weight_decay": {
            RMSprop(
                parameters: $0.parameters, learningRate: 0.01, alpha: 0.9, weightDecay: 0.1, momentum: 0.5,
                centered: true)
        },
        "adagrad": { Adagrad(parameters: $0.parameters, learningRate: 0.1) },
        "adagrad_weight_decay": { Adagrad(parameters: $0.parameters, learningRate: 0.1, weightDecay: 0.1) },
        "adagrad_decay_accumulator": {
            Adagrad(parameters: $0.parameters, learningRate: 0.1, learningRateDecay: 0.1, initialAccumulatorValue: 0.5)
        },
    ]

    @Test func everyReferenceCaseHasASwiftConstruction() {
        #expect(Set(Self.cases.keys) == Set(Reference.trajectories.keys))
    }

    @Test(arguments: Reference.trajectories.keys.sorted())
    func firstStepsMatchPyTorch(_ name: String) throws {
        let make = try #require(Self.cases[name])
        let expected = try #require(Reference.trajectories[name])
        let problem = ReferenceProblem()
        let actual = problem.run(make(problem), steps: expected.count)
        for (step, (row, expectedRow)) in zip(actual, expected).enumerated() {
            expectClose(row, expectedRow, "\(name) step \(step + 1)")
        }
    }

    @Test func adamFirstStepMovesEachCoordinateByTheLearningRate() {
        // After one step m̂ = g and v̂ = g², so p moves by −lr · g / (|g| + ε): lr against the gradient's sign.
        let parameter = Tensor(shape: [3], scalars: [1, -2, 0.5], requiresGrad: true)
        let gradient: [Double] = [0.3, -4, 1e-3]
        parameter.grad = Tensor(shape: [3], scalars: gradient.map(Float.init))
        Adam(parameters: [parameter], learningRate: 0.01).step()
        let expected = zip([1.0, -2.0, 0.5], gradient).map { p, g in Float(p - 0.01 * g / (Swift.abs(g) + 1e-8)) }
        expectClose(parameter.scalars, expected, tolerance: 1e-6, "adam step 1")
    }

    @Test func sgdMomentumMatchesHandDerivedSteps() {
        // f(p) = p² / 2, so ∇ = p. With lr = 0.1, μ = 0.9, dampening 0.5, derived in Double:
        // step 1: b = 2, p = 2 − 0.2 = 1.8; step 2: b = 0.9·2 + 0.5·1.8 = 2.7, p = 1.8 − 0.27 = 1.53.
        let parameter = Tensor(shape: [1], scalars: [2], requiresGrad: true)
        let optimizer = SGD(parameters: [parameter], learningRate: 0.1, momentum: 0.9, dampening: 0.5)
        var values: [Float] = []
        for _ in 0..<2 {
            parameter.grad = parameter.copy()
            optimizer.step()
            values.append(parameter.item)
        }
        expectClose(values, [1.8, 1.53], tolerance: 1e-6, "sgd momentum")
    }

    @Test func nesterovLooksAheadAlongTheMomentum() {
        // ∇ = p, lr 0.1, μ 0.5: step 1 b = 1, p = 1 − 0.1·(1 + 0.5) = 0.85;
        // step 2 b = 0.5 + 0.85 = 1.35, p = 0.85 − 0.1·(0.85 + 0.675) = 0.6975.
        let parameter = Tensor(shape: [1], scalars: [1], requiresGrad: true)
        let optimizer = SGD(parameters: [parameter], learningRate: 0.1, momentum: 0.5, nesterov: true)
        var values: [Float] = []
        for _ in 0..<2 {
            parameter.grad = parameter.copy()
            optimizer.step()
            values.append(parameter.item)
        }
        expectClose(values, [0.85, 0.6975], tolerance: 1e-6, "nesterov")
    }

    @Test func adamWDecaysWeightsEvenWithZeroGradient() {
        // Decoupled decay acts on the weight alone: with ∇ = 0 the Adam part is 0 and p ← p (1 − lr wd)ᵗ.
        let parameter = Tensor(shape: [2], scalars: [1, -3], requiresGrad: true)
        let optimizer = AdamW(parameters: [parameter], learningRate: 0.1, weightDecay: 0.5)
        for _ in 0..<3 {
            parameter.grad = Tensor.zeros([2])
            optimizer.step()
        }
        let shrink = Foundation.pow(1 - 0.05, 3.0)
        expectClose(parameter.scalars, [Float(shrink), Float(-3 * shrink)], tolerance: 1e-6, "adamw decay")
    }

    @Test func decoupledWeightDecayOptionShrinksBeforeTheSGDUpdate() {
        // p ← p (1 − lr wd) − lr ∇ with ∇ = 1: 2 · (1 − 0.1 · 0.5) − 0.1 = 1.8.
        let parameter = Tensor(shape: [1], scalars: [2], requiresGrad: true)
        parameter.grad = Tensor.ones([1])
        SGD(parameters: [parameter], learningRate: 0.1, weightDecay: 0.5, decoupledWeightDecay: true).step()
        expectClose(parameter.scalars, [1.8], tolerance: 1e-6, "decoupled sgd")
    }

    @Test func adagradLearningRateDecaysWithTheStepCount() {
        // Constant ∇ = 1, lr 1, decay 1, ε ≈ 0: step t moves by 1/t · 1/√t.
        let parameter = Tensor(shape: [1], scalars: [0], requiresGrad: true)
        let optimizer = Adagrad(parameters: [parameter], learningRate: 1, learningRateDecay: 1)
        var expected: [Float] = []
        var position = 0.0
        for step in 1...3 {
            parameter.grad = Tensor.ones([1])
            optimizer.step()
            position -= 1 / Double(step) / Double(step).squareRoot()
            expected.append(Float(position))
            expectClose(parameter.scalars, [expected.last!], tolerance: 1e-6, "adagrad step \(step)")
        }
    }
}
