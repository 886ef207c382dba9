import HoneCore

/// Shapley values of one row: how much each feature moves the model's output from the
/// background's expected value.
public struct SHAPExplanation: Equatable, Sendable {
    /// One value per feature; they sum to `prediction − expectedValue` (local accuracy).
    public var values: [Double]
    /// The model's output averaged over the background, E[f(background)].
    public var expectedValue: Double
    /// The model's output for the explained row, f(x).
    public var prediction: Double
    /// Per-feature standard deviation of the values over repeated seeds (zero when exact,
    /// `nil` when only one seed ran).
    public var spread: [Double]?
    /// Whether every coalition was enumerated, so `values` are the exact Shapley values.
    public var isExact: Bool
    /// The number of coalitions evaluated.
    public var coalitionCount: Int
}

/// Model-agnostic Shapley values by weighted linear regression over feature coalitions.
///
/// The value of a coalition S is the interventional expectation
/// v(S) = Σ_b w_b · f(x_S, b_S̄) over a weighted background. With few varying features
/// (≤ `exactFeatureLimit`, or when the budget covers all 2^M − 2 coalitions) every
/// coalition is enumerated and the result equals the exact Shapley values; otherwise
/// `sampleCount` coalitions follow shap's scheme (``CoalitionPlan``). The efficiency
/// constraint Σφ = f(x) − E[f] is eliminated by substitution before the weighted least
/// squares, as shap does, so local accuracy holds to rounding in both modes.
///
/// ```swift
/// let background = WeightedBackground.kMeans(training, clusterCount: 50, seed: 0)
/// let explainer = KernelSHAP(model: model, background: background, sampleCount: 2 * 30 + 2048, seed: 0)
/// let explanation = explainer.explain(row, repeats: 3)   // values, plus their spread over 3 seeds
/// ```
///
/// ### References
/// Lundberg & Lee 2017, "A Unified Approach to Interpreting Model Predictions" (arXiv 1705.07874).
public struct KernelSHAP {
    /// The model explained.
    public let model: PredictionFunction
    /// The background absent features are drawn from.
    public let background: WeightedBackground
    /// The model output explained.
    public let output: Int
    /// The coalition budget of sampled mode.
    public let sampleCount: Int
    /// Up to this many varying features every coalition is enumerated.
    public let exactFeatureLimit: Int
    /// The seed of the first run; repeats use the following seeds.
    public let seed: UInt64
    /// E[f(background)].
    public let expectedValue: Double

    /// An explainer of `model`'s output `output` against `background`.
    ///
    /// - Parameters:
    ///   - sampleCount: coalitions per row in sampled mode; shap's default 2M + 2048 when `nil`.
    ///   - exactFeatureLimit: enumerate every coalition up to this many varying features.
    public init(
        model: PredictionFunction, background: WeightedBackground, output: Int = 0, sampleCount: Int? = nil,
        exactFeatureLimit: Int = 12, seed: UInt64 = 0
    ) throws {
        guard background.rows.featureCount == model.featureCount else {
            throw ExplainError.featureCountMismatch(source: "the background", expected: model.featureCount, found: background.rows.featureCount)
        }
        guard output >= 0 && output < model.outputCount else {
            throw ExplainError.invalidSetting(name: "output", detail: "expected 0..<\(model.outputCount), got \(output)")
        }
        let budget = sampleCount ?? (2 * model.featureCount + 2048)
        guard budget >= 1 else { throw ExplainError.invalidSetting(name: "sampleCount", detail: "expected at least 1, got \(budget)") }
        guard (0...20).contains(exactFeatureLimit) else {
            throw ExplainError.invalidSetting(name: "exactFeatureLimit", detail: "expected 0...20 (2^M coalitions), got \(exactFeatureLimit)")
        }
        self.model = model
        self.background = background
        self.output = output
        self.sampleCount = budget
        self.exactFeatureLimit = exactFeatureLimit
        self.seed = seed
        let outputs = model.column(background.rows.values, rowCount: background.rows.rowCount, output: output)
        expectedValue = zip(outputs, background.weights).reduce(0) { $0 + $1.0 * $1.1 }
    }

    /// The Shapley values of `row`; with `repeats` > 1 in sampled mode, also their spread
    /// (standard deviation over the seeds `seed`, `seed + 1`, …). The values are the first seed's.
    public func explain(_ row: [Float], repeats: Int = 1) throws -> SHAPExplanation {
        guard row.count == model.featureCount else {
            throw ExplainError.featureCountMismatch(source: "the explained row", expected: model.featureCount, found: row.count)
        }
        guard repeats >= 1 else { throw ExplainError.invalidSetting(name: "repeats", detail: "expected at least 1, got \(repeats)") }
        var first = explainOnce(row, seed: seed)
        guard repeats > 1 else { return first }
        guard !first.isExact else {
            first.spread = [Double](repeating: 0, count: row.count)
            return first
        }
        var runs = [first.values]
        for offset in 1..<repeats { runs.append(explainOnce(row, seed: seed &+ UInt64(offset)).values) }
        first.spread = (0..<row.count).map { feature in
            let column = runs.map { $0[feature] }
            let mean = column.reduce(0, +) / Double(column.count)
            return (column.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(column.count - 1)).squareRoot()
        }
        return first
    }

