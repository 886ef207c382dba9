import Foundation
import Testing
@testable import HoneTune

@Suite struct TuneConfigTests {
    static let dir = URL(fileURLWithPath: "/tmp/hone-config-dir")

    func config(_ text: String) throws -> TuneConfig {
        try TuneConfig(json: try JSONValue.parse(text), directory: Self.dir, defaultName: "cfg")
    }

    func error(_ text: String) -> ConfigError? {
        do {
            _ = try config(text)
            return nil
        } catch let e as ConfigError {
            return e
        } catch {
            return .invalidValue(path: "?", message: "\(error)")
        }
    }

    static let space = #""search_space": {"x": {"float": [-5, 10]}, "y": {"float": [0, 15]}}"#

    @Test func readsTheSearchSpaceInOrder() throws {
        let space = try SearchSpace.parse("""
            {"x": {"float": [-5, 10]}, "lr": {"float": [1e-4, 1e-1], "log": true},
             "opt": {"categorical": ["sgd", "adam"]}, "depth": {"int": [1, 4]},
             "drop": {"float": [0, 0.55], "step": 0.1}, "units": {"int": [16, 512], "log": true},
             "mixed": {"categorical": [1, 2.5, true, "a"]}}
            """)
        #expect(space.parameters.map(\.name) == ["x", "lr", "opt", "depth", "drop", "units", "mixed"])
        #expect(space.parameters[0].distribution == .float(low: -5, high: 10, log: false, step: nil))
        #expect(space.parameters[1].distribution == .float(low: 1e-4, high: 1e-1, log: true, step: nil))
        #expect(space.parameters[2].distribution == .categorical([.string("sgd"), .string("adam")]))
        #expect(space.parameters[3].distribution == .int(low: 1, high: 4, log: false, step: 1))
        if case .float(_, let high, _, let step) = space.parameters[4].distribution {
            #expect(abs(high - 0.5) < 1e-12 && step == 0.1)
        }
        #expect(space.parameters[5].distribution == .int(low: 16, high: 512, log: true, step: 1))
        #expect(space.parameters[6].distribution == .categorical([.int(1), .double(2.5), .bool(true), .string("a")]))
    }

