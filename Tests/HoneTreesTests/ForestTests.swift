import Foundation
import Testing
@testable import HoneTrees

struct ForestTests {
    @Test func stumpTakesTheExhaustiveBestGiniSplit() throws {
        let (x, y) = TestData.binary(rows: 60, features: 3, seed: 8)
        var options = DecisionTreeOptions()
        options.maxDepth = 1
        let model = try DecisionTree.fit(x, labels: y, options: options)
        func gini(_ labels: [Double]) -> Double {
            let p = labels.reduce(0, +) / Double(labels.count)
            return Double(labels.count) * 2 * p * (1 - p)
        }
        var best = (gain: -1.0, feature: -1, threshold: 0.0)
        for f in 0..<3 {
            let sorted = (0..<60).sorted { x[$0, f] < x[$1, f] }
            for cut in 1..<60 {
                let gain = gini(y) - gini(sorted[..<cut].map { y[$0] }) - gini(sorted[cut...].map { y[$0] })
                if gain > best.gain + 1e-12 { best = (gain, f, (x[sorted[cut - 1], f] + x[sorted[cut], f]) / 2) }
            }
        }
        let tree = model.trees[0]
        #expect(Int(tree.feature[0]) == best.feature)
        #expect(abs(tree.gain[0] - best.gain) < 1e-9)
        #expect(abs(tree.threshold[0] - best.threshold) < 1e-12)
    }

    @Test func fullyGrownTreeFitsDistinctRowsExactly() throws {
        let (x, y) = TestData.binary(rows: 200, seed: 9)
        for criterion in [DecisionTreeOptions.Criterion.gini, .entropy] {
            var options = DecisionTreeOptions()
            options.criterion = criterion
            let model = try DecisionTree.fit(x, labels: y, options: options)
            #expect(try model.predictLabels(x) == y)
        }
    }

    @Test func regressionTreeLeavesAreMeans() throws {
        let x = try FeatureMatrix(rows: [[1], [2], [3], [10], [11], [12]])
        let y: [Double] = [1, 2, 3, 10, 20, 30]
        var options = DecisionTreeOptions()
        options.criterion = .squaredError
        options.maxDepth = 1
        let model = try DecisionTree.fit(x, labels: y, options: options)
        // Squared errors of the five cuts: 1|5 → 500, 2|4 → 352.7, 3|3 → 202, 4|2 → 100, 5|1 → 254.8.
        #expect(try model.predictLabels(x) == [4, 4, 4, 4, 25, 25])
    }

    @Test func forestIsDeterministicAndItsOutOfBagScoreTracksHeldOutAccuracy() throws {
        let (x, y) = TestData.binary(rows: 1500)
        let (testX, testY) = TestData.binary(rows: 1000, seed: 2)
        var options = RandomForestOptions()
        options.treeCount = 40
        options.seed = 3
        let model = try RandomForest.fit(x, labels: y, options: options)
        #expect(try RandomForest.fit(x, labels: y, options: options).encoded() == model.encoded())
        let accuracy = Double(zip(try model.predictLabels(testX), testY).filter { $0 == $1 }.count) / 1000
        let oob = try #require(model.outOfBagScore)
        #expect(accuracy > 0.85)
        #expect(abs(oob - accuracy) < 0.04)
        let p = try model.predict(testX)
        #expect(p.allSatisfy { abs($0[0] + $0[1] - 1) < 1e-12 })
    }

    @Test func regressionForestReportsOutOfBagR2() throws {
        let (x, y) = TestData.make(rows: 800, features: 3, seed: 4) { x, rng in 3 * x[0] + x[1] * x[1] + 0.1 * rng.nextGaussian() }
        var options = RandomForestOptions()
        options.tree.criterion = .squaredError
        options.tree.maxFeatures = .all
        options.treeCount = 30
        let model = try RandomForest.fit(x, labels: y, options: options)
        #expect(try #require(model.outOfBagScore) > 0.8)
    }

    @Test func labelsOutsideTheClassesAreNamed() throws {
        let (x, _) = TestData.binary(rows: 10)
        var options = DecisionTreeOptions()
        options.classCount = 2
        #expect(throws: TreesError.invalidLabels("row 0: label 2 is not below the class count 2")) {
            try DecisionTree.fit(x, labels: [Double](repeating: 2, count: 10), options: options)
        }
        #expect(throws: TreesError.self) { try DecisionTree.fit(x, labels: [Double](repeating: 0.5, count: 10)) }
    }
}
