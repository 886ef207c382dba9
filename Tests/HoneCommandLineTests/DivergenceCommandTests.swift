import Foundation
import HoneTestSupport
import Testing

/// A diverging run through the real binary: one line naming the epoch, the metric, the
/// remedy and the truth about checkpoints; exit code 1; every completed epoch in
/// `metrics.jsonl` as valid JSON; `--resume` continuing from the last good checkpoint or
/// saying there is none; and in `hone tune`, a failed trial while the study goes on.
@Suite(.serialized)
struct DivergenceCommandTests {
    static let remedy = "lower the learning rate, enable gradient clipping or add a learning-rate warm-up"

    /// `y = 2·x0 − x1 + 0.5` over 40 rows, except row `hugeRow` whose target is 3·10³⁸:
    /// its squared error overflows Float to infinity wherever the row lands. With seed 1
    /// and a quarter held out, row 0 lands in validation and row 3 in the first training batch.
    func writeRegression(_ scratch: Scratch, hugeRow: Int) throws {
        var random = TestRandom(seed: 3)
        var lines = ["x0,x1,x2,y"]
        for row in 0..<40 {
            let x = (0..<3).map { _ in random.gaussian() }
            let y = row == hugeRow ? "3e38" : String(format: "%.4f", 2 * x[0] - x[1] + 0.5)
            lines.append(x.map { String(format: "%.4f", $0) }.joined(separator: ",") + "," + y)
        }
        try scratch.write(lines.joined(separator: "\n") + "\n", as: "data.csv")
        try scratch.write("""
            {"task": "regression", "data": {"source": "csv", "path": "data.csv", "target": "y", "validation_fraction": 0.25},
             "model": {"zoo": "mlp", "hidden": [8]}, "optimizer": {"name": "sgd", "learning_rate": 0.01},
             "epochs": 3, "batch_size": 8, "seed": 1}
            """, as: "regression.json")
    }

    /// The lines of `metrics.jsonl`, each parsed as JSON (so each must be valid JSON).
    func metricLines(_ scratch: Scratch) throws -> [[String: Any]] {
        let text = try String(contentsOf: scratch.file("run/metrics.jsonl"), encoding: .utf8)
        return try text.split(separator: "\n").map { line in
            try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        }
    }

