import Foundation
import HoneTestSupport
import HoneCore
import HoneData
import HoneNN
import HoneOptim
import HoneTrain
import Testing

@testable import HoneDoctor

/// Dead units in the zoo's convolutional network: its activations are layers, so the
/// monitors count them and the doctor's dead-ReLU rule sees them.
@Suite struct ZooDeadUnitTests {
    /// A small LeNet (8×8 images, 4 and 6 channels, 10 hidden units) with 3 of conv2's 6
    /// channels and 7 of fc1's 10 units pushed far below zero by their biases: they can
    /// never fire, and as they pass no gradient their biases cannot recover.
    static func leNetWithForcedDeadUnits() -> LeNet {
        let model = LeNet(inputChannels: 1, imageSize: 8, channels: (4, 6), hiddenDimensions: 10, classCount: 3, seed: 7)
        model.conv2.bias!.withUnsafeMutableBufferPointer { bias in for channel in 0..<3 { bias[channel] = -1e4 } }
        model.fc1.bias!.withUnsafeMutableBufferPointer { bias in for unit in 0..<7 { bias[unit] = -1e4 } }
        return model
    }

    /// Per unit, whether its pre-activation is positive for some input: the network's
    /// steps written out by hand, without layer observers or the monitor.
    static func firingUnits(of model: LeNet, inputs: Tensor) -> (conv1: [Bool], conv2: [Bool], fc1: [Bool]) {
        withNoGrad {
            let first = model.conv1.forward(inputs)
            let second = model.conv2.forward(maxPool2d(first.relu(), kernelSize: (2, 2)))
            let hidden = model.fc1.forward(maxPool2d(second.relu(), kernelSize: (2, 2)).flattened(startAxis: 1))
            func channels(_ output: Tensor) -> [Bool] {
                let (batch, count, plane) = (output.shape[0], output.shape[1], output.shape[2] * output.shape[3])
                let values = output.scalars
                return (0..<count).map { channel in
                    (0..<batch).contains { sample in
                        (0..<plane).contains { values[(sample * count + channel) * plane + $0] > 0 }
                    }
                }
            }
            let values = hidden.scalars, width = hidden.shape[1]
            let units = (0..<width).map { unit in (0..<hidden.shape[0]).contains { values[$0 * width + unit] > 0 } }
            return (channels(first), channels(second), units)
        }
    }

    @Test func monitorCountsForcedDeadUnitsAndTheDoctorNamesThem() throws {
        let directory = try TemporaryDirectory()
        var generator = SeededGenerator(seed: 11)
        let inputs = Tensor.normal([48, 1, 8, 8], using: &generator)
        let loader = try DataLoader(dataset: TensorDataset(inputs: inputs, labels: (0..<48).map { $0 % 3 }), batchSize: 16)
        let model = Self.leNetWithForcedDeadUnits()
        var settings = MonitorSettings()
        settings.sampleInterval = 1  // every batch of the epoch is sampled
        let monitor = StatisticsMonitor(url: directory.file("monitors.jsonl"), settings: settings)
        let trainer = Trainer(
            model: model, optimizer: Adam(parameters: model.parameters(), learningRate: 1e-3),
            callbacks: [monitor, monitor.afterClipping])
        try trainer.fit(training: loader, validation: nil as DataLoader<TensorDataset>?, epochs: 2)

        let log = try MonitorLog.read(runDirectory: directory.url)
        let last = try #require(log.samples.last)
        func layer(_ name: String) throws -> LayerSample {
            try #require(last.layers.first { $0.name == name }, "no layer \(name) in \(last.layers.map(\.name))")
        }
        let firing = Self.firingUnits(of: model, inputs: inputs)
        // The forced units are dead (others may die too: the monitor must count what the
        // hand-written pass finds, whatever the cause).
        #expect(firing.conv2 == [false, false, false, true, true, true])
        #expect(!firing.fc1.prefix(7).contains(true) && firing.fc1.contains(true))
        let counts = [("relu1", 4, firing.conv1), ("relu2", 6, firing.conv2), ("relu3", 10, firing.fc1)]
        for (name, units, dead) in counts.map({ ($0.0, $0.1, $0.2.filter { !$0 }.count) }) {
            let sample = try layer(name)
            #expect(sample.type == "ReLU")
            #expect(sample.unitCount == units, "\(name)")
            #expect(sample.deadCount == dead, "\(name)")
            #expect(sample.deadFraction == Double(dead) / Double(units), "\(name)")
        }

        let run = RunStatistics(config: .object([]), epochs: [], monitors: log)
        let findings = Doctor.diagnose(run).filter { $0.rule == "dead_relu" }
        #expect(Set(findings.map(\.layer)) == ["relu2", "relu3"], "\(findings.map(\.summary))")
        #expect(findings.allSatisfy { $0.severity == .warning })
        #expect(findings.first { $0.layer == "relu3" }?.evidence["dead_units"] == Double(firing.fc1.filter { !$0 }.count))
        #expect(findings.first { $0.layer == "relu2" }?.evidence["dead_fraction"] == 0.5)
    }

