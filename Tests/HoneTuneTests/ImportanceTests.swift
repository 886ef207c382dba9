import Foundation
import HoneCore
import Testing
@testable import HoneTune

@Suite struct ImportanceTests {
    @Test func theParameterThatMattersDominates() {
        let params: [(String, ParameterDistribution)] = [
            ("matters", .float(low: 0, high: 1, log: false, step: nil)),
            ("noise", .float(low: 1e-3, high: 1, log: true, step: nil)),
            ("idle", .int(low: 0, high: 10, log: false, step: 1)),
        ]
        let study = MiniStudy()
        study.optimize(UniformTestSampler(seed: 3), params: params, n: 120) { p in
            [10 * pow(p["matters"]! - 0.3, 2) + 0.01 * log(p["noise"]!)]
        }
        let imp = FanovaImportanceEvaluator(nTrees: 32, seed: 1).evaluate(study: study)
        #expect(imp.map(\.name).first == "matters")
        #expect(abs(imp.reduce(0) { $0 + $1.importance } - 1) < 1e-9)
        let byName = Dictionary(uniqueKeysWithValues: imp.map { ($0.name, $0.importance) })
        #expect(byName["matters"]! > 0.85)
        #expect(byName["idle"]! < 0.05)
        // Restricting to some parameters.
        let two = FanovaImportanceEvaluator(nTrees: 16).evaluate(study: study, params: ["idle", "noise"])
        #expect(Set(two.map(\.name)) == ["idle", "noise"])
        #expect(two.first!.name == "noise")
    }

    @Test func additiveFunctionSplitsByVariance() {
        // f = a + 2b on the unit square: main-effect variances 1/12 and 4/12 → 0.2 and 0.8.
        var rng = SeededGenerator(seed: 11)
        let x = (0..<400).map { _ in [rng.nextDouble(), rng.nextDouble()] }
        let y = x.map { $0[0] + 2 * $0[1] }
        let imp = FanovaImportanceEvaluator(nTrees: 32).importances(x: x, y: y)
        #expect(abs(imp[0] - 0.2) < 0.05 && abs(imp[1] - 0.8) < 0.05, "\(imp)")
    }

    @Test func treeDecompositionIsExactForASingleSplitTree() {
        // A stump on x0 at 0.25 with leaf values 0 and 4: all variance belongs to x0.
        var tree = RegressionTree(maxDepth: 1, minSamplesSplit: 2, minSamplesLeaf: 1)
        var rng = SeededGenerator(seed: 0)
        tree.fit(x: [[0.1, 0.5], [0.2, 0.9], [0.6, 0.1], [0.9, 0.4]], y: [0, 0, 4, 4], sample: [0, 1, 2, 3], rng: &rng)
        let parts = tree.varianceDecomposition(dimensions: 2)!
        #expect(abs(parts[0] - 1) < 1e-12 && abs(parts[1]) < 1e-12)
        #expect(tree.predict([0.05, 0.3]) == 0 && tree.predict([0.95, 0.3]) == 4)
    }
}
