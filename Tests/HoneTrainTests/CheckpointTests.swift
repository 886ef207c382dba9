import Foundation
import HoneTestSupport
import Testing

@testable import HoneTrain

/// Throws at the start of epoch `epoch` (from 0): a crash after the previous epoch's checkpoint.
final class CrashAtEpoch: TrainingCallback {
    let epoch: Int
    init(_ epoch: Int) { self.epoch = epoch }
    func epochWillBegin(_ trainer: Trainer, epoch: Int) throws {
        if epoch == self.epoch { throw Crash() }
    }
}

@Suite(.serialized) struct CheckpointTests {
    @Test func failedWriteLeavesTheOldCheckpointAndNoTemporaryFile() throws {
        let directory = try TemporaryDirectory()
        let model = MLP(inputDimensions: 4, hiddenDimensions: [8], classCount: 2, seed: 1)
        let trainer = Trainer(model: model, optimizer: Adam(parameters: model.parameters()))
        try CheckpointStore.save(trainer, to: directory.url, name: "last")
        let weightsBefore = try Data(contentsOf: CheckpointStore.weightsURL(directory.url, "last"))
        let sidecarBefore = try Data(contentsOf: CheckpointStore.sidecarURL(directory.url, "last"))

        model.parameters()[0].withUnsafeMutableBufferPointer { $0[0] += 1 }
        #expect(throws: AtomicFileError.self) {
            try CheckpointStore.save(trainer, to: directory.url, name: "last", beforeCommit: { throw Crash() })
        }
        #expect(try Data(contentsOf: CheckpointStore.weightsURL(directory.url, "last")) == weightsBefore)
        #expect(try Data(contentsOf: CheckpointStore.sidecarURL(directory.url, "last")) == sidecarBefore)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.url.path).filter { $0.hasSuffix(".tmp") }
        #expect(leftovers.isEmpty)
    }

    @Test func mismatchedWeightsAndSidecarAreDetected() throws {
        let directory = try TemporaryDirectory()
        let model = MLP(inputDimensions: 4, hiddenDimensions: [8], classCount: 2, seed: 1)
        let trainer = Trainer(model: model, optimizer: Adam(parameters: model.parameters()))
        try CheckpointStore.save(trainer, to: directory.url, name: "last")
        // A crash between the two renames: new weights, old sidecar.
        model.parameters()[0].withUnsafeMutableBufferPointer { $0[0] += 1 }
        try model.save(to: CheckpointStore.weightsURL(directory.url, "last"), metadata: ["epoch": "0"])
        #expect {
            try CheckpointStore.restore(trainer, from: directory.url, name: "last")
        } throws: { error in
            guard case .invalidCheckpoint(_, let detail) = error as? TrainingError else { return false }
            return detail.contains("does not match its sidecar")
        }
    }

    @Test func resumedRunEndsWithBitIdenticalWeights() throws {
        let directory = try TemporaryDirectory()
        try writeIDXImages(in: directory, prefix: "train", count: 96, seed: 1)
        try writeIDXImages(in: directory, prefix: "test", count: 30, seed: 2)
        let configURL = try directory.write(smallImageConfig(epochs: 4), as: "config.json")
        let config = try TrainingConfig.load(from: configURL)

        let straight = try TrainingRun(config: config, directory: directory.file("straight"), progress: false)
        try straight.run()

        let crashing = try TrainingRun(
            config: config, directory: directory.file("resumed"), progress: false, extraCallbacks: [CrashAtEpoch(2)])
        #expect(throws: Crash.self) { try crashing.run() }
        #expect(crashing.trainer.epoch == 2)
        let resumed = try TrainingRun(config: config, directory: directory.file("resumed"), resume: true, progress: false)
        #expect(resumed.trainer.epoch == 2)
        try resumed.run()

        #expect(resumed.trainer.epoch == 4)
        let expected = weightBits(straight.trainer.model), found = weightBits(resumed.trainer.model)
        #expect(expected.keys.sorted() == found.keys.sorted())
        for name in expected.keys { #expect(expected[name] == found[name], "weights of \(name) differ") }
        #expect(straight.trainer.optimizer.stateDictionary() == resumed.trainer.optimizer.stateDictionary())
        let straightLog = try String(contentsOf: directory.file("straight/metrics.jsonl"), encoding: .utf8)
        let resumedLog = try String(contentsOf: directory.file("resumed/metrics.jsonl"), encoding: .utf8)
        #expect(straightLog.split(separator: "\n").count == 4)
        #expect(resumedLog.split(separator: "\n").count == 4)
        let straightMonitors = try MonitorLog.read(runDirectory: directory.file("straight"), partialLastRecord: .fail)
        let resumedMonitors = try MonitorLog.read(runDirectory: directory.file("resumed"), partialLastRecord: .fail)
        #expect(resumedMonitors.steps.map(\.step) == straightMonitors.steps.map(\.step))
        #expect(resumedMonitors.samples.map(\.step) == straightMonitors.samples.map(\.step))
    }

    @Test func resumeRefusesADifferentConfig() throws {
        let directory = try TemporaryDirectory()
        try writeIDXImages(in: directory, prefix: "train", count: 48, seed: 1)
        try writeIDXImages(in: directory, prefix: "test", count: 12, seed: 2)
        let config = try TrainingConfig.load(from: try directory.write(smallImageConfig(epochs: 1), as: "config.json"))
        try TrainingRun(config: config, directory: directory.file("run"), progress: false).run()
        // Anything but the epoch count (which extends a run) must match.
        let otherText = smallImageConfig(epochs: 1).replacingOccurrences(of: #""batch_size": 16"#, with: #""batch_size": 8"#)
        let other = try TrainingConfig.load(from: try directory.write(otherText, as: "other.json"))
        #expect(other.batchSize == 8)
        #expect(throws: TrainingError.self) { try TrainingRun(config: other, directory: directory.file("run"), resume: true, progress: false) }
        // A new run into the same directory is refused too, leaving the checkpoint alone.
        let before = try Data(contentsOf: directory.file("run/checkpoints/last.safetensors"))
        #expect(throws: TrainingError.self) { try TrainingRun(config: config, directory: directory.file("run"), progress: false) }
        #expect(try Data(contentsOf: directory.file("run/checkpoints/last.safetensors")) == before)
    }
}
