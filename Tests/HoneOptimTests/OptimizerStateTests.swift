import Foundation
import Testing

@testable import HoneOptim

@Suite struct OptimizerStateTests {
    static let makers: [String: ([(String, Tensor)]) -> Optimizer] = [
        "SGD": { SGD(namedParameters: $0, learningRate: 0.05, momentum: 0.9, nesterov: true) },
        "Adam": { Adam(namedParameters: $0, learningRate: 0.05, weightDecay: 0.01, amsgrad: true) },
        "AdamW": { AdamW(namedParameters: $0, learningRate: 0.05) },
        "RMSprop": { RMSprop(namedParameters: $0, momentum: 0.5, centered: true) },
        "Adagrad": { Adagrad(namedParameters: $0, learningRate: 0.1, learningRateDecay: 0.01) },
    ]

    /// Trains the reference problem for `steps` steps, optionally saving and restoring
    /// the optimizer (through JSON) into a fresh one after `resumeAfter` steps.
    static func train(_ kind: String, steps: Int, resumeAfter: Int? = nil) throws -> [Float] {
        let problem = ReferenceProblem()
        let named = [("weight", problem.weight), ("bias", problem.bias)]
        var optimizer = makers[kind]!(named)
        for step in 0..<steps {
            if step == resumeAfter {
                let data = try JSONEncoder().encode(optimizer.stateDictionary())
                optimizer = makers[kind]!(named)
                try optimizer.loadStateDictionary(JSONDecoder().decode(OptimizerState.self, from: data))
            }
            optimizer.zeroGrad()
            problem.loss().backward()
            optimizer.step()
        }
        return problem.weight.scalars + problem.bias.scalars
    }

    @Test(arguments: makers.keys.sorted())
    func resumedTrainingIsBitIdentical(_ kind: String) throws {
        let uninterrupted = try Self.train(kind, steps: 6)
        let resumed = try Self.train(kind, steps: 6, resumeAfter: 3)
        #expect(uninterrupted.map(\.bitPattern) == resumed.map(\.bitPattern))
    }

    @Test func losingTheStateChangesTheTrajectory() throws {
        // Guards the test above: without the saved moments, the run would differ.
        let problem = ReferenceProblem()
        let named = [("weight", problem.weight), ("bias", problem.bias)]
        var optimizer: Optimizer = Adam(namedParameters: named, learningRate: 0.05)
        for step in 0..<6 {
            if step == 3 { optimizer = Adam(namedParameters: named, learningRate: 0.05) }
            optimizer.zeroGrad()
            problem.loss().backward()
            optimizer.step()
        }
        let uninterrupted = try Self.train("Adam", steps: 6)
        #expect(problem.weight.scalars + problem.bias.scalars != uninterrupted)
    }

    @Test func saveAndLoadThroughAFileRoundTrips() throws {
        let parameter = Tensor(shape: [3], scalars: [1, 2, 3], requiresGrad: true)
        parameter.grad = Tensor([0.5, -0.25, 1e-30])
        let optimizer = Adam(namedParameters: [("w", parameter)])
        optimizer.step()
        optimizer.learningRate = 0.02
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hone-optim-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("optimizer.json")
        try optimizer.stateDictionary().save(to: url)
        let loaded = try OptimizerState(contentsOf: url)
        #expect(loaded == optimizer.stateDictionary())
        let fresh = Adam(namedParameters: [("w", parameter)])
        try fresh.loadStateDictionary(loaded)
        #expect(fresh.learningRate == 0.02)
        #expect(fresh.state(forParameter: "w")?.step == 1)
        #expect(fresh.state(forParameter: "w")?.buffers["exp_avg"]?.scalars == optimizer.state(forParameter: "w")?.buffers["exp_avg"]?.scalars)
    }

    @Test func mismatchedStatesAreRejectedWithoutChangingAnything() throws {
        let parameter = Tensor(shape: [2], scalars: [1, 2], requiresGrad: true)
        parameter.grad = Tensor([1, 1])
        let adam = Adam(namedParameters: [("w", parameter)])
        adam.step()
        let saved = adam.stateDictionary()

        #expect(throws: OptimizerStateError.optimizerMismatch(expected: "SGD", found: "Adam")) {
            try SGD(namedParameters: [("w", parameter)]).loadStateDictionary(saved)
        }
        #expect(throws: OptimizerStateError.parameterKeysMismatch(group: 0, expected: ["v"], found: ["w"])) {
            try Adam(namedParameters: [("v", parameter)]).loadStateDictionary(saved)
        }
        let other = Tensor.zeros([3]).requiringGrad()
        #expect(throws: OptimizerStateError.bufferSizeMismatch(parameter: "w", buffer: "exp_avg", expected: 3, found: 2)) {
            try Adam(namedParameters: [("w", other)]).loadStateDictionary(saved)
        }
        var corrupt = saved
        corrupt.parameters["w"]!.buffers["exp_avg"]!.bytes.removeLast()
        #expect(throws: OptimizerStateError.corruptBuffer(parameter: "w", buffer: "exp_avg")) {
            try adam.loadStateDictionary(corrupt)
        }
        var unknown = saved
        unknown.parameters["w"]!.buffers["velocity"] = unknown.parameters["w"]!.buffers["exp_avg"]
        #expect(throws: OptimizerStateError.unknownBuffer(parameter: "w", buffer: "velocity")) {
            try adam.loadStateDictionary(unknown)
        }
        var future = saved
        future.version = 99
        #expect(throws: OptimizerStateError.unsupportedVersion(found: 99, supported: 1)) {
            try adam.loadStateDictionary(future)
        }
        var negative = saved
        negative.groups[0].learningRate = -1
        #expect(throws: OptimizerStateError.invalidValue(field: "groups.0.learningRate", value: "-1.0")) {
            try adam.loadStateDictionary(negative)
        }
        #expect(adam.stateDictionary() == saved)
    }

    @Test func unreadableFilesNameThePathAndTheProblem() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hone-optim-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let missing = directory.appendingPathComponent("missing.json")
        #expect(throws: OptimizerStateError.self) { try OptimizerState(contentsOf: missing) }
        let broken = directory.appendingPathComponent("broken.json")
        try Data(#"{"version": 1, "optimizer": "Adam"}"#.utf8).write(to: broken)
        do {
            _ = try OptimizerState(contentsOf: broken)
            Issue.record("a state without its fields loaded")
        } catch let OptimizerStateError.unreadableFile(path, reason) {
            #expect(path == broken.path)
            #expect(reason.contains("learningRate") || reason.contains("groups") || reason.contains("parameters"))
        }
    }
}
