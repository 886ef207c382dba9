import Foundation
import HoneCore
import HoneTestSupport
import HoneTrees
import Testing

@testable import HoneTrain

/// `{"stacking": …}` configs: checked before anything runs, trained into a run directory
/// that `hone predict` and `hone evaluate` read back exactly.
@Suite(.serialized)
struct StackingRunTests {
    /// Rows whose label is drawn from σ(1.5·x₀ + 1.5·x₁ + 2.5·sign(x₂·x₃)): a smooth additive
    /// part and a sharp interaction (an exclusive or of two signs), so each member misses
    /// part of it: additive stumps miss the interaction, a forest staircases the additive part,
    /// a small net blurs the sharp edges.
    static func writeData(_ directory: TemporaryDirectory, train: Int = 1200, test: Int = 1000) throws {
        var generator = SeededGenerator(seed: 21)
        func table(_ count: Int) -> String {
            var lines = ["x0,x1,x2,x3,label"]
            for _ in 0..<count {
                let x = (0..<4).map { _ in generator.nextDouble() * 2 - 1 }
                let logit = 1.5 * x[0] + 1.5 * x[1] + (x[2] * x[3] > 0 ? 2.5 : -2.5)
                let label = generator.nextDouble() < 1 / (1 + exp(-logit)) ? 1 : 0
                lines.append((x.map { String(format: "%.4f", $0) } + [String(label)]).joined(separator: ","))
            }
            return lines.joined(separator: "\n") + "\n"
        }
        try directory.write(table(train), as: "train.csv")
        try directory.write(table(test), as: "test.csv")
    }

