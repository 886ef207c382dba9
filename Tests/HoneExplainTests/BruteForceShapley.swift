import HoneExplain

/// Shapley values straight from their definition, φᵢ = Σ_S |S|!(M−|S|−1)!/M! · (v(S ∪ i) − v(S)),
/// with the interventional value v(S) = Σ_b w_b f(x_S, b_S̄): the ground truth KernelSHAP is
/// checked against, computed without any regression.
func bruteForceShapley(_ model: PredictionFunction, row: [Float], background: WeightedBackground) -> [Double] {
    let m = row.count
    func value(_ coalition: Int) -> Double {
        var total = 0.0
        for b in 0..<background.rows.rowCount {
            var input = background.rows[row: b]
            for feature in 0..<m where coalition & (1 << feature) != 0 { input[feature] = row[feature] }
            total += background.weights[b] * Double(model(input, rowCount: 1)[0])
        }
        return total
    }
    let values = (0..<(1 << m)).map(value)
    func factorial(_ n: Int) -> Double { n <= 1 ? 1 : Double(n) * factorial(n - 1) }
    return (0..<m).map { feature in
        var phi = 0.0
        for coalition in 0..<(1 << m) where coalition & (1 << feature) == 0 {
            let size = coalition.nonzeroBitCount
            phi += factorial(size) * factorial(m - size - 1) / factorial(m) * (values[coalition | (1 << feature)] - values[coalition])
        }
        return phi
    }
}

/// Rows of `count × featureCount` values drawn uniformly from [−2, 2) by a small LCG, so
/// tests need no shared generator.
func uniformRows(_ count: Int, _ featureCount: Int, seed: UInt64) -> FeatureRows {
    var state = seed &* 6364136223846793005 &+ 1442695040888963407
    var values: [Float] = []
    for _ in 0..<(count * featureCount) {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        values.append(Float(Double(state >> 11) / Double(1 << 53)) * 4 - 2)
    }
    return FeatureRows(values: values, featureCount: featureCount)
}

/// A linear model Σ wᵢxᵢ + b over row-major batches.
func linearModel(_ weights: [Float], bias: Float = 0) -> PredictionFunction {
    PredictionFunction(featureCount: weights.count) { rows, count in
        (0..<count).map { row in
            var sum = bias
            for (j, w) in weights.enumerated() { sum += w * rows[row * weights.count + j] }
            return sum
        }
    }
}
