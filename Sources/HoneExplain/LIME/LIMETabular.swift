import Foundation
import HoneCore

/// A local linear surrogate of a model around one row.
public struct LIMEExplanation: Equatable, Sendable {
    /// The surrogate's intercept.
    public var intercept: Double
    /// The selected features and their surrogate coefficients, largest magnitude first.
    public var coefficients: [(feature: Int, weight: Double)]
    /// The surrogate's prediction at the explained row.
    public var localPrediction: Double
    /// The model's output at the explained row.
    public var prediction: Double
    /// The surrogate's weighted R² on the perturbed samples.
    public var score: Double

    public static func == (a: LIMEExplanation, b: LIMEExplanation) -> Bool {
        a.intercept == b.intercept && a.localPrediction == b.localPrediction && a.prediction == b.prediction && a.score == b.score
            && a.coefficients.map(\.feature) == b.coefficients.map(\.feature) && a.coefficients.map(\.weight) == b.coefficients.map(\.weight)
    }
}

/// LIME for tabular rows, with the defaults of the `lime` package's LimeTabularExplainer.
///
/// Around the explained row, `sampleCount − 1` perturbed rows are drawn: either
/// (`.quartiles`) each feature's training-quartile bin at the training frequencies, then a
/// value from that bin's truncated normal, the surrogate seeing 1 where the bin is the row's own; or
/// (`.continuous`) each feature from a normal with the training mean and deviation, the
/// surrogate seeing the standardized values. Samples are weighted by the exponential
/// kernel √exp(−d²/w²) of their standardized distance to the row (w = 0.75·√features by
/// default); K features are selected and a weighted ridge (α = 1) fitted on them.
///
/// ```swift
/// let lime = try LIMETabular(model: model, training: trainingRows, seed: 0)
/// let explanation = try lime.explain(row, featureCount: 10, sampleCount: 5000)
/// ```
///
/// ### References
/// Ribeiro, Singh & Guestrin 2016, "Why Should I Trust You?" (arXiv 1602.04938).
public struct LIMETabular {
    /// How perturbed rows are drawn.
    public enum Perturbation: String, Sendable { case quartiles, continuous }

    /// How the K features of the surrogate are chosen.
    public enum FeatureSelection: String, Sendable {
        /// Greedy forward selection by weighted R² when K ≤ 6, otherwise highest weights (lime's `auto`).
        case auto
        /// Greedy forward selection by weighted R² of an unregularized fit.
        case forwardSelection
        /// The K largest |coefficient × row value| of a ridge (α = 0.01) on all features.
        case highestWeights
        /// Every feature.
        case none
    }

    /// The model explained.
    public let model: PredictionFunction
    /// The model output explained.
    public let output: Int
    /// How perturbed rows are drawn.
    public let perturbation: Perturbation
    /// The kernel width w.
    public let kernelWidth: Double
    /// The seed of every explanation (the same row and seed give the same explanation).
    public let seed: UInt64
    private let featureMean: [Double], featureScale: [Double]
    private let discretizer: QuartileDiscretizer?

    /// An explainer of `model` whose perturbations follow `training`'s statistics.
    ///
    /// - Parameter kernelWidth: 0.75·√features when `nil`.
    public init(
        model: PredictionFunction, training: FeatureRows, output: Int = 0, perturbation: Perturbation = .quartiles,
        kernelWidth: Double? = nil, seed: UInt64 = 0
    ) throws {
        guard training.featureCount == model.featureCount else {
            throw ExplainError.featureCountMismatch(source: "the training rows", expected: model.featureCount, found: training.featureCount)
        }
        guard output >= 0 && output < model.outputCount else {
            throw ExplainError.invalidSetting(name: "output", detail: "expected 0..<\(model.outputCount), got \(output)")
        }
        let width = kernelWidth ?? 0.75 * Double(model.featureCount).squareRoot()
        guard width > 0 else { throw ExplainError.invalidSetting(name: "kernelWidth", detail: "expected a positive width, got \(width)") }
        self.model = model
        self.output = output
        self.perturbation = perturbation
        self.kernelWidth = width
        self.seed = seed
        var mean: [Double] = [], scale: [Double] = []
        for feature in 0..<training.featureCount {
            let column = training.column(feature)
            let m = column.reduce(0, +) / Double(column.count)
            let s = (column.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(column.count)).squareRoot()
            mean.append(m)
            scale.append(s == 0 ? 1 : s)
        }
        featureMean = mean
        featureScale = scale
        discretizer = perturbation == .quartiles ? QuartileDiscretizer(training: training) : nil
    }

