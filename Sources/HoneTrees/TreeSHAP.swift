import HoneCore

/// Exact SHAP values of tree models in polynomial time: the path algorithm of
/// Lundberg, Erion & Lee 2018 ("Consistent Individualized Feature Attribution for Tree
/// Ensembles", arXiv 1802.03888, Algorithm 2).
///
/// A feature coalition S is valued by the tree's conditional expectation given the
/// features in S: at a split on a feature in S the row follows its own branch, at any
/// other split both branches count in proportion to their training cover. Walking
/// every root-to-leaf path once while tracking, per feature on the path, the share of
/// coalition sizes that reach the leaf gives the exact Shapley values in
/// O(leaves · depth²) per tree and row.
extension TreeModel {
    /// The raw output explained when none is named: the positive class of a two-class
    /// forest or tree (which predicts both class fractions), else output 0 (a boosted
    /// binary model's margin, a regression value).
    public var defaultExplainedOutput: Int {
        rawOutputCount == 2 && kind != .gradientBoosting ? 1 : 0
    }

    /// The mean raw output `output` over the training rows (cover-weighted leaf values): the
    /// SHAP base value, so that `expectedValue + Σ shapValues = raw output` for every row.
    public func expectedValue(output: Int? = nil) -> Double {
        let k = output ?? defaultExplainedOutput
        var total = baseScore[k]
        for (t, tree) in trees.enumerated() {
            let valueIndex = k - treeOutputOffsets[t]
            guard valueIndex >= 0, valueIndex < tree.outputCount, tree.cover[0] > 0 else { continue }
            var sum = 0.0
            for node in 0..<tree.nodeCount where tree.isLeaf(node) {
                sum += tree.cover[node] * tree.values[node * tree.outputCount + valueIndex]
            }
            total += treeWeight * sum / tree.cover[0]
        }
        return total
    }

    /// The SHAP value of every feature for every row of `rows`, explaining raw output
    /// `output` (margins for boosted classifiers, class fractions for forests).
    public func shapValues(rows: FeatureMatrix, output: Int? = nil) throws -> [[Double]] {
        try checkFeatureCount(rows)
        let k = output ?? defaultExplainedOutput
        guard (0..<rawOutputCount).contains(k) else {
            throw TreesError.invalidConfiguration(field: "output", expected: "an output below \(rawOutputCount), got \(k)")
        }
        let deepest = trees.map(\.depth).max() ?? 0
        let pathCapacity = (deepest + 2) * (deepest + 3) / 2
        var phi = [Double](repeating: 0, count: rows.rowCount * featureCount)
        let cost = trees.reduce(0) { $0 + $1.nodeCount } * max(deepest, 1)
        rows.values.withUnsafeBufferPointer { values in
            phi.withUnsafeMutableBufferPointer { phi in
                Parallel.forEachChunk(rows.rowCount, costPerItem: cost) { chunk in
                    let path = UnsafeMutablePointer<PathElement>.allocate(capacity: pathCapacity)
                    defer { path.deallocate() }
                    for row in chunk {
                        let x = UnsafeBufferPointer(rebasing: values[(row * featureCount)..<((row + 1) * featureCount)])
                        let out = phi.baseAddress! + row * featureCount
                        for (t, tree) in trees.enumerated() {
                            let valueIndex = k - treeOutputOffsets[t]
                            guard valueIndex >= 0, valueIndex < tree.outputCount else { continue }
                            var walk = TreeSHAPWalk(tree: tree, valueIndex: valueIndex, scale: treeWeight, x: x, phi: out)
                            walk.recurse(node: 0, path: path, depth: 0, zeroFraction: 1, oneFraction: 1, feature: -1)
                        }
                    }
                }
            }
        }
        return (0..<rows.rowCount).map { Array(phi[($0 * featureCount)..<(($0 + 1) * featureCount)]) }
    }
}

/// One feature on the current root-to-leaf path: the fraction of cover that reaches here
/// when the feature is left out (`zeroFraction`) or kept (`oneFraction`: 1 or 0, whether
/// the row itself goes this way), and the weight of the coalition sizes (`weight`).
struct PathElement {
    var feature: Int
    var zeroFraction: Double
    var oneFraction: Double
    var weight: Double
}

