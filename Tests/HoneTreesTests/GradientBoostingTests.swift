import Foundation
import Testing
@testable import HoneTrees

struct GradientBoostingTests {
    @Test func minSamplesLeafCountsRowsNotTheirShareOfTheHessian() throws {
        // 45 rows, x = 0 … 44. Rows 0–4: g = −1, h = 1; rows 5–44: g = 0.1, h = 0.125.
        // G = −1, H = 10. Splitting after k rows: G_L = −5 + 0.1(k − 5), H_L = 5 + 0.125(k − 5),
        // and the right side's G²/H is 0.08(45 − k); the gain falls with k from k = 5 on.
        // k = 5: 25/5 + 3.2 − 0.1 = 8.1, but its left child has 5 rows. LightGBM estimates
        // counts as 45·H_side/H = 22.5 per side and takes it; Hone counts rows, so with 20 rows
        // per leaf the best split is k = 20: 12.25/6.875 + 2 − 0.1 = 3.681818…
        let x = try FeatureMatrix(rowCount: 45, featureCount: 1, values: (0..<45).map(Double.init))
        let gradients = (0..<45).map { $0 < 5 ? -1.0 : 0.1 }, hessians = (0..<45).map { $0 < 5 ? 1.0 : 0.125 }
        func stump(minSamplesLeaf: Int) throws -> Tree {
            var options = GradientBoostingOptions()
            options.maxLeaves = 2
            options.learningRate = 1
            options.minSamplesLeaf = minSamplesLeaf
            let binning = try FeatureBinning(x, maxBins: 255, categorical: [])
            let grower = HistogramTreeGrower(bins: binning.binColumns(x), rowCount: 45, binning: binning, options: options)
            return grower.grow(gradients: gradients, hessians: hessians, rows: (0..<45).map(Int32.init), features: [0]).tree
        }
        let counted = try stump(minSamplesLeaf: 20)
        #expect(counted.threshold[0] == 19.5)
        #expect(abs(counted.gain[0] - (12.25 / 6.875 + 2 - 0.1)) < 1e-12)
        #expect(counted.cover[Int(counted.left[0])] == 20 && counted.cover[Int(counted.right[0])] == 25)
        #expect(abs(counted.values[Int(counted.left[0])] - 3.5 / 6.875) < 1e-12)
        let loose = try stump(minSamplesLeaf: 5)
        #expect(loose.threshold[0] == 4.5)
        #expect(abs(loose.gain[0] - 8.1) < 1e-12)
        #expect(loose.values[Int(loose.left[0])] == 1)
    }

    @Test func stumpSplitsWhereExhaustiveSearchDoesAndLeafValuesAreNewtonSteps() throws {
        // Squared error from a zero start, so the gradients are −y and hessians 1.
        let xs: [Double] = [0.3, 1.7, 2.2, 0.9, 3.1, 2.8, 0.1, 1.2, 2.5, 3.6]
        let ys: [Double] = [1.0, 2.0, 5.0, 1.5, 6.0, 5.5, 0.5, 2.5, 4.0, 7.0]
        var options = GradientBoostingOptions()
        options.objective = .squaredError
        options.rounds = 1
        options.maxLeaves = 2
        options.minSamplesLeaf = 1
        options.lambda = 1.5
        options.learningRate = 0.5
        let model = try GradientBoosting.fit(try FeatureMatrix(rows: xs.map { [$0] }), labels: ys, options: options)
        let mean = ys.reduce(0, +) / Double(ys.count)
        // Exhaustive search of G²/(H + λ) over every cut between sorted values.
        let order = xs.indices.sorted { xs[$0] < xs[$1] }
        var bestGain = -Double.infinity
        var bestCut = 0.0
        for cut in 1..<order.count {
            let left = order[..<cut].map { mean - ys[$0] }
            let right = order[cut...].map { mean - ys[$0] }
            let score = { (g: [Double]) in g.reduce(0, +) * g.reduce(0, +) / (Double(g.count) + 1.5) }
            let gain = score(left) + score(right)
            if gain > bestGain {
                bestGain = gain
                bestCut = (xs[order[cut - 1]] + xs[order[cut]]) / 2
            }
        }
        let tree = model.trees[0]
        #expect(abs(tree.threshold[0] - bestCut) < 1e-12)
        for child in [Int(tree.left[0]), Int(tree.right[0])] {
            let members = xs.indices.filter { (xs[$0] <= bestCut) == (child == Int(tree.left[0])) }
            let g = members.map { mean - ys[$0] }.reduce(0, +)
            let expected = -g / (Double(members.count) + 1.5) * 0.5
            #expect(abs(tree.values[child] - expected) < 1e-12)
        }
    }

