import HoneCore
import Testing

/// Compares the gradients `backward()` computes with central finite differences.
///
/// The checked scalar is L = Σ f(inputs) · r for a fixed random r, so every output
/// element contributes with a distinct weight. L is accumulated in Double: the
/// forward pass runs in Float32, whose rounding is the main source of difference.
/// With `skippingKinks`, elements whose one-sided differences disagree (a ReLU switching
/// inside the step: no derivative to compare) are skipped, and at most a quarter may be.
public func expectGradientsMatch(
    _ inputs: [Tensor], epsilon: Float = 1e-2, absoluteTolerance: Float = 2e-3, relativeTolerance: Float = 1e-2,
    skippingKinks: Bool = false, sourceLocation: SourceLocation = #_sourceLocation, _ f: ([Tensor]) -> Tensor
) {
    for input in inputs { input.requiresGrad = true; input.grad = nil }
    let output = f(inputs)
    let weights = Tensor.uniform(output.shape, low: -1, high: 1, seed: 99)
    (output * weights).sum().backward()

    func loss() -> Double {
        let y = withNoGrad { f(inputs) }
        var total = 0.0
        for (a, b) in zip(y.scalars, weights.scalars) { total += Double(a) * Double(b) }
        return total
    }
    let center = skippingKinks ? loss() : 0
    var checked = 0, skipped = 0
    for (which, input) in inputs.enumerated() {
        let analytic = input.grad?.scalars ?? [Float](repeating: 0, count: input.count)
        guard analytic.count == input.count else {
            Issue.record(
                "input \(which): gradient has \(analytic.count) values for shape \(input.shape)", sourceLocation: sourceLocation)
            continue
        }
        for i in 0..<input.count {
            let original = input.storage.pointer[i]
            input.storage.pointer[i] = original + epsilon
            let plus = loss()
            input.storage.pointer[i] = original - epsilon
            let minus = loss()
            input.storage.pointer[i] = original
            let numeric = Float((plus - minus) / (2 * Double(epsilon)))
            let tolerance = absoluteTolerance + relativeTolerance * Swift.abs(numeric)
            if skippingKinks {
                let right = Float((plus - center) / Double(epsilon)), left = Float((center - minus) / Double(epsilon))
                if Swift.abs(right - left) > tolerance {
                    skipped += 1
                    continue
                }
            }
            checked += 1
            #expect(
                Swift.abs(numeric - analytic[i]) <= tolerance,
                "input \(which) \(input.shape) element \(i): analytic \(analytic[i]) vs numeric \(numeric)",
                sourceLocation: sourceLocation)
        }
    }
    #expect(skipped * 3 <= checked, "\(skipped) of \(checked + skipped) elements sit on kinks", sourceLocation: sourceLocation)
}

/// A tensor of uniform values in [low, high) for tests.
public func randomTensor(_ shape: [Int], low: Float = -1, high: Float = 1, seed: UInt64 = 1) -> Tensor {
    Tensor.uniform(shape, low: low, high: high, seed: seed)
}

/// A tensor of uniform values whose magnitudes stay at least `gap` away from zero
/// (keeps finite differences off the kinks of relu, abs, max).
public func tensorAwayFromZero(_ shape: [Int], gap: Float = 0.1, seed: UInt64 = 1) -> Tensor {
    randomTensor(shape, seed: seed).map { $0 >= 0 ? $0 + gap : $0 - gap }
}

/// Element-by-element comparison with a relative-or-absolute tolerance.
public func expectClose(
    _ actual: Tensor, _ expected: [Float], tolerance: Float = 1e-5, sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(actual.count == expected.count, "count \(actual.count) vs \(expected.count)", sourceLocation: sourceLocation)
    for (i, (a, e)) in zip(actual.scalars, expected).enumerated() {
        #expect(Swift.abs(a - e) <= tolerance * Swift.max(1, Swift.abs(e)), "element \(i): \(a) vs \(e)", sourceLocation: sourceLocation)
    }
}
