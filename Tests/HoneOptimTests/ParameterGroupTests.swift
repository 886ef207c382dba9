import Foundation
import Testing

@testable import HoneOptim

@Suite struct ParameterGroupTests {
    @Test func groupsUseTheirOwnLearningRateAndWeightDecay() {
        let body = Tensor(shape: [2], scalars: [1, 2], requiresGrad: true)
        let head = Tensor(shape: [2], scalars: [3, 4], requiresGrad: true)
        let optimizer = SGD(
            groups: [
                ParameterGroup(parameters: [("body.weight", body)], learningRate: 0.01, weightDecay: 0.5),
                ParameterGroup(parameters: [("head.weight", head)]),
            ],
            learningRate: 0.1)
        body.grad = Tensor.ones([2])
        head.grad = Tensor.ones([2])
        optimizer.step()
        // body: p − 0.01 (1 + 0.5 p); head: p − 0.1 · 1.
        expectClose(body.scalars, [1 - 0.01 * 1.5, 2 - 0.01 * 2], tolerance: 1e-7, "body")
        expectClose(head.scalars, [2.9, 3.9], tolerance: 1e-7, "head")
        #expect(optimizer.parameterGroups.map(\.learningRate) == [0.01, 0.1])
        #expect(optimizer.parameterGroups.map(\.weightDecay) == [0.5, 0])
    }

    @Test func settingTheLearningRateKeepsGroupProportions() {
        let body = Tensor.zeros([1]).requiringGrad()
        let head = Tensor.zeros([1]).requiringGrad()
        let optimizer = Adam(
            groups: [ParameterGroup(parameters: [body], learningRate: 0.01), ParameterGroup(parameters: [head])],
            learningRate: 0.1)
        optimizer.learningRate = 0.5
        #expect(optimizer.learningRate == 0.5)
        #expect(optimizer.parameterGroups[1].learningRate == 0.5)
        #expect(Swift.abs(optimizer.parameterGroups[0].learningRate! - 0.05) < 1e-8)
    }

    @Test func frozenParametersAndMissingGradientsAreUntouched() {
        let frozen = Tensor(shape: [2], scalars: [1, 2])
        frozen.grad = Tensor.ones([2])
        let noGradient = Tensor(shape: [2], scalars: [3, 4], requiresGrad: true)
        let trained = Tensor(shape: [2], scalars: [5, 6], requiresGrad: true)
        trained.grad = Tensor.ones([2])
        let optimizer = Adam(
            namedParameters: [("frozen", frozen), ("unused", noGradient), ("trained", trained)], learningRate: 0.1,
            weightDecay: 0.1)
        optimizer.step()
        #expect(frozen.scalars == [1, 2])
        #expect(noGradient.scalars == [3, 4])
        #expect(trained.scalars != [5, 6])
        #expect(optimizer.state(forParameter: "frozen") == nil)
        #expect(optimizer.state(forParameter: "unused") == nil)
        #expect(optimizer.state(forParameter: "trained")?.step == 1)
    }

    @Test func decoupledDecaySkipsFrozenParametersToo() {
        let frozen = Tensor(shape: [1], scalars: [1])
        frozen.grad = Tensor.zeros([1])
        AdamW(parameters: [frozen], learningRate: 0.1, weightDecay: 0.5).step()
        #expect(frozen.scalars == [1])
    }

    @Test func zeroGradClearsEveryGradient() {
        let a = Tensor.ones([2]).requiringGrad()
        let b = Tensor.ones([3]).requiringGrad()
        a.grad = Tensor.ones([2])
        b.grad = Tensor.ones([3])
        let optimizer = RMSprop(groups: [ParameterGroup(parameters: [a]), ParameterGroup(parameters: [b])])
        optimizer.zeroGrad()
        #expect(a.grad == nil && b.grad == nil)
    }

    @Test func unnamedParametersAreKeyedByPositionAcrossGroups() {
        let optimizer = SGD(groups: [
            ParameterGroup(parameters: [Tensor.zeros([1]), Tensor.zeros([1])]),
            ParameterGroup(parameters: [Tensor.zeros([1])]),
        ])
        #expect(optimizer.parameterKeys == [["0", "1"], ["2"]])
    }

    /// Runs in a child process (an exit test): the live-byte counter is global, and tests
    /// running beside this one in the same process allocate and free tensors too.
    @Test func stepsAllocateNothingOnceStateExists() async {
        await #expect(processExitsWith: .success) {
            let parameter = Tensor.normal([4096], seed: 3).requiringGrad()
            parameter.grad = Tensor.normal([4096], seed: 4)
            let optimizer = Adam(parameters: [parameter], amsgrad: true)
            optimizer.step()
            let before = TensorStorage.liveBytes
            for _ in 0..<10 { optimizer.step() }
            if TensorStorage.liveBytes != before { exit(1) }
        }
    }
}
