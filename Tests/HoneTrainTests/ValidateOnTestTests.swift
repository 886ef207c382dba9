import Foundation
import HoneTestSupport
import Testing

@testable import HoneTrain

/// `data.validate_on_test`: every epoch's validation pass runs on the test split and
/// nothing is held out of training, so time-to-accuracy can be read from `metrics.jsonl`.
@Suite struct ValidateOnTestTests {
    func parse(_ text: String) throws -> TrainingConfig {
        try TrainingConfig(json: try JSONValue.parse(text), baseDirectory: URL(fileURLWithPath: "/nonexistent"))
    }

    @Test func eachEpochIsScoredOnTheTestSplitAndTrainingKeepsEverySample() throws {
        let directory = try TemporaryDirectory()
        try writeIDXImages(in: directory, prefix: "train", count: 60, seed: 1)
        try writeIDXImages(in: directory, prefix: "test", count: 21, seed: 2)
        let text = smallImageConfig(epochs: 2)
            .replacingOccurrences(of: #""validation_fraction": 0.25"#, with: #""validate_on_test": true, "scaling": "none""#)
            .replacingOccurrences(of: #""callbacks": {"early_stopping": {"monitor": "val_loss", "patience": 10}, "checkpoint": {"monitor": "val_accuracy"}},"#, with: "")
        let config = try TrainingConfig.load(from: try directory.write(text, as: "config.json"))
        let run = try TrainingRun(config: config, directory: directory.file("run"), progress: false)
        #expect(run.data.training.count == 60)
        #expect(run.data.validation?.count == 21)
        let metrics = try run.run()

        // The last epoch's validation accuracy is the final weights' test accuracy, counted
        // here from the model's own outputs on the unscaled test images.
        let test = run.data.test!
        run.trainer.model.eval()
        var correct = 0
        for index in 0..<test.count {
            let sample = test.sample(at: index)
            let scores = run.trainer.model(sample.input.reshaped([1] + sample.input.shape)).scalars
            if scores.indices.max(by: { scores[$0] < scores[$1] }) == sample.label.classIndex { correct += 1 }
        }
        let lines = try String(contentsOf: directory.file("run/metrics.jsonl"), encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 2)
        let last = try JSONDecoder().decode(EpochRecord.self, from: Data(lines.last!.utf8))
        #expect(last.validationMetrics["accuracy"] == Double(correct) / 21)
        #expect(metrics["test_accuracy"] == Double(correct) / 21)
    }

    @Test func aValidationSplitFoldsOrAMissingTestSplitAreConfigErrors() {
        let model = #""model": [{"linear": {"out_features": 2}}]"#
        #expect(throws: ConfigError.invalidValue(path: "data.validate_on_test",
                                                message: #"validates on the test split; set "validation_fraction": 0 (or leave it out)"#)) {
            try parse(#"{"data": {"source": "fashion-mnist", "validate_on_test": true, "validation_fraction": 0.1}, \#(model)}"#)
        }
        #expect(throws: ConfigError.invalidValue(path: "data.validate_on_test", message: "cannot be combined with folds")) {
            try parse(#"{"data": {"source": "csv", "path": "a.csv", "test_path": "b.csv", "target": "y", "validate_on_test": true, "folds": 3}, \#(model)}"#)
        }
        #expect(throws: ConfigError.invalidValue(path: "data.validate_on_test", message: #"needs a test split; set "test_path""#)) {
            try parse(#"{"data": {"source": "csv", "path": "a.csv", "target": "y", "validate_on_test": true}, \#(model)}"#)
        }
    }
}