    /// The surrogate of `row` on `featureCount` features (all when `nil`) from `sampleCount` samples.
    public func explain(
        _ row: [Float], featureCount: Int? = nil, sampleCount: Int = 5000, selection: FeatureSelection = .auto
    ) throws -> LIMEExplanation {
        let d = model.featureCount
        guard row.count == d else { throw ExplainError.featureCountMismatch(source: "the explained row", expected: d, found: row.count) }
        let k = try checkedFeatureCount(featureCount, sampleCount: sampleCount)
        let samples = perturb(row, sampleCount: sampleCount)
        let targets = model.column(samples.modelInputs, rowCount: sampleCount, output: output)
        let weights = samples.squaredDistances.map { exp(-$0 / (kernelWidth * kernelWidth)).squareRoot() }
        let products = samples.crossProducts(targets: targets, weights: weights)
        let explained = samples.explainedRow
        let selected = select(k, selection, products, row: explained)
        let fit = products.ridge(columns: selected, alpha: 1)
        var local = fit.intercept
        for (c, feature) in selected.enumerated() { local += fit.coefficients[c] * explained[feature] }
        let coefficients = zip(selected, fit.coefficients).map { (feature: $0.0, weight: $0.1) }.sorted { abs($0.weight) > abs($1.weight) }
        return LIMEExplanation(intercept: fit.intercept, coefficients: coefficients, localPrediction: local, prediction: targets[0], score: fit.score)
    }

    /// The surrogates of every row of `rows`, rows in parallel when the model allows it.
    public func explain(
        _ rows: FeatureRows, featureCount: Int? = nil, sampleCount: Int = 5000, selection: FeatureSelection = .auto
    ) throws -> [LIMEExplanation] {
        guard rows.featureCount == model.featureCount else {
            throw ExplainError.featureCountMismatch(source: "the explained rows", expected: model.featureCount, found: rows.featureCount)
        }
        _ = try checkedFeatureCount(featureCount, sampleCount: sampleCount)
        return model.map(rows.rowCount) {
            try! explain(rows[row: $0], featureCount: featureCount, sampleCount: sampleCount, selection: selection)
        }
    }

    /// The surrogate's feature count K, after checking it and the sample count.
    private func checkedFeatureCount(_ featureCount: Int?, sampleCount: Int) throws -> Int {
        let d = model.featureCount, k = featureCount ?? d
        guard (1...d).contains(k) else { throw ExplainError.invalidSetting(name: "featureCount", detail: "expected 1...\(d), got \(k)") }
        guard sampleCount >= 2 else { throw ExplainError.invalidSetting(name: "sampleCount", detail: "expected at least 2, got \(sampleCount)") }
        return k
    }

