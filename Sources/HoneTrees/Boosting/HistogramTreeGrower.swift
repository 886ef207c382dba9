import HoneCore

/// Grows one regression tree on gradients and hessians from binned features, the way
/// LightGBM does (Ke et al. 2017): per-leaf gradient histograms, the smaller child's
/// histogram built from its rows and the larger one's obtained by subtracting it from
/// the parent's, and leaves split best-first (or level by level) until `maxLeaves`.
///
/// The grower keeps its buffers between trees; one grower serves one fit.
final class HistogramTreeGrower {
    private let bins: [UInt8]
    private let rowCount: Int
    private let featureCount: Int
    private let binning: FeatureBinning
    private let rules: SplitRules
    private let maxLeaves: Int
    private let maxDepth: Int
    private let growth: GradientBoostingOptions.Growth
    private let learningRate: Double
    private var indices: [Int32]
    private var scratch: [Int32]
    private var orderedGradients: [Double]
    private let histogramSize: Int
    private var histograms: [UnsafeMutablePointer<Double>] = []
    private var freeHistograms: [Int] = []

    /// One leaf of the tree being grown: its rows are `indices[start ..< start + count]`.
    private struct Leaf {
        var node: Int
        var start: Int
        var count: Int
        var stats: GradientStats
        var depth: Int
        var histogram: Int
        var split: BoostingSplit
    }

    /// The binned training rows (`bins[feature * rowCount + row]`) and how to grow.
    init(bins: [UInt8], rowCount: Int, binning: FeatureBinning, options: GradientBoostingOptions) {
        self.bins = bins
        self.rowCount = rowCount
        featureCount = binning.isCategorical.count
        self.binning = binning
        rules = SplitRules(options)
        maxLeaves = options.maxLeaves
        maxDepth = options.maxDepth ?? Int.max
        growth = options.growth
        learningRate = options.learningRate
        indices = [Int32](repeating: 0, count: rowCount)
        scratch = [Int32](repeating: 0, count: rowCount)
        orderedGradients = [Double](repeating: 0, count: 2 * rowCount)
        histogramSize = featureCount * HistogramSplitFinder.featureStride
    }

    deinit {
        for buffer in histograms { buffer.deallocate() }
    }

    /// A tree fitted to `gradients` and `hessians` over `rows` (sorted row numbers), splitting only on `features`.
    ///
    /// Leaf values are −G / (H + λ) times the learning rate; covers are row counts.
    /// Also returns, per node, the bin threshold of its split, for routing binned rows.
    func grow(gradients: [Double], hessians: [Double], rows: [Int32], features: [Int]) -> (tree: Tree, thresholdBins: [Int]) {
        var tree = Tree(outputCount: 1)
        var thresholdBins: [Int] = []
        for (i, row) in rows.enumerated() { indices[i] = row }
        var total = GradientStats()
        for row in rows {
            total.g += gradients[Int(row)]
            total.h += hessians[Int(row)]
        }
        total.n = Double(rows.count)
        freeHistograms = Array(histograms.indices.reversed())
        let rootHistogram = takeHistogram()
        build(histogram: rootHistogram, start: 0, count: rows.count, features: features, gradients: gradients, hessians: hessians)
        let root = tree.appendLeaf(cover: total.n, values: [leafValue(total)])
        thresholdBins.append(0)
        var leaves = [Leaf(node: root, start: 0, count: rows.count, stats: total, depth: 0, histogram: rootHistogram, split: BoostingSplit())]
        leaves[0].split = canSplit(leaves[0]) ? findSplit(leaves[0], features: features) : BoostingSplit()

        while leaves.count < maxLeaves, let chosen = nextLeafToSplit(leaves) {
            let parent = leaves[chosen]
            let split = parent.split
            let leftCount = partition(parent, split)
            let leftNode = tree.appendLeaf(cover: split.left.n, values: [leafValue(split.left)])
            let rightNode = tree.appendLeaf(cover: split.right.n, values: [leafValue(split.right)])
            thresholdBins += [0, 0]
            thresholdBins[parent.node] = split.thresholdBin
            let threshold = split.categories == nil ? binning.upperBounds[split.feature][split.thresholdBin - 1] : 0
            tree.makeSplit(
                parent.node, feature: split.feature, threshold: threshold, categories: split.categories,
                missingGoesLeft: split.missingGoesLeft, gain: split.gain, left: leftNode, right: rightNode)

            var left = Leaf(node: leftNode, start: parent.start, count: leftCount, stats: split.left,
                            depth: parent.depth + 1, histogram: -1, split: BoostingSplit())
            var right = Leaf(node: rightNode, start: parent.start + leftCount, count: parent.count - leftCount,
                             stats: split.right, depth: parent.depth + 1, histogram: -1, split: BoostingSplit())
            if canSplit(left) || canSplit(right) {
                // Build the smaller child's histogram; the parent's buffer becomes the larger child's.
                let smallerIsLeft = left.count <= right.count
                let small = takeHistogram()
                let smaller = smallerIsLeft ? left : right
                build(histogram: small, start: smaller.start, count: smaller.count, features: features,
                      gradients: gradients, hessians: hessians)
                subtract(histograms[small], from: histograms[parent.histogram], features: features)
                left.histogram = smallerIsLeft ? small : parent.histogram
                right.histogram = smallerIsLeft ? parent.histogram : small
                left.split = canSplit(left) ? findSplit(left, features: features) : BoostingSplit()
                right.split = canSplit(right) ? findSplit(right, features: features) : BoostingSplit()
            } else {
                freeHistograms.append(parent.histogram)
            }
            leaves[chosen] = left
            leaves.append(right)
        }
        return (tree, thresholdBins)
    }