/// The recursion of Algorithm 2 for one tree and one row; each level copies its path
/// after its parent's in one buffer.
struct TreeSHAPWalk {
    let tree: Tree
    let valueIndex: Int
    let scale: Double
    let x: UnsafeBufferPointer<Double>
    let phi: UnsafeMutablePointer<Double>

    /// EXTEND: adds a feature to the path, updating the coalition-size weights.
    private func extend(_ path: UnsafeMutablePointer<PathElement>, _ depth: Int, _ zero: Double, _ one: Double, _ feature: Int) {
        path[depth] = PathElement(feature: feature, zeroFraction: zero, oneFraction: one, weight: depth == 0 ? 1 : 0)
        var i = depth - 1
        while i >= 0 {
            path[i + 1].weight += one * path[i].weight * Double(i + 1) / Double(depth + 1)
            path[i].weight = zero * path[i].weight * Double(depth - i) / Double(depth + 1)
            i -= 1
        }
    }

    /// UNWIND: removes the feature at `index` from the path, undoing its EXTEND.
    private func unwind(_ path: UnsafeMutablePointer<PathElement>, _ depth: Int, _ index: Int) {
        let one = path[index].oneFraction
        let zero = path[index].zeroFraction
        var next = path[depth].weight
        var i = depth - 1
        while i >= 0 {
            if one != 0 {
                let saved = path[i].weight
                path[i].weight = next * Double(depth + 1) / (Double(i + 1) * one)
                next = saved - path[i].weight * zero * Double(depth - i) / Double(depth + 1)
            } else {
                path[i].weight = path[i].weight * Double(depth + 1) / (zero * Double(depth - i))
            }
            i -= 1
        }
        for j in index..<depth {
            path[j].feature = path[j + 1].feature
            path[j].zeroFraction = path[j + 1].zeroFraction
            path[j].oneFraction = path[j + 1].oneFraction
        }
    }

    /// The total weight the path would have with the feature at `index` unwound, without changing it.
    private func unwoundSum(_ path: UnsafeMutablePointer<PathElement>, _ depth: Int, _ index: Int) -> Double {
        let one = path[index].oneFraction
        let zero = path[index].zeroFraction
        var next = path[depth].weight
        var total = 0.0
        var i = depth - 1
        while i >= 0 {
            if one != 0 {
                let w = next * Double(depth + 1) / (Double(i + 1) * one)
                total += w
                next = path[i].weight - w * zero * Double(depth - i) / Double(depth + 1)
            } else {
                total += path[i].weight / zero / (Double(depth - i) / Double(depth + 1))
            }
            i -= 1
        }
        return total
    }

    mutating func recurse(
        node: Int, path parentPath: UnsafeMutablePointer<PathElement>, depth: Int,
        zeroFraction: Double, oneFraction: Double, feature: Int
    ) {
        // This level's path starts right after the parent's (which has `depth` elements).
        let path = parentPath + depth
        path.update(from: parentPath, count: depth)
        extend(path, depth, zeroFraction, oneFraction, feature)
        if tree.isLeaf(node) {
            let value = tree.values[node * tree.outputCount + valueIndex] * scale
            if depth > 0 {
                for i in 1...depth {
                    let w = unwoundSum(path, depth, i)
                    let element = path[i]
                    phi[element.feature] += w * (element.oneFraction - element.zeroFraction) * value
                }
            }
            return
        }
        let split = Int(tree.feature[node])
        let goesLeft = tree.goesLeft(node, value: x[split])
        let hot = Int(goesLeft ? tree.left[node] : tree.right[node])
        let cold = Int(goesLeft ? tree.right[node] : tree.left[node])
        let cover = tree.cover[node]
        var incomingZero = 1.0
        var incomingOne = 1.0
        var depth = depth
        // A feature met again on the path is taken out and put back with both splits' fractions.
        var index = 0
        while index <= depth, path[index].feature != split { index += 1 }
        if index <= depth {
            incomingZero = path[index].zeroFraction
            incomingOne = path[index].oneFraction
            unwind(path, depth, index)
            depth -= 1
        }
        let hotZero = cover > 0 ? tree.cover[hot] / cover : 0
        let coldZero = cover > 0 ? tree.cover[cold] / cover : 0
        recurse(node: hot, path: path, depth: depth + 1, zeroFraction: hotZero * incomingZero, oneFraction: incomingOne, feature: split)
        recurse(node: cold, path: path, depth: depth + 1, zeroFraction: coldZero * incomingZero, oneFraction: 0, feature: split)
    }
}
