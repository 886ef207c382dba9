import Foundation
import Testing

@testable import HoneNN

/// Compares the gradients `backward()` computes with central finite differences
/// (a trimmed copy of the HoneCore test helper: test targets cannot share code).
///
/// The checked scalar is L = Σ f(inputs) · r for a fixed random r, accumulated in Double.
/// With `skippingKinks`, elements whose one-sided differences disagree (a ReLU switching
/// inside the step: no derivative to compare) are skipped, and at most a quarter may be.
func expectGradientsMatch(
    _ inputs: [Tensor], epsilon: Float = 1e-2, absoluteTolerance: Float = 3e-3, relativeTolerance: Float = 2e-2,
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
            let difference = Swift.abs(numeric - analytic[i])
            #expect(
                difference <= tolerance,
                "input \(which) \(input.shape) element \(i): analytic \(analytic[i]) vs numeric \(numeric)",
                sourceLocation: sourceLocation)
        }
    }
    #expect(skipped * 3 <= checked, "\(skipped) of \(checked + skipped) elements sit on kinks", sourceLocation: sourceLocation)
}

/// Checks the gradients of a layer's output with respect to its input and every parameter.
func expectLayerGradientsMatch(
    _ layer: Module, input: Tensor, epsilon: Float = 1e-2, absoluteTolerance: Float = 3e-3, relativeTolerance: Float = 2e-2,
    skippingKinks: Bool = false, sourceLocation: SourceLocation = #_sourceLocation, _ run: (Tensor) -> Tensor
) {
    let parameters = layer.parameters()
    expectGradientsMatch(
        [input] + parameters, epsilon: epsilon, absoluteTolerance: absoluteTolerance, relativeTolerance: relativeTolerance,
        skippingKinks: skippingKinks, sourceLocation: sourceLocation
    ) { tensors in run(tensors[0]) }
}

/// Uniform values in [low, high) for tests.
func randomTensor(_ shape: [Int], low: Float = -1, high: Float = 1, seed: UInt64 = 1) -> Tensor {
    Tensor.uniform(shape, low: low, high: high, seed: seed)
}

/// Element-by-element comparison with a relative-or-absolute tolerance.
func expectClose(
    _ actual: Tensor, _ expected: [Float], tolerance: Float = 1e-5, sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(actual.count == expected.count, "count \(actual.count) vs \(expected.count)", sourceLocation: sourceLocation)
    for (i, (a, e)) in zip(actual.scalars, expected).enumerated() {
        #expect(Swift.abs(a - e) <= tolerance * Swift.max(1, Swift.abs(e)), "element \(i): \(a) vs \(e)", sourceLocation: sourceLocation)
    }
}

/// A fresh empty folder under the temporary directory, removed by the caller.
func makeTemporaryFolder() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("honenn-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}
