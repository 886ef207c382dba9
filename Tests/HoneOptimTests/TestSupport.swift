import Testing

@testable import HoneOptim

/// Element-by-element comparison with a relative tolerance (absolute below magnitude 1).
func expectClose(
    _ actual: [Float], _ expected: [Float], tolerance: Float = 1e-5, _ context: String = "",
    sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(actual.count == expected.count, "\(context): count \(actual.count) vs \(expected.count)", sourceLocation: sourceLocation)
    for (i, (a, e)) in zip(actual, expected).enumerated() {
        #expect(
            Swift.abs(a - e) <= tolerance * Swift.max(1, Swift.abs(e)),
            "\(context) element \(i): \(a) vs \(e)", sourceLocation: sourceLocation)
    }
}

/// The fixed problem of the PyTorch reference (mirrors Fixtures/make_reference.py):
/// a weight [2, 3] and a bias [3] under a coupled, non-quadratic loss.
struct ReferenceProblem {
    let weight = Tensor(shape: [2, 3], scalars: [0.5, -1.2, 0.8, 1.5, -0.3, 0.0], requiresGrad: true)
    let bias = Tensor(shape: [3], scalars: [0.2, -0.7, 1.1], requiresGrad: true)

    var parameters: [Tensor] { [weight, bias] }

    func loss() -> Tensor {
        let targetWeight = Tensor([[1.0, 0.5, -0.5], [0.0, 2.0, 1.0]])
        let targetBias = Tensor([-1.0, 0.5, 0.3])
        let scale = Tensor([[1.0, 2.0, 0.5], [3.0, 1.5, 0.25]])
        let difference = weight - targetWeight
        let biasDifference = bias - targetBias
        return (scale * difference * difference).sum()
            + 0.1 * (weight * weight * weight * weight).sum()
            + (biasDifference * biasDifference).sum()
            + 0.3 * (weight * bias).sum()
    }

    /// Runs `steps` optimizer steps and returns the flattened parameters after each.
    func run(_ optimizer: Optimizer, steps: Int) -> [[Float]] {
        (0..<steps).map { _ in
            optimizer.zeroGrad()
            loss().backward()
            optimizer.step()
            return weight.scalars + bias.scalars
        }
    }
}
