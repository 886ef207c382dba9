import Foundation
import HoneTestSupport
import Testing

@testable import HoneTrain

/// Writes `rows` rows of `id,x0,x1,colour,label` where the label is 1 when x0 + x1 > 0
/// (colour is noise), so a small network separates the classes.
func writeTabularClasses(in directory: TemporaryDirectory, name: String, rows: Int, seed: UInt64) throws -> URL {
    var generator = SeededGenerator(seed: seed)
    var lines = ["id,x0,x1,colour,label"]
    for row in 0..<rows {
        let x0 = generator.nextGaussian(), x1 = generator.nextGaussian()
        let colour = ["red", "green", "blue"][Int(generator.nextInt(below: 3))]
        lines.append("r\(row),\(x0),\(x1),\(colour),\(x0 + x1 > 0 ? "yes" : "no")")
    }
    return try directory.write(lines.joined(separator: "\n") + "\n", as: name)
}

/// A classification config over `writeTabularClasses`'s files, with `extra` fields in `data` and at the top.
func tabularConfig(data extraData: String = "", extra: String = "", epochs: Int = 6) -> String {
    """
    {"data": {"source": "csv", "path": "train.csv", "target": "label", "ignore": ["id"], "categorical": ["colour"]\(extraData)},
     "model": {"zoo": "mlp", "hidden": [8]}, "optimizer": {"name": "adam", "learning_rate": 0.05},
     \(extra) "epochs": \(epochs), "batch_size": 16, "seed": 2}
    """
}

