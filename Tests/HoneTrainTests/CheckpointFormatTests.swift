import Foundation
import HoneTestSupport
import Testing

@testable import HoneTrain

@Suite(.serialized) struct CheckpointFormatTests {
    @Test func optimizerBuffersLiveInSafetensorsBesideTheWeights() throws {
        let directory = try TemporaryDirectory()
        _ = try writeTabularClasses(in: directory, name: "train.csv", rows: 64, seed: 1)
        // Wide enough (4,674 parameters) that the weights, not the epoch history, set the sizes.
        let text = tabularConfig(epochs: 2).replacingOccurrences(of: #""hidden": [8]"#, with: #""hidden": [64, 64]"#)
        let config = try TrainingConfig.load(from: try directory.write(text, as: "c.json"))
        let run = try TrainingRun(config: config, directory: directory.file("run"), progress: false)
        try run.run()
        #expect(run.trainer.model.parameterCount == 4_674)
        let checkpoints = directory.file("run/checkpoints")
        let weightsSize = try Data(contentsOf: CheckpointStore.weightsURL(checkpoints, "last")).count
        let sidecar = try Data(contentsOf: CheckpointStore.sidecarURL(checkpoints, "last"))
        // Adam keeps two buffers per parameter: inline in base64 they made the sidecar 2.7 times the weights.
        #expect(sidecar.count * 4 < weightsSize, "sidecar \(sidecar.count) bytes, weights \(weightsSize)")
        let stored = try Safetensors.read(from: CheckpointStore.optimizerURL(checkpoints, "last")).tensors
        let state = run.trainer.optimizer.stateDictionary()
        var bufferCount = 0
        for (key, parameter) in state.parameters {
            for (name, buffer) in parameter.buffers {
                let tensor = try #require(stored["\(key)/\(name)"])
                let expected = OptimizerState.Buffer(tensor.withUnsafeBufferPointer { $0 })
                #expect(expected == buffer, "\(key)/\(name) differs")
                bufferCount += 1
            }
        }
        #expect(bufferCount == 2 * run.trainer.model.namedParameters().count)
        #expect(stored.count == bufferCount)
    }

    @Test func damagedLastCheckpointFallsBackToBestWithAWarning() throws {
        let directory = try TemporaryDirectory()
        _ = try writeTabularClasses(in: directory, name: "train.csv", rows: 64, seed: 2)
        let extra = #""callbacks": {"checkpoint": {"monitor": "val_loss"}},"#
        let config = try TrainingConfig.load(from: try directory.write(tabularConfig(extra: extra, epochs: 3), as: "c.json"))
        let first = try TrainingRun(config: config, directory: directory.file("run"), progress: false)
        try first.run()
        let losses = first.trainer.history.map { $0.validationLoss! }
        let bestEpoch = losses.firstIndex(of: losses.min()!)! + 1
        // One flipped byte in the last weights: its digest no longer matches the sidecar.
        let lastWeights = CheckpointStore.weightsURL(directory.file("run/checkpoints"), "last")
        var bytes = try Data(contentsOf: lastWeights)
        bytes[bytes.count - 1] ^= 0xFF
        try bytes.write(to: lastWeights)
        let resumed = try TrainingRun(config: config, directory: directory.file("run"), resume: true, progress: false)
        #expect(resumed.trainer.epoch == bestEpoch)
        #expect(resumed.warnings.count == 1)
        #expect(resumed.warnings.first?.contains("resuming from checkpoints/best after epoch \(bestEpoch)") == true)
        #expect(resumed.warnings.first?.contains("last.safetensors") == true)
        // With neither checkpoint usable, resuming is an error naming the file.
        let bestWeights = CheckpointStore.weightsURL(directory.file("run/checkpoints"), "best")
        try Data("garbage".utf8).write(to: bestWeights)
        #expect(throws: TrainingError.self) { try TrainingRun(config: config, directory: directory.file("run"), resume: true, progress: false) }
    }

    @Test func finishedRunExtendedByMoreEpochsMatchesALongerRunBitForBit() throws {
        let directory = try TemporaryDirectory()
        _ = try writeTabularClasses(in: directory, name: "train.csv", rows: 64, seed: 3)
        let short = try TrainingConfig.load(from: try directory.write(tabularConfig(epochs: 2), as: "short.json"))
        let long = try TrainingConfig.load(from: try directory.write(tabularConfig(epochs: 4), as: "long.json"))
        let straight = try TrainingRun(config: long, directory: directory.file("straight"), progress: false)
        try straight.run()
        try TrainingRun(config: short, directory: directory.file("extended"), progress: false).run()
        let extended = try TrainingRun(config: long, directory: directory.file("extended"), resume: true, progress: false)
        #expect(extended.trainer.epoch == 2)
        try extended.run()
        #expect(extended.trainer.epoch == 4)
        let expected = weightBits(straight.trainer.model), found = weightBits(extended.trainer.model)
        for name in expected.keys { #expect(expected[name] == found[name], "weights of \(name) differ") }
        #expect(straight.trainer.optimizer.stateDictionary() == extended.trainer.optimizer.stateDictionary())
        // The run's config now says 4 epochs, so a later resume compares against that.
        #expect(try TrainingConfig.load(from: directory.file("extended/config.json")).epochs == 4)
    }
}
