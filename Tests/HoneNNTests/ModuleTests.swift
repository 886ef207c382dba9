import Foundation
import HoneTestSupport
import Testing

@testable import HoneNN

/// A model with an array of blocks, for naming tests.
private final class BlockStack: Module, UnaryLayer {
    let stem = Conv2d(3, 8, kernelSize: 3, padding: 1, seed: 1)
    let blocks = [
        ResidualBlock(inputChannels: 8, outputChannels: 8, seed: 2),
        ResidualBlock(inputChannels: 8, outputChannels: 16, stride: 2, seed: 3),
    ]
    let head = Linear(16, 4, seed: 4)

    func forward(_ x: Tensor) -> Tensor {
        var out = stem(x)
        for block in blocks { out = block(out) }
        return head(globalAveragePool(out))
    }
}

@Suite struct ModuleTests {
    @Test func parameterNamesFollowPropertyPathsWithArrayIndices() {
        let names = BlockStack().namedParameters().map(\.name)
        #expect(names.contains("blocks.0.conv1.weight"))
        #expect(names.contains("blocks.0.bn2.bias"))
        #expect(names.contains("blocks.1.shortcut.0.weight"))
        #expect(names.contains("blocks.1.shortcut.1.weight"))
        #expect(names.first == "stem.weight")
        #expect(names.last == "head.bias")
        #expect(!names.contains("blocks.0.shortcut.0.weight"), "an identity shortcut has no parameters")
        #expect(Set(names).count == names.count)
    }

    @Test func buffersAreSnakeCaseAndSeparateFromParameters() {
        let norm = BatchNorm2d(featureCount: 4)
        #expect(norm.namedParameters().map(\.name) == ["weight", "bias"])
        #expect(norm.namedBuffers().map(\.name) == ["running_mean", "running_var", "num_batches_tracked"])
        let model = BlockStack()
        #expect(model.namedBuffers().map(\.name).contains("blocks.1.shortcut.1.running_var"))
        #expect(Module.snakeCase("numBatchesTracked") == "num_batches_tracked")
        #expect(Module.snakeCase("convQKVWeight") == "conv_qkv_weight")
        #expect(Module.snakeCase("linear1") == "linear1")
    }

    @Test func propertyKeysOverrideCheckpointNames() {
        let layer = TransformerEncoderLayer(modelDimensions: 8, headCount: 2, feedForwardDimensions: 16, seed: 0)
        let names = layer.namedParameters().map(\.name)
        #expect(names.prefix(4) == ["self_attn.in_proj_weight", "self_attn.in_proj_bias", "self_attn.out_proj.weight", "self_attn.out_proj.bias"])
        #expect(names.contains("linear1.weight") && names.contains("norm2.bias"))
    }

    @Test func sequentialNamesChildrenByIndexAndSupportsBuilderControlFlow() {
        let withActivation = true
        let model = Sequential {
            Linear(4, 8, seed: 0)
            if withActivation { ReLU() }
            for _ in 0..<2 { Linear(8, 8, seed: 1) }
        }
        #expect(model.count == 4)
        #expect(model.namedParameters().map(\.name) == ["0.weight", "0.bias", "2.weight", "2.bias", "3.weight", "3.bias"])
        #expect(model(Tensor.zeros([3, 4])).shape == [3, 8])
    }