    @Test func residualBlockReportsItsActivationsAndFusedPassAgrees() throws {
        var generator = SeededGenerator(seed: 3)
        let input = Tensor.normal([2, 3, 6, 6], using: &generator)
        for batchNorm in [true, false] {
            let block = ResidualBlock(inputChannels: 3, outputChannels: 4, stride: 2, batchNorm: batchNorm, seed: 5)
            block.eval()
            let fused = withNoGrad { block(input) }
            let outputs = block.layerOutputs(for: input)
            let names = outputs.map(\.name)
            #expect(names.contains("relu1") && names.contains("relu2"), "\(names)")
            // The observed (unfused) pass gives the same result as the fused one.
            let observed = try #require(outputs.first { $0.name == "(model)" }?.output)
            #expect(zip(fused.scalars, observed.scalars).allSatisfy { abs($0 - $1) <= 1e-5 * max(1, abs($0)) })
            let relu2 = try #require(outputs.first { $0.name == "relu2" }?.output)
            #expect(relu2.scalars == observed.scalars)
        }
        // A Sequential's BatchNorm + ReLU pair also reports the ReLU while observed.
        let stem = Sequential([Conv2d(3, 4, kernelSize: 3, padding: 1, bias: false, seed: 1), BatchNorm2d(featureCount: 4), ReLU()])
        #expect(stem.layerOutputs(for: input).map(\.name) == ["0", "1", "2", "(model)"])
        let transformer = TransformerClassifier(vocabularySize: 20, modelDimensions: 8, layerCount: 1, headCount: 2,
                                                feedForwardDimensions: 16, sequenceLength: 5, classCount: 2, seed: 1)
        let tokens = Tensor(shape: [1, 5], scalars: [1, 2, 3, 4, 5])
        #expect(transformer.layerOutputs(for: tokens).contains { $0.name == "encoder.layers.0.feed_forward_activation" })
    }

    /// A checkpoint written before the activations became layers (its keys written out
    /// here) loads strictly, and the model computes what the old functional forward did.
    @Test func checkpointsFromBeforeTheActivationLayersStillLoad() throws {
        let directory = try TemporaryDirectory()
        var generator = SeededGenerator(seed: 9)
        let shapes: [(String, [Int])] = [
            ("conv1.weight", [4, 1, 3, 3]), ("conv1.bias", [4]), ("conv2.weight", [6, 4, 3, 3]), ("conv2.bias", [6]),
            ("fc1.weight", [10, 24]), ("fc1.bias", [10]), ("fc2.weight", [3, 10]), ("fc2.bias", [3]),
        ]
        var tensors: [String: Tensor] = [:]
        for (key, shape) in shapes { tensors[key] = Tensor.normal(shape, standardDeviation: 0.3, using: &generator) }
        let url = directory.file("old-lenet.safetensors")
        try Safetensors.write(tensors, to: url)
        let model = LeNet(inputChannels: 1, imageSize: 8, channels: (4, 6), hiddenDimensions: 10, classCount: 3, seed: 1)
        #expect(try model.load(from: url).isExact)

        let input = Tensor.normal([2, 1, 8, 8], using: &generator)
        let expected = withNoGrad {
            var x = conv2d(input, weight: tensors["conv1.weight"]!, bias: tensors["conv1.bias"]!, padding: (1, 1))
            x = maxPool2d(x.relu(), kernelSize: (2, 2))
            x = conv2d(x, weight: tensors["conv2.weight"]!, bias: tensors["conv2.bias"]!, padding: (1, 1))
            x = maxPool2d(x.relu(), kernelSize: (2, 2)).flattened(startAxis: 1)
            x = (matmul(x, tensors["fc1.weight"]!.transposed()) + tensors["fc1.bias"]!).relu()
            return matmul(x, tensors["fc2.weight"]!.transposed()) + tensors["fc2.bias"]!
        }
        let actual = withNoGrad { model(input) }
        #expect(zip(actual.scalars, expected.scalars).allSatisfy { abs($0 - $1) <= 1e-4 })
    }
}