    @Test func divergenceInTheFirstEpochSaysNoCheckpointWasWrittenAndResumeSaysThereIsNone() throws {
        let scratch = try Scratch()
        try writeRegression(scratch, hugeRow: 3)
        let result = try scratch.hone(["train", "regression.json", "--run-dir", "run", "--quiet"])
        #expect(result.status == 1)
        #expect(result.error == "hone train: error: training loss became inf at epoch 1, batch 1; training stopped (\(Self.remedy)); no checkpoint written yet\n")
        #expect(try metricLines(scratch).isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.file("run/checkpoints").path).isEmpty)
        #expect(!scratch.exists("run/final_metrics.json"))
        let resumed = try scratch.hone(["train", "regression.json", "--resume", "run", "--quiet"])
        #expect(resumed.status == 1)
        #expect(resumed.error == "hone train: error: checkpoint \(scratch.file("run/checkpoints/last.json").path): no checkpoint to resume from "
            + "(the run stopped before its first epoch ended); start it again in a new run directory\n")
    }

    @Test func anInfiniteValidationLossIsRecordedWithItsEpochBeforeTheRunStops() throws {
        let scratch = try Scratch()
        try writeRegression(scratch, hugeRow: 0)
        let result = try scratch.hone(["train", "regression.json", "--run-dir", "run", "--quiet"])
        #expect(result.status == 1)
        #expect(result.error == "hone train: error: val_loss became inf at epoch 1; training stopped (\(Self.remedy)); no checkpoint written yet\n")
        let lines = try metricLines(scratch)
        try #require(lines.count == 1)
        #expect(lines[0]["epoch"] as? Int == 1)
        #expect(lines[0]["val_loss"] as? String == "Infinity")
        #expect((lines[0]["train_loss"] as? Double).map(\.isFinite) == true)
    }

    @Test func divergenceInALaterEpochNamesTheLastGoodCheckpointAndResumeContinuesFromIt() throws {
        let scratch = try Scratch()
        try scratch.writeTabular("train.csv", rows: 120, seed: 1)
        try scratch.writeTabular("test.csv", rows: 45, seed: 2)
        try scratch.write(tabularConfig(optimizer: #"{"name": "sgd", "learning_rate": 12}"#, epochs: 10), as: "wine.json")
        let result = try scratch.hone(["train", "wine.json", "--run-dir", "run", "--quiet"])
        #expect(result.status == 1)
        // Which epoch and which number go first depends on floating-point details; the
        // message, the files and the resume all follow from the line.
        let trainingPrefix = "hone train: error: training loss became NaN at epoch "
        let validationPrefix = "hone train: error: val_loss became NaN at epoch "
        let inValidation = result.error.hasPrefix(validationPrefix)
        try #require(inValidation || result.error.hasPrefix(trainingPrefix), "\(result.error)")
        let digits = result.error.dropFirst((inValidation ? validationPrefix : trainingPrefix).count).prefix { $0.isNumber }
        let epoch = try #require(Int(digits))
        try #require(epoch >= 2, "diverged in epoch \(epoch); the test needs a later epoch")
        let checkpoint = scratch.file("run/checkpoints/last.safetensors").path
        #expect(result.error.hasSuffix("; training stopped (\(Self.remedy)); the last good checkpoint is \(checkpoint) (epoch \(epoch - 1))\n"))
        #expect(result.errorLines.count == 1)
        // Every completed epoch is logged; an epoch whose validation diverged is logged too.
        let logged = inValidation ? epoch : epoch - 1
        let lines = try metricLines(scratch)
        #expect(lines.map { $0["epoch"] as? Int } == (1...logged).map { $0 })
        #expect(lines.prefix(epoch - 1).allSatisfy { ($0["val_loss"] as? Double)?.isFinite == true })
        if inValidation {
            #expect(lines.last?["val_loss"] as? String == "NaN")
            #expect((lines.last?["train_loss"] as? Double)?.isFinite == true)
        }
        let sidecar = try JSONSerialization.jsonObject(with: Data(contentsOf: scratch.file("run/checkpoints/last.json"))) as? [String: Any]
        #expect(sidecar?["epoch"] as? Int == epoch - 1)
        // Resuming is bit-identical: it continues from the last good checkpoint and diverges the same way.
        let resumed = try scratch.hone(["train", "wine.json", "--resume", "run"])
        #expect(resumed.status == 1)
        #expect(resumed.output.hasPrefix("resuming \(scratch.file("run").path)"))
        #expect(resumed.error == result.error)
        #expect(try metricLines(scratch).count == logged)
    }

    @Test func tuneMarksDivergingTrialsFailedWithTheReasonAndSpendsItsBudget() throws {
        let scratch = try Scratch()
        try scratch.writeTabular("train.csv", rows: 120, seed: 1)
        try scratch.writeTabular("test.csv", rows: 45, seed: 2)
        try scratch.write(tabularConfig(optimizer: #"{"name": "sgd", "learning_rate": 0.1}"#, epochs: 2), as: "wine.json")
        try scratch.write("""
            {"study_name": "lr", "objective": "train", "train": "wine.json", "storage": "lr.db",
             "search_space": {"optimizer.learning_rate": {"categorical": [0.1, 1000000]}}, "sampler": "grid"}
            """, as: "tune.json")
        let result = try scratch.hone(["tune", "tune.json"])
        #expect(result.status == 0, "\(result.error)")
        #expect(result.output.contains("2 trials: 1 complete, 1 failed"), "\(result.output)")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: scratch.file("lr-summary.json"))) as? [String: Any])
        #expect((summary["trials"] as? [String: Int])?["failed"] == 1)
        #expect((summary["best_params"] as? [String: Double])?["optimizer.learning_rate"] == 0.1)
        let status = try scratch.hone(["tune", "--status", "lr.db"])
        let failure = try #require(status.output.split(separator: "\n").first { $0.contains("failed trial") })
        #expect(failure.contains("training loss became") && failure.contains(Self.remedy) && failure.contains("no checkpoint written yet"))
    }
}
