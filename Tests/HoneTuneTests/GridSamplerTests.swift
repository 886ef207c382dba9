import Foundation
import Testing
@testable import HoneTune

@Suite struct GridSamplerTests {
    static let space: [String: [ParameterValue]] = [
        "lr": [0.1, 0.01, 0.001], "opt": ["sgd", "adam"], "depth": [1, 2, 3, 4], "bn": [true, false],
    ]

    static func objective(_ t: Trial) throws -> Double {
        let lr = try t.suggestFloat("lr", in: 1e-4...1, log: true)
        let opt = try t.suggestCategorical("opt", ["sgd", "adam"])
        let depth = try t.suggestInt("depth", in: 1...4)
        let bn = try t.suggestCategorical("bn", [true, false])
        Thread.sleep(forTimeInterval: 0.002)
        return lr * Double(depth) + (opt == "sgd" ? 1 : 0) + (bn ? 0.5 : 0)
    }

    static func combos(_ trials: [FrozenTrial]) -> [[String: ParameterValue]] {
        trials.filter { $0.state == .complete }.map(\.typedParams)
    }

    @Test func configurationsAreTheFullProduct() {
        let grid = GridSampler(searchSpace: Self.space)
        #expect(grid.count == 48)
        let configs = grid.configurations()
        #expect(configs.count == 48 && Set(configs).count == 48)
        let shuffled = GridSampler(searchSpace: Self.space, seed: 3).configurations()
        #expect(Set(shuffled) == Set(configs) && shuffled != configs)
        #expect(GridSampler(searchSpace: Self.space, seed: 3).configurationSetKey == grid.configurationSetKey)
    }

    /// 4 worker threads sharing one study: every combination exactly once, then the study stops.
    @Test func fourThreadWorkersCoverEveryCombinationOnce() throws {
        let study = try Study.create(sampler: GridSampler(searchSpace: Self.space, seed: 1))
        try study.optimize(trials: 1000, workers: 4, objective: Self.objective)
        let trials = try study.allTrials
        #expect(trials.count == 48)
        let seen = Self.combos(trials)
        #expect(seen.count == 48)
        #expect(Set(seen) == Set(GridSampler(searchSpace: Self.space).configurations()))
        // Running again finds nothing left.
        try study.optimize(trials: 10, objective: Self.objective)
        #expect(try study.allTrials.count == 48)
    }

    /// 4 workers each with its own connection and `Study` (as separate processes would be).
    @Test func fourConnectionsCoverEveryCombinationOnce() throws {
        let dir = TempDir()
        defer { dir.cleanup() }
        let path = dir.path("grid.db")
        _ = try Study.create(name: "grid", storage: try SQLiteStorage(path: path))
        let group = DispatchGroup()
        let errors = ErrorBox()
        for _ in 0..<4 {
            group.enter()
            Thread {
                defer { group.leave() }
                do {
                    let study = try Study.load(name: "grid", storage: try SQLiteStorage(path: path),
                                               sampler: GridSampler(searchSpace: Self.space))
                    try study.optimize(objective: Self.objective)
                } catch {
                    errors.add(error)
                }
            }.start()
        }
        group.wait()
        #expect(errors.errors.isEmpty, "\(errors.errors)")
        let trials = try SQLiteStorage(path: path).trials(studyID: 1)
        #expect(trials.count == 48)
        #expect(Set(Self.combos(trials)).count == 48)
        #expect(Set(Self.combos(trials)) == Set(GridSampler(searchSpace: Self.space).configurations()))
    }

    @Test func gridFromDistributions() throws {
        let grid = try GridSampler(distributions: [
            "x": .float(low: 0, high: 1, log: false, step: 0.25),
            "k": .int(low: 1, high: 7, log: false, step: 3),
            "c": .categorical([.string("a"), .string("b")]),
        ])
        #expect(grid.count == 5 * 3 * 2)
        #expect(grid.searchSpace.map(\.name) == ["c", "k", "x"])
        #expect(grid.searchSpace[1].values == [1, 4, 7])
        #expect(throws: TuneError.self) {
            _ = try GridSampler(distributions: ["x": .float(low: 0, high: 1, log: false, step: nil)])
        }
        let points = try GridSampler(distributions: ["x": .float(low: 1, high: 100, log: true, step: nil)], floatPoints: 3)
        #expect(points.searchSpace[0].values.compactMap(\.doubleValue).map { ($0 * 1000).rounded() / 1000 } == [1, 10, 100])
    }
}
