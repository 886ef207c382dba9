import HoneCore

/// How much a model's score drops when one feature's column is shuffled.
public struct FeatureImportance: Equatable, Sendable {
    /// The feature's index.
    public var feature: Int
    /// The mean drop in score over the repeats (baseline − permuted).
    public var mean: Double
    /// The sample standard deviation of the drops (0 with one repeat).
    public var standardDeviation: Double
    /// The 95% confidence interval of the mean drop (Student's t over the repeats).
    public var confidenceInterval: ClosedRange<Double>
    /// Every repeat's drop.
    public var drops: [Double]
}

/// Permutation importance: the model's score on the rows, then again with each feature's
/// column shuffled, `repeats` times per feature; a large drop means the model relies on
/// the feature. Works with any model and any score where higher is better.
///
/// ```swift
/// let importances = try PermutationImportance.compute(model: model, rows: test, repeats: 10, seed: 0) { outputs in
///     Score.accuracy(outputs, labels: labels, outputCount: model.outputCount)
/// }
/// ```
///
/// ### References
/// Breiman 2001, "Random Forests" (Machine Learning 45); Fisher, Rudin & Dominici 2019 (arXiv 1801.01489).
public enum PermutationImportance {
    /// The importance of every feature of `model` on `rows`.
    ///
    /// - Parameters:
    ///   - score: the score of the model's outputs for all rows (row-major, `rowCount × outputCount`), higher is
    ///     better; called from several threads at once when the model allows concurrent calls.
    /// - Returns: the score on the unshuffled rows and one ``FeatureImportance`` per feature.
    public static func compute(
        model: PredictionFunction, rows: FeatureRows, repeats: Int = 5, seed: UInt64 = 0, score: ([Float]) -> Double
    ) throws -> (baseline: Double, importances: [FeatureImportance]) {
        guard rows.featureCount == model.featureCount else {
            throw ExplainError.featureCountMismatch(source: "the rows", expected: model.featureCount, found: rows.featureCount)
        }
        guard repeats >= 1 else { throw ExplainError.invalidSetting(name: "repeats", detail: "expected at least 1, got \(repeats)") }
        let n = rows.rowCount, d = rows.featureCount, k = model.outputCount
        let baseline = score(model(rows.values, rowCount: n))
        // Each feature shuffles with its own generator (seeded from `seed` and the feature),
        // so features can run in parallel and still give the same drops.
        let importances = model.map(d) { feature -> FeatureImportance in
            var generator = SeededGenerator(seed: seed &+ UInt64(feature) &* 0x9E37_79B9_7F4A_7C15)
            var shuffled = [Float](repeating: 0, count: repeats * n * d)
            for r in 0..<repeats {
                shuffled.replaceSubrange((r * n * d)..<((r + 1) * n * d), with: rows.values)
                var order = Array(0..<n)
                order.shuffle(using: &generator)
                for row in 0..<n { shuffled[(r * n + row) * d + feature] = rows.values[order[row] * d + feature] }
            }
            let outputs = model(shuffled, rowCount: repeats * n)
            let drops = (0..<repeats).map { r in baseline - score(Array(outputs[(r * n * k)..<((r + 1) * n * k)])) }
            let mean = drops.reduce(0, +) / Double(repeats)
            let deviation = repeats > 1
                ? (drops.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(repeats - 1)).squareRoot() : 0
            let halfWidth = repeats > 1 ? studentT975(degreesOfFreedom: repeats - 1) * deviation / Double(repeats).squareRoot() : 0
            return FeatureImportance(
                feature: feature, mean: mean, standardDeviation: deviation, confidenceInterval: (mean - halfWidth)...(mean + halfWidth),
                drops: drops)
        }
        return (baseline, importances)
    }

    /// The 0.975 quantile of Student's t: tabulated to 10 degrees of freedom, then the
    /// Cornish–Fisher expansion around the normal quantile (error below 1e-4 there).
    static func studentT975(degreesOfFreedom nu: Int) -> Double {
        let table = [12.7062, 4.3027, 3.1824, 2.7764, 2.5706, 2.4469, 2.3646, 2.3060, 2.2622, 2.2281]
        if nu <= table.count { return table[nu - 1] }
        let z = 1.959963985, v = Double(nu)
        let z3 = z * z * z, z5 = z3 * z * z, z7 = z5 * z * z
        return z + (z3 + z) / (4 * v) + (5 * z5 + 16 * z3 + 3 * z) / (96 * v * v)
            + (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / (384 * v * v * v)
    }
}

/// Common scores for ``PermutationImportance`` (higher is better).
public enum Score {
    /// The fraction of rows whose predicted class is the label: the largest output, or output > 0.5 with one output.
    public static func accuracy(_ outputs: [Float], labels: [Int], outputCount: Int) -> Double {
        var correct = 0
        for (row, label) in labels.enumerated() {
            let predicted: Int
            if outputCount == 1 {
                predicted = outputs[row] > 0.5 ? 1 : 0
            } else {
                let slice = outputs[(row * outputCount)..<((row + 1) * outputCount)]
                predicted = slice.indices.max { slice[$0] < slice[$1] }! - row * outputCount
            }
            if predicted == label { correct += 1 }
        }
        return Double(correct) / Double(max(labels.count, 1))
    }

    /// Minus the mean squared error of output 0 against `targets` (a regression score).
    public static func negativeMeanSquaredError(_ outputs: [Float], targets: [Float], outputCount: Int) -> Double {
        var sum = 0.0
        for (row, target) in targets.enumerated() {
            let error = Double(outputs[row * outputCount] - target)
            sum += error * error
        }
        return -sum / Double(max(targets.count, 1))
    }
}
