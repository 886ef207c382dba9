import Foundation
import HoneTestSupport
import HoneCore
import HoneData
import HoneNN
import HoneOptim
import HoneTrain
import Testing

@testable import HoneDoctor

@Suite struct DoctorTests {
    @Test func fixedConfigAppliesEachRemedyOnceStrongestFirst() throws {
        let config = try JSONValue.parse("""
            {"data": {"source": "fashion-mnist", "scaling": "none"},
             "model": [{"flatten": {}}, {"linear": {"out_features": 8}}, {"sigmoid": {}}, {"linear": {"out_features": 8}}, {"relu": {}},
                       {"linear": {"out_features": 3}}],
             "optimizer": {"name": "sgd", "learning_rate": 10}, "epochs": 2}
            """)
        let findings = [
            Finding(rule: "a", severity: .error, summary: "", evidence: [:], remedy: "",
                    fixes: [.scale(path: "optimizer.learning_rate", factor: 0.01, default: 0.01)]),
            Finding(rule: "b", severity: .warning, summary: "", evidence: [:], remedy: "",
                    fixes: [.scale(path: "optimizer.learning_rate", factor: 0.1, default: 0.01), .normalizeBeforeActivations,
                            .replaceActivations(["sigmoid", "tanh"], by: "relu"), .set(path: "data.scaling", value: .string("standardize"))]),
            Finding(rule: "c", severity: .warning, summary: "", evidence: [:], remedy: "",
                    fixes: [.dropoutAfterHiddenActivations(probability: 0.25), .normalizeBeforeActivations,
                            .setIfAbsent(path: "optimizer.name", value: .string("adam")),
                            .setIfAbsent(path: "callbacks.gradient_clipping.max_norm", value: .number(1, text: "1"))]),
        ]
        let fixed = try Doctor.fixedConfig(config, findings: findings)
        let expected = try JSONValue.parse("""
            {"data": {"source": "fashion-mnist", "scaling": "standardize"},
             "model": [{"flatten": {}}, {"linear": {"out_features": 8}}, {"batch_norm1d": {}}, {"relu": {}}, {"dropout": {"probability": 0.25}},
                       {"linear": {"out_features": 8}}, {"batch_norm1d": {}}, {"relu": {}}, {"dropout": {"probability": 0.25}},
                       {"linear": {"out_features": 3}}],
             "optimizer": {"name": "sgd", "learning_rate": 0.1}, "epochs": 2,
             "callbacks": {"gradient_clipping": {"max_norm": 1}}}
            """)
        #expect(fixed == expected, "\(fixed.serialized())")
        // The result is a valid training config.
        _ = try TrainingConfig(json: fixed, baseDirectory: URL(fileURLWithPath: "."))
    }

    @Test func zooMLPGetsDropoutThroughRegularization() throws {
        let config = try JSONValue.parse(#"{"model": {"zoo": "mlp", "hidden": [64]}, "epochs": 3}"#)
        let fixed = try ConfigFix.dropoutAfterHiddenActivations(probability: 0.3).apply(to: config)
        #expect(ConfigFix.value(at: "regularization.dropout", in: fixed) == .number(0.3, text: "0.3"))
        #expect(try ConfigFix.scale(path: "epochs", factor: 2, default: 10).apply(to: config)["epochs"] == .number(6, text: "6"))
    }

    @Test func readingRefusesMissingForeignAndTruncatedRuns() throws {
        let directory = try TemporaryDirectory()
        #expect(throws: DoctorError.notFound(path: directory.file("absent").path)) { try RunStatistics.read(runDirectory: directory.file("absent")) }
        #expect { try RunStatistics.read(runDirectory: directory.url) } throws: { error in
            guard case .notARun = error as? DoctorError else { return false }
            return true
        }
        try Data(#"{"epochs": 1}"#.utf8).write(to: directory.file("config.json"))
        let record = try EpochRecord(epoch: 1, trainLoss: 0.5).jsonLine() + "\n"
        try Data((record + record.prefix(10)).utf8).write(to: directory.file("metrics.jsonl"))
        // While the run writes, a partial last line is skipped…
        #expect(try RunStatistics.read(runDirectory: directory.url).epochs.count == 1)
        // …once it has finished, it is a truncated file.
        try Data("{}".utf8).write(to: directory.file("final_metrics.json"))
        #expect { try RunStatistics.read(runDirectory: directory.url) } throws: { error in
            guard case .unreadable(let file, let detail) = error as? DoctorError else { return false }
            return file.hasSuffix("metrics.jsonl") && detail.contains("line 2")
        }
    }

    @Test func liveDoctorPrintsOneLineWhenARuleFires() throws {
        let directory = try TemporaryDirectory()
        let monitor = StatisticsMonitor(url: directory.file("monitors.jsonl"))
        var lines: [String] = []
        let doctor = Doctor(config: .object([])) { lines.append($0) }
        var generator = SeededGenerator(seed: 2)
        // Inputs in the hundreds, as raw pixel values would be.
        let inputs = Tensor.normal([64, 5], mean: 120, standardDeviation: 60, using: &generator)
        let loader = try DataLoader(dataset: TensorDataset(inputs: inputs, labels: (0..<64).map { $0 % 2 }), batchSize: 16)
        let model = Sequential([Linear(5, 4, seed: 1), ReLU(), Linear(4, 2, seed: 2)])
        let trainer = Trainer(
            model: model, optimizer: Adam(parameters: model.parameters(), learningRate: 1e-4),
            callbacks: [monitor, monitor.afterClipping, doctor])
        try trainer.fit(training: loader, validation: nil as DataLoader<TensorDataset>?, epochs: 3)
        let unscaled = lines.filter { $0.contains("[unscaled_inputs]") }
        #expect(unscaled.count == 1, "\(lines)")
        #expect(unscaled.first?.hasPrefix("doctor: warning [unscaled_inputs] inputs have mean") == true)
    }
}

