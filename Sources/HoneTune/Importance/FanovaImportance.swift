import Foundation
import HoneCore

/// How much each hyperparameter explains the objective, normalized to sum to 1.
///
/// fANOVA: a random forest of regression trees is fitted to the finished trials'
/// parameters (on the unit scale of ``ParameterDistribution/toUnit(_:)``, log where asked;
/// categorical parameters split on their choice order) against the objective. For each
/// tree, the variance of the prediction over the uniform measure of the unit cube is
/// decomposed: the importance of a parameter is the variance of its marginal (the tree
/// averaged over every other parameter) divided by the tree's total variance. Importances
/// are averaged over trees, then normalized.
///
/// ### References
/// Hutter, Hoos & Leyton-Brown, "An efficient approach for assessing hyperparameter
/// importance", ICML 2014; Breiman, "Random forests", Machine Learning 45, 2001.
public struct FanovaImportanceEvaluator: Sendable {
    public var nTrees: Int
    public var maxDepth: Int
    public var minSamplesSplit: Int
    public var minSamplesLeaf: Int
    public var seed: UInt64

    public init(nTrees: Int = 64, maxDepth: Int = 64, minSamplesSplit: Int = 2, minSamplesLeaf: Int = 1, seed: UInt64 = 0) {
        self.nTrees = nTrees
        self.maxDepth = maxDepth
        self.minSamplesSplit = minSamplesSplit
        self.minSamplesLeaf = minSamplesLeaf
        self.seed = seed
    }

    /// Importances of `params` (default: every parameter all complete trials share),
    /// most important first. `target` picks the value to explain (default: the single
    /// objective). Trials with non-finite targets are skipped.
    public func evaluate(
        study: StudyView, params: [String]? = nil, target: ((FrozenTrial) -> Double)? = nil
    ) -> [(name: String, importance: Double)] {
        let trials = study.trials(states: [.complete]).filter { $0.values != nil }
        let space = IntersectionSearchSpace(includePruned: false).calculate(trials)
        var names = space.keys.sorted()
        if let params { names = names.filter(params.contains) }
        if names.isEmpty { return [] }
        let value: (FrozenTrial) -> Double = target ?? { $0.values!.first ?? .nan }
        var x: [[Double]] = [], y: [Double] = []
        for t in trials {
            let v = value(t)
            guard v.isFinite else { continue }
            x.append(names.map { space[$0]!.toUnit(t.params[$0]!) })
            y.append(v)
        }
        let imp = importances(x: x, y: y)
        return zip(names, imp).sorted { $0.1 > $1.1 || ($0.1 == $1.1 && $0.0 < $1.0) }.map { (name: $0.0, importance: $0.1) }
    }

    /// Normalized importances of the columns of `x` (points in the unit cube) for `y`.
    public func importances(x: [[Double]], y: [Double]) -> [Double] {
        let d = x.first?.count ?? 0
        guard d > 0, x.count >= 2 else { return [Double](repeating: d > 0 ? 1 / Double(d) : 0, count: d) }
        var rng = SeededGenerator(seed: seed)
        var total = [Double](repeating: 0, count: d)
        var used = 0
        for _ in 0..<nTrees {
            let sample = (0..<x.count).map { _ in rng.nextInt(below: x.count) }
            var tree = RegressionTree(maxDepth: maxDepth, minSamplesSplit: minSamplesSplit, minSamplesLeaf: minSamplesLeaf)
            tree.fit(x: x, y: y, sample: sample, rng: &rng)
            guard let parts = tree.varianceDecomposition(dimensions: d) else { continue }
            for i in 0..<d { total[i] += parts[i] }
            used += 1
        }
        let s = total.reduce(0, +)
        guard used > 0, s > 0 else { return [Double](repeating: 1 / Double(d), count: d) }
        return total.map { $0 / s }
    }
}

/// A CART regression tree (squared error), with the fANOVA decomposition of its prediction.
struct RegressionTree {
    struct Node {
        var feature = -1
        var threshold = 0.0
        var left = -1
        var right = -1
        var value = 0.0
    }

    let maxDepth: Int
    let minSamplesSplit: Int
    let minSamplesLeaf: Int
    var nodes: [Node] = []

    init(maxDepth: Int, minSamplesSplit: Int, minSamplesLeaf: Int) {
        self.maxDepth = maxDepth
        self.minSamplesSplit = max(minSamplesSplit, 2)
        self.minSamplesLeaf = max(minSamplesLeaf, 1)
    }

    mutating func fit(x: [[Double]], y: [Double], sample: [Int], rng: inout SeededGenerator) {
        nodes = []
        _ = build(x, y, sample, depth: 0, &rng)
    }

