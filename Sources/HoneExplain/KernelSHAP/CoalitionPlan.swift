import HoneCore

/// The coalitions KernelSHAP evaluates, with their Shapley-kernel weights.
///
/// A coalition is a 0/1 mask over the varying features (1 = the explained row's value,
/// 0 = drawn from the background). Either every coalition of sizes 1 … M−1 (exact), or
/// shap's budgeted scheme: whole subset sizes enumerated from both ends (size s paired
/// with M−s) while the budget covers them at their kernel weight, the remaining sizes
/// sampled in complementary pairs, repeats adding weight instead of rows.
///
/// ### References
/// Lundberg & Lee 2017, "A Unified Approach to Interpreting Model Predictions" (arXiv 1705.07874), Theorem 2.
struct CoalitionPlan {
    /// The number of features the masks range over.
    let featureCount: Int
    /// `coalitionCount × featureCount` masks, row-major.
    private(set) var masks: [UInt8] = []
    /// One kernel weight per coalition.
    private(set) var weights: [Double] = []
    /// Whether every coalition was enumerated (the solution is then the exact Shapley values).
    let isExact: Bool

    var coalitionCount: Int { weights.count }

    /// Every coalition of sizes 1 … M−1, weighted by the Shapley kernel (M−1) / (C(M,s)·s·(M−s)).
    static func exact(featureCount m: Int) -> CoalitionPlan {
        var plan = CoalitionPlan(featureCount: m, isExact: true)
        guard m >= 2 else { return plan }
        for bits in 1..<((1 << m) - 1) {
            let size = bits.nonzeroBitCount
            let mask = (0..<m).map { UInt8((bits >> $0) & 1) }
            plan.append(mask, weight: Double(m - 1) / (binomial(m, size) * Double(size) * Double(m - size)))
        }
        return plan
    }

    /// shap's scheme with a budget of `sampleCount` coalitions (see the type's summary).
    static func sampled(featureCount m: Int, sampleCount: Int, generator: inout SeededGenerator) -> CoalitionPlan {
        var plan = CoalitionPlan(featureCount: m, isExact: false)
        let subsetSizes = m / 2  // ⌈(M−1)/2⌉: sizes above it are the complements of these
        let pairedSizes = (m - 1) / 2
        var sizeWeights = (1...subsetSizes).map { Double(m - 1) / (Double($0) * Double(m - $0)) }
        if pairedSizes < subsetSizes { sizeWeights[subsetSizes - 1] /= 2 }
        let weightSum = sizeWeights.reduce(0, +)
        sizeWeights = sizeWeights.map { $0 / weightSum }

        var fullSizes = 0
        var samplesLeft = Double(sampleCount)
        var remaining = sizeWeights
        for size in 1...subsetSizes {
            let paired = size <= pairedSizes
            let subsets = binomial(m, size) * (paired ? 2 : 1)
            guard samplesLeft * remaining[size - 1] / subsets >= 1 - 1e-8 else { break }
            fullSizes += 1
            samplesLeft -= subsets
            if remaining[size - 1] < 1 {
                let scale = 1 - remaining[size - 1]
                remaining = remaining.map { $0 / scale }
            }
            let weight = sizeWeights[size - 1] / binomial(m, size) / (paired ? 2 : 1)
            forEachCombination(m, size) { members in
                var mask = [UInt8](repeating: 0, count: m)
                for member in members { mask[member] = 1 }
                plan.append(mask, weight: weight)
                if paired { plan.append(mask.map { 1 - $0 }, weight: weight) }
            }
        }
        let fixedCount = plan.coalitionCount
        var left = sampleCount - fixedCount
        guard fullSizes != subsetSizes, left > 0 else { return plan }

        var drawWeights = sizeWeights
        for index in 0..<pairedSizes { drawWeights[index] /= 2 }
        drawWeights = Array(drawWeights[fullSizes...])
        let drawSum = drawWeights.reduce(0, +)
        let cumulative = drawWeights.reduce(into: [Double]()) { $0.append(($0.last ?? 0) + $1 / drawSum) }
        var seen: [[UInt8]: Int] = [:]
        var order = Array(0..<m)
        var draws = 0
        while left > 0 && draws < 4 * (sampleCount - fixedCount) {
            draws += 1
            let u = generator.nextDouble()
            let sizeIndex = cumulative.firstIndex { u < $0 } ?? (cumulative.count - 1)
            let size = sizeIndex + fullSizes + 1
            for i in 0..<size {
                order.swapAt(i, i + generator.nextInt(below: m - i))
            }
            var mask = [UInt8](repeating: 0, count: m)
            for i in 0..<size { mask[order[i]] = 1 }
            let existing = seen[mask]
            if existing == nil {
                seen[mask] = plan.coalitionCount
                left -= 1
                plan.append(mask, weight: 1)
            } else {
                plan.weights[existing!] += 1
            }
            if left > 0 && size <= pairedSizes {
                if let existing {
                    plan.weights[existing + 1] += 1
                } else {
                    left -= 1
                    plan.append(mask.map { 1 - $0 }, weight: 1)
                }
            }
        }
        let weightLeft = sizeWeights[fullSizes...].reduce(0, +)
        let sampledSum = plan.weights[fixedCount...].reduce(0, +)
        for index in fixedCount..<plan.coalitionCount { plan.weights[index] *= weightLeft / sampledSum }
        return plan
    }

    private init(featureCount: Int, isExact: Bool) {
        self.featureCount = featureCount
        self.isExact = isExact
    }

    private mutating func append(_ mask: [UInt8], weight: Double) {
        masks += mask
        weights.append(weight)
    }
}

/// C(n, k) as a Double (exact for the sizes coalitions reach).
func binomial(_ n: Int, _ k: Int) -> Double {
    guard k >= 0 && k <= n else { return 0 }
    var result = 1.0
    for i in 0..<min(k, n - k) { result = result * Double(n - i) / Double(i + 1) }
    return result.rounded()
}

/// Calls `body` with every `k`-subset of `0..<n` in lexicographic order (as `itertools.combinations`).
func forEachCombination(_ n: Int, _ k: Int, _ body: ([Int]) -> Void) {
    guard k <= n else { return }
    var indices = Array(0..<k)
    while true {
        body(indices)
        var i = k - 1
        while i >= 0 && indices[i] == i + n - k { i -= 1 }
        if i < 0 { return }
        indices[i] += 1
        for j in (i + 1)..<k { indices[j] = indices[j - 1] + 1 }
    }
}
