import Foundation
import HoneTestSupport
import Testing

@testable import HoneTrain

/// `hone tune` with the `train` objective, end to end through the built binary, on small
/// generated IDX image sets.
@Suite(.serialized)
struct TuneTrainingTests {
    func hone(_ arguments: [String], in directory: TemporaryDirectory) throws -> (status: Int32, output: String, error: String) {
        try HoneBinary.run(try HoneBinary.require(), arguments, in: directory.url)
    }

    /// Three classes of 8×8 images, each a faint pattern (+40) under strong noise (0–199):
    /// a freshly initialized linear model is near chance, a trained one is not.
    func writeData(_ directory: TemporaryDirectory) throws {
        for (prefix, count, seed) in [("train", 96, UInt64(1)), ("test", 24, UInt64(2))] {
            try writeIDXImages(in: directory, prefix: prefix, count: count, seed: seed, brightness: 40, noise: 200)
        }
    }

    /// A deliberately poor base: plain SGD with a learning rate far too small to learn.
    func baseConfig(epochs: Int) -> String {
        """
        {
          "data": {"source": "idx", "train_images": "train-images.idx.gz", "train_labels": "train-labels.idx.gz",
                   "test_images": "test-images.idx.gz", "test_labels": "test-labels.idx.gz", "validation_fraction": 0.25},
          "model": [{"flatten": {}}, {"linear": {"out_features": 3}}],
          "optimizer": {"name": "sgd", "learning_rate": 0.000001},
          "epochs": \(epochs), "batch_size": 16, "seed": 3
        }
        """
    }

    func tuneConfig(space: String, trials: Int, seed: Int = 1, pruner: String = "\"none\"") -> String {
        """
        {"study_name": "net", "objective": "train", "train": "base.json", "storage": "net.db",
         "search_space": \(space), "sampler": {"type": "random", "seed": \(seed)}, "pruner": \(pruner), "trials": \(trials)}
        """
    }