    private mutating func build(_ x: [[Double]], _ y: [Double], _ idx: [Int], depth: Int, _ rng: inout SeededGenerator) -> Int {
        let me = nodes.count
        var mean = 0.0
        for i in idx { mean += y[i] }
        mean /= Double(idx.count)
        nodes.append(Node(value: mean))
        if idx.count < minSamplesSplit || depth >= maxDepth { return me }
        var sse = 0.0
        for i in idx { sse += (y[i] - mean) * (y[i] - mean) }
        if sse <= 1e-14 * max(1, mean * mean) * Double(idx.count) { return me }
        let d = x[0].count
        // Features in random order so ties are broken at random, as in Breiman's forests.
        var features = Array(0..<d)
        for i in stride(from: d - 1, to: 0, by: -1) { features.swapAt(i, rng.nextInt(below: i + 1)) }
        var best: (gain: Double, feature: Int, threshold: Double)?
        let n = idx.count
        var totalSum = 0.0, totalSq = 0.0
        for i in idx { totalSum += y[i]; totalSq += y[i] * y[i] }
        for f in features {
            let order = idx.sorted { x[$0][f] < x[$1][f] }
            var leftSum = 0.0
            for k in 0..<(n - 1) {
                leftSum += y[order[k]]
                let a = x[order[k]][f], b = x[order[k + 1]][f]
                if a == b { continue }
                let nl = k + 1, nr = n - nl
                if nl < minSamplesLeaf || nr < minSamplesLeaf { continue }
                let rightSum = totalSum - leftSum
                // SSE reduction = Σl²/nl + Σr²/nr − Σ²/n.
                let gain = leftSum * leftSum / Double(nl) + rightSum * rightSum / Double(nr) - totalSum * totalSum / Double(n)
                if best == nil || gain > best!.gain + 1e-12 {
                    best = (gain, f, 0.5 * (a + b))
                }
            }
        }
        guard let best, best.gain > 0 else { return me }
        let left = idx.filter { x[$0][best.feature] <= best.threshold }
        let right = idx.filter { x[$0][best.feature] > best.threshold }
        let l = build(x, y, left, depth: depth + 1, &rng)
        let r = build(x, y, right, depth: depth + 1, &rng)
        nodes[me].feature = best.feature
        nodes[me].threshold = best.threshold
        nodes[me].left = l
        nodes[me].right = r
        return me
    }

    func predict(_ q: [Double]) -> Double {
        var i = 0
        while nodes[i].feature >= 0 { i = q[nodes[i].feature] <= nodes[i].threshold ? nodes[i].left : nodes[i].right }
        return nodes[i].value
    }

    /// Leaves as boxes of the unit cube with their values.
    func leaves(dimensions d: Int) -> [(lo: [Double], hi: [Double], value: Double)] {
        var out: [(lo: [Double], hi: [Double], value: Double)] = []
        var stack: [(Int, [Double], [Double])] = [(0, [Double](repeating: 0, count: d), [Double](repeating: 1, count: d))]
        while let (i, lo, hi) = stack.popLast() {
            let node = nodes[i]
            if node.feature < 0 { out.append((lo, hi, node.value)); continue }
            let f = node.feature, t = min(max(node.threshold, lo[f]), hi[f])
            var hiL = hi; hiL[f] = t
            var loR = lo; loR[f] = t
            stack.append((node.left, lo, hiL))
            stack.append((node.right, loR, hi))
        }
        return out
    }

    /// Each feature's main-effect variance as a fraction of the tree's total variance
    /// under the uniform measure on the unit cube; nil for a constant tree.
    func varianceDecomposition(dimensions d: Int) -> [Double]? {
        let ls = leaves(dimensions: d).filter { l in (0..<d).allSatisfy { l.hi[$0] > l.lo[$0] } }
        var f0 = 0.0
        var vols = [Double](repeating: 0, count: ls.count)
        for (k, l) in ls.enumerated() {
            var v = 1.0
            for i in 0..<d { v *= l.hi[i] - l.lo[i] }
            vols[k] = v
            f0 += v * l.value
        }
        var total = 0.0
        for (k, l) in ls.enumerated() { total += vols[k] * (l.value - f0) * (l.value - f0) }
        guard total > 1e-300 else { return nil }
        var out = [Double](repeating: 0, count: d)
        for i in 0..<d {
            var cuts = Set<Double>([0, 1])
            for l in ls { cuts.insert(l.lo[i]); cuts.insert(l.hi[i]) }
            let sorted = cuts.sorted()
            var vi = 0.0
            for k in 0..<(sorted.count - 1) {
                let a = sorted[k], b = sorted[k + 1]
                if b <= a { continue }
                let mid = 0.5 * (a + b)
                // Marginal: average of the tree over every other coordinate at x_i = mid.
                var m = 0.0
                for (j, l) in ls.enumerated() where l.lo[i] <= mid && mid < l.hi[i] {
                    m += vols[j] / (l.hi[i] - l.lo[i]) * l.value
                }
                vi += (b - a) * (m - f0) * (m - f0)
            }
            out[i] = vi / total
        }
        return out
    }
}
