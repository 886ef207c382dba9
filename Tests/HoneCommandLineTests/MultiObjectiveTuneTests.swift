import Foundation
import HoneTrain
import HoneTune
import Testing

/// A multi-objective study from a config (`objectives` + `directions`): the Pareto front in
/// the summary and in `--status` is exactly the non-dominated set of the trials' own final
/// metrics, and a bad pairing of the two lists is one line that creates nothing.
@Suite(.serialized)
struct MultiObjectiveTuneTests {
    func tuneConfig(directions: String, objectives: String = #"["val_accuracy", "val_loss"]"#) -> String {
        """
        {"study_name": "m", "objective": "train", "storage": "m.db", "trials": 6, "sampler": {"type": "random", "seed": 3},
         "objectives": \(objectives), "directions": \(directions),
         "search_space": {"optimizer.learning_rate": {"float": [0.0005, 0.3], "log": true}, "model.hidden": {"int": [2, 24]}},
         "train": {"data": {"source": "csv", "path": "train.csv", "target": "label", "validation_fraction": 0.3},
                   "model": {"zoo": "mlp", "hidden": 8}, "optimizer": {"name": "adam", "learning_rate": 0.01},
                   "epochs": 2, "batch_size": 16, "seed": 1}}
        """
    }

    /// The trials no other trial beats on one metric without losing on the other, by brute force.
    func nonDominated(_ points: [Int: (accuracy: Double, loss: Double)]) -> Set<Int> {
        Set(points.keys.filter { number in
            let p = points[number]!
            return !points.values.contains { q in
                q.accuracy >= p.accuracy && q.loss <= p.loss && (q.accuracy > p.accuracy || q.loss < p.loss)
            }
        })
    }

    @Test func theParetoFrontIsTheNonDominatedSetOfTheTrialsMetrics() throws {
        let scratch = try Scratch()
        try scratch.writeTabular("train.csv", rows: 90, seed: 4)
        try scratch.write(tuneConfig(directions: #"["maximize", "minimize"]"#), as: "m.json")
        let result = try scratch.hone(["tune", "m.json", "--quiet"])
        try #require(result.status == 0, "\(result.error)")

        var points: [Int: (accuracy: Double, loss: Double)] = [:]
        let runConfig = try TrainingConfig.load(from: scratch.file("m-runs/trial-0/config.json"))
        let measurable = Set(FinalMetrics.names(for: runConfig))
        for number in 0..<6 {
            let data = try Data(contentsOf: scratch.file("m-runs/trial-\(number)/final_metrics.json"))
            let metrics = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            // The names a configuration's objectives are checked against hold every metric a real run writes.
            #expect(Set(metrics.keys).subtracting(["confusion_matrix"]).isSubset(of: measurable),
                    "\(Set(metrics.keys).subtracting(measurable))")
            points[number] = (try #require(metrics["val_accuracy"] as? Double), try #require(metrics["val_loss"] as? Double))
        }
        let expected = nonDominated(points)

        let summary = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: scratch.file("m-summary.json"))) as? [String: Any])
        #expect(summary["directions"] as? [String] == ["maximize", "minimize"])
        let front = try #require(summary["best_trials"] as? [[String: Any]])
        #expect(Set(front.compactMap { $0["number"] as? Int }) == expected)
        for trial in front {
            let number = try #require(trial["number"] as? Int)
            let values = try #require(trial["values"] as? [Double])
            #expect(values == [points[number]!.accuracy, points[number]!.loss])
        }

        let status = try scratch.hone(["tune", "--status", "m.db"])
        #expect(status.status == 0)
        #expect(status.output.contains("Pareto front: \(expected.count) trials"))
        #expect(Set(frontNumbers(status.output)) == expected)

        // The run's own printout ends with the same front: the non-dominated set of the
        // values the study stored, each trial with its parameters.
        let study = try Study.load(name: "m", storage: try SQLiteStorage(path: scratch.file("m.db").path))
        var stored: [Int: (accuracy: Double, loss: Double)] = [:]
        for t in try study.allTrials where t.state == .complete { stored[t.number] = (t.values![0], t.values![1]) }
        #expect(stored.count == 6)
        #expect(result.output.contains("\nPareto front: \(nonDominated(stored).count) trials\n"), "\(result.output)")
        #expect(Set(frontNumbers(result.output)) == nonDominated(stored))
        let rows = result.output.split(separator: "\n").filter { $0.hasPrefix("  trial ") }
        #expect(rows.count == nonDominated(stored).count && rows.allSatisfy { $0.contains("optimizer.learning_rate=") && $0.contains("model.hidden=") })
    }

    /// The trial numbers of the `trial N: …` lines of a printout.
    func frontNumbers(_ output: String) -> [Int] {
        output.split(separator: "\n").compactMap { line -> Int? in
            let text = line.trimmingCharacters(in: .whitespaces)
            guard text.hasPrefix("trial "), let colon = text.firstIndex(of: ":") else { return nil }
            return Int(text[text.index(text.startIndex, offsetBy: 6)..<colon])
        }
    }

    func expectRefusal(directions: String, objectives: String = #"["val_accuracy", "val_loss"]"#, message: String) throws {
        let scratch = try Scratch()
        try scratch.writeTabular("train.csv", rows: 30, seed: 4)
        try scratch.write(tuneConfig(directions: directions, objectives: objectives), as: "m.json")
        let before = try scratch.listing()
        let result = try scratch.hone(["tune", "m.json"])
        #expect(result.status == 2, "exit \(result.status): \(result.error)")
        #expect(result.error == "hone tune: error: \(scratch.file("m.json").path): \(message)\n")
        #expect(try scratch.listing() == before, "something was written")
    }

    @Test func directionsThatDoNotPairWithTheObjectivesAreOneLine() throws {
        try expectRefusal(
            directions: #"["maximize"]"#,
            message: "field 'directions': gives 1 directions for 2 objective values; give one per objective")
    }

    @Test func anUnknownDirectionIsOneLineWithTheClosestName() throws {
        try expectRefusal(
            directions: #"["maximize", "minimise"]"#,
            message: "field 'directions[1]': unknown directions[1] \"minimise\"; did you mean \"minimize\"? (known: minimize, maximize)")
    }

    @Test func anObjectiveTheTrainingNeverMeasuresIsRefusedBeforeAnyStudy() throws {
        try expectRefusal(
            directions: #"["maximize", "minimize"]"#, objectives: #"["val_acuracy", "val_loss"]"#,
            message: "field 'objectives[0]': 'val_acuracy' is not a metric the training measures; did you mean 'val_accuracy'?")
        try expectRefusal(
            directions: #"["maximize", "minimize"]"#, objectives: #"["val_accuracy", "training_secs"]"#,
            message: "field 'objectives[1]': 'training_secs' is not a metric the training measures; did you mean 'training_seconds'?")
        // A regression metric on a classification task is no typo: the measured names are listed.
        let scratch = try Scratch()
        try scratch.writeTabular("train.csv", rows: 30, seed: 4)
        try scratch.write(tuneConfig(directions: #"["minimize", "minimize"]"#, objectives: #"["val_rmse", "val_loss"]"#), as: "m.json")
        let result = try scratch.hone(["tune", "m.json"])
        #expect(result.status == 2)
        #expect(result.errorLines.count == 1)
        #expect(result.error.contains("field 'objectives[0]': 'val_rmse' is not a metric the training measures (measured: "), "\(result.error)")
        #expect(result.error.contains("val_macro_f1") && !result.error.contains("val_r2"), "\(result.error)")
        #expect(!scratch.exists("m.db"))
    }
}