    func json(_ url: URL) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
    }

    @Test func tunedTrialsBeatThePoorDefaultAndTheBestConfigRunsWithHoneTrain() throws {
        let directory = try TemporaryDirectory()
        try writeData(directory)
        try directory.write(baseConfig(epochs: 2), as: "base.json")
        try directory.write(tuneConfig(space: #"{"optimizer.learning_rate": {"float": [0.05, 1.0], "log": true}, "batch_size": {"categorical": [8, 16]}}"#, trials: 3),
                            as: "tune.json")
        let tuned = try hone(["tune", "tune.json", "--quiet"], in: directory)
        #expect(tuned.status == 0, "\(tuned.error)")
        let summary = try json(directory.file("net-summary.json"))
        let bestValue = try #require(summary["best_value"] as? Double)
        #expect((summary["trials"] as? [String: Int])?["complete"] == 3)
        #expect(tuned.output.contains("parameter importances (fANOVA)"))
        let importances = try #require(summary["importances"] as? [String: Double])
        #expect(Set(importances.keys) == ["optimizer.learning_rate", "batch_size"])
        #expect(abs(importances.values.reduce(0, +) - 1) < 1e-9)
        for trial in 0..<3 {
            #expect(FileManager.default.fileExists(atPath: directory.file("net-runs/trial-\(trial)/metrics.jsonl").path))
            // One TensorBoard event file per trial, and study-level scalars beside the trials.
            let files = try FileManager.default.contentsOfDirectory(atPath: directory.file("net-runs/trial-\(trial)").path)
            #expect(files.contains { $0.hasPrefix("events.out.tfevents.") })
        }
        let studyEvents = try FileManager.default.contentsOfDirectory(atPath: directory.file("net-runs/study").path)
        #expect(studyEvents.contains { $0.hasPrefix("events.out.tfevents.") })

        // The untuned default, trained the same way.
        let baseline = try hone(["train", "base.json", "--run-dir", "baseline", "--quiet"], in: directory)
        #expect(baseline.status == 0, "\(baseline.error)")
        let baselineAccuracy = try #require(try json(directory.file("baseline/final_metrics.json"))["final_val_accuracy"] as? Double)
        #expect(bestValue > baselineAccuracy + 0.1)

        // best_config.json holds the best trial's hyperparameters and reproduces its value.
        let bestConfig = try json(directory.file("net-runs/best_config.json"))
        let bestParams = try #require(summary["best_params"] as? [String: Any])
        let optimizer = try #require(bestConfig["optimizer"] as? [String: Any])
        #expect(optimizer["learning_rate"] as? Double == bestParams["optimizer.learning_rate"] as? Double)
        #expect(bestConfig["batch_size"] as? Int == bestParams["batch_size"] as? Int)
        let rerun = try hone(["train", "net-runs/best_config.json", "--run-dir", "rerun", "--quiet"], in: directory)
        #expect(rerun.status == 0, "\(rerun.error)")
        let rerunAccuracy = try #require(try json(directory.file("rerun/final_metrics.json"))["final_val_accuracy"] as? Double)
        #expect(abs(rerunAccuracy - bestValue) < 1e-9)

        let status = try hone(["tune", "--status", "net.db"], in: directory)
        #expect(status.status == 0)
        #expect(status.output.contains("parameter importances (fANOVA)") && status.output.contains("optimizer.learning_rate"))
    }

    @Test func unknownOverridePathsAreConfigErrorsWithASuggestion() throws {
        let directory = try TemporaryDirectory()
        try writeData(directory)
        try directory.write(baseConfig(epochs: 1), as: "base.json")
        try directory.write(tuneConfig(space: #"{"optimizer.learning_rat": {"float": [0.01, 0.5]}}"#, trials: 1), as: "typo.json")
        let typo = try hone(["tune", "typo.json"], in: directory)
        #expect(typo.status == 2)
        #expect(typo.error.contains("search_space.optimizer.learning_rat"))
        #expect(typo.error.contains("did you mean 'optimizer.learning_rate'"))
        try directory.write(tuneConfig(space: #"{"batch_sise": {"categorical": [8, 16]}}"#, trials: 1), as: "top.json")
        let top = try hone(["tune", "top.json"], in: directory)
        #expect(top.status == 2)
        #expect(top.error.contains("did you mean 'batch_size'"))
        // Both were refused before the study's storage or runs folder was created.
        #expect(!FileManager.default.fileExists(atPath: directory.file("net.db").path))
        #expect(!FileManager.default.fileExists(atPath: directory.file("net-runs").path))
        // A valid field absent from the base configuration is accepted.
        try directory.write(tuneConfig(space: #"{"regularization.weight_decay": {"float": [0, 0.01]}}"#, trials: 1), as: "absent.json")
        let absent = try hone(["tune", "absent.json", "--quiet"], in: directory)
        #expect(absent.status == 0, "\(absent.error)")
        #expect(FileManager.default.fileExists(atPath: directory.file("net-runs/trial-0/final_metrics.json").path))
    }

    @Test func thePrunerStopsPoorTrialsEarlyAndAFailingRunFailsOnlyItsTrial() throws {
        let directory = try TemporaryDirectory()
        try writeData(directory)
        let epochs = 4
        try directory.write(baseConfig(epochs: epochs), as: "base.json")
        try directory.write(
            tuneConfig(space: #"{"optimizer.learning_rate": {"categorical": [0.3, 0.000001, 1e38]}}"#, trials: 6, seed: 4,
                       pruner: #"{"type": "median", "startup_trials": 1}"#),
            as: "tune.json")
        let result = try hone(["tune", "tune.json"], in: directory)
        #expect(result.status == 0, "\(result.error)")
        let counts = try #require(try json(directory.file("net-summary.json"))["trials"] as? [String: Int])
        let pruned = try #require(counts["pruned"])
        #expect(pruned >= 1)
        #expect((counts["failed"] ?? 0) >= 1)
        #expect(counts.values.reduce(0, +) == 6)
        // Pruned trials trained fewer epochs than configured; completed ones all of them.
        var short = 0
        for trial in 0..<6 {
            let url = directory.file("net-runs/trial-\(trial)/metrics.jsonl")
            guard let text = try? String(contentsOf: url, encoding: .utf8) else { continue }
            if text.split(separator: "\n").count < epochs { short += 1 }
        }
        #expect(short >= pruned)
        #expect(result.output.contains("training stopped (lower the learning rate"), "\(result.output)")
    }
}
