import Foundation
import HoneTestSupport
import Testing

@testable import HoneTrain

@Suite struct ConfigTests {
    func parse(_ text: String, in directory: TemporaryDirectory? = nil) throws -> TrainingConfig {
        try TrainingConfig(json: try JSONValue.parse(text), baseDirectory: directory?.url ?? URL(fileURLWithPath: "/nonexistent"))
    }

    func expectConfigError(_ text: String, _ expected: ConfigError) {
        #expect(throws: expected) { try parse(text) }
    }

    let data = #""data": {"source": "fashion-mnist"}"#

    @Test func misspelledTopLevelFieldSuggestsTheValidName() {
        expectConfigError(#"{\#(data), "model": {"zoo": "lenet"}, "epohcs": 3}"#,
                          .unknownField(path: "epohcs", suggestion: "epochs", valid: TrainingConfig.fields))
    }

    @Test func misspelledNestedFieldsNameTheirPath() throws {
        #expect(throws: ConfigError.unknownField(path: "optimizer.learning_rat", suggestion: "learning_rate",
                                                valid: ["name", "learning_rate", "weight_decay", "decoupled_weight_decay", "momentum", "dampening", "nesterov"])) {
            try parse(#"{\#(data), "model": {"zoo": "lenet"}, "optimizer": {"name": "sgd", "learning_rat": 0.1}}"#)
        }
        do {
            _ = try parse(#"{\#(data), "model": [{"conv2d": {"out_channels": 4, "kernel_sise": 3}}]}"#)
            Issue.record("expected an error")
        } catch let error as ConfigError {
            #expect(error.description == "unknown field 'model[0].conv2d.kernel_sise'; did you mean 'model[0].conv2d.kernel_size'?")
        }
        do {
            _ = try parse(#"{\#(data), "model": [{"conv2": {}}]}"#)
            Issue.record("expected an error")
        } catch let error as ConfigError {
            #expect(error.description.contains("unknown field 'model[0].conv2'; did you mean"))
        }
        do {
            _ = try parse(#"{\#(data), "model": {"zoo": "lenet"}, "callbacks": {"early_stoping": {}}}"#)
            Issue.record("expected an error")
        } catch let error as ConfigError {
            #expect(error.description == "unknown field 'callbacks.early_stoping'; did you mean 'callbacks.early_stopping'?")
        }
    }

    @Test func wrongTypesNameTheFieldAndTheExpectedType() {
        expectConfigError(#"{\#(data), "model": {"zoo": "lenet"}, "epochs": "ten"}"#,
                          .wrongType(path: "epochs", expected: "an integer", found: #"a string ("ten")"#))
        expectConfigError(#"{\#(data), "model": {"zoo": "lenet"}, "batch_size": 6.5}"#,
                          .wrongType(path: "batch_size", expected: "an integer", found: "a number (6.5)"))
        expectConfigError(#"{\#(data), "model": {"zoo": "mlp", "hidden": "big"}}"#,
                          .wrongType(path: "model.hidden", expected: "an array of integers", found: #"a string ("big")"#))
    }

    @Test func unknownNamesAndBadValuesAreRejected() throws {
        do {
            _ = try parse(#"{\#(data), "model": {"zoo": "lenet"}, "optimizer": {"name": "adamm"}}"#)
            Issue.record("expected an error")
        } catch let error as ConfigError {
            #expect(error.description == "field 'optimizer.name': unknown value 'adamm'; did you mean 'adam'?")
        }
        #expect(throws: ConfigError.self) { try parse(#"{\#(data), "model": {"zoo": "lenet"}, "epochs": 0}"#) }
        #expect(throws: ConfigError.missingField(path: "data")) { try parse(#"{"model": {"zoo": "lenet"}}"#) }
        do {
            _ = try parse(#"{\#(data), "model": {"zoo": "lenet"}, "callbacks": {"early_stopping": {"monitor": "val_acuracy"}}}"#)
            Issue.record("expected an error")
        } catch let error as ConfigError {
            #expect(error.description.contains("did you mean 'val_accuracy'?"))
        }
    }

    @Test func missingDataFileIsADataErrorNamingTheFile() throws {
        let directory = try TemporaryDirectory()
        let config = try parse(
            #"{"data": {"source": "idx", "train_images": "nope-images.idx", "train_labels": "nope-labels.idx"}, "model": {"zoo": "mlp"}}"#,
            in: directory)
        #expect(throws: DataError.fileNotFound(file: directory.file("nope-images.idx").path)) {
            try TrainingRun(config: config, directory: directory.file("run"), progress: false)
        }
        #expect(!FileManager.default.fileExists(atPath: directory.file("run").path))
    }

    @Test func missingConfigFileAndBadJSONAreNamed() throws {
        let directory = try TemporaryDirectory()
        #expect(throws: ConfigError.unreadable(path: directory.file("absent.json").path, message: "file not found")) {
            try TrainingConfig.load(from: directory.file("absent.json"))
        }
        let broken = try directory.write("{\"epochs\": 3,", as: "broken.json")
        #expect {
            try TrainingConfig.load(from: broken)
        } throws: { error in
            guard case .unreadable(let path, let message) = error as? ConfigError else { return false }
            return path == broken.path && message.contains("line 1")
        }
    }

    @Test func overridesSetNestedFieldsAndAreCheckedLikeTheFile() throws {
        let base = try JSONValue.parse(#"{\#(data), "model": {"zoo": "lenet"}, "optimizer": {"name": "sgd"}}"#)
        let changed = try TrainingConfig.applying(
            ["optimizer.learning_rate": .number(0.5, text: "0.5"), "schedule.name": .string("cosine")], to: base)
        let config = try TrainingConfig(json: changed, baseDirectory: URL(fileURLWithPath: "/"))
        #expect(config.optimizer.learningRate == 0.5)
        #expect(config.schedule?.name == "cosine")
        let misspelled = try TrainingConfig.applying(["optimizer.learnin_rate": .number(0.5, text: "0.5")], to: base)
        #expect(throws: ConfigError.self) { try TrainingConfig(json: misspelled, baseDirectory: URL(fileURLWithPath: "/")) }
    }

    @Test func layerListInfersInputSizes() throws {
        let config = try parse(#"""
            {\#(data), "model": [{"conv2d": {"out_channels": 3, "kernel_size": 3, "padding": 1}}, {"batch_norm2d": {}}, {"relu": {}},
             {"max_pool2d": {"kernel_size": 2}}, {"flatten": {}}, {"linear": {"out_features": 5}}]}
            """#)
        let model = try config.model.build(sampleShape: [2, 6, 6], outputCount: 5, dropout: 0, seed: 0)
        #expect(model(Tensor.zeros([4, 2, 6, 6])).shape == [4, 5])
        #expect(model.namedParameters().map(\.name).contains("5.weight"))
        #expect(model.namedParameters().first { $0.name == "5.weight" }!.tensor.shape == [5, 27])
        let flat = try parse(#"{\#(data), "model": [{"linear": {"out_features": 5}}]}"#)
        #expect(throws: ConfigError.self) { try flat.model.build(sampleShape: [2, 6, 6], outputCount: 5, dropout: 0, seed: 0) }
    }

    @Test func anMLPsDepthAndWidthAreTwoIntegers() throws {
        let config = try parse(#"{\#(data), "model": {"zoo": "mlp", "layers": 3, "width": 5}}"#)
        let model = try config.model.build(sampleShape: [4], outputCount: 2, dropout: 0, seed: 0)
        // 4→5, 5→5, 5→5, 5→2 linear layers with biases.
        #expect(model.parameterCount == (4 * 5 + 5) + 2 * (5 * 5 + 5) + (5 * 2 + 2))
        let none = try parse(#"{\#(data), "model": {"zoo": "mlp", "layers": 0}}"#).model.build(sampleShape: [4], outputCount: 2, dropout: 0, seed: 0)
        #expect(none.parameterCount == 4 * 2 + 2)
        expectConfigError(#"{\#(data), "model": {"zoo": "mlp", "hidden": [8], "width": 5}}"#,
                          .invalidValue(path: "model.hidden", message: "give either 'hidden' or 'layers' and 'width', not both"))
    }
}
