import Testing

@testable import HoneNN

@Suite struct LayerOutputsTests {
    @Test func layerOutputsReturnEachCalledLayerWithItsPathAndOutput() {
        let model = Sequential([Linear(3, 4, seed: 1), ReLU(), Linear(4, 2, seed: 2)])
        let input = Tensor([[1, -2, 0.5], [0, 1, -1]])
        let outputs = model.layerOutputs(for: input)
        #expect(outputs.map(\.name) == ["0", "1", "2", "(model)"])
        let first = (model[0] as! Linear)(input)
        #expect(outputs[0].output.scalars == first.scalars)
        #expect(outputs[1].output.scalars == first.relu().scalars)
        #expect(outputs[3].output.scalars == model(input).scalars)
        #expect(!outputs[3].output.requiresGrad)
    }
}