    @Test func binaryBoostingLearnsAndRespectsLeafLimit() throws {
        let (x, y) = TestData.binary(rows: 3000)
        let (testX, testY) = TestData.binary(rows: 1000, seed: 2)
        var options = GradientBoostingOptions()
        options.rounds = 60
        options.maxLeaves = 7
        let model = try GradientBoosting.fit(x, labels: y, options: options)
        let predicted = try model.predictLabels(testX)
        let accuracy = Double(zip(predicted, testY).filter { $0 == $1 }.count) / Double(testY.count)
        #expect(accuracy > 0.9)
        for tree in model.trees { #expect(tree.nodeCount <= 2 * 7 - 1) }
        let importance = model.featureImportance(.gain)
        #expect(importance[0] > importance[3] && importance[0] > importance[4])
        #expect(model.featureImportance(.splitCount).reduce(0, +) == Double(model.trees.map { ($0.nodeCount - 1) / 2 }.reduce(0, +)))
    }

    @Test func depthWiseGrowthStopsAtMaxDepth() throws {
        let (x, y) = TestData.binary(rows: 2000)
        var options = GradientBoostingOptions()
        options.growth = .depthWise
        options.maxDepth = 3
        options.maxLeaves = 1000
        options.rounds = 5
        let model = try GradientBoosting.fit(x, labels: y, options: options)
        #expect(model.trees.allSatisfy { $0.depth <= 3 })
        #expect(model.trees.contains { $0.depth == 3 && $0.nodeCount == 15 })
    }

    @Test func missingValuesGoToTheSideTheyPredict() throws {
        // The label is 1 exactly where feature 0 is missing; among present values it follows feature 1.
        var values: [Double] = []
        var labels: [Double] = []
        for r in 0..<1000 {
            let missing = r % 4 == 0
            let other = Double(r % 17) - 8
            values += [missing ? .nan : Double(r % 13) - 6, other]
            labels.append(missing ? 1 : (other > 5 ? 1 : 0))
        }
        let x = try FeatureMatrix(rowCount: 1000, featureCount: 2, values: values)
        var options = GradientBoostingOptions()
        options.rounds = 30
        let model = try GradientBoosting.fit(x, labels: labels, options: options)
        let probe = try FeatureMatrix(rows: [[.nan, -3], [2, -3]])
        let p = try model.predict(probe)
        #expect(p[0][1] > 0.9)
        #expect(p[1][1] < 0.1)
    }

    @Test func nativeCategoricalSplitGroupsCategoriesInOneSplit() throws {
        // Categories 1, 4 and 7 of twelve mean class 1.
        let positive: Set<Int> = [1, 4, 7]
        var values: [Double] = []
        var labels: [Double] = []
        for r in 0..<1200 {
            let code = (r * 7) % 12
            values.append(Double(code))
            labels.append(positive.contains(code) ? 1 : 0)
        }
        let x = try FeatureMatrix(rowCount: 1200, featureCount: 1, values: values)
        var options = GradientBoostingOptions()
        options.rounds = 1
        options.maxLeaves = 2
        options.categoricalFeatures = [0]
        let native = try GradientBoosting.fit(x, labels: labels, options: options)
        let tree = native.trees[0]
        let set = Int(tree.categorySet[0])
        #expect(set >= 0)
        let left = (0..<12).filter { tree.categoryWords[set * 4] & (1 << UInt64($0)) != 0 }
        #expect(Set(left) == positive || Set(left) == Set(0..<12).subtracting(positive))
        options.categoricalSplit = .oneHot
        let oneHot = try GradientBoosting.fit(x, labels: labels, options: options)
        let oneSet = Int(oneHot.trees[0].categorySet[0])
        #expect(oneHot.trees[0].categoryWords[oneSet * 4].nonzeroBitCount == 1)
    }

    @Test func softmaxGivesCalibratedProbabilitiesOverThreeClasses() throws {
        let (x, y) = TestData.make(rows: 1500, features: 3, seed: 4) { x, _ in x[0] > 0.5 ? 2 : (x[1] > 0 ? 1 : 0) }
        var options = GradientBoostingOptions()
        options.objective = .softmax(classCount: 3)
        options.rounds = 40
        let model = try GradientBoosting.fit(x, labels: y, options: options)
        #expect(model.trees.count == 120)
        let p = try model.predict(x)
        #expect(p.allSatisfy { abs($0.reduce(0, +) - 1) < 1e-12 && $0.count == 3 })
        let accuracy = Double(zip(try model.predictLabels(x), y).filter { $0 == $1 }.count) / Double(y.count)
        #expect(accuracy > 0.95)
    }

    @Test func earlyStoppingKeepsTheBestRoundOnNoise() throws {
        let (x, y) = TestData.make(rows: 1000, features: 4, seed: 6) { _, rng in rng.nextDouble() < 0.5 ? 1 : 0 }
        var options = GradientBoostingOptions()
        options.rounds = 200
        options.earlyStoppingRounds = 5
        options.rowSubsample = 0.8
        options.columnSubsample = 0.5
        let model = try GradientBoosting.fit(x, labels: y, options: options)
        let best = try #require(model.bestIteration)
        #expect(best < 50)
        #expect(model.trees.count == best)
    }

    @Test func sameSeedGivesTheSameModel() throws {
        let (x, y) = TestData.binary(rows: 800)
        var options = GradientBoostingOptions()
        options.rounds = 10
        options.rowSubsample = 0.7
        options.columnSubsample = 0.6
        options.seed = 11
        let first = try GradientBoosting.fit(x, labels: y, options: options).encoded()
        #expect(try GradientBoosting.fit(x, labels: y, options: options).encoded() == first)
        options.seed = 12
        #expect(try GradientBoosting.fit(x, labels: y, options: options).encoded() != first)
    }

    @Test func badSettingsAndLabelsAreNamedErrors() throws {
        let (x, y) = TestData.binary(rows: 50)
        var options = GradientBoostingOptions()
        options.learningRate = 0
        #expect(throws: TreesError.invalidConfiguration(field: "learning_rate", expected: "a positive number, got 0.0")) {
            try GradientBoosting.fit(x, labels: y, options: options)
        }
        #expect(throws: TreesError.self) { try GradientBoosting.fit(x, labels: y.map { $0 * 2 }) }
        #expect(throws: TreesError.shapeMismatch("49 labels for 50 rows")) { try GradientBoosting.fit(x, labels: Array(y.dropLast())) }
    }
}
