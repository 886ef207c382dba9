import Foundation
import HoneTestSupport
import HoneTrees
import Testing

@testable import HoneTrain

/// `hone explain` on tree runs, through the built binary: TreeSHAP by default, checked
/// against `hone predict`'s probabilities (local accuracy) and against brute-force Shapley
/// values; the model-agnostic methods work on trees too; gradients and a corrupt model
/// file are one error line each.
@Suite(.serialized)
struct TreeExplainCommandTests {
    /// Four features; the label mixes an additive part and an interaction (x₃ is noise).
    static func table(_ count: Int, generator: inout SeededGenerator) -> String {
        var lines = ["x0,x1,x2,x3,label"]
        for _ in 0..<count {
            let x = (0..<4).map { _ in generator.nextDouble() * 4 - 2 }
            lines.append((x.map { String(format: "%.4f", $0) } + [x[0] + x[1] * x[2] > 0.3 ? "1" : "0"]).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A directory with `train.csv`, `test.csv` and a run `name` of `model`.
    static func trainedRun(_ model: String, name: String = "run") throws -> TemporaryDirectory {
        let directory = try TemporaryDirectory()
        var generator = SeededGenerator(seed: 11)
        try directory.write(table(300, generator: &generator), as: "train.csv")
        try directory.write(table(30, generator: &generator), as: "test.csv")
        try directory.write(
            #"{"data": {"source": "csv", "path": "train.csv", "target": "label", "test_path": "test.csv"}, "model": \#(model), "seed": 2}"#,
            as: "trees.json")
        let result = try ExplainCommandTests.hone(["train", "trees.json", "--run-dir", name, "--quiet"], in: directory)
        #expect(result.status == 0, "stderr: \(result.error)")
        return directory
    }

    /// The rows of `test.csv` as the run reads them (Float, widened to Double).
    static func testRows(_ directory: TemporaryDirectory) throws -> [[Double]] {
        let text = try String(contentsOf: directory.file("test.csv"), encoding: .utf8)
        return text.split(separator: "\n").dropFirst().map { line in
            line.split(separator: ",").prefix(4).map { Double(Float(String($0))!) }
        }
    }

    /// Column `p_1` of `hone predict RUN test.csv`.
    static func predictedClassOne(_ directory: TemporaryDirectory, run: String) throws -> [Double] {
        let result = try ExplainCommandTests.hone(["predict", run, "test.csv"], in: directory)
        #expect(result.status == 0, "stderr: \(result.error)")
        let lines = result.output.split(separator: "\n")
        let column = try #require(lines.first?.split(separator: ",").firstIndex(of: "p_1"))
        return lines.dropFirst().map { Double($0.split(separator: ",")[column])! }
    }

    static func explanation(_ directory: TemporaryDirectory, _ path: String) throws -> [String: Any] {
        let data = try Data(contentsOf: directory.file(path))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    @Test func treeSHAPIsTheDefaultAndMatchesPredictAndBruteForce() throws {
        let directory = try Self.trainedRun(#"{"random_forest": {"trees": 6, "max_depth": 5}}"#)
        let result = try ExplainCommandTests.hone(["explain", "run", "--rows", "0-9"], in: directory)
        #expect(result.status == 0, "stderr: \(result.error)")
        let json = try Self.explanation(directory, "run/explain/treeshap/explanation.json")
        #expect(json["method"] as? String == "treeshap" && json["output_scale"] as? String == "probability")
        let rows = try #require(json["rows"] as? [[String: Any]])
        #expect(rows.count == 10)
        let predicted = try Self.predictedClassOne(directory, run: "run")
        let model = try TreeModel.load(from: directory.file("run/model.hntree"))
        let data = try Self.testRows(directory)
        for row in rows {
            let index = row["row"] as! Int
            let values = row["values"] as! [Double]
            let reference = row["reference"] as! Double
            // Local accuracy against the binary's own prediction (printed to 6 significant digits).
            #expect(abs(reference + values.reduce(0, +) - predicted[index]) < 1e-4, "row \(index)")
            let exact = TreeShapleyReference.values(model, row: data[index], output: 1)
            for f in 0..<4 { #expect(abs(values[f] - exact[f]) < 1e-6, "row \(index) feature \(f): \(values[f]) vs \(exact[f])") }
        }
    }

    @Test func boostedRunsExplainLogOddsAndTakeEveryModelAgnosticMethod() throws {
        let directory = try Self.trainedRun(#"{"gbdt": {"rounds": 15, "max_leaves": 6, "min_samples_leaf": 5}}"#)
        let result = try ExplainCommandTests.hone(["explain", "run", "--method", "treeshap", "--rows", "0-29"], in: directory)
        #expect(result.status == 0, "stderr: \(result.error)")
        let json = try Self.explanation(directory, "run/explain/treeshap/explanation.json")
        #expect(json["output_scale"] as? String == "log_odds")
        let predicted = try Self.predictedClassOne(directory, run: "run")
        let model = try TreeModel.load(from: directory.file("run/model.hntree"))
        let data = try Self.testRows(directory)
        for row in try #require(json["rows"] as? [[String: Any]]) {
            let index = row["row"] as! Int
            let values = row["values"] as! [Double]
            let margin = (row["reference"] as! Double) + values.reduce(0, +)
            #expect(abs(1 / (1 + exp(-margin)) - predicted[index]) < 1e-4, "row \(index)")
            let exact = TreeShapleyReference.values(model, row: data[index], output: 0)
            for f in 0..<4 { #expect(abs(values[f] - exact[f]) < 1e-6, "row \(index) feature \(f)") }
        }
        // Class 0's log-odds is the negative margin.
        let zero = try ExplainCommandTests.hone(["explain", "run", "--rows", "3", "--output", "0", "--out", "zero"], in: directory)
        #expect(zero.status == 0, "stderr: \(zero.error)")
        let one = try #require((json["rows"] as? [[String: Any]])?.first { $0["row"] as? Int == 3 })
        let negated = try #require((try Self.explanation(directory, "zero/explanation.json")["rows"] as? [[String: Any]])?.first)
        #expect(zip(negated["values"] as! [Double], one["values"] as! [Double]).allSatisfy { abs($0 + $1) < 1e-12 })

        for method in ["kernelshap", "lime", "permutation"] {
            let other = try ExplainCommandTests.hone(["explain", "run", "--method", method, "--rows", "0-3"], in: directory)
            #expect(other.status == 0, "\(method): \(other.error)")
            let document = try Self.explanation(directory, "run/explain/\(method)/explanation.json")
            #expect((document["global_importance"] as? [[String: Any]])?.count == 4)
            if method == "kernelshap" {
                // Four features: every coalition enumerated, so local accuracy holds on the probability.
                for row in try #require(document["rows"] as? [[String: Any]]) {
                    let values = row["values"] as! [Double]
                    let index = row["row"] as! Int
                    #expect(abs((row["reference"] as! Double) + values.reduce(0, +) - predicted[index]) < 1e-4)
                }
            }
        }
    }

    @Test func gradientsOfTreesAndCorruptTreeFilesAreOneErrorLine() throws {
        let directory = try Self.trainedRun(#"{"decision_tree": {"max_depth": 3}}"#)
        for method in ["saliency", "integrated_gradients"] {
            let result = try ExplainCommandTests.hone(["explain", "run", "--method", method], in: directory)
            #expect(result.status != 0)
            #expect(result.error.split(separator: "\n").count == 1, "\(method): \(result.error)")
            #expect(result.error.contains("\(method) cannot explain a decision_tree tree model"), "\(result.error)")
        }
        #expect(!FileManager.default.fileExists(atPath: directory.file("run/explain/saliency").path))
        let file = directory.file("run/model.hntree")
        var bytes = try Data(contentsOf: file)
        bytes[bytes.count / 2] ^= 0xFF
        try bytes.write(to: file)
        for arguments in [["explain", "run"], ["predict", "run", "test.csv"], ["evaluate", "run", "test.csv"]] {
            let result = try ExplainCommandTests.hone(arguments, in: directory)
            #expect(result.status != 0, "\(arguments)")
            #expect(result.error.split(separator: "\n").count == 1 && result.error.contains("model.hntree"), "\(arguments): \(result.error)")
        }
        try FileManager.default.removeItem(at: file)
        let missing = try ExplainCommandTests.hone(["predict", "run", "test.csv"], in: directory)
        #expect(missing.status != 0 && missing.error.contains("no model.hntree"), "\(missing.error)")
    }

    @Test func evaluateOnTheTestFileRepeatsTheRunsTestMetrics() throws {
        let directory = try Self.trainedRun(#"{"gbdt": {"rounds": 10, "max_leaves": 4}}"#)
        let result = try ExplainCommandTests.hone(["evaluate", "run", "test.csv", "--out", "eval.json"], in: directory)
        #expect(result.status == 0, "stderr: \(result.error)")
        let evaluated = try Self.explanation(directory, "eval.json")
        let final = try Self.explanation(directory, "run/final_metrics.json")
        for key in ["accuracy", "loss", "roc_auc"] {
            let value = try #require(evaluated[key] as? Double, "\(key) in \(evaluated.keys)")
            #expect(abs(value - (final["test_" + key] as! Double)) < 1e-12, "\(key)")
        }
    }
}
