import Testing

@testable import HoneCore

/// Compares the gradients `backward()` computes with central finite differences.
///
/// The checked scalar is L = Σ f(inputs) · r for a fixed random r, so every output
/// element contributes with a distinct weight. L is accumulated in Double: the
/// forward pass runs in Float32, whose rounding is the main source of difference.
func expectGradientsMatch(
    _ inputs: [Tensor], epsilon: Float = 1e-2, absoluteTolerance: Float = 2e-3, relativeTolerance: Float = 1e-2,
    sourceLocation: SourceLocation = #_sourceLocation, _ f: ([Tensor]) -> Tensor
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
    for (which, input) in inputs.enumerated() {
        let analytic = input.grad?.scalars ?? [Float](repeating: 0, count: input.count)
        #expect(analytic.count == input.count, "input \(which): gradient has \(analytic.count) values for shape \(input.shape)", sourceLocation: sourceLocation)
        for i in 0..<input.count {
            let original = input.storage.pointer[i]
            input.storage.pointer[i] = original + epsilon
            let plus = loss()
            input.storage.pointer[i] = original - epsilon
            let minus = loss()
            input.storage.pointer[i] = original
            let numeric = Float((plus - minus) / (2 * Double(epsilon)))
            let difference = Swift.abs(numeric - analytic[i])
            #expect(
                difference <= absoluteTolerance + relativeTolerance * Swift.abs(numeric),
                "input \(which) \(input.shape) element \(i): analytic \(analytic[i]) vs numeric \(numeric)",
                sourceLocation: sourceLocation)
        }
    }
}

/// A tensor of uniform values in [low, high) for tests.
func randomTensor(_ shape: [Int], low: Float = -1, high: Float = 1, seed: UInt64 = 1) -> Tensor {
    Tensor.uniform(shape, low: low, high: high, seed: seed)
}

/// A tensor of uniform values whose magnitudes stay at least `gap` away from zero
/// (keeps finite differences off the kinks of relu, abs, max).
func tensorAwayFromZero(_ shape: [Int], gap: Float = 0.1, seed: UInt64 = 1) -> Tensor {
    randomTensor(shape, seed: seed).map { $0 >= 0 ? $0 + gap : $0 - gap }
}

/// Element-by-element comparison with a tolerance.
func expectClose(
    _ actual: Tensor, _ expected: [Float], tolerance: Float = 1e-5, sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(actual.count == expected.count, "count \(actual.count) vs \(expected.count)", sourceLocation: sourceLocation)
    for (i, (a, e)) in zip(actual.scalars, expected).enumerated() {
        #expect(Swift.abs(a - e) <= tolerance * Swift.max(1, Swift.abs(e)), "element \(i): \(a) vs \(e)", sourceLocation: sourceLocation)
    }
}
