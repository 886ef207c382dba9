import Foundation
import HoneTestSupport
import Testing
@testable import HoneTrees

struct TreeSHAPTests {
    /// Checks TreeSHAP against brute-force Shapley values and local accuracy on `rows`.
    private func expectExact(_ model: TreeModel, _ rows: FeatureMatrix, output: Int) throws {
        let shap = try model.shapValues(rows: rows, output: output)
        let raw = try model.predictRaw(rows)
        let base = model.expectedValue(output: output)
        for r in 0..<rows.rowCount {
            let row = (0..<rows.featureCount).map { rows[r, $0] }
            let exact = TreeShapleyReference.values(model, row: row, output: output)
            for f in 0..<rows.featureCount {
                #expect(abs(shap[r][f] - exact[f]) < 1e-6, "row \(r) feature \(f): \(shap[r][f]) vs \(exact[f])")
            }
            let total = base + shap[r].reduce(0, +)
            #expect(abs(total - raw[r * model.rawOutputCount + output]) < 1e-4)
        }
    }

    @Test func boostedTreesMatchBruteForceShapley() throws {
        let (x, y) = TestData.binary(rows: 400, features: 5)
        var options = GradientBoostingOptions()
        options.rounds = 8
        options.maxLeaves = 12
        options.minSamplesLeaf = 5
        let model = try GradientBoosting.fit(x, labels: y, options: options)
        try expectExact(model, x.rows(Array(0..<12)), output: 0)
    }

    @Test func forestWithMissingValuesMatchesBruteForceShapley() throws {
        var (x, y) = TestData.binary(rows: 300, features: 4, seed: 3)
        var values = x.values
        for i in stride(from: 0, to: values.count, by: 7) { values[i] = .nan }
        x = try FeatureMatrix(rowCount: x.rowCount, featureCount: 4, values: values)
        var options = RandomForestOptions()
        options.treeCount = 5
        options.tree.maxDepth = 6
        let model = try RandomForest.fit(x, labels: y, options: options)
        try expectExact(model, x.rows(Array(0..<10)), output: 1)
        try expectExact(model, x.rows(Array(0..<3)), output: 0)
    }

    @Test func multiclassAndCategoricalTreesMatchBruteForceShapley() throws {
        let (x, y) = TestData.make(rows: 600, features: 4, seed: 5) { x, _ in
            x[0] > 0.5 ? 2 : (x[1] + x[2] > 0 ? 1 : 0)
        }
        var values = x.values
        for r in 0..<x.rowCount { values[r * 4 + 3] = Double(r % 6) }
        let withCategories = try FeatureMatrix(rowCount: x.rowCount, featureCount: 4, values: values)
        var options = GradientBoostingOptions()
        options.objective = .softmax(classCount: 3)
        options.rounds = 4
        options.maxLeaves = 8
        options.categoricalFeatures = [3]
        let model = try GradientBoosting.fit(withCategories, labels: y, options: options)
        for output in 0..<3 { try expectExact(model, withCategories.rows([0, 1, 2, 3, 4, 5]), output: output) }
    }

    @Test func deepTreeMatchesBruteForceShapley() throws {
        let (x, y) = TestData.make(rows: 200, features: 6, seed: 9) { x, rng in x[0] * x[1] + x[2] + 0.2 * rng.nextGaussian() }
        var options = DecisionTreeOptions()
        options.criterion = .squaredError
        options.maxDepth = 9
        let model = try DecisionTree.fit(x, labels: y, options: options)
        #expect(model.trees[0].depth >= 7)
        try expectExact(model, x.rows(Array(0..<6)), output: 0)
    }
}
