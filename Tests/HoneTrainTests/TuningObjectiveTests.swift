import Foundation
import HoneTestSupport
import Testing

@testable import HoneTrain

@Suite struct TuningObjectiveTests {
    @Test func trainReportsEachEpochAndStopsWhenThePrunerSaysSo() throws {
        let directory = try TemporaryDirectory()
        try writeIDXImages(in: directory, prefix: "train", count: 48, seed: 1)
        try writeIDXImages(in: directory, prefix: "test", count: 12, seed: 2)
        let config = try TrainingConfig.load(from: try directory.write(smallImageConfig(epochs: 4), as: "config.json"))
        var reported: [(Int, Double)] = []
        let metrics = try train(
            config: config, overrides: ["optimizer.learning_rate": .number(0.002, text: "0.002")], directory: directory.file("trial")
        ) { epoch, accuracy in
            reported.append((epoch, accuracy))
            return epoch < 2
        }
        #expect(reported.map(\.0) == [1, 2])
        #expect(reported.allSatisfy { (0...1).contains($0.1) })
        #expect(metrics["pruned"] == 1)
        #expect(metrics["epochs_completed"] == 2)
        let saved = try TrainingConfig.load(from: directory.file("trial/config.json"))
        #expect(saved.optimizer.learningRate == 0.002)
        // The reported value is the epoch's validation accuracy from metrics.jsonl.
        let lines = try String(contentsOf: directory.file("trial/metrics.jsonl"), encoding: .utf8).split(separator: "\n")
        let record = try JSONDecoder().decode(EpochRecord.self, from: Data(lines[1].utf8))
        #expect(record.validationMetrics["accuracy"] == reported[1].1)
    }

    @Test func regressionTrainsAndReportsErrorMetrics() throws {
        // y = 2·x₀ − x₁ + 0.5, exactly learnable by a linear model.
        let inputs = Tensor.uniform([64, 2], low: -1, high: 1, seed: 5)
        let values = inputs.scalars
        let targets = Tensor(shape: [64, 1], scalars: (0..<64).map { 2 * values[2 * $0] - values[2 * $0 + 1] + 0.5 })
        let dataset = TensorDataset(inputs: inputs, targets: targets)
        let model = Sequential([Linear(2, 1, seed: 0)])
        let trainer = Trainer(model: model, optimizer: Adam(parameters: model.parameters(), learningRate: 0.05), objective: .regression)
        let loader = try DataLoader(dataset: dataset, batchSize: 16, shuffle: true, seed: 1)
        let history = try trainer.fit(training: loader, validation: loader, epochs: 40)
        #expect(history.last!.validationMetrics["mae"]! < 0.05)
        let metrics = trainer.evaluate(loader).detailedMetrics
        #expect(metrics["r2"]! > 0.99)
        #expect(abs(metrics["mse"]! - metrics["loss"]!) < 1e-6)
    }
}
