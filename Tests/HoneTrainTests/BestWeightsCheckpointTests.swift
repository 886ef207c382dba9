import Foundation
import HoneTestSupport
import Testing

@testable import HoneTrain

/// Early stopping's best weights live in `NAME.best_weights.safetensors` beside the
/// checkpoint's sidecar, not base64 inside it; sidecars written the older way still load.
@Suite(.serialized) struct BestWeightsCheckpointTests {
    func finishedRun(_ directory: TemporaryDirectory) throws -> (TrainingConfig, TrainingRun) {
        _ = try writeTabularClasses(in: directory, name: "train.csv", rows: 64, seed: 3)
        let extra = #""callbacks": {"early_stopping": {"monitor": "val_loss", "patience": 10, "restore_best_weights": true}},"#
        let text = tabularConfig(data: #", "validation_fraction": 0.25"#, extra: extra, epochs: 3)
        let config = try TrainingConfig.load(from: try directory.write(text, as: "c.json"))
        let run = try TrainingRun(config: config, directory: directory.file("run"), progress: false)
        try run.run()
        return (config, run)
    }

    @Test func bestWeightsAreASafetensorsFileAndComeBackOnResume() throws {
        let directory = try TemporaryDirectory()
        let (config, run) = try finishedRun(directory)
        let checkpoints = directory.file("run/checkpoints")
        let best = try #require(run.earlyStopping?.state.bestWeights)
        let file = try Data(contentsOf: CheckpointStore.bestWeightsURL(checkpoints, "last"))
        #expect(file == best)
        #expect(try Safetensors.decode(file, file: "best").tensors.keys.sorted() == run.trainer.model.stateDictionary().map(\.0).sorted())
        let sidecar = CheckpointStore.sidecarURL(checkpoints, "last")
        let checkpoint = try NonFiniteJSON.decoder().decode(TrainingCheckpoint.self, from: Data(contentsOf: sidecar))
        let state = try #require(checkpoint.callbackStates["early_stopping"])
        let fields = try #require(try JSONSerialization.jsonObject(with: state) as? [String: Any])
        #expect(fields["bestWeights"] == nil && fields["bestEpoch"] as? Int == run.earlyStopping?.state.bestEpoch)

        let resumed = try TrainingRun(config: config, directory: directory.file("run"), resume: true, progress: false)
        #expect(resumed.earlyStopping?.state.bestWeights == best)
        #expect(resumed.earlyStopping?.state.bestEpoch == run.earlyStopping?.state.bestEpoch)

        // A best-weights file that does not match its sidecar is refused, naming the file.
        var damaged = file
        damaged[damaged.count - 1] ^= 0xFF
        try damaged.write(to: CheckpointStore.bestWeightsURL(checkpoints, "last"))
        #expect(throws: TrainingError.self) { try CheckpointStore.restore(resumed.trainer, from: checkpoints, name: "last") }
    }

    @Test func aSidecarWithBase64BestWeightsStillLoads() throws {
        let directory = try TemporaryDirectory()
        let (config, run) = try finishedRun(directory)
        let checkpoints = directory.file("run/checkpoints")
        let best = try #require(run.earlyStopping?.state.bestWeights)
        // Rewrite the sidecar the older way: weights inside the early-stopping state, no separate file.
        let sidecarURL = CheckpointStore.sidecarURL(checkpoints, "last")
        var sidecar = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: sidecarURL)) as? [String: Any])
        var states = try #require(sidecar["callbackStates"] as? [String: Any])
        let encodedText = try #require(states["early_stopping"] as? String)
        let encoded = try #require(Data(base64Encoded: encodedText))
        var state = try #require(try JSONSerialization.jsonObject(with: encoded) as? [String: Any])
        #expect(state["bestWeights"] == nil)
        state["bestWeights"] = best.base64EncodedString()
        states["early_stopping"] = try JSONSerialization.data(withJSONObject: state).base64EncodedString()
        sidecar["callbackStates"] = states
        sidecar["bestWeightsDigest"] = nil
        try JSONSerialization.data(withJSONObject: sidecar).write(to: sidecarURL)
        try FileManager.default.removeItem(at: CheckpointStore.bestWeightsURL(checkpoints, "last"))

        let resumed = try TrainingRun(config: config, directory: directory.file("run"), resume: true, progress: false)
        #expect(resumed.earlyStopping?.state.bestWeights == best)
    }
}
