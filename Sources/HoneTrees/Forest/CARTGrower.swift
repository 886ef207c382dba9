import Foundation
import HoneCore

/// Grows one CART tree (Breiman et al. 1984) on binned features, depth first, splitting
/// each node on the best of a fresh random draw of features.
///
/// A node's rows fill a per-feature table of (class weights, or weighted target sum and
/// weight) per bin; only the bins the node's rows occupy are scanned and cleared, so a
/// small deep node costs as little as its rows. Row weights are bootstrap multiplicities
/// (1 for a lone tree); rows of weight 0 are left out.
struct CARTGrower {
    let bins: [UInt8]
    let rowCount: Int
    let binning: FeatureBinning
    let options: DecisionTreeOptions
    /// Class count (classification) or 1 (regression).
    let classCount: Int

    private var channels: Int { options.isRegression ? 2 : classCount }

    /// A node waiting to be split: its rows are `indices[start ..< start + count]`.
    private struct Pending {
        var node: Int
        var start: Int
        var count: Int
        var depth: Int
        var stats: [Double]
    }

    /// The best split of one node.
    private struct Split {
        var feature = -1
        var gain = 0.0
        var thresholdBin = 0
        var missingGoesLeft = false
        var left: [Double] = []
        var right: [Double] = []
    }

    /// A tree on the rows with positive `weights`, and each node's last left bin for binned routing.
    func grow(labels: [Double], weights: [Double], rng: inout SeededGenerator) -> (tree: Tree, thresholdBins: [Int]) {
        let featureCount = binning.isCategorical.count
        let draws = options.maxFeatures.resolve(featureCount)
        var indices = (0..<rowCount).filter { weights[$0] > 0 }.map { Int32($0) }
        // Each row's weight and label travel with it through the partitions, so a node reads
        // them contiguously instead of gathering them from all rows for every feature.
        var rowWeights = indices.map { weights[Int($0)] }
        var rowLabels = indices.map { labels[Int($0)] }
        var scratch = [Int32](repeating: 0, count: indices.count)
        var scratchWeights = [Double](repeating: 0, count: indices.count)
        var scratchLabels = [Double](repeating: 0, count: indices.count)
        var table = [Double](repeating: 0, count: 256 * channels)
        var featureOrder = Array(0..<featureCount)
        var tree = Tree(outputCount: options.isRegression ? 1 : classCount)
        var thresholdBins: [Int] = []

        var rootStats = [Double](repeating: 0, count: channels)
        for row in indices { accumulate(&rootStats, 0, row: Int(row), labels: labels, weights: weights) }
        let root = tree.appendLeaf(cover: weight(rootStats), values: leafValues(rootStats))
        thresholdBins.append(0)
        var stack = [Pending(node: root, start: 0, count: indices.count, depth: 0, stats: rootStats)]

        while let pending = stack.popLast() {
            guard shouldTrySplit(pending) else { continue }
            var best = Split()
            var informative = 0
            var drawn = 0
            // Draw features one by one until `draws` of them vary in this node (scikit-learn's rule).
            while informative < draws, drawn < featureCount {
                let pick = drawn + rng.nextInt(below: featureCount - drawn)
                featureOrder.swapAt(drawn, pick)
                let feature = featureOrder[drawn]
                drawn += 1
                if evaluate(feature, pending, indices: indices, labels: rowLabels, weights: rowWeights, table: &table, best: &best) {
                    informative += 1
                }
            }
            guard best.feature >= 0 else { continue }
            // Stable partition: left rows first.
            let column = best.feature * rowCount
            var leftCount = 0
            var rightCount = 0
            for i in pending.start..<(pending.start + pending.count) {
                let row = indices[i]
                let bin = bins[column + Int(row)]
                if bin == 0 ? best.missingGoesLeft : Int(bin) <= best.thresholdBin {
                    indices[pending.start + leftCount] = row
                    rowWeights[pending.start + leftCount] = rowWeights[i]
                    rowLabels[pending.start + leftCount] = rowLabels[i]
                    leftCount += 1
                } else {
                    scratch[rightCount] = row
                    scratchWeights[rightCount] = rowWeights[i]
                    scratchLabels[rightCount] = rowLabels[i]
                    rightCount += 1
                }
            }
            for i in 0..<rightCount {
                indices[pending.start + leftCount + i] = scratch[i]
                rowWeights[pending.start + leftCount + i] = scratchWeights[i]
                rowLabels[pending.start + leftCount + i] = scratchLabels[i]
            }
            let leftNode = tree.appendLeaf(cover: weight(best.left), values: leafValues(best.left))
            let rightNode = tree.appendLeaf(cover: weight(best.right), values: leafValues(best.right))
            thresholdBins += [0, 0]
            thresholdBins[pending.node] = best.thresholdBin
            tree.makeSplit(
                pending.node, feature: best.feature, threshold: binning.upperBounds[best.feature][best.thresholdBin - 1],
                categories: nil, missingGoesLeft: best.missingGoesLeft, gain: best.gain, left: leftNode, right: rightNode)
            stack.append(Pending(node: rightNode, start: pending.start + leftCount, count: rightCount, depth: pending.depth + 1, stats: best.right))
            stack.append(Pending(node: leftNode, start: pending.start, count: leftCount, depth: pending.depth + 1, stats: best.left))
        }
        return (tree, thresholdBins)
    }

