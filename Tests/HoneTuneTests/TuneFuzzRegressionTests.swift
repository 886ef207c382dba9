import Foundation
import Testing

@testable import HoneTune

/// Tuning configurations that crashed or exhausted memory when read (grids too large to
/// build), kept as text: each must now give a `ConfigError` naming the parameter.
@Suite struct TuneFuzzRegressionTests {
    /// The error of reading `text` as a configuration, nil when it reads.
    func configError(_ text: String) -> ConfigError? {
        do {
            _ = try TuneConfig(json: try JSONValue.parse(text), directory: URL(fileURLWithPath: "/tmp"), defaultName: "grid")
            Issue.record("the configuration was accepted")
        } catch let error as ConfigError {
            return error
        } catch {
            Issue.record("unexpected error \(error)")
        }
        return nil
    }

    func expectTooLarge(_ searchSpace: String, sampler: String = #""grid""#, parameter: String,
                        sourceLocation: SourceLocation = #_sourceLocation) {
        let text = #"{"objective": "sphere", "search_space": \#(searchSpace), "sampler": \#(sampler)}"#
        guard case .invalidValue(let path, let message) = configError(text) else {
            Issue.record("expected an invalid value", sourceLocation: sourceLocation)
            return
        }
        #expect(path == "search_space.\(parameter)", sourceLocation: sourceLocation)
        #expect(message.contains("more than 1000000 points"), sourceLocation: sourceLocation)
    }

    @Test func gridOverAHugeIntegerRangeIsRefusedBeforeBuildingIt() {
        // Built 9e12 values, growing without bound.
        expectTooLarge(#"{"x": {"int": [0, 9000000000000]}}"#, parameter: "x")
    }

    @Test func gridOverATinyFloatStepIsRefused() {
        // 1e300 steps: converting the step count to Int trapped.
        expectTooLarge(#"{"x": {"float": [0, 1], "step": 1e-300}}"#, parameter: "x")
    }

    @Test func gridWithTooManyFloatPointsIsRefused() {
        // Asked for a 9e12-element array.
        expectTooLarge(#"{"x": {"float": [0, 1]}}"#, sampler: #"{"type": "grid", "float_points": 9000000000000}"#,
                       parameter: "x")
    }

    @Test func gridWhosePointCountOverflowsIsRefused() {
        // 1e5 values each is fine, their product (1e20) overflowed Int when counted.
        let space = #"{"a": {"int": [0, 99999]}, "b": {"int": [0, 99999]}, "c": {"int": [0, 99999]}, "d": {"int": [0, 99999]}}"#
        expectTooLarge(space, parameter: "b")
    }

    @Test func hyperbandWithAMinimumResourceAboveTheTrialLengthKeepsOneBracket() throws {
        // Trials report one step, min_resource is 9: the bracket count came out negative and
        // building the brackets trapped on the second trial's first report.
        let text = """
            {"objective": {"function": "sphere", "steps": 1},
             "search_space": {"x": {"int":[-3, 2], "step": 2}, "y": {"float": [1, 1], "step": 0.2},
                              "c": {"categorical": ["a", 1.5  ,2,true]}},
             "sampler": {"type": "grid", "float_points": 3},
             "pruner": {"type": "hyperband", "min_resource": 9, "reduction_factor": 3}}
            """
        let config = try TuneConfig(json: try JSONValue.parse(text), directory: URL(fileURLWithPath: "/tmp"))
        let pruner = try #require(try config.makePruner() as? HyperbandPruner)
        let study = try Study.create(directions: config.directions, sampler: try config.makeSampler(), pruner: pruner)
        try study.optimize(trials: 2) { trial in try config.evaluate(trial) }
        #expect(study.trials().filter { $0.state == .complete }.count == 2)
        #expect(pruner.bracketCount == 1)
    }

    @Test func gridAtTheLimitIsStillBuilt() throws {
        let grid = try GridSampler(distributions: [
            "a": .int(low: 1, high: 1000, log: false, step: 1), "b": .float(low: 0, high: 999, log: false, step: 1),
        ])
        #expect(grid.count == GridSampler.maximumPoints)
    }
}
