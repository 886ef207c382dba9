import HoneTrees

/// Exact Shapley values of a tree ensemble by enumerating every coalition: the
/// independent reference the TreeSHAP tests compare against.
public enum TreeShapleyReference {
    /// The Shapley values of raw output `output` at `row`, each of the 2^M coalitions valued
    /// as TreeSHAP defines it: known features follow the row, unknown ones average both
    /// branches by training cover. Exponential in the feature count, so for a handful of features.
    public static func values(_ model: TreeModel, row: [Double], output: Int) -> [Double] {
        let m = row.count
        func expectation(_ tree: Tree, _ node: Int, _ known: Int, _ valueIndex: Int) -> Double {
            if tree.isLeaf(node) { return tree.values[node * tree.outputCount + valueIndex] }
            let feature = Int(tree.feature[node]), left = Int(tree.left[node]), right = Int(tree.right[node])
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
                if valueIndex >= 0 && valueIndex < tree.outputCount { total += model.treeWeight * expectation(tree, 0, known, valueIndex) }
            }
            return total
        }
        func factorial(_ n: Int) -> Double { n <= 1 ? 1 : Double(n) * factorial(n - 1) }
        var phi = [Double](repeating: 0, count: m)
        for i in 0..<m {
            for coalition in 0..<(1 << m) where coalition & (1 << i) == 0 {
                let size = coalition.nonzeroBitCount
                phi[i] += factorial(size) * factorial(m - size - 1) / factorial(m) * (value(coalition | (1 << i)) - value(coalition))
            }
        }
        return phi
    }
}