    static let members = #"""
        [{"gbdt": {"rounds": 80, "max_leaves": 2, "learning_rate": 0.1}},
         {"random_forest": {"trees": 40, "min_samples_leaf": 10}},
         {"zoo": "mlp", "hidden": [8]}]
        """#

    static func config(_ model: String, in directory: TemporaryDirectory, extra: String = "") throws -> TrainingConfig {
        let (train, test) = (directory.file("train.csv").path, directory.file("test.csv").path)
        let json = #"{"data": {"source": "csv", "path": "\#(train)", "test_path": "\#(test)", "target": "label"}, "model": \#(model), "optimizer": {"name": "adam", "learning_rate": 0.01}, "epochs": 20, "batch_size": 64, "seed": 4\#(extra)}"#
        return try TrainingConfig(json: JSONValue.parse(json), baseDirectory: directory.url)
    }

    static func logLoss(_ probabilities: [[Double]], _ labels: [Double]) -> Double {
        zip(probabilities, labels).map { -log(max($0[Int($1)], 1e-15)) }.reduce(0, +) / Double(labels.count)
    }

    @Test func stackBeatsItsBestMemberAndReloadsExactly() throws {
        let directory = try TemporaryDirectory()
        try Self.writeData(directory)
        let config = try Self.config(#"{"stacking": {"members": \#(Self.members), "meta": "logistic_regression"}}"#, in: directory)
        let run = try TreeTrainingRun(config: config, directory: directory.file("run"))
        let metrics = try run.run()
        guard case .stack(let stack)? = run.model else { Issue.record("the run fitted no stack"); return }
        #expect(stack.memberNames == ["gbdt", "random_forest", "net"])
        let (testX, testLabels) = try TreeTrainingRun.rows(try #require(run.data.test))
        let stacked = try stack.predict(testX)
        let stackLoss = Self.logLoss(stacked, testLabels)
        #expect(abs(stackLoss - (try #require(metrics["test_loss"]))) < 1e-12)
        // Each member as the stack refitted it on all training rows, on the same held-out rows.
        let memberLosses = try stack.memberPredictions(testX).map { Self.logLoss($0, testLabels) }
        print("stacking held-out log loss \(stackLoss); members \(zip(stack.memberNames, memberLosses).map { "\($0) \($1)" })")
        #expect(stackLoss <= memberLosses.min()!, "stack \(stackLoss) vs members \(memberLosses)")

        for file in ["config.json", "final_metrics.json", "stack/stack.json", "stack/member-0.hntree", "stack/member-1.hntree", "stack/member-2.safetensors"] {
            #expect(FileManager.default.fileExists(atPath: directory.file("run/\(file)").path), "\(file) missing")
        }
        let saved = try SavedRun(directory: directory.file("run"))
        let reloaded = try saved.predict(try saved.read(directory.file("test.csv"), labelled: false))
        #expect(reloaded.shape == [testLabels.count, 2])
        #expect(reloaded.scalars == stacked.flatMap { $0.map(Float.init) })
        let evaluated = try saved.evaluate(try saved.read(directory.file("test.csv"), labelled: true))
        #expect(evaluated["loss"] == metrics["test_loss"] && evaluated["accuracy"] == metrics["test_accuracy"])
    }

    @Test func gbdtMetaLearnerTrainsAndReloads() throws {
        let directory = try TemporaryDirectory()
        try Self.writeData(directory, train: 400, test: 200)
        let config = try Self.config(
            #"{"stacking": {"members": [{"gbdt": {"rounds": 10}}, {"random_forest": {"trees": 10}}], "meta": {"gbdt": {"rounds": 20, "max_leaves": 4}}, "folds": 3}}"#,
            in: directory)
        let run = try TreeTrainingRun(config: config, directory: directory.file("run"))
        let metrics = try run.run()
        #expect(try #require(metrics["test_accuracy"]) > 0.6)
        guard case .stack(let stack)? = run.model else { Issue.record("the run fitted no stack"); return }
        let (testX, _) = try TreeTrainingRun.rows(try #require(run.data.test))
        let saved = try SavedRun(directory: directory.file("run"))
        let reloaded = try saved.predict(try saved.read(directory.file("test.csv"), labelled: false))
        #expect(reloaded.scalars == (try stack.predict(testX)).flatMap { $0.map(Float.init) })
        #expect(FileManager.default.fileExists(atPath: directory.file("run/stack/meta.hntree").path))
    }

    @Test func badStackSectionsAreConfigErrorsNamingThePath() throws {
        let directory = try TemporaryDirectory()
        #expect(throws: ConfigError.invalidValue(path: "model.stacking.members", message: "the stack has no members")) {
            try Self.config(#"{"stacking": {"members": []}}"#, in: directory)
        }
        #expect(throws: ConfigError.unknownField(path: "model.stacking.meta.svm", suggestion: nil, valid: StackingConfig.metaKinds)) {
            try Self.config(#"{"stacking": {"members": [{"gbdt": {}}], "meta": "svm"}}"#, in: directory)
        }
        #expect(throws: ConfigError.self) { try Self.config(#"{"stacking": {"members": [{"gbdt": {}}], "meta": {"svm": {}}}}"#, in: directory) }
        #expect(throws: ConfigError.self) { try Self.config(#"{"stacking": {"members": [{"gbdt": {"roundz": 3}}]}}"#, in: directory) }
        #expect(throws: ConfigError.self) {
            try Self.config(#"{"stacking": {"members": [{"stacking": {"members": [{"gbdt": {}}]}}]}}"#, in: directory)
        }
        #expect(throws: ConfigError.self) { try Self.config(#"{"stacking": {"members": [{"gbdt": {}}], "folds": 1}}"#, in: directory) }
        #expect(throws: ConfigError.self) {
            try Self.config(#"{"stacking": {"members": [{"gbdt": {}}]}}"#, in: directory, extra: #", "task": "regression""#)
        }
    }
}

/// A stack through the built binary: train, predict, evaluate, and the errors of a bad
/// config and a corrupt member file.
@Suite(.serialized)
struct StackingCommandLineTests {
    @Test func honeTrainsAStackThatPredictAndEvaluateRead() throws {
        let directory = try TemporaryDirectory()
        try StackingRunTests.writeData(directory, train: 300, test: 100)
        try directory.write(
            #"{"data": {"source": "csv", "path": "train.csv", "target": "label", "test_path": "test.csv"}, "model": {"stacking": {"members": [{"gbdt": {"rounds": 10}}, [{"linear": {"out_features": 8}}, {"relu": {}}, {"linear": {"out_features": 2}}]], "folds": 3}}, "epochs": 3}"#,
            as: "stack.json")
        let good = try ExplainCommandTests.hone(["train", "stack.json", "--run-dir", "run", "--quiet"], in: directory)
        #expect(good.status == 0, "stderr: \(good.error)")
        let predicted = try ExplainCommandTests.hone(["predict", "run", "test.csv"], in: directory)
        #expect(predicted.status == 0, "stderr: \(predicted.error)")
        #expect(predicted.output.split(separator: "\n").count == 101 && predicted.output.hasPrefix("prediction,p_0,p_1"))
        let evaluated = try ExplainCommandTests.hone(["evaluate", "run", "test.csv", "--out", "eval.json"], in: directory)
        #expect(evaluated.status == 0, "stderr: \(evaluated.error)")
        let metrics = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: directory.file("eval.json"))) as? [String: Double])
        let final = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: directory.file("run/final_metrics.json"))) as? [String: Double])
        #expect(metrics["accuracy"] == final["test_accuracy"])

        // A flipped byte in a member file: one line naming the file, for every reader.
        let member = directory.file("run/stack/member-0.hntree")
        var bytes = try Data(contentsOf: member)
        bytes[bytes.count - 3] ^= 0x55
        try bytes.write(to: member)
        for arguments in [["predict", "run", "test.csv"], ["evaluate", "run", "test.csv"], ["explain", "run", "--method", "permutation"]] {
            let result = try ExplainCommandTests.hone(arguments, in: directory)
            #expect(result.status != 0, "\(arguments)")
            #expect(result.error.split(separator: "\n").count == 1 && result.error.contains("member-0.hntree"), "\(arguments): \(result.error)")
        }

        try directory.write(
            #"{"data": {"source": "csv", "path": "train.csv", "target": "label"}, "model": {"stacking": {"members": [], "meta": "logistic_regression"}}}"#,
            as: "empty.json")
        try directory.write(
            #"{"data": {"source": "csv", "path": "train.csv", "target": "label"}, "model": {"stacking": {"members": [{"gbdt": {}}], "meta": "ridge"}}}"#,
            as: "meta.json")
        for (file, part) in [("empty.json", "model.stacking.members"), ("meta.json", "model.stacking.meta.ridge")] {
            let bad = try ExplainCommandTests.hone(["train", file, "--run-dir", "bad-run"], in: directory)
            #expect(bad.status == 2, "\(file)")
            #expect(bad.error.split(separator: "\n").count == 1 && bad.error.contains(part), "\(file): \(bad.error)")
            #expect(!FileManager.default.fileExists(atPath: directory.file("bad-run").path))
        }
    }
}
