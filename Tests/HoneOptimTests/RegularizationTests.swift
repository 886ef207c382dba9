import Testing

@testable import HoneOptim

@Suite struct RegularizationTests {
    @Test func l1PenaltyValueAndGradient() {
        let a = Tensor(shape: [3], scalars: [1.5, -2, 0], requiresGrad: true)
        let b = Tensor(shape: [2], scalars: [-0.25, 4], requiresGrad: true)
        let penalty = l1Penalty([a, b], strength: 0.1)
        #expect(Swift.abs(penalty.item - 0.1 * 7.75) < 1e-6)
        penalty.backward()
        #expect(a.grad?.scalars == [0.1, -0.1, 0])
        #expect(b.grad?.scalars == [-0.1, 0.1])
    }

    @Test func l2PenaltyGradientIsTheCoupledWeightDecay() {
        // SGD with weightDecay λ on a loss equals plain SGD on loss + λ/2 Σ p².
        func run(coupled: Bool) -> [Float] {
            let problem = ReferenceProblem()
            let optimizer = SGD(
                parameters: problem.parameters, learningRate: 0.05, momentum: 0.9, weightDecay: coupled ? 0.3 : 0)
            for _ in 0..<4 {
                optimizer.zeroGrad()
                let loss = coupled ? problem.loss() : problem.loss() + l2Penalty(problem.parameters, strength: 0.3)
                loss.backward()
                optimizer.step()
            }
            return problem.weight.scalars + problem.bias.scalars
        }
        expectClose(run(coupled: true), run(coupled: false), tolerance: 1e-5)
    }

    @Test func proximalStepSoftThresholds() {
        let parameter = Tensor(shape: [5], scalars: [0.3, -0.3, 0.05, -0.1, 2], requiresGrad: true)
        let frozen = Tensor(shape: [1], scalars: [0.05])
        proximalL1([parameter, frozen], threshold: 0.1)
        expectClose(parameter.scalars, [0.2, -0.2, 0, 0, 1.9], tolerance: 1e-7)
        #expect(frozen.scalars == [0.05])
    }

    @Test func proximalGradientSolvesTheLassoExactly() {
        // min ½‖w − y‖² + λ‖w‖₁ has the solution soft(y, λ): exact zeros where |y| ≤ λ.
        let target = Tensor([1.0, -0.2, 0.05, -3, 0.5])
        let strength: Float = 0.3
        let weight = Tensor.zeros([5]).requiringGrad()
        let learningRate: Float = 0.5
        let optimizer = SGD(parameters: [weight], learningRate: learningRate)
        for _ in 0..<60 {
            optimizer.zeroGrad()
            let difference = weight - target
            (0.5 * (difference * difference).sum()).backward()
            optimizer.step()
            proximalL1([weight], threshold: learningRate * strength)
        }
        #expect(weight.scalars[1] == 0 && weight.scalars[2] == 0)
        expectClose(weight.scalars, [0.7, 0, 0, -2.7, 0.2], tolerance: 1e-5)
    }

    @Test func emptyParameterListsGiveAZeroPenalty() {
        #expect(l1Penalty([], strength: 1).item == 0)
        #expect(l2Penalty([], strength: 1).item == 0)
    }
}
