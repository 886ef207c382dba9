import HoneCore

/// Gradient attributions of a differentiable model through HoneCore's autodiff tape.
///
/// The model is a tensor function `[rowCount, featureCount] → [rowCount, outputCount]`
/// (a net in evaluation mode, so rows do not interact); its forward pass is recorded and
/// one backward pass gives the gradients of output `output` with respect to every input row.
///
/// ```swift
/// let net = Sequential { Linear(4, 8); Tanh(); Linear(8, 1) }
/// let gradient = GradientAttribution.saliency(of: { net($0) }, row: x)
/// let ig = GradientAttribution.integratedGradients(of: { net($0) }, row: x, baseline: zeros, steps: 64)
/// // ig.attributions sum to ig.prediction − ig.baselinePrediction, up to ig.completenessError
/// ```
///
/// ### References
/// Simonyan et al. 2013, "Deep Inside Convolutional Networks" (arXiv 1312.6034);
/// Sundararajan, Taly & Yan 2017, "Axiomatic Attribution for Deep Networks" (arXiv 1703.01365).
public enum GradientAttribution {
    /// How the path integral of Integrated Gradients is approximated from `steps` gradients.
    public enum Rule: String, CaseIterable, Sendable {
        /// Riemann sum at the left ends of the intervals (α = 0, 1/m, …, (m−1)/m).
        case left
        /// Riemann sum at the right ends (α = 1/m, …, 1), the original paper's rule.
        case right
        /// Riemann sum at the midpoints.
        case middle
        /// The trapezoid rule over α = 0, 1/m, …, 1 (m + 1 gradients).
        case trapezoid
    }

    /// Integrated Gradients of one row.
    public struct Attribution: Equatable, Sendable {
        /// One attribution per feature.
        public var attributions: [Double]
        /// f(x).
        public var prediction: Double
        /// f(baseline).
        public var baselinePrediction: Double
        /// |Σ attributions − (f(x) − f(baseline))|: shrinks as the step count grows.
        public var completenessError: Double
    }

    /// The gradient ∂f_output/∂x at each row of `rows` (row-major, like the rows).
    public static func saliency(of function: (Tensor) -> Tensor, rows: FeatureRows, output: Int = 0) -> [Float] {
        gradients(of: function, at: rows.values, rowCount: rows.rowCount, featureCount: rows.featureCount, output: output).gradients
    }

    /// The gradient ∂f_output/∂x at `row`.
    public static func saliency(of function: (Tensor) -> Tensor, row: [Float], output: Int = 0) -> [Float] {
        saliency(of: function, rows: FeatureRows(values: row, featureCount: row.count), output: output)
    }

    /// Integrated Gradients: (x − x′) ⊙ ∫₀¹ ∇f(x′ + α(x − x′)) dα, the integral by `rule` with `steps` intervals.
    public static func integratedGradients(
        of function: (Tensor) -> Tensor, row: [Float], baseline: [Float], steps: Int = 50, rule: Rule = .trapezoid, output: Int = 0
    ) throws -> Attribution {
        guard baseline.count == row.count else {
            throw ExplainError.featureCountMismatch(source: "the baseline", expected: row.count, found: baseline.count)
        }
        guard steps >= 1 else { throw ExplainError.invalidSetting(name: "steps", detail: "expected at least 1, got \(steps)") }
        let d = row.count
        let alphas: [Double]
        var weights: [Double]
        switch rule {
        case .left: alphas = (0..<steps).map { Double($0) / Double(steps) }
        case .right: alphas = (1...steps).map { Double($0) / Double(steps) }
        case .middle: alphas = (0..<steps).map { (Double($0) + 0.5) / Double(steps) }
        case .trapezoid: alphas = (0...steps).map { Double($0) / Double(steps) }
        }
        weights = [Double](repeating: 1 / Double(steps), count: alphas.count)
        if rule == .trapezoid {
            weights[0] /= 2
            weights[steps] /= 2
        }
        var points = [Float](repeating: 0, count: (alphas.count + 2) * d)
        for (index, alpha) in alphas.enumerated() {
            for j in 0..<d { points[index * d + j] = Float(Double(baseline[j]) + alpha * Double(row[j] - baseline[j])) }
        }
        points.replaceSubrange((alphas.count * d)..<((alphas.count + 1) * d), with: row)
        points.replaceSubrange(((alphas.count + 1) * d)..<((alphas.count + 2) * d), with: baseline)
        let (gradients, outputs) = gradients(of: function, at: points, rowCount: alphas.count + 2, featureCount: d, output: output)
        var attributions = [Double](repeating: 0, count: d)
        for (index, weight) in weights.enumerated() {
            for j in 0..<d { attributions[j] += weight * Double(gradients[index * d + j]) }
        }
        for j in 0..<d { attributions[j] *= Double(row[j] - baseline[j]) }
        let prediction = outputs[alphas.count], baselinePrediction = outputs[alphas.count + 1]
        return Attribution(
            attributions: attributions, prediction: prediction, baselinePrediction: baselinePrediction,
            completenessError: abs(attributions.reduce(0, +) - (prediction - baselinePrediction)))
    }

    /// One forward and one backward pass over all `rowCount` rows: the gradients of the
    /// summed output column (each row's own gradient, rows being independent) and the outputs.
    private static func gradients(
        of function: (Tensor) -> Tensor, at values: [Float], rowCount: Int, featureCount: Int, output: Int
    ) -> (gradients: [Float], outputs: [Double]) {
        withGrad {
            let input = Tensor(shape: [rowCount, featureCount], scalars: values, requiresGrad: true)
            let result = function(input)
            let outputCount = result.count / rowCount
            precondition(result.count == rowCount * outputCount && output < outputCount, "output \(output) of a \(result.shape) result")
            var selector = [Float](repeating: 0, count: result.count)
            for row in 0..<rowCount { selector[row * outputCount + output] = 1 }
            (result * Tensor(shape: result.shape, scalars: selector)).sum().backward()
            let outputs = result.scalars
            return (input.grad?.scalars ?? [Float](repeating: 0, count: values.count),
                    (0..<rowCount).map { Double(outputs[$0 * outputCount + output]) })
        }
    }
}