    @Test func categoricalChoicesMayBeAnyJSONValue() throws {
        let space = try SearchSpace.parse("""
            {"model.hidden": {"categorical": [[64], [128, 64], [256, 128, 64]]},
             "block": {"categorical": [{"kind": "res", "width": [8, 8]}, null, "none", 3]}}
            """)
        #expect(space.parameters[0].distribution == .categorical([.json("[64]"), .json("[128,64]"), .json("[256,128,64]")]))
        #expect(space.parameters[1].distribution
            == .categorical([.json(#"{"kind":"res","width":[8,8]}"#), .json("null"), .string("none"), .int(3)]))
        // The typed value reads back as the JSON written, for the training configuration.
        let chosen = space.parameters[1].distribution.value(fromInternal: 0)
        #expect(chosen.description == #"{"kind":"res","width":[8,8]}"#)
        #expect(chosen.jsonValue == .object([("kind", .string("res")), ("width", .array([.number(8, text: "8"), .number(8, text: "8")]))]))
    }

    @Test func emptyOrRepeatedChoicesAreRefusedByField() {
        #expect(throws: ConfigError.invalidValue(path: "search_space.h.categorical", message: "no choices")) {
            _ = try SearchSpace.parse(#"{"h": {"categorical": []}}"#, path: "search_space")
        }
        #expect(throws: ConfigError.invalidValue(path: "search_space.h.categorical", message: "choices repeat")) {
            _ = try SearchSpace.parse(#"{"h": {"categorical": [[1, 2], [1,2]]}}"#, path: "search_space")
        }
    }

    @Test func fullConfiguration() throws {
        let c = try config("""
            {"study_name": "demo", "objective": "branin", \(Self.space),
             "sampler": {"type": "random", "seed": 3}, "pruner": {"type": "median", "startup_trials": 2},
             "trials": 50, "timeout_seconds": 60, "storage": "out/demo.db"}
            """)
        #expect(c.studyName == "demo")
        #expect(c.trials == 50 && c.timeoutSeconds == 60)
        #expect(c.storagePath == "/tmp/hone-config-dir/out/demo.db")
        #expect(c.summaryPath == "/tmp/hone-config-dir/out/demo-summary.json")
        #expect(c.directions == [.minimize])
        #expect(try c.makePruner() is MedianPruner)
        #expect(try c.makeSampler() is RandomSampler)
        // The objective runs through a study.
        let study = try Study.create(sampler: try c.makeSampler(), pruner: try c.makePruner())
        try study.optimize(trials: 20) { try c.evaluate($0)[0] }
        #expect(try study.bestValue >= BenchmarkFunction.branin.globalMinimum)
        let defaults = try config(#"{"objective": "sphere", "search_space": {"a": {"int": [-3, 3]}}, "trials": 5}"#)
        #expect(defaults.studyName == "cfg" && defaults.storagePath == "/tmp/hone-config-dir/cfg.db")
        let pruner = try defaults.makePruner()
        #expect(defaults.samplerName == "tpe" && pruner == nil)
    }

    @Test func misspelledFieldsNameTheClosestValidOne() {
        let e = error(#"{"objective": "branin", \#(Self.space), "trails": 10}"#)
        guard case .unknownField(let path, let suggestion, _) = e else {
            Issue.record("expected an unknown-field error, got \(String(describing: e))")
            return
        }
        #expect(path == "trails" && suggestion == "trials")
        #expect(e?.description.contains("did you mean 'trials'") == true)
        let nested = error(#"{"objective": "branin", \#(Self.space), "trials": 5, "pruner": {"type": "median", "startup_trails": 3}}"#)
        #expect(nested?.description == "unknown field 'pruner.startup_trails'; did you mean 'pruner.startup_trials'?")
        let param = error(#"{"objective": "branin", "search_space": {"x": {"flaot": [0, 1]}, "y": {"float": [0, 1]}}, "trials": 5}"#)
        #expect(param?.description.contains("'search_space.x.flaot'") == true)
        #expect(param?.description.contains("did you mean 'search_space.x.float'") == true)
        let logTypo = error(#"{"objective": "branin", "search_space": {"x": {"float": [1, 2], "lgo": true}, "y": {"float": [0, 1]}}, "trials": 5}"#)
        #expect(logTypo?.description.contains("did you mean 'search_space.x.log'") == true)
        let sampler = error(#"{"objective": "branin", \#(Self.space), "trials": 5, "sampler": "randon"}"#)
        #expect(sampler?.description.contains("did you mean \"random\"") == true)
        let objective = error(#"{"objective": "brainin", \#(Self.space), "trials": 5}"#)
        #expect(objective?.description.contains("did you mean \"branin\"") == true)
        let far = error(#"{"objective": "branin", \#(Self.space), "trials": 5, "completely_else": 1}"#)
        #expect(far?.description.contains("valid:") == true)
    }

    @Test func wrongTypesNameTheFieldAndTheExpectedType() {
        let trials = error(#"{"objective": "branin", \#(Self.space), "trials": "100"}"#)
        #expect(trials == .wrongType(path: "trials", expected: "an integer", found: "a string (\"100\")"))
        #expect(error(#"{"objective": "branin", \#(Self.space), "trials": 2.5}"#)
            == .wrongType(path: "trials", expected: "an integer", found: "a number (2.5)"))
        #expect(error(#"{"objective": "branin", \#(Self.space), "trials": 5, "timeout_seconds": true}"#)
            == .wrongType(path: "timeout_seconds", expected: "a number", found: "a boolean (true)"))
        let bounds = error(#"{"objective": "branin", "search_space": {"x": {"float": [0, "1"]}, "y": {"float": [0, 1]}}, "trials": 5}"#)
        #expect(bounds?.description.contains("'search_space.x.float' must be an array of two numbers") == true)
        let intBounds = error(#"{"objective": "branin", "search_space": {"x": {"int": [0, 1.5]}, "y": {"float": [0, 1]}}, "trials": 5}"#)
        #expect(intBounds?.description.contains("two integers") == true)
        let log = error(#"{"objective": "branin", "search_space": {"x": {"float": [0, 1], "log": "yes"}, "y": {"float": [0, 1]}}, "trials": 5}"#)
        #expect(log == .wrongType(path: "search_space.x.log", expected: "true or false", found: "a string (\"yes\")"))
        #expect(error(#"{"objective": "branin", "search_space": [], "trials": 5}"#)
            == .wrongType(path: "search_space", expected: "an object", found: "an array"))
        #expect(error(#"{"objective": "branin", \#(Self.space), "trials": 5, "sampler": 3}"#)?.description
            .contains("field 'sampler' must be a name") == true)
    }

    @Test func invalidValuesAndMissingFields() {
        #expect(error(#"{"objective": "branin", "trials": 5}"#) == .missingField(path: "search_space"))
        #expect(error(#"{\#(Self.space), "trials": 5}"#) == .missingField(path: "objective"))
        #expect(error(#"{"objective": "branin", \#(Self.space)}"#)?.description.contains("trials") == true)
        #expect(error(#"{"objective": "branin", "search_space": {"x": {"float": [0, 1]}}, "trials": 5}"#)?
            .description.contains("branin takes 2 numeric parameters") == true)
        #expect(error(#"{"objective": "branin", "search_space": {"x": {"float": [5, 1]}, "y": {"float": [0, 1]}}, "trials": 5}"#)?
            .description.contains("low is above high") == true)
        #expect(error(#"{"objective": "branin", "search_space": {"x": {"float": [0, 1], "log": true}, "y": {"float": [0, 1]}}, "trials": 5}"#)?
            .description.contains("positive lower bound") == true)
        #expect(error(#"{"objective": "branin", \#(Self.space), "trials": 0}"#)?.description.contains("≥ 1") == true)
        #expect(error(#"{"objective": "branin", \#(Self.space), "trials": 5, "sampler": "grid"}"#)?
            .description.contains("step") == true)
        #expect(error(#"{"objective": "branin", "search_space": {"x": {"float": [0, 1], "int": [0, 1]}, "y": {"float": [0, 1]}}, "trials": 5}"#)?
            .description.contains("exactly one of") == true)
    }

    @Test func jsonSyntaxErrorsGiveLineAndColumn() throws {
        #expect(error("{\n  \"objective\": \"branin\",\n  \"trials\": 5,\n}") == .syntax(line: 4, column: 1, message: "expected a field name in quotes"))
        #expect(error("{\"a\": 1, \"a\": 2}")?.description.contains("appears twice") == true)
        #expect(throws: ConfigError.self) { try JSONValue.parse("[1, 2") }
        let parsed = try JSONValue.parse(#"{"s": "\u00e9\n", "n": -1.5e3, "b": [true, null]}"#)
        #expect(parsed == .object([("s", .string("é\n")), ("n", .number(-1500, text: "-1.5e3")), ("b", .array([.bool(true), .null]))]))
    }

    @Test func editDistanceAndSuggestions() {
        #expect(editDistance("trails", "trials") == 2)
        #expect(editDistance("", "abc") == 3)
        #expect(editDistance("kitten", "sitting") == 3)
        #expect(closestMatch(to: "sampler_", in: TuneConfig.fields) == "sampler")
        #expect(closestMatch(to: "timeout", in: TuneConfig.fields) == nil)
        #expect(closestMatch(to: "timeout_second", in: TuneConfig.fields) == "timeout_seconds")
    }

    @Test func pluggableObjective() throws {
        final class Quadratic: TuneObjective {
            var directions: [StudyDirection] { [.maximize] }
            var name: String { "quadratic" }
            let center: Double
            init(center: Double) { self.center = center }
            func evaluate(_ trial: Trial, searchSpace: SearchSpace) throws -> [Double] {
                let x = try searchSpace.suggestAll(trial)[0].value.doubleValue!
                return [-(x - center) * (x - center)]
            }
        }
        TuneObjectives.register("quadratic-test", extraTopLevelFields: ["center"]) { context in
            Quadratic(center: try context.config.double("center") ?? 0)
        }
        let c = try config(#"{"objective": "quadratic-test", "center": 2, "search_space": {"x": {"float": [0, 4]}}, "trials": 3}"#)
        #expect(c.directions == [.maximize])
        let study = try Study.create(direction: .maximize)
        try study.enqueueTrial(params: ["x": 2.0])
        try study.optimize(trials: 3) { try c.evaluate($0)[0] }
        #expect(try study.bestValue == 0)
    }

    @Test func benchmarkOptimaAreRight() {
        let b = BenchmarkFunction.branin
        for x in [[-Double.pi, 12.275], [Double.pi, 2.275], [9.42478, 2.475]] {
            #expect(abs(b.evaluate(x) - b.globalMinimum) < 1e-5)
        }
        let h = BenchmarkFunction.hartmann6
        #expect(abs(h.evaluate(h.minimizer()) - h.globalMinimum) < 1e-4)
        #expect(BenchmarkFunction.sphere.evaluate([0, 0, 0]) == 0)
        #expect(BenchmarkFunction.sphere.evaluate([1, 2]) == 5)
    }

    /// Every function's stated minimum is its value at the stated minimizer, and no point
    /// of a seeded random scan of its box (plus small steps around the minimizer) is lower.
    @Test(arguments: BenchmarkFunction.allCases)
    func statedMinimaHold(_ f: BenchmarkFunction) {
        let n = f.dimension ?? 4
        let best = f.minimizer(dimension: n)
        let minimum = f.globalMinimum(dimension: n)
        #expect(abs(f.evaluate(best) - minimum) < 1e-4 * max(1, abs(minimum)), "\(f)")
        var rng = SeededGenerator(seed: 7)
        let bounds = f.bounds(dimension: n)
        for _ in 0..<20_000 {
            let x = bounds.map { $0.lowerBound + rng.nextDouble() * ($0.upperBound - $0.lowerBound) }
            #expect(f.evaluate(x) >= minimum - 1e-6 * max(1, abs(minimum)), "\(f) at \(x)")
        }
        for i in 0..<n {
            for step in [-1e-2, 1e-2] {
                var x = best
                x[i] += step
                #expect(f.evaluate(x) >= minimum - 1e-6 * max(1, abs(minimum)), "\(f) near its minimizer")
            }
        }
    }

    /// The summary's minimum and regret use the search space's dimension, which matters
    /// for functions whose minimum grows with it.
    @Test func summaryUsesTheSpacesDimension() throws {
        let c = try config(#"{"objective": "styblinski_tang", "search_space": {"a": {"float": [-5, 5]}, "b": {"float": [-5, 5]}, "c": {"float": [-5, 5]}}, "trials": 1}"#)
        let study = try Study.create()
        try study.enqueueTrial(params: ["a": .float(-2.903534), "b": .float(-2.903534), "c": .float(-2.903534)])
        try study.optimize(trials: 1) { try c.evaluate($0)[0] }
        let summary = c.objective.summary(best: try study.bestTrial)
        let minimum = try #require(summary["global_minimum"] as? Double)
        let regret = try #require(summary["regret"] as? Double)
        #expect(abs(minimum - 3 * -39.16616570377142) < 1e-9)
        #expect(regret >= 0 && regret < 1e-6, "\(regret)")
    }

    @Test func handValues() {
        // Values worked out by hand from the definitions.
        #expect(abs(BenchmarkFunction.forrester.evaluate([0.5]) - 0.9092974268256817) < 1e-12)  // 1² · sin 2
        #expect(BenchmarkFunction.sixHumpCamel.evaluate([1, 1]) == (4 - 2.1 + 1.0 / 3) + 1 + 0)
        #expect(BenchmarkFunction.rosenbrock.evaluate([0, 0, 0]) == 2)
        #expect(BenchmarkFunction.styblinskiTang.evaluate([1, 0]) == 0.5 * (1 - 16 + 5))
        #expect(abs(BenchmarkFunction.ackley.evaluate([0, 0])) < 1e-12)
        #expect(abs(BenchmarkFunction.levy.evaluate([1, 1, 1])) < 1e-12)
    }
}

