import Foundation
import HoneCore
@testable import HoneTrees

/// Small seeded data sets and an independent Shapley reference for the tree tests.
enum TestData {
    /// `rows` rows of `features` standard normal features and labels from `label`.
    static func make(rows: Int, features: Int, seed: UInt64, label: ([Double], inout SeededGenerator) -> Double) -> (FeatureMatrix, [Double]) {
        var rng = SeededGenerator(seed: seed)
        var values: [Double] = []
        var labels: [Double] = []
        for _ in 0..<rows {
            let row = (0..<features).map { _ in rng.nextGaussian() }
            values += row
            labels.append(label(row, &rng))
        }
        return (try! FeatureMatrix(rowCount: rows, featureCount: features, values: values), labels)
    }

    /// Two classes decided by a noisy linear rule on the first three features.
    static func binary(rows: Int, features: Int = 5, seed: UInt64 = 1) -> (FeatureMatrix, [Double]) {
        make(rows: rows, features: features, seed: seed) { x, rng in
            x[0] + 0.8 * x[1] - 0.6 * x[2] + 0.3 * rng.nextGaussian() > 0 ? 1 : 0
        }
    }

    /// The exact Shapley values of raw output `output` by enumerating every coalition, with
    /// each coalition valued by the trees' cover-weighted conditional expectation.
    static func bruteForceShapley(_ model: TreeModel, row: [Double], output: Int) -> [Double] {
        let m = row.count
        func expectation(_ tree: Tree, _ node: Int, _ known: Int, _ valueIndex: Int) -> Double {
            if tree.isLeaf(node) { return tree.values[node * tree.outputCount + valueIndex] }
            let feature = Int(tree.feature[node])
            let left = Int(tree.left[node])
            let right = Int(tree.right[node])
            if known & (1 << feature) != 0 {
                return expectation(tree, tree.goesLeft(node, value: row[feature]) ? left : right, known, valueIndex)
            }
            return (tree.cover[left] * expectation(tree, left, known, valueIndex)
                + tree.cover[right] * expectation(tree, right, known, valueIndex)) / tree.cover[node]
        }
        func value(_ known: Int) -> Double {
            var total = model.baseScore[output]
            for (t, tree) in model.trees.enumerated() {
                let valueIndex = output - model.treeOutputOffsets[t]
                if valueIndex >= 0 && valueIndex < tree.outputCount {
                    total += model.treeWeight * expectation(tree, 0, known, valueIndex)
                }
            }
            return total
        }
        func factorial(_ n: Int) -> Double { n <= 1 ? 1 : Double(n) * factorial(n - 1) }
        var phi = [Double](repeating: 0, count: m)
        for i in 0..<m {
            for coalition in 0..<(1 << m) where coalition & (1 << i) == 0 {
                let size = coalition.nonzeroBitCount
                let weight = factorial(size) * factorial(m - size - 1) / factorial(m)
                phi[i] += weight * (value(coalition | (1 << i)) - value(coalition))
            }
        }
        return phi
    }
}
