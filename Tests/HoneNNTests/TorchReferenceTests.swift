import Foundation
import HoneTestSupport
import Testing

@testable import HoneNN

/// Outputs and gradients against values computed by PyTorch itself (the fixture and the
/// script that made it are in Fixtures/; the test needs no Python). Parameters are
/// loaded strictly under their PyTorch names, which also pins checkpoint compatibility.
@Suite struct TorchReferenceTests {
    private let archive: Safetensors.Archive

    init() throws {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/torch_reference", withExtension: "safetensors"))
        archive = try Safetensors.read(from: url)
    }

    private func tensor(_ key: String) throws -> Tensor {
        try #require(archive.tensors[key], "fixture has no \(key)")
    }

    private func parameters(_ name: String) -> [String: Tensor] {
        let prefix = "\(name).param."
        var result: [String: Tensor] = [:]
        for (key, value) in archive.tensors where key.hasPrefix(prefix) { result[String(key.dropFirst(prefix.count))] = value }
        return result
    }

    /// Loads the case's parameters into `module`, runs it, backpropagates the fixture's
    /// output weights and compares output and every gradient with PyTorch's.
    private func check(
        _ name: String, _ module: Module, inputs: [String], tolerance: Float = 1e-4,
        sourceLocation: SourceLocation = #_sourceLocation, _ run: ([Tensor]) -> Tensor
    ) throws {
        try module.load(parameters(name))
        let leaves = try inputs.map { try tensor("\(name).input.\($0)").requiringGrad() }
        let output = run(leaves)
        expectClose(output, try tensor("\(name).output").scalars, tolerance: tolerance, sourceLocation: sourceLocation)
        (output * (try tensor("\(name).output_weights"))).sum().backward()
        for (input, leaf) in zip(inputs, leaves) {
            expectClose(try #require(leaf.grad), try tensor("\(name).grad.input.\(input)").scalars, tolerance: tolerance, sourceLocation: sourceLocation)
        }
        for (parameterName, parameter) in module.namedParameters() {
            let expected = try tensor("\(name).grad.\(parameterName)")
            expectClose(try #require(parameter.grad, "\(parameterName) has no gradient"), expected.scalars, tolerance: tolerance, sourceLocation: sourceLocation)
        }
    }

    @Test func postNormEncoderLayerWithPaddingMaskMatchesPyTorch() throws {
        let layer = TransformerEncoderLayer(modelDimensions: 8, headCount: 2, feedForwardDimensions: 16, dropout: 0, seed: 0)
        let mask = try tensor("post.input.mask")
        try check("post", layer, inputs: ["x"]) { layer($0[0], keyPaddingMask: mask) }
    }

    @Test func preNormCausalGeluEncoderLayerMatchesPyTorch() throws {
        let layer = TransformerEncoderLayer(
            modelDimensions: 8, headCount: 2, feedForwardDimensions: 16, dropout: 0, activation: .gelu, normFirst: true, seed: 0)
        try check("pre", layer, inputs: ["x"]) { layer($0[0], keyPaddingMask: nil, isCausal: true) }
    }

    @Test func crossAttentionWithAdditiveMaskMatchesPyTorch() throws {
        let attention = MultiHeadAttention(embedDimensions: 8, headCount: 2, seed: 0)
        let mask = Tensor(shape: [3, 4], scalars: [0, 0, -.infinity, 0, -1.5, 0, 0, 0, 0, 0, 0, 0.75])
        try check("cross", attention, inputs: ["query", "key", "value"]) {
            attention(query: $0[0], key: $0[1], value: $0[2], attentionMask: mask)
        }
    }

    @Test func batchNormTrainingStepMatchesPyTorch() throws {
        let norm = BatchNorm2d(featureCount: 3)
        try check("batchnorm", norm, inputs: ["x"]) { norm($0[0]) }
        expectClose(norm.runningMean, try tensor("batchnorm.after.running_mean").scalars)
        expectClose(norm.runningVar, try tensor("batchnorm.after.running_var").scalars)
    }

    @Test func residualBlockMatchesPyTorch() throws {
        let block = ResidualBlock(inputChannels: 2, outputChannels: 4, stride: 2, seed: 0)
        try check("block", block, inputs: ["x"]) { block($0[0]) }
    }

    @Test func crossEntropyWithWeightsAndSmoothingMatchesPyTorch() throws {
        let logits = try tensor("crossentropy.input.logits").requiringGrad()
        let targets = try tensor("crossentropy.input.targets").scalars.map { Int($0) }
        let weights = try tensor("crossentropy.input.class_weights").scalars
        let loss = crossEntropy(logits: logits, targets: targets, classWeights: weights, labelSmoothing: 0.2)
        expectClose(loss, try tensor("crossentropy.output").scalars, tolerance: 1e-5)
        loss.backward()
        expectClose(try #require(logits.grad), try tensor("crossentropy.grad.input.logits").scalars, tolerance: 1e-5)
    }
}
