import Foundation
import HoneTestSupport
import HoneCore
import HoneTrees
import Testing

@testable import HoneTrain

struct TreeRunTests {
    /// A CSV of three features whose label is 1 when a + b > 0 (c is noise), seeded.
    private func writeCSV(_ directory: TemporaryDirectory, name: String, rows: Int, seed: UInt64) throws {
        var rng = SeededGenerator(seed: seed)
        var text = "a,b,c,label\n"
        for _ in 0..<rows {
            let a = rng.nextGaussian(), b = rng.nextGaussian(), c = rng.nextGaussian()
            text += "\(a),\(b),\(c),\(a + b > 0 ? "yes" : "no")\n"
        }
        _ = try directory.write(text, as: name)
    }

    private func config(_ model: String, in directory: TemporaryDirectory) throws -> TrainingConfig {
        let json = #"{"data": {"source": "csv", "path": "train.csv", "test_path": "test.csv", "target": "label", "validation_fraction": 0.2}, "model": \#(model), "seed": 3}"#
        return try TrainingConfig(json: JSONValue.parse(json), baseDirectory: directory.url)
    }

    @Test func boostedRunWritesTheRunDirectoryAndAReloadableModel() throws {
        let directory = try TemporaryDirectory()
        try writeCSV(directory, name: "train.csv", rows: 600, seed: 1)
        try writeCSV(directory, name: "test.csv", rows: 200, seed: 2)
        let config = try config(#"{"gbdt": {"rounds": 40, "max_leaves": 8, "early_stopping_rounds": 5}}"#, in: directory)
        let run = try TreeTrainingRun(config: config, directory: directory.file("run"))
        let metrics = try run.run()
        #expect(try #require(metrics["test_accuracy"]) > 0.9)
        #expect(metrics["test_roc_auc"] != nil && metrics["best_iteration"] != nil)
        for file in ["config.json", "metrics.jsonl", "model.hntree", "feature_importance.json", "final_metrics.json"] {
            #expect(FileManager.default.fileExists(atPath: directory.file("run/\(file)").path), "\(file) missing")
        }
        let model = try TreeModel.load(from: TreeTrainingRun.modelURL(directory.file("run")))
        let (testX, testLabels) = try TreeTrainingRun.rows(try #require(run.data.test))
        let correct = zip(try model.predictLabels(testX), testLabels).filter { $0 == $1 }.count
        #expect(abs(Double(correct) / Double(testLabels.count) - metrics["test_accuracy"]!) < 1e-12)
        let importance = model.featureImportance(.gain)
        #expect(importance[2] < importance[0] && importance[2] < importance[1])
        #expect(throws: TrainingError.self) { try TreeTrainingRun(config: config, directory: directory.file("run")) }
    }

    @Test func forestAndSingleTreeRunsReportTheirScores() throws {
        let directory = try TemporaryDirectory()
        try writeCSV(directory, name: "train.csv", rows: 400, seed: 4)
        try writeCSV(directory, name: "test.csv", rows: 200, seed: 5)
        let forest = try TreeTrainingRun(
            config: config(#"{"random_forest": {"trees": 30, "max_features": 2}}"#, in: directory), directory: directory.file("forest")).run()
        #expect(try #require(forest["out_of_bag_score"]) > 0.8)
        #expect(try #require(forest["test_accuracy"]) > 0.85)
        let tree = try TreeTrainingRun(
            config: config(#"{"decision_tree": {"max_depth": 4, "criterion": "entropy"}}"#, in: directory), directory: directory.file("tree")).run()
        #expect(try #require(tree["test_accuracy"]) > 0.8)
    }

    @Test func tuningObjectiveTrainsATreeModelWithOverrides() throws {
        let directory = try TemporaryDirectory()
        try writeCSV(directory, name: "train.csv", rows: 300, seed: 6)
        try writeCSV(directory, name: "test.csv", rows: 100, seed: 7)
        var reported: [Double] = []
        let metrics = try train(
            config: config(#"{"gbdt": {"rounds": 10}}"#, in: directory), overrides: ["model.gbdt.max_leaves": .number(4, text: "4")],
            directory: directory.file("trial")
        ) { _, value in
            reported.append(value)
            return true
        }
        #expect(reported.count == 1 && reported[0] == metrics["final_val_accuracy"])
        let saved = try TreeModel.load(from: TreeTrainingRun.modelURL(directory.file("trial")))
        #expect(saved.trees.allSatisfy { $0.nodeCount <= 7 })
    }

    @Test func badTreeSettingsAreConfigErrorsNamingTheField() throws {
        let directory = try TemporaryDirectory()
        #expect(throws: ConfigError.unknownField(path: "model.gbdt.roundz", suggestion: "rounds", valid: TreeModelConfig.fields["gbdt"]!)) {
            try config(#"{"gbdt": {"roundz": 5}}"#, in: directory)
        }
        #expect(throws: ConfigError.invalidValue(path: "model.gbdt.learning_rate", message: "expected a positive number, got -1.0")) {
            try config(#"{"gbdt": {"learning_rate": -1}}"#, in: directory)
        }
        #expect(throws: ConfigError.self) { try config(#"{"random_forest": {"max_features": "cube"}}"#, in: directory) }
        #expect(throws: ConfigError.self) { try config(#"{"decision_tree": {"criterion": "squared_error"}}"#, in: directory) }
    }
}

@Suite(.serialized)
struct TreeCommandLineTests {
    @Test func honeTrainFitsATreeModelAndRejectsABadSettingInOneLine() throws {
        let executable = try #require(HoneBinary.path, "needs the built hone binary")
        let directory = try TemporaryDirectory()
        var text = "x,y,label\n"
        for i in 0..<200 { text += "\(i % 17),\(i % 5),\(i % 17 > 8 ? 1 : 0)\n" }
        try directory.write(text, as: "rows.csv")
        try directory.write(#"{"data": {"source": "csv", "path": "rows.csv", "target": "label"}, "model": {"gbdt": {"rounds": 20}}}"#, as: "trees.json")
        let good = try HoneBinary.run(executable, ["train", "trees.json", "--run-dir", "run"], in: directory.url)
        #expect(good.status == 0, "stderr: \(good.error)")
        #expect(good.output.contains("val_accuracy 100.00%"), "stdout: \(good.output)")
        #expect(FileManager.default.fileExists(atPath: directory.file("run/model.hntree").path))
        try directory.write(#"{"data": {"source": "csv", "path": "rows.csv", "target": "label"}, "model": {"gbdt": {"roundz": 20}}}"#, as: "bad.json")
        let bad = try HoneBinary.run(executable, ["train", "bad.json", "--run-dir", "bad-run"], in: directory.url)
        #expect(bad.status == 2)
        #expect(bad.error.split(separator: "\n").count == 1 && bad.error.contains("model.gbdt.roundz"), "stderr: \(bad.error)")
        #expect(!FileManager.default.fileExists(atPath: directory.file("bad-run").path))
    }
}
