import Foundation
import HoneTestSupport
import Testing

@testable import HoneNN

/// Every zoo model starts to fit a fixed batch with plain SGD (gradients reach every layer and
/// point downhill). With `HONE_NN_TIMINGS=1` the models take the full W1–W4 shapes and
/// the step times are printed in the benchmark JSON format; timings are never asserted.
@Suite(.serialized) struct WorkloadTests {
    private static let timing = ProcessInfo.processInfo.environment["HONE_NN_TIMINGS"] != nil

    private struct Workload {
        var name: String
        var model: any UnaryLayer
        var input: Tensor
        var batch: Int
        var learningRate: Float
    }

    private static func workload(_ name: String) -> Workload {
        let full = timing
        switch name {
        case "W1":
            let batch = full ? 128 : 16
            return Workload(name: name, model: MLP(inputDimensions: full ? 784 : 20, hiddenDimensions: full ? [256, 128] : [16, 8], seed: 0),
                            input: Tensor.normal([batch, full ? 784 : 20], seed: 1), batch: batch, learningRate: full ? 0.05 : 0.5)
        case "W2":
            let batch = full ? 64 : 8, size = full ? 28 : 8
            return Workload(name: name, model: LeNet(imageSize: size, channels: full ? (32, 64) : (4, 8), hiddenDimensions: full ? 128 : 16, seed: 0),
                            input: Tensor.normal([batch, 1, size, size], seed: 1), batch: batch, learningRate: full ? 0.05 : 0.2)
        case "W3":
            let batch = full ? 128 : 8, size = full ? 32 : 8
            return Workload(name: name, model: ResNet(stageChannels: full ? [16, 32, 64] : [4, 8, 8], seed: 0),
                            input: Tensor.normal([batch, 3, size, size], seed: 1), batch: batch, learningRate: 0.05)
        default:
            let batch = full ? 32 : 8, length = full ? 64 : 6, vocabulary = full ? 1000 : 30
            let model = full
                ? TransformerClassifier(seed: 0)
                : TransformerClassifier(vocabularySize: vocabulary, modelDimensions: 8, layerCount: 2, headCount: 2, feedForwardDimensions: 16, sequenceLength: length, seed: 0)
            let tokens = Tensor(shape: [batch, length], scalars: (0..<(batch * length)).map { Float(($0 * 7919) % vocabulary) })
            return Workload(name: name, model: model, input: tokens, batch: batch, learningRate: full ? 0.3 : 0.2)
        }
    }

    private final class WeakTensor {
        weak var tensor: Tensor?
        init(_ tensor: Tensor) { self.tensor = tensor }
    }

    /// Every tensor computed on the way to `root` (the graph's non-leaf nodes).
    private static func intermediates(of root: Tensor) -> [WeakTensor] {
        var found: [WeakTensor] = [], stack = [root], seen = Set<ObjectIdentifier>()
        while let tensor = stack.popLast() {
            guard let node = tensor.gradNode, seen.insert(ObjectIdentifier(tensor)).inserted else { continue }
            found.append(WeakTensor(tensor))
            stack.append(contentsOf: node.inputs)
        }
        return found
    }

    @Test(arguments: ["W1", "W2", "W3", "W4"])
    func trainingStepFreesItsGraph(_ name: String) {
        let workload = Self.workload(name)
        var watched: [WeakTensor] = []
        do {
            let loss = crossEntropy(logits: workload.model(workload.input), targets: Array(repeating: 0, count: workload.batch))
            watched = Self.intermediates(of: loss)
            loss.backward()
        }
        #expect(watched.count > 5)
        let alive = watched.compactMap { $0.tensor.map { $0.gradNode?.op ?? "freed graph" } }
        #expect(alive.isEmpty, "\(name): tensors outlived the step: \(alive)")
    }

    /// A forward pass whose graph is never used (evaluation without `withNoGrad`) must
    /// not be kept alive by a reference cycle through a fused op's saved state.
    @Test func abandonedGraphsOfFusedOpsAreFreed() {
        let x = randomTensor([4, 3, 2, 2], seed: 1).requiringGrad()
        let sequence = randomTensor([2, 3, 4], seed: 2).requiringGrad()
        let norm = BatchNorm2d(featureCount: 3), layerNorm = LayerNorm(4), prelu = PReLU(parameterCount: 3)
        let attention = MultiHeadAttention(embedDimensions: 4, headCount: 2, dropout: 0.5, seed: 3)
        let dropout = Dropout(probability: 0.5, seed: 4), embedding = Embedding(count: 5, dimensions: 2, seed: 5)
        let runs: [(String, () -> Tensor)] = [
            ("batchNorm", { norm(x) }), ("batchNormRelu", { norm.forwardWithRelu(x) }), ("layerNorm", { layerNorm(sequence) }),
            ("prelu", { prelu(x) }), ("attention", { attention(sequence) }), ("dropout", { dropout(x) }),
            ("embedding", { embedding(Tensor([1, 4])) }), ("globalAveragePool", { globalAveragePool(x) }),
            ("crossEntropy", { crossEntropy(logits: sequence.reshaped([6, 4]), targets: [0, 1, 2, 3, 0, 1], labelSmoothing: 0.1) }),
        ]
        for (name, run) in runs {
            var watched: [WeakTensor] = []
            do { watched = Self.intermediates(of: run()) }
            #expect(!watched.isEmpty && watched.allSatisfy { $0.tensor == nil }, "\(name) kept its graph alive")
        }
    }

    @Test(arguments: ["W1", "W2", "W3", "W4"])
    func zooModelFitsAFixedBatch(_ name: String) {
        let workload = Self.workload(name)
        let model = workload.model, labels = (0..<workload.batch).map { $0 % 10 }
        let parameters = model.parameters()
        func step() -> Float {
            model.zeroGrad()
            let loss = crossEntropy(logits: model(workload.input), targets: labels)
            loss.backward()
            for parameter in parameters {
                guard let gradient = parameter.grad else { continue }
                parameter.withUnsafeMutableBufferPointer { p in
                    gradient.withUnsafeBufferPointer { g in
                        for i in 0..<p.count { p[i] -= workload.learningRate * g[i] }
                    }
                }
            }
            return loss.item
        }
        let steps = Self.timing ? 20 : 15
        var losses: [Float] = [], durations: [Double] = []
        for _ in 0..<steps {
            let start = DispatchTime.now().uptimeNanoseconds
            losses.append(step())
            durations.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        let finite = losses.allSatisfy { $0.isFinite }
        let everyGradient = parameters.allSatisfy { $0.grad != nil }
        #expect(finite)
        #expect(losses[steps - 1] < 0.95 * losses[0], "\(name) losses \(losses)")
        #expect(everyGradient, "every parameter of \(name) receives a gradient")
        guard Self.timing else { return }
        model.eval()
        var inference: [Double] = []
        for _ in 0..<steps {
            let start = DispatchTime.now().uptimeNanoseconds
            _ = withNoGrad { model(workload.input) }
            inference.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
        // Warm-up steps are excluded from the medians.
        let train = Double(workload.batch) / median(Array(durations.dropFirst(3)))
        let infer = Double(workload.batch) / median(Array(inference.dropFirst(3)))
        print(#"{"workload": "\#(name)", "metric": "train_samples_per_s", "value": \#(Int(train))}"#)
        print(#"{"workload": "\#(name)", "metric": "infer_samples_per_s", "value": \#(Int(infer))}"#)
    }
}