    private func leafValue(_ s: GradientStats) -> Double { -s.g / (s.h + rules.lambda) * learningRate }

    private func canSplit(_ leaf: Leaf) -> Bool {
        leaf.depth < maxDepth && Double(leaf.count) >= 2 * rules.minSamplesLeaf
    }

    private func findSplit(_ leaf: Leaf, features: [Int]) -> BoostingSplit {
        HistogramSplitFinder.best(
            histogram: histograms[leaf.histogram], features: features, total: leaf.stats, binning: binning, rules: rules)
    }

    /// The leaf to split next: the best gain (leaf-wise) or the shallowest (depth-wise); nil when none can.
    private func nextLeafToSplit(_ leaves: [Leaf]) -> Int? {
        var chosen: Int? = nil
        for (i, leaf) in leaves.enumerated() where leaf.split.isValid {
            guard let current = chosen else {
                chosen = i
                continue
            }
            let other = leaves[current]
            let better = growth == .leafWise
                ? leaf.split.gain > other.split.gain
                : (leaf.depth, leaf.node) < (other.depth, other.node)
            if better { chosen = i }
        }
        return chosen
    }

    private func takeHistogram() -> Int {
        if let free = freeHistograms.popLast() { return free }
        histograms.append(UnsafeMutablePointer<Double>.allocate(capacity: histogramSize))
        return histograms.count - 1
    }

    /// Fills `histogram` for the active features from the rows `indices[start ..< start + count]`,
    /// features spread over threads when the leaf is large.
    private func build(
        histogram: Int, start: Int, count: Int, features: [Int], gradients: [Double], hessians: [Double]
    ) {
        let target = histograms[histogram]
        let rows = rowCount
        indices.withUnsafeBufferPointer { indices in
            orderedGradients.withUnsafeMutableBufferPointer { ordered in
                gradients.withUnsafeBufferPointer { g in
                    hessians.withUnsafeBufferPointer { h in
                        for i in 0..<count {
                            let row = Int(indices[start + i])
                            ordered[2 * i] = g[row]
                            ordered[2 * i + 1] = h[row]
                        }
                    }
                }
                let ordered = UnsafePointer(ordered.baseAddress!)
                bins.withUnsafeBufferPointer { bins in
                    Parallel.forEachChunk(features.count, costPerItem: count) { chunk in
                        for feature in features[chunk] {
                            let column = bins.baseAddress! + feature * rows
                            let out = target + feature * HistogramSplitFinder.featureStride
                            out.initialize(repeating: 0, count: HistogramSplitFinder.featureStride)
                            var i = 0
                            while i < count {
                                let bin = Int(column[Int(indices[start + i])]) * 3
                                out[bin] += ordered[2 * i]
                                out[bin + 1] += ordered[2 * i + 1]
                                out[bin + 2] += 1
                                i += 1
                            }
                        }
                    }
                }
            }
        }
    }

    /// `parent -= child` over the active features: the histogram subtraction trick.
    private func subtract(_ child: UnsafeMutablePointer<Double>, from parent: UnsafeMutablePointer<Double>, features: [Int]) {
        for feature in features {
            let offset = feature * HistogramSplitFinder.featureStride
            for i in offset..<(offset + HistogramSplitFinder.featureStride) { parent[i] -= child[i] }
        }
    }

    /// Reorders the leaf's rows so the left child's come first (keeping their order); returns how many go left.
    private func partition(_ leaf: Leaf, _ split: BoostingSplit) -> Int {
        let column = split.feature * rowCount
        var leftCount = 0
        var rightCount = 0
        bins.withUnsafeBufferPointer { bins in
            indices.withUnsafeMutableBufferPointer { indices in
                scratch.withUnsafeMutableBufferPointer { scratch in
                    for i in leaf.start..<(leaf.start + leaf.count) {
                        let row = indices[i]
                        if Self.goesLeft(bin: bins[column + Int(row)], split.thresholdBin, split.missingGoesLeft, split.categories) {
                            indices[leaf.start + leftCount] = row
                            leftCount += 1
                        } else {
                            scratch[rightCount] = row
                            rightCount += 1
                        }
                    }
                    for i in 0..<rightCount { indices[leaf.start + leftCount + i] = scratch[i] }
                }
            }
        }
        return leftCount
    }

    /// Whether a row in `bin` goes left at a split with these settings.
    @inline(__always)
    static func goesLeft(bin: UInt8, _ thresholdBin: Int, _ missingGoesLeft: Bool, _ categories: [UInt64]?) -> Bool {
        if bin == 0 { return missingGoesLeft }
        if let categories {
            let code = Int(bin) - 1
            return categories[code >> 6] & (1 << UInt64(code & 63)) != 0
        }
        return Int(bin) <= thresholdBin
    }
}
