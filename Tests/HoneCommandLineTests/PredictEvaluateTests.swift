import Foundation
import Testing

/// `hone predict` and `hone evaluate` on a finished run: the run's own preparation, the
/// run's own test metrics on its test file, and one error line for data it cannot read.
@Suite(.serialized)
struct PredictEvaluateTests {
    /// A finished tabular run in `scratch/run` with `train.csv` and `test.csv`.
    func finishedRun() throws -> Scratch {
        let scratch = try Scratch()
        try scratch.writeTabular("train.csv", rows: 120, seed: 1)
        try scratch.writeTabular("test.csv", rows: 45, seed: 2)
        try scratch.write(tabularConfig(optimizer: #"{"name": "adam", "learning_rate": 0.01}"#, epochs: 3), as: "wine.json")
        let trained = try scratch.hone(["train", "wine.json", "--run-dir", "run", "--quiet"])
        try #require(trained.status == 0, "\(trained.error)")
        return scratch
    }

    /// The file's numeric fields (`final_metrics.json` also holds the confusion matrix).
    func jsonNumbers(_ url: URL) throws -> [String: Double] {
        let object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        return object.compactMapValues { ($0 as? NSNumber)?.doubleValue }
    }

    @Test func evaluateOnTheRunsTestFileGivesTheRunsTestMetrics() throws {
        let scratch = try finishedRun()
        let result = try scratch.hone(["evaluate", "run", "test.csv"])
        #expect(result.status == 0, "\(result.error)")
        let final = try jsonNumbers(scratch.file("run/final_metrics.json"))
        let evaluated = try jsonNumbers(scratch.file("run/evaluate-test.json"))
        #expect(!evaluated.isEmpty)
        for (name, value) in evaluated { #expect(final["test_" + name] == value, "\(name)") }
        #expect(result.output.contains(String(format: "accuracy %.2f%%", evaluated["accuracy"]! * 100)))
    }

    @Test func predictReadsColumnsInAnyOrderWithoutTheTarget() throws {
        let scratch = try finishedRun()
        // test.csv reordered (last feature first) and without its label column.
        let rows = try String(contentsOf: scratch.file("test.csv"), encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",").map(String.init) }
        let labels = rows.dropFirst().map { $0[6] }
        let reordered = rows.map { ([$0[5]] + $0[0..<5]).joined(separator: ",") }.joined(separator: "\n") + "\n"
        try scratch.write(reordered, as: "unlabelled.csv")
        let result = try scratch.hone(["predict", "run", "unlabelled.csv", "--out", "predictions.csv"])
        #expect(result.status == 0, "\(result.error)")
        let lines = try String(contentsOf: scratch.file("predictions.csv"), encoding: .utf8).split(separator: "\n")
        #expect(lines.first == "prediction,p_0,p_1,p_2")
        #expect(lines.count == labels.count + 1)
        var correct = 0
        for (line, label) in zip(lines.dropFirst(), labels) {
            let fields = line.split(separator: ",")
            let probabilities = fields.dropFirst().compactMap { Double($0) }
            #expect(probabilities.count == 3 && abs(probabilities.reduce(0, +) - 1) < 1e-4)
            let best = probabilities.indices.max { probabilities[$0] < probabilities[$1] }!
            #expect(String(fields[0]) == String(best))
            if String(fields[0]) == label { correct += 1 }
        }
        let final = try jsonNumbers(scratch.file("run/final_metrics.json"))
        #expect(abs(Double(correct) / Double(labels.count) - final["test_accuracy"]!) < 1e-9)
    }

    @Test func dataTheRunCannotReadIsOneErrorLine() throws {
        let scratch = try finishedRun()
        try scratch.write("f0,f1,f2,f3,f4,label\n1,2,3,4,5,0\n", as: "short.csv")
        try scratch.write("f0,f1,f2,f3,f4,f5\n1,2,3,4,5,x\n", as: "text.csv")
        try FileManager.default.createDirectory(at: scratch.file("empty-run"), withIntermediateDirectories: true)
        let before = try scratch.listing()
        let cases: [([String], String)] = [
            (["predict", "run", "short.csv"],
             "hone predict: error: \(scratch.file("short.csv").path): no column named 'f5' in the header (the run reads f0, f1, f2, f3, f4, f5)"),
            (["evaluate", "run", "short.csv"], "hone evaluate: error: \(scratch.file("short.csv").path): no column named 'f5' in the header"),
            (["predict", "run", "text.csv"], "hone predict: error: \(scratch.file("text.csv").path), line 2: "),
            (["predict", "empty-run", "test.csv"],
             "hone predict: error: \(scratch.file("empty-run").path) is not a finished run: it has no config.json"),
            (["evaluate", "run"], "hone evaluate: evaluate needs DATA (see hone evaluate --help)"),
        ]
        for (arguments, start) in cases {
            let result = try scratch.hone(arguments)
            #expect(result.status != 0, "\(arguments)")
            #expect(result.errorLines.count == 1 && result.error.hasPrefix(start), "\(arguments): \(result.error)")
            #expect(!result.error.contains("Fatal error"))
        }
        #expect(try scratch.listing() == before)
    }

    @Test func imagesOfAnotherSizeAreOneErrorLine() throws {
        let scratch = try Scratch()
        try scratch.writeImages(prefix: "train", count: 40, side: 8, classes: 10, seed: 1)
        try scratch.writeImages(prefix: "small", count: 10, side: 6, classes: 10, seed: 2)
        try scratch.write(imageConfig(layers: #"[{"flatten": {}}, {"linear": {"out_features": 10}}]"#), as: "images.json")
        let trained = try scratch.hone(["train", "images.json", "--run-dir", "run", "--quiet"])
        try #require(trained.status == 0, "\(trained.error)")
        let images = scratch.file("small-images.idx.gz").path
        let predicted = try scratch.hone(["predict", "run", "small-images.idx.gz"])
        #expect(predicted.status == 1)
        #expect(predicted.error == "hone predict: error: \(images): samples of shape [1, 6, 6], the model was trained on [1, 8, 8]\n")
        let unlabelled = try scratch.hone(["evaluate", "run", "small-images.idx.gz"])
        #expect(unlabelled.error == "hone evaluate: error: \(images): IDX images need their labels file to evaluate (give --labels FILE)\n")
        let evaluated = try scratch.hone(["evaluate", "run", "train-images.idx.gz", "--labels", "train-labels.idx.gz"])
        #expect(evaluated.status == 0, "\(evaluated.error)")
        #expect(evaluated.output.hasPrefix("40 samples: accuracy "))
    }
}
