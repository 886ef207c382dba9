import Foundation
import HoneTestSupport
import Testing

@testable import HoneTrain

/// `hone explain` on a small CSV run: every method writes its JSON and plots, and bad
/// requests are one error line with a non-zero exit.
@Suite(.serialized)
struct ExplainCommandTests {
    /// A trained four-feature run in a fresh directory (label = x₀ + 2x₁ > 0; x₂, x₃ noise).
    static func trainedRun() throws -> TemporaryDirectory {
        let directory = try TemporaryDirectory()
        var generator = SeededGenerator(seed: 5)
        func table(_ count: Int, columns: Int = 4) -> String {
            var lines = [((0..<columns).map { "x\($0)" } + ["label"]).joined(separator: ",")]
            for _ in 0..<count {
                let x = (0..<columns).map { _ in generator.nextDouble() * 4 - 2 }
                lines.append((x.map { String(format: "%.4f", $0) } + [x[0] + 2 * x[1] > 0 ? "1" : "0"]).joined(separator: ","))
            }
            return lines.joined(separator: "\n") + "\n"
        }
        try directory.write(table(160), as: "train.csv")
        try directory.write(table(40), as: "test.csv")
        try directory.write(table(10, columns: 5), as: "wide.csv")
        try directory.write(
            #"{"data": {"source": "csv", "path": "train.csv", "target": "label", "test_path": "test.csv"}, "model": {"zoo": "mlp", "hidden": [8]}, "epochs": 4, "seed": 1}"#,
            as: "cancer.json")
        let result = try hone(["train", "cancer.json", "--run-dir", "run", "--quiet"], in: directory)
        #expect(result.status == 0, "stderr: \(result.error)")
        return directory
    }

    static func hone(_ arguments: [String], in directory: TemporaryDirectory) throws -> (status: Int32, output: String, error: String) {
        let binary = try #require(HoneBinary.path, "the built hone binary is needed")
        return try HoneBinary.run(binary, arguments, in: directory.url)
    }

    func document(_ directory: TemporaryDirectory, _ method: String) throws -> [String: Any] {
        let data = try Data(contentsOf: directory.file("run/explain/\(method)/explanation.json"))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    @Test func everyMethodWritesItsExplanationAndPlots() throws {
        let directory = try Self.trainedRun()
        for method in ["kernelshap", "lime", "integrated_gradients", "saliency", "permutation"] {
            let result = try Self.hone(["explain", "run", "--method", method, "--rows", "0-2,5"], in: directory)
            #expect(result.status == 0, "\(method): \(result.error)")
            let json = try document(directory, method)
            let importance = try #require(json["global_importance"] as? [[String: Any]])
            #expect(importance.count == 4)
            let svg = try String(contentsOf: directory.file("run/explain/\(method)/importance.svg"), encoding: .utf8)
            #expect(svg.hasPrefix("<svg") && svg.contains("x1"))
            if method == "permutation" {
                #expect(importance.allSatisfy { $0["confidence_low"] != nil })
                // The label ignores x₂ and x₃: they rank below x₀ and x₁.
                #expect(Set(importance.prefix(2).map { $0["feature"] as! String }) == ["x0", "x1"])
                continue
            }
            let beeswarm = try String(contentsOf: directory.file("run/explain/\(method)/beeswarm.svg"), encoding: .utf8)
            #expect(beeswarm.contains("<circle"))
            let rows = try #require(json["rows"] as? [[String: Any]])
            #expect(rows.map { $0["row"] as! Int } == [0, 1, 2, 5])
            if method == "kernelshap" {
                for row in rows {
                    // Four features: every coalition enumerated; local accuracy holds to rounding.
                    let values = row["values"] as! [Double]
                    let gap = (row["prediction"] as! Double) - (row["reference"] as! Double)
                    #expect(abs(values.reduce(0, +) - gap) < 1e-4)
                }
            }
            if method == "integrated_gradients" {
                #expect(rows.allSatisfy { ($0["completeness_error"] as! Double) < 1e-2 })
            }
        }
    }

    @Test func unservableRequestsAreOneErrorLine() throws {
        let directory = try Self.trainedRun()
        let cases: [([String], [String])] = [
            (["explain", "run", "--method", "treeshap"], ["treeshap", "neural net"]),
            (["explain", "run", "wide.csv"], ["wide.csv", "5 features", "takes 4"]),
            (["explain", "run", "--method", "shapley"], ["--method expects one of", "kernelshap", "'shapley'"]),
            (["explain", "run", "--rows", "0,900"], ["900", "0..<40"]),
            (["explain", "nowhere"], ["nowhere"]),
        ]
        for (arguments, parts) in cases {
            let result = try Self.hone(arguments, in: directory)
            #expect(result.status != 0, "\(arguments)")
            #expect(result.error.split(separator: "\n").count == 1, "\(arguments): \(result.error)")
            for part in parts { #expect(result.error.contains(part), "\(arguments): \(result.error)") }
        }
        #expect(!FileManager.default.fileExists(atPath: directory.file("run/explain/treeshap").path))
    }
}
