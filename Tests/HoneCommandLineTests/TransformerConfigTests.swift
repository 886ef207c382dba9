import Foundation
import HoneTestSupport
import Testing

/// The transformer zoo model from a config: `hone train` learns a task only attention over
/// tokens can solve from a pooled embedding, and settings that cannot fit the data are one
/// line each with nothing written.
@Suite(.serialized)
struct TransformerConfigTests {
    /// Sequences of 6 token ids in 0..<10; the label says whether token 7 occurs
    /// (about 47% of rows), so a model that ignores the tokens stays near 53% accuracy.
    func writeSequences(_ scratch: Scratch, name: String, rows: Int, seed: UInt64, badToken: Int? = nil) throws {
        var random = TestRandom(seed: seed)
        var lines = ["t0,t1,t2,t3,t4,t5,label"]
        for row in 0..<rows {
            var tokens = (0..<6).map { _ in Int(random.next() % 10) }
            if row == 3, let badToken { tokens[2] = badToken }
            lines.append((tokens.map(String.init) + [tokens.contains(7) ? "yes" : "no"]).joined(separator: ","))
        }
        try scratch.write(lines.joined(separator: "\n") + "\n", as: name)
    }

    func config(model: String, scaling: String? = nil) -> String {
        """
        {"data": {"source": "csv", "path": "train.csv", "target": "label", "test_path": "test.csv", "validation_fraction": 0.2
                  \(scaling.map { #", "scaling": "\#($0)""# } ?? "")},
         "model": \(model),
         "optimizer": {"name": "adam", "learning_rate": 0.01}, "epochs": 25, "batch_size": 16, "seed": 2}
        """
    }

    static let model = #"{"zoo": "transformer", "vocabulary": 10, "dimensions": 16, "layers": 1, "heads": 2, "feed_forward": 32}"#

    @Test func honeTrainLearnsWhetherATokenOccurs() throws {
        let scratch = try Scratch()
        try writeSequences(scratch, name: "train.csv", rows: 400, seed: 1)
        try writeSequences(scratch, name: "test.csv", rows: 200, seed: 2)
        try scratch.write(config(model: Self.model), as: "transformer.json")
        let result = try scratch.hone(["train", "transformer.json", "--run-dir", "run", "--quiet"])
        try #require(result.status == 0, "\(result.error)")
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: scratch.file("run/final_metrics.json"))) as? [String: Any])
        let accuracy = try #require((object["test_accuracy"] as? NSNumber)?.doubleValue)
        #expect(accuracy >= 0.9, "test accuracy \(accuracy)")
        let evaluated = try scratch.hone(["evaluate", "run", "test.csv"])
        #expect(evaluated.status == 0, "\(evaluated.error)")
    }

    func expectRefusal(model: String, scaling: String? = nil, badToken: Int? = nil, message: (Scratch) -> String) throws {
        let scratch = try Scratch()
        try writeSequences(scratch, name: "train.csv", rows: 40, seed: 1)
        try writeSequences(scratch, name: "test.csv", rows: 10, seed: 2, badToken: badToken)
        try scratch.write(config(model: model, scaling: scaling), as: "transformer.json")
        let before = try scratch.listing()
        let result = try scratch.hone(["train", "transformer.json", "--run-dir", "run", "--quiet"])
        #expect(result.status == 2, "exit \(result.status): \(result.error)")
        #expect(result.error == "hone train: error: \(message(scratch))\n")
        #expect(try scratch.listing() == before, "a run directory was left behind")
    }

    @Test func headsThatDoNotDivideTheWidthAreOneLine() throws {
        try expectRefusal(
            model: #"{"zoo": "transformer", "vocabulary": 10, "dimensions": 16, "heads": 3}"#) {
            "\($0.file("transformer.json").path): field 'model.heads': 3 heads do not divide the width 16 (dimensions); each head needs a whole share"
        }
    }

    @Test func aTokenOutsideTheVocabularyIsOneLineNamingTheSample() throws {
        try expectRefusal(
            model: Self.model, badToken: 12
        ) { _ in
            "field 'model.vocabulary': the test data: sample 4 holds 12.0 at position 3, not a token id in 0..<10"
                + " (token ids are whole numbers below the vocabulary)"
        }
    }

    @Test func scaledTokensAreRefused() throws {
        try expectRefusal(model: Self.model, scaling: "standardize") {
            "\($0.file("transformer.json").path): field 'data.scaling': the transformer reads token ids as they are; use \"none\" (the default for it)"
        }
    }

    @Test func imagesAreRefusedWithTheirShape() throws {
        let scratch = try Scratch()
        try scratch.writeImages(prefix: "train", count: 20, side: 8, classes: 2, seed: 1)
        try scratch.write("""
            {"data": {"source": "idx", "train_images": "train-images.idx.gz", "train_labels": "train-labels.idx.gz"},
             "model": \(Self.model), "epochs": 1}
            """, as: "images.json")
        let result = try scratch.hone(["train", "images.json", "--run-dir", "run"])
        #expect(result.status == 2)
        #expect(result.error == "hone train: error: field 'model': transformer reads sequences of token ids [length], "
            + "the data has samples of shape [1, 8, 8]\n")
        #expect(!scratch.exists("run"))
    }
}
