import Foundation
import HoneTestSupport
import Testing

@testable import HoneNN

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

/// A fresh empty folder under the temporary directory, removed by the caller.
func makeTemporaryFolder() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("honenn-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}