    /// The Shapley values of every row of `rows`, rows in parallel when the model allows it.
    public func explain(_ rows: FeatureRows, repeats: Int = 1) throws -> [SHAPExplanation] {
        guard rows.featureCount == model.featureCount else {
            throw ExplainError.featureCountMismatch(source: "the explained rows", expected: model.featureCount, found: rows.featureCount)
        }
        guard repeats >= 1 else { throw ExplainError.invalidSetting(name: "repeats", detail: "expected at least 1, got \(repeats)") }
        return model.map(rows.rowCount) { try! explain(rows[row: $0], repeats: repeats) }
    }

    private func explainOnce(_ row: [Float], seed: UInt64) -> SHAPExplanation {
        let d = model.featureCount
        let prediction = model.column(row, rowCount: 1, output: output)[0]
        let varying = (0..<d).filter { feature in
            (0..<background.rows.rowCount).contains { background.rows.values[$0 * d + feature] != row[feature] }
        }
        var values = [Double](repeating: 0, count: d)
        let m = varying.count
        if m <= 1 {
            if m == 1 { values[varying[0]] = prediction - expectedValue }
            return SHAPExplanation(values: values, expectedValue: expectedValue, prediction: prediction, spread: nil, isExact: true, coalitionCount: 0)
        }
        let plan: CoalitionPlan
        if m <= exactFeatureLimit || (m < 31 && (1 << m) - 2 <= sampleCount) {
            plan = .exact(featureCount: m)
        } else {
            var generator = SeededGenerator(seed: seed)
            plan = .sampled(featureCount: m, sampleCount: sampleCount, generator: &generator)
        }
        let coalitionValues = evaluate(plan, row: row, varying: varying)
        let solved = solve(plan, coalitionValues: coalitionValues, total: prediction - expectedValue)
        for (index, feature) in varying.enumerated() { values[feature] = solved[index] }
        return SHAPExplanation(
            values: values, expectedValue: expectedValue, prediction: prediction, spread: nil, isExact: plan.isExact,
            coalitionCount: plan.coalitionCount)
    }

    /// v(S) − E[f] for every coalition: the background with the coalition's features set
    /// to the row's, through the model a chunk of coalitions at a time, averaged with the weights.
    private func evaluate(_ plan: CoalitionPlan, row: [Float], varying: [Int]) -> [Double] {
        let d = model.featureCount, n = background.rows.rowCount, m = plan.featureCount
        let coalitionsPerCall = max(1, 16_384 / n)
        var result = [Double](repeating: 0, count: plan.coalitionCount)
        var synthetic = [Float](repeating: 0, count: min(coalitionsPerCall, plan.coalitionCount) * n * d)
        var start = 0
        while start < plan.coalitionCount {
            let end = min(plan.coalitionCount, start + coalitionsPerCall)
            let count = end - start
            if synthetic.count != count * n * d { synthetic = [Float](repeating: 0, count: count * n * d) }
            synthetic.withUnsafeMutableBufferPointer { out in
                background.rows.values.withUnsafeBufferPointer { bg in
                    plan.masks.withUnsafeBufferPointer { masks in
                        for c in 0..<count {
                            let base = c * n * d
                            for b in 0..<n { (out.baseAddress! + base + b * d).update(from: bg.baseAddress! + b * d, count: d) }
                            let mask = masks.baseAddress! + (start + c) * m
                            for (index, feature) in varying.enumerated() where mask[index] == 1 {
                                let value = row[feature]
                                for b in 0..<n { out[base + b * d + feature] = value }
                            }
                        }
                    }
                }
            }
            let outputs = model.column(synthetic, rowCount: count * n, output: output, rowsPerCall: count * n)
            for c in 0..<count {
                var sum = 0.0
                for b in 0..<n { sum += background.weights[b] * outputs[c * n + b] }
                result[start + c] = sum - expectedValue
            }
            start = end
        }
        return result
    }

    /// The weighted least squares with Σφ = total substituted for the last feature's value.
    private func solve(_ plan: CoalitionPlan, coalitionValues: [Double], total: Double) -> [Double] {
        let m = plan.featureCount, p = m - 1
        var gram = [Double](repeating: 0, count: p * p)
        var moment = [Double](repeating: 0, count: p)
        var design = [Double](repeating: 0, count: p)
        for c in 0..<plan.coalitionCount {
            let mask = c * m
            let last = Double(plan.masks[mask + p])
            for j in 0..<p { design[j] = Double(plan.masks[mask + j]) - last }
            let target = coalitionValues[c] - last * total
            let weight = plan.weights[c]
            for i in 0..<p where design[i] != 0 {
                let wi = weight * design[i]
                moment[i] += wi * target
                for j in i..<p { gram[i * p + j] += wi * design[j] }
            }
        }
        for i in 0..<p { for j in 0..<i { gram[i * p + j] = gram[j * p + i] } }
        let solution = LinearAlgebra.solve(gram, moment, size: p) ?? [Double](repeating: total / Double(m), count: p)
        return solution + [total - solution.reduce(0, +)]
    }
}