    private func shouldTrySplit(_ node: Pending) -> Bool {
        if let maxDepth = options.maxDepth, node.depth >= maxDepth { return false }
        let total = weight(node.stats)
        if total < Double(max(options.minSamplesSplit, 2 * options.minSamplesLeaf)) { return false }
        if !options.isRegression, node.stats.contains(where: { $0 == total }) { return false }
        return true
    }

    @inline(__always)
    private func accumulate(_ stats: inout [Double], _ base: Int, row: Int, labels: [Double], weights: [Double]) {
        let w = weights[row]
        if options.isRegression {
            stats[base] += w * labels[row]
            stats[base + 1] += w
        } else {
            stats[base + Int(labels[row])] += w
        }
    }

    /// The total weight of a node's statistics.
    private func weight(_ stats: [Double]) -> Double {
        options.isRegression ? stats[1] : stats.reduce(0, +)
    }

    /// Class fractions, or the mean target.
    private func leafValues(_ stats: [Double]) -> [Double] {
        let total = weight(stats)
        guard total > 0 else { return [Double](repeating: 0, count: options.isRegression ? 1 : classCount) }
        return options.isRegression ? [stats[0] / total] : stats.map { $0 / total }
    }

    /// The impurity term a split maximizes for one side: Σ cₖ²/w (Gini), Σ cₖ log(cₖ/w)
    /// (entropy) or s²/w (squared error); the gain is children's terms minus the parent's.
    @inline(__always)
    private func purity(_ table: UnsafePointer<Double>) -> Double {
        if options.isRegression { return table[1] > 0 ? table[0] * table[0] / table[1] : 0 }
        var total = 0.0
        for k in 0..<classCount { total += table[k] }
        guard total > 0 else { return 0 }
        var sum = 0.0
        if options.criterion == .entropy {
            for k in 0..<classCount where table[k] > 0 { sum += table[k] * log(table[k] / total) }
        } else {
            for k in 0..<classCount { sum += table[k] * table[k] }
            sum /= total
        }
        return sum
    }

    /// Scores every split of `feature` for the node, keeping the best in `best`; returns
    /// whether the feature takes more than one value there. `labels` and `weights` are
    /// aligned with `indices`.
    private func evaluate(
        _ feature: Int, _ node: Pending, indices: [Int32], labels: [Double], weights: [Double],
        table: inout [Double], best: inout Split
    ) -> Bool {
        let c = channels
        var occupied: [UInt64] = [0, 0, 0, 0]
        let column = feature * rowCount
        let regression = options.isRegression
        table.withUnsafeMutableBufferPointer { table in
            occupied.withUnsafeMutableBufferPointer { occupied in
                bins.withUnsafeBufferPointer { bins in
                    indices.withUnsafeBufferPointer { indices in
                        weights.withUnsafeBufferPointer { weights in
                            labels.withUnsafeBufferPointer { labels in
                                let binColumn = bins.baseAddress! + column
                                let table = table.baseAddress!
                                let occupied = occupied.baseAddress!
                                var i = node.start
                                let end = node.start + node.count
                                if regression {
                                    while i < end {
                                        let bin = Int(binColumn[Int(indices[i])])
                                        table[bin &* 2] += weights[i] * labels[i]
                                        table[bin &* 2 &+ 1] += weights[i]
                                        occupied[bin >> 6] |= UInt64(1) << UInt64(bin & 63)
                                        i &+= 1
                                    }
                                } else {
                                    while i < end {
                                        let bin = Int(binColumn[Int(indices[i])])
                                        table[bin &* c &+ Int(labels[i])] += weights[i]
                                        occupied[bin >> 6] |= UInt64(1) << UInt64(bin & 63)
                                        i &+= 1
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        var occupiedBins: [Int] = []
        for (word, mask) in occupied.enumerated() {
            var m = mask
            while m != 0 {
                occupiedBins.append(word * 64 + m.trailingZeroBitCount)
                m &= m - 1
            }
        }
        defer {
            for bin in occupiedBins { for k in 0..<c { table[bin * c + k] = 0 } }
        }
        guard occupiedBins.count > 1 else { return false }
        let minLeaf = Double(options.minSamplesLeaf)
        table.withUnsafeBufferPointer { table in
            let parentPurity = node.stats.withUnsafeBufferPointer { purity($0.baseAddress!) }
            var left = [Double](repeating: 0, count: c)
            var right = [Double](repeating: 0, count: c)
            let hasMissing = occupiedBins[0] == 0
            for missingLeft in hasMissing ? [false, true] : [false] {
                for k in 0..<c { left[k] = missingLeft ? table[k] : 0 }
                for bin in occupiedBins where bin != 0 {
                    for k in 0..<c { left[k] += table[bin * c + k] }
                    for k in 0..<c { right[k] = node.stats[k] - left[k] }
                    let leftWeight = weight(left)
                    let rightWeight = weight(right)
                    if rightWeight < minLeaf * (1 - 1e-12) { break }
                    if leftWeight < minLeaf * (1 - 1e-12) { continue }
                    let gain = left.withUnsafeBufferPointer { purity($0.baseAddress!) }
                        + right.withUnsafeBufferPointer { purity($0.baseAddress!) } - parentPurity
                    if gain > max(best.gain, 1e-12 * weight(node.stats)) {
                        best = Split(feature: feature, gain: gain, thresholdBin: bin, missingGoesLeft: missingLeft, left: left, right: right)
                    }
                }
            }
        }
        return true
    }
}