    @Test func printingShowsTheModuleTree() {
        let model = Sequential {
            Linear(4, 2, bias: false, seed: 0)
            Sequential { ReLU(); Dropout(probability: 0.25, seed: 0) }
        }
        #expect(model.description == """
            Sequential(
              (0): Linear(inputDimensions: 4, outputDimensions: 2, bias: false)
              (1): Sequential(
                (0): ReLU()
                (1): Dropout(probability: 0.25)
              )
            )
            """)
        #expect(Conv2d(4, 8, kernelSize: 3, stride: 2, groups: 2, seed: 0).description.hasPrefix("Conv2d(4, 8, kernelSize: (3, 3), stride: (2, 2)"))
        #expect(BatchNorm2d(featureCount: 3).description.contains("featureCount: 3, eps: 1e-05, momentum: 0.1"))
    }

    @Test func trainAndEvalPropagateToEveryDescendant() {
        let model = BlockStack()
        #expect(model.namedModules().allSatisfy { $0.module.isTraining })
        model.eval()
        #expect(model.namedModules().allSatisfy { !$0.module.isTraining })
        // The model, stem, blocks array entries (2), each block's own modules (conv1, bn1,
        // conv2, bn2, relu1, relu2; plus the shortcut's 1 + 2 in the second), head.
        #expect(model.namedModules().count == 1 + 1 + 2 + 6 + 6 + 1 + 2 + 1)
        model.train()
        #expect(model.blocks[1].shortcut!.layers[1].isTraining)
    }

    @Test func evalSwitchesBatchNormAndDropoutInsideAModel() {
        let model = Sequential {
            Linear(3, 4, seed: 0)
            BatchNorm1d(featureCount: 4)
            Dropout(probability: 0.5, seed: 1)
        }
        let x = randomTensor([6, 3], seed: 2)
        let first = model(x), second = model(x)
        #expect(first.scalars != second.scalars, "training: fresh dropout masks")
        let norm = model[1] as! BatchNorm1d
        #expect(norm.numBatchesTracked.item == 2)
        model.eval()
        let evaluated = model(x)
        #expect(evaluated.scalars == model(x).scalars, "evaluation is deterministic")
        #expect(norm.numBatchesTracked.item == 2, "evaluation leaves running statistics alone")
        let linearOut = (model[0] as! Linear)(x)
        let expected = (linearOut - norm.runningMean) / (norm.runningVar + 1e-5).sqrt()
        expectClose(evaluated, expected.scalars, tolerance: 1e-5)
    }

    @Test func freezingByGlobAndPrefixStopsGradients() {
        let model = BlockStack()
        let frozen = model.freeze(matching: "blocks.*")
        #expect(!frozen.isEmpty && frozen.allSatisfy { $0.hasPrefix("blocks.") })
        let x = randomTensor([2, 3, 8, 8], seed: 5)
        model(x).sum().backward()
        for (name, tensor) in model.namedParameters() {
            if name.hasPrefix("blocks.") {
                #expect(!tensor.requiresGrad && tensor.grad == nil, "\(name) should be frozen")
            } else {
                #expect(tensor.grad != nil, "\(name) should have a gradient")
            }
        }
        model.unfreeze()
        model.freeze(matching: "blocks.1")
        #expect(model.blocks[0].conv1.weight.requiresGrad)
        #expect(!model.blocks[1].conv1.weight.requiresGrad)
        model.unfreeze(matching: "*.bias")
        #expect(model.blocks[1].bn1!.bias!.requiresGrad && !model.blocks[1].bn1!.weight!.requiresGrad)
        #expect(Module.name("features2.weight", matches: "features") == false)
        #expect(Module.name("features.0.weight", matches: "features"))
        #expect(Module.name("a.b.c", matches: "a.?.c"))
        let counts = model.trainableParameters().reduce(0) { $0 + $1.count }
        #expect(counts < model.parameterCount)
    }

    @Test func zeroGradClearsEveryGradient() {
        let model = MLP(inputDimensions: 4, hiddenDimensions: [5], classCount: 3, seed: 0)
        model(randomTensor([2, 4])).sum().backward()
        #expect(model.parameters().allSatisfy { $0.grad != nil })
        model.zeroGrad()
        #expect(model.parameters().allSatisfy { $0.grad == nil })
    }

    @Test func sameSeedBuildsSameWeightsAndDifferentSeedsDiffer() {
        let a = ResNet(stageChannels: [4, 8], seed: 11), b = ResNet(stageChannels: [4, 8], seed: 11)
        let c = ResNet(stageChannels: [4, 8], seed: 12)
        for ((_, x), (_, y)) in zip(a.namedParameters(), b.namedParameters()) { #expect(x.scalars == y.scalars) }
        #expect(a.stem.layers[0].parameters()[0].scalars != c.stem.layers[0].parameters()[0].scalars)
        ParameterSeeds.reset(seed: 5)
        let first = Linear(3, 3)
        ParameterSeeds.reset(seed: 5)
        let second = Linear(3, 3)
        #expect(first.weight.scalars == second.weight.scalars)
        #expect(Linear(3, 3).weight.scalars != first.weight.scalars)
    }

    @Test func summaryListsLayersShapesAndTotalsWithoutChangingModes() {
        let model = Sequential {
            Conv2d(1, 4, kernelSize: 3, padding: 1, seed: 0)
            BatchNorm2d(featureCount: 4)
            ReLU()
            GlobalAvgPool2d()
            Linear(4, 2, seed: 1)
        }
        model.freeze(matching: "4")
        let batchNorm = model[1] as! BatchNorm2d
        let summary = model.summary(inputShape: [2, 1, 6, 6], printing: false)
        #expect(summary.rows.map(\.name) == ["0", "1", "2", "3", "4", "(model)"])
        #expect(summary.rows.map(\.type) == ["Conv2d", "BatchNorm2d", "ReLU", "GlobalAvgPool2d", "Linear", "Sequential"])
        #expect(summary.rows[0].outputShape == [2, 4, 6, 6])
        #expect(summary.rows[3].outputShape == [2, 4])
        #expect(summary.rows.map(\.parameterCount) == [4 * 9 + 4, 8, 0, 0, 4 * 2 + 2, 0])
        #expect(summary.totalParameters == 40 + 8 + 10)
        #expect(summary.frozenParameters == 10 && summary.trainableParameters == 48)
        #expect(model.isTraining && batchNorm.isTraining, "summary restores training mode")
        #expect(batchNorm.numBatchesTracked.item == 0, "summary runs in evaluation mode")
        let text = summary.description
        #expect(text.contains("BatchNorm2d") && text.contains("[2, 4, 6, 6]") && text.contains("Total parameters: 58"))
        #expect(text.contains("Frozen parameters: 10"))
    }
}

@Suite struct LayerObservationTests {
    @Test func observerSeesEveryLayerOutputWithItsName() {
        let model = TransformerClassifier(vocabularySize: 10, modelDimensions: 4, layerCount: 1, headCount: 2, feedForwardDimensions: 8, sequenceLength: 3, classCount: 2, seed: 0)
        var seen: [(String, [Int])] = []
        let tokens = Tensor([[1, 2, 3]])
        let logits = model.observingLayers({ name, _, output in seen.append((name, output.shape)) }) { model(tokens) }
        #expect(seen.map(\.0) == ["tok", "pos", "encoder.layers.0.self_attn.out_proj", "encoder.layers.0.self_attn", "encoder.layers.0.dropout1", "encoder.layers.0.norm1",
                                  "encoder.layers.0.linear1", "encoder.layers.0.feed_forward_activation", "encoder.layers.0.dropout", "encoder.layers.0.linear2", "encoder.layers.0.dropout2",
                                  "encoder.layers.0.norm2", "encoder.layers.0", "fc", ""])
        #expect(seen.last!.1 == logits.shape)
        // Outside the scope nothing is reported.
        _ = model(tokens)
        #expect(seen.count == 15)
    }

    @Test func deadUnitsAfterReLUCanBeCounted() {
        let model = Sequential { Linear(3, 50, seed: 1); ReLU() }
        var zeroFraction: Float = -1
        _ = model.observingLayers({ name, module, output in
            if module is ReLU { zeroFraction = Float(output.scalars.filter { $0 == 0 }.count) / Float(output.count) }
        }) { model(randomTensor([8, 3], seed: 2)) }
        let preActivation = (model[0] as! Linear)(randomTensor([8, 3], seed: 2))
        #expect(zeroFraction == Float(preActivation.scalars.filter { $0 <= 0 }.count) / Float(preActivation.count))
    }
}