    /// The perturbed samples around `row` (sample 0 is the row itself): the model's view of
    /// them (raw values, row by row) and the surrogate's (standardized), with each sample's
    /// squared distance to the row in the surrogate's space, accumulated as features are drawn.
    private func perturb(_ row: [Float], sampleCount: Int) -> PerturbedSamples {
        let d = model.featureCount
        var normals = NormalSampler(seed: seed)
        var inputs = [Float](repeating: 0, count: sampleCount * d)
        var squaredDistances = [Double](repeating: 0, count: sampleCount)
        inputs.replaceSubrange(0..<d, with: row)
        guard let discretizer else {
            var columns = [Double](repeating: 0, count: sampleCount * d)
            for j in 0..<d { columns[j * sampleCount] = (Double(row[j]) - featureMean[j]) / featureScale[j] }
            for s in 1..<sampleCount {
                for j in 0..<d {
                    let z = normals.next()
                    columns[j * sampleCount + s] = z
                    inputs[s * d + j] = Float(z * featureScale[j] + featureMean[j])
                    let difference = z - columns[j * sampleCount]
                    squaredDistances[s] += difference * difference
                }
            }
            let explained = (0..<d).map { columns[$0 * sampleCount] }
            return PerturbedSamples(modelInputs: inputs, squaredDistances: squaredDistances, explainedRow: explained, design: .columns(columns))
        }
        // The surrogate sees 1 (standardized) where a sample's bin is the row's: one bit per feature.
        let words = (d + 63) / 64
        var indicators = [UInt64](repeating: 0, count: sampleCount * words)
        var inBin = [Double](repeating: 0, count: d), outOfBin = [Double](repeating: 0, count: d)
        for j in 0..<d {
            let mean = discretizer.binIndexMean[j], scale = discretizer.binIndexScale[j]
            inBin[j] = (1 - mean) / scale
            outOfBin[j] = -mean / scale
            indicators[j / 64] |= 1 << UInt64(j % 64)
        }
        let steps = zip(inBin, outOfBin).map { $0 - $1 }
        indicators.withUnsafeMutableBufferPointer { indicators in
            inputs.withUnsafeMutableBufferPointer { inputs in
                squaredDistances.withUnsafeMutableBufferPointer { distances in
                    for j in 0..<d {
                        let rowBin = QuartileDiscretizer.bin(of: Double(row[j]), cuts: discretizer.cuts[j])
                        let bit: UInt64 = 1 << UInt64(j % 64), word = j / 64
                        let outOfBinDistance = steps[j] * steps[j]
                        discretizer.samplers[j].draw(sampleCount - 1, &normals.generator) { index, bin, value in
                            // Selects rather than branches: a sample shares the row's bin at random.
                            let s = index &+ 1, sameBin = bin == rowBin
                            indicators[s &* words &+ word] |= sameBin ? bit : 0
                            distances[s] += sameBin ? 0 : outOfBinDistance
                            inputs[s &* d &+ j] = Float(value)
                        }
                    }
                }
            }
        }
        return PerturbedSamples(
            modelInputs: inputs, squaredDistances: squaredDistances, explainedRow: inBin,
            design: .indicators(indicators, wordsPerSample: words, offsets: outOfBin, steps: steps))
    }

    /// The K columns of the surrogate; `row` is the explained row as the surrogate sees it.
    private func select(_ k: Int, _ selection: FeatureSelection, _ products: WeightedCrossProducts, row x: [Double]) -> [Int] {
        let d = model.featureCount
        switch selection {
        case .none:
            return Array(0..<d)
        case .auto:
            return select(k, k <= 6 ? .forwardSelection : .highestWeights, products, row: x)
        case .highestWeights:
            if k == d { return Array(0..<d) }
            let fit = products.ridge(columns: Array(0..<d), alpha: 0.01)
            let ranked = (0..<d).sorted { abs(fit.coefficients[$0] * x[$0]) > abs(fit.coefficients[$1] * x[$1]) }
            return Array(ranked.prefix(k)).sorted()
        case .forwardSelection:
            var chosen: [Int] = []
            for _ in 0..<k {
                var best = -1, bestScore = -Double.infinity
                for feature in 0..<d where !chosen.contains(feature) {
                    let score = products.ridge(columns: chosen + [feature], alpha: 0).score
                    if score > bestScore { best = feature; bestScore = score }
                }
                chosen.append(best)
            }
            return chosen.sorted()
        }
    }
}

/// LIME's samples around one row, as the model and the surrogate see them.
private struct PerturbedSamples {
    /// How the surrogate's design is held.
    enum Design {
        /// Continuous perturbation: every standardized value, column after column.
        case columns([Double])
        /// Quartile perturbation: each feature takes one of two values, so one bit per sample
        /// and feature says which (`WeightedCrossProducts.init(indicators:…)`).
        case indicators([UInt64], wordsPerSample: Int, offsets: [Double], steps: [Double])
    }

    /// The samples as the model sees them, row-major.
    let modelInputs: [Float]
    /// Each sample's squared distance to the explained row in the surrogate's space.
    let squaredDistances: [Double]
    /// The explained row as the surrogate sees it.
    let explainedRow: [Double]
    /// The surrogate's design.
    let design: Design

    /// The weighted cross-products every surrogate fit reads.
    func crossProducts(targets: [Double], weights: [Double]) -> WeightedCrossProducts {
        switch design {
        case .columns(let columns):
            WeightedCrossProducts(columns: columns, columnCount: explainedRow.count, y: targets, weights: weights)
        case .indicators(let indicators, let words, let offsets, let steps):
            WeightedCrossProducts(indicators: indicators, wordsPerSample: words, offsets: offsets, steps: steps, y: targets, weights: weights)
        }
    }
}