@Suite struct TabularConfigTests {
    @Test func tabularFieldsAreCheckedBeforeAnythingIsRead() throws {
        let directory = try TemporaryDirectory()
        let cases: [(String, String)] = [
            (tabularConfig(data: #", "missing_values": "impute_mode""#), "data.missing_values"),
            (tabularConfig(data: #", "categorical_encoding": "binary""#), "data.categorical_encoding"),
            (tabularConfig(data: #", "target_scaling": "standardize""#), "data.target_scaling"),
            (tabularConfig(data: #", "folds": 1"#), "data.folds"),
            (tabularConfig().replacingOccurrences(of: #""ignore": ["id"]"#, with: #""ignore": ["label"]"#), "data.ignore"),
            (tabularConfig().replacingOccurrences(of: #""ignore": ["id"]"#, with: #""ignore": ["colour"]"#), "data.ignore"),
            (#"{"data": {"source": "fashion-mnist", "categorical": ["a"]}, "model": {"zoo": "lenet"}}"#, "data.categorical"),
        ]
        for (text, field) in cases {
            do {
                _ = try TrainingConfig.load(from: try directory.write(text, as: "config.json"))
                Issue.record("\(field): accepted")
            } catch let error as ConfigError {
                #expect(error.description.contains(field), "\(error.description) does not name \(field)")
            }
        }
        let config = try TrainingConfig.load(from: try directory.write(
            tabularConfig(data: #", "missing_values": "impute_most_frequent", "categorical_encoding": "ordinal", "folds": 3"#),
            as: "good.json"))
        #expect(config.data.missingValuePolicy == .imputeMostFrequent)
        #expect(config.data.categoricalEncoding == .ordinal)
        #expect(config.data.folds == 3)
        #expect(!config.taskIsExplicit)
    }

    @Test func validationMetricsCanBeMonitoredByName() throws {
        let directory = try TemporaryDirectory()
        let monitored = #""callbacks": {"early_stopping": {"monitor": "val_macro_f1"}, "checkpoint": {"monitor": "val_roc_auc"}},"#
        let config = try TrainingConfig.load(from: try directory.write(tabularConfig(extra: monitored), as: "config.json"))
        #expect(config.earlyStopping?.monitor == "val_macro_f1")
        #expect(config.checkpoint.monitor == "val_roc_auc" && config.checkpointMonitorIsExplicit)
        let training = #""callbacks": {"checkpoint": {"monitor": "macro_f1"}},"#
        #expect(throws: ConfigError.self) { _ = try TrainingConfig.load(from: try directory.write(tabularConfig(extra: training), as: "bad.json")) }
    }

    @Test func manyDistinctNumericLabelsWithoutATaskGetARegressionHint() throws {
        let directory = try TemporaryDirectory()
        let rows = (0..<40).map { "\($0),\(Double($0) * 1.5)" }.joined(separator: "\n")
        try directory.write("x,price\n" + rows + "\n", as: "train.csv")
        let body = #""data": {"source": "csv", "path": "train.csv", "target": "price"}, "model": {"zoo": "mlp"}"#
        let implicit = try TrainingConfig.load(from: try directory.write("{\(body)}", as: "implicit.json"))
        let data = try PreparedData(implicit.data, regression: false, seed: 0, taskIsExplicit: implicit.taskIsExplicit)
        #expect(data.warnings.count == 1)
        #expect(data.warnings.first?.contains(#"set "task": "regression""#) == true)
        #expect(data.warnings.first?.contains("40 distinct numbers") == true)
        let explicit = try TrainingConfig.load(from: try directory.write(#"{"task": "classification", \#(body)}"#, as: "explicit.json"))
        #expect(try PreparedData(explicit.data, regression: false, seed: 0, taskIsExplicit: explicit.taskIsExplicit).warnings.isEmpty)
        // Few integer classes are a normal classification target.
        try directory.write("x,grade\n" + (0..<40).map { "\($0),\($0 % 3)" }.joined(separator: "\n") + "\n", as: "grades.csv")
        let grades = try TrainingConfig.load(from: try directory.write(
            #"{"data": {"source": "csv", "path": "grades.csv", "target": "grade"}, "model": {"zoo": "mlp"}}"#, as: "grades.json"))
        #expect(try PreparedData(grades.data, regression: false, seed: 0, taskIsExplicit: false).warnings.isEmpty)
    }
}

@Suite struct TabularRunTests {
    @Test func standardizedRegressionReportsMetricsInOriginalUnits() throws {
        let directory = try TemporaryDirectory()
        // y = 1000 + 300·x: a scale the network would fit slowly without standardization.
        var generator = SeededGenerator(seed: 4)
        func rows(_ count: Int) -> (text: String, x: [Double], y: [Double]) {
            var lines = ["y,x"], xs: [Double] = [], ys: [Double] = []
            for _ in 0..<count {
                let x = generator.nextGaussian(), y = 1000 + 300 * x
                lines.append("\(y),\(x)")
                xs.append(x)
                ys.append(y)
            }
            return (lines.joined(separator: "\n") + "\n", xs, ys)
        }
        let train = rows(64), test = rows(16)
        try directory.write(train.text, as: "train.csv")
        try directory.write(test.text, as: "test.csv")
        let config = try TrainingConfig.load(from: try directory.write("""
            {"task": "regression",
             "data": {"source": "csv", "path": "train.csv", "test_path": "test.csv", "target": "y", "target_scaling": "standardize",
                      "validation_fraction": 0},
             "model": [{"linear": {"out_features": 1}}], "optimizer": {"name": "adam", "learning_rate": 0.05},
             "epochs": 30, "batch_size": 16, "seed": 0}
            """, as: "config.json"))
        let run = try TrainingRun(config: config, directory: directory.file("run"), progress: false)
        let metrics = try run.run()

        // The scaling is the training targets' mean and population deviation, computed here independently.
        let mean = train.y.reduce(0, +) / 64
        let deviation = (train.y.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / 64).squareRoot()
        let saved = try RunPreprocessing.load(runDirectory: directory.file("run"))
        #expect(Swift.abs(Double(saved.targetScaling!.mean) - mean) < 1e-2)
        #expect(Swift.abs(Double(saved.targetScaling!.standardDeviation) - deviation) < 1e-2)

        // Predictions back in original units, scored by hand against the test file's targets.
        let table = try saved.prepareTable(at: directory.file("test.csv"))
        let outputs = run.trainer.model(table.features).scalars.map { Double($0) * deviation + mean }
        let errors = zip(outputs, test.y).map { $0 - $1 }
        let mae = errors.reduce(0) { $0 + Swift.abs($1) } / 16
        let rmse = (errors.reduce(0) { $0 + $1 * $1 } / 16).squareRoot()
        let testMean = test.y.reduce(0, +) / 16
        let r2 = 1 - errors.reduce(0) { $0 + $1 * $1 } / test.y.reduce(0) { $0 + ($1 - testMean) * ($1 - testMean) }
        #expect(Swift.abs(metrics["test_mae"]! - mae) < 1e-3 * max(1, mae))
        #expect(Swift.abs(metrics["test_rmse"]! - rmse) < 1e-3 * max(1, rmse))
        #expect(Swift.abs(metrics["test_r2"]! - r2) < 1e-4)
        // Original units: an error of a few units on targets near 1000, not a fraction of one deviation.
        #expect(metrics["test_r2"]! > 0.99)
        #expect(TrainingSummary.line(metrics).hasPrefix("test_rmse "))
        #expect(TrainingSummary.line(metrics).contains("test_mae ") && TrainingSummary.line(metrics).contains("test_r2 "))
    }

    @Test func regressionWithoutTestSetSummarizesValidationErrors() {
        let line = TrainingSummary.line(["val_rmse": 2, "val_mae": 1.5, "val_r2": 0.9, "val_loss": 4, "training_seconds": 1])
        #expect(line == "val_rmse 2.0000, val_mae 1.5000, val_r2 0.9000, training 1.0s")
    }

    @Test func confusionMatrixIsSavedAndMatchesTheTestAccuracy() throws {
        let directory = try TemporaryDirectory()
        _ = try writeTabularClasses(in: directory, name: "train.csv", rows: 96, seed: 1)
        _ = try writeTabularClasses(in: directory, name: "test.csv", rows: 30, seed: 2)
        let config = try TrainingConfig.load(from: try directory.write(tabularConfig(data: #", "test_path": "test.csv""#), as: "c.json"))
        let run = try TrainingRun(config: config, directory: directory.file("run"), progress: false)
        let metrics = try run.run()
        let saved = try JSONSerialization.jsonObject(with: Data(contentsOf: directory.file("run/final_metrics.json"))) as! [String: Any]
        let matrix = saved["confusion_matrix"] as! [String: Any]
        #expect(matrix["classes"] as! [String] == ["no", "yes"])
        let counts = matrix["counts"] as! [[Int]]
        #expect(counts.flatMap { $0 }.reduce(0, +) == 30)
        // Row sums are the true class counts of the test file, counted here from the file itself.
        let testLines = try String(contentsOf: directory.file("test.csv"), encoding: .utf8).split(separator: "\n").dropFirst()
        #expect(counts[1].reduce(0, +) == testLines.filter { $0.hasSuffix(",yes") }.count)
        #expect(Double(counts[0][0] + counts[1][1]) / 30 == metrics["test_accuracy"])
        // The file holds the same number (to the last digit or so the JSON text keeps).
        #expect(Swift.abs((saved["test_accuracy"] as! Double) - metrics["test_accuracy"]!) < 1e-12)
    }

    @Test func confusionTableHasOneRowPerTrueClass() {
        let matrix = ConfusionMatrix(predictions: [0, 1, 1, 2, 0], labels: [0, 1, 2, 2, 1], classCount: 3)
        // Columns are as wide as the longest name, cut to 10 characters; rows are true classes.
        let expected = [
            "true \\ predicted",
            "                  cat        dog a-very-lon",
            "       cat          1          0          0",
            "       dog          1          1          0",
            "a-very-lon          0          1          1",
        ]
        #expect(matrix.table(classNames: ["cat", "dog", "a-very-long-name"]) == expected.joined(separator: "\n"))
    }

    @Test func perEpochValidationRecordsMacroF1AndAUCMatchingBruteForce() throws {
        let directory = try TemporaryDirectory()
        _ = try writeTabularClasses(in: directory, name: "train.csv", rows: 80, seed: 3)
        let config = try TrainingConfig.load(from: try directory.write(tabularConfig(data: #", "validation_fraction": 0.25"#, epochs: 2), as: "c.json"))
        let run = try TrainingRun(config: config, directory: directory.file("run"), progress: false)
        try run.run()
        let record = run.trainer.history.last!
        // Recompute from the final model's validation outputs: F1 per class by counting, AUC by comparing every pair.
        let validation = run.data.validation!
        let inputs = Tensor(uninitializedShape: [validation.count, validation.sampleShape[0]])
        for index in 0..<validation.count {
            validation.copyInput(at: index, into: UnsafeMutableBufferPointer(
                start: inputs.storage.pointer + index * validation.sampleShape[0], count: validation.sampleShape[0]))
        }
        run.trainer.model.eval()
        let scores = (run.data.scaler.map { ($0 as! Standardizer)(inputs) } ?? inputs)
        let logits = run.trainer.model(scores)
        let labels = validation.classLabels!
        var f1s: [Double] = []
        for positive in 0..<2 {
            var tp = 0, fp = 0, fn = 0
            for (row, label) in labels.enumerated() {
                let predicted = logits[row, 1] > logits[row, 0] ? 1 : 0
                if predicted == positive && label == positive { tp += 1 }
                if predicted == positive && label != positive { fp += 1 }
                if predicted != positive && label == positive { fn += 1 }
            }
            f1s.append(tp == 0 ? 0 : 2 * Double(tp) / Double(2 * tp + fp + fn))
        }
        #expect(Swift.abs(record.validationMetrics["macro_f1"]! - (f1s[0] + f1s[1]) / 2) < 1e-12)
        // Softmax's second column is monotone in the logit difference, so pairs compare on it.
        var wins = 0.0, pairs = 0.0
        for (i, a) in labels.enumerated() where a == 1 {
            for (j, b) in labels.enumerated() where b == 0 {
                let margin = (logits[i, 1] - logits[i, 0]) - (logits[j, 1] - logits[j, 0])
                wins += margin > 0 ? 1 : margin == 0 ? 0.5 : 0
                pairs += 1
            }
        }
        #expect(Swift.abs(record.validationMetrics["roc_auc"]! - wins / pairs) < 1e-9)
    }

    @Test func explicitCheckpointMonitorTestsTheBestEpochsWeights() throws {
        let directory = try TemporaryDirectory()
        _ = try writeTabularClasses(in: directory, name: "train.csv", rows: 96, seed: 5)
        _ = try writeTabularClasses(in: directory, name: "test.csv", rows: 40, seed: 6)
        let extra = #""callbacks": {"checkpoint": {"monitor": "val_loss"}},"#
        let config = try TrainingConfig.load(from: try directory.write(
            tabularConfig(data: #", "test_path": "test.csv""#, extra: extra, epochs: 8), as: "c.json"))
        let run = try TrainingRun(config: config, directory: directory.file("run"), progress: false)
        let metrics = try run.run()
        // The best epoch is the first with the smallest validation loss, read from the log.
        let losses = run.trainer.history.map { $0.validationLoss! }
        let bestEpoch = losses.firstIndex(of: losses.min()!)! + 1
        #expect(metrics["evaluated_epoch"] == Double(bestEpoch))
        #expect(run.evaluatedWeights == "the best epoch \(bestEpoch) by val_loss (checkpoints/best.safetensors)")
        // The test metrics are those of the weights in best.safetensors.
        let fresh = try config.model.build(sampleShape: [5], outputCount: 2, dropout: 0, seed: 9)
        try fresh.load(Safetensors.read(from: directory.file("run/checkpoints/best.safetensors")).tensors)
        let table = try RunPreprocessing.load(runDirectory: directory.file("run")).prepareTable(at: directory.file("test.csv"))
        fresh.eval()
        let predictions = fresh(table.features).argmax(axis: 1)
        let accuracy = Double(zip(predictions, table.labels!).filter { $0 == $1 }.count) / 40
        #expect(metrics["test_accuracy"] == accuracy)
    }
}

@Suite struct CrossValidationTests {
    @Test func foldsAreSummarizedByMeanAndSampleDeviation() throws {
        let directory = try TemporaryDirectory()
        _ = try writeTabularClasses(in: directory, name: "train.csv", rows: 60, seed: 7)
        let config = try TrainingConfig.load(from: try directory.write(tabularConfig(data: #", "folds": 3"#, epochs: 3), as: "c.json"))
        let result = try CrossValidation.run(config: config, directory: directory.file("cv"), progress: false)
        #expect(result.folds == 3)
        // Each fold's own record, read back from its run directory.
        var accuracies: [Double] = [], validationSizes = 0
        for fold in 1...3 {
            let saved = try JSONSerialization.jsonObject(
                with: Data(contentsOf: directory.file("cv/fold-\(fold)/final_metrics.json"))) as! [String: Any]
            accuracies.append(saved["val_accuracy"] as! Double)
            let matrix = (saved["confusion_matrix"] as! [String: Any])["counts"] as! [[Int]]
            validationSizes += matrix.flatMap { $0 }.reduce(0, +)
        }
        // The held-out folds partition the 60 rows.
        #expect(validationSizes == 60)
        let mean = accuracies.reduce(0, +) / 3
        let deviation = (accuracies.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / 2).squareRoot()
        #expect(Swift.abs(result.mean["val_accuracy"]! - mean) < 1e-12)
        #expect(Swift.abs(result.standardDeviation["val_accuracy"]! - deviation) < 1e-12)
        let summary = try JSONDecoder().decode(CrossValidation.Result.self, from: Data(contentsOf: directory.file("cv/cv_metrics.json")))
        #expect(summary == result)
        #expect(TrainingSummary.crossValidationLine(result).hasPrefix("3-fold cross-validation"))
        // A second run into the same directory is refused, leaving the first intact.
        #expect(throws: TrainingError.self) { try CrossValidation.run(config: config, directory: directory.file("cv"), progress: false) }
        #expect(try JSONDecoder().decode(CrossValidation.Result.self, from: Data(contentsOf: directory.file("cv/cv_metrics.json"))) == result)
    }

    @Test func sampleDeviationOfKnownValues() {
        let result = CrossValidation.Result(perFold: [["a": 1, "b": 5], ["a": 2], ["a": 6, "b": 7]])
        // Only metrics every fold measured are summarized: 1, 2, 6 → mean 3, s² = (4 + 1 + 9) / 2 = 7.
        #expect(result.mean == ["a": 3])
        #expect(Swift.abs(result.standardDeviation["a"]! - Double(7).squareRoot()) < 1e-12)
    }

    @Test func tuningObjectiveReportsTheCrossValidatedMean() throws {
        let directory = try TemporaryDirectory()
        _ = try writeTabularClasses(in: directory, name: "train.csv", rows: 45, seed: 8)
        let config = try TrainingConfig.load(from: try directory.write(tabularConfig(data: #", "folds": 3"#, epochs: 2), as: "c.json"))
        var reported: [(Int, Double)] = []
        let metrics = try train(config: config, directory: directory.file("trial"), monitor: "val_loss") { epoch, value in
            reported.append((epoch, value))
            return true
        }
        let summary = try JSONDecoder().decode(CrossValidation.Result.self, from: Data(contentsOf: directory.file("trial/cv_metrics.json")))
        // One report, after the last fold: the mean held-out loss, negated so that larger is better.
        #expect(reported.count == 1)
        #expect(reported.first?.0 == 3)
        #expect(reported.first?.1 == -summary.mean["val_loss"]!)
        #expect(metrics["cv_std_val_accuracy"] == summary.standardDeviation["val_accuracy"])
    }
}
