import HoneTestSupport
import Testing

@testable import HoneCore

/// `conv2dInference`: the forward pass with an optional fused ReLU, on oneDNN (ReLU as a
/// post-op) and on im2col + GEMM, against the definition.
@Suite struct InferenceConvolutionTests {
    /// The cases of the oneDNN suite's geometries (every stride, padding, dilation and
    /// group case) plus one small-channel shape the GEMM path runs.
    let geometries: [(input: [Int], weight: [Int], stride: (Int, Int), padding: (Int, Int), dilation: (Int, Int), groups: Int)] = [
        ([2, 16, 9, 9], [16, 16, 3, 3], (1, 1), (1, 1), (1, 1), 1),
        ([2, 16, 9, 8], [32, 16, 3, 3], (2, 2), (1, 1), (1, 1), 1),
        ([1, 8, 7, 6], [16, 8, 3, 2], (2, 3), (1, 0), (1, 1), 1),
        ([2, 16, 8, 8], [16, 8, 3, 3], (1, 1), (2, 2), (2, 2), 2),
        ([1, 16, 7, 7], [16, 1, 3, 3], (2, 2), (1, 1), (1, 1), 16),
        ([1, 4, 7, 7], [8, 4, 1, 1], (2, 2), (0, 0), (1, 1), 1),
        ([3, 1, 10, 10], [4, 1, 3, 3], (1, 1), (1, 1), (1, 1), 1),
    ]

    @Test func matchesTheDefinitionWithAndWithoutReLUOnBothPaths() {
        for (index, c) in geometries.enumerated() {
            let seed = UInt64(20 * index + 1)
            let x = randomTensor(c.input, seed: seed), w = randomTensor(c.weight, seed: seed + 1), b = randomTensor([c.weight[0]], seed: seed + 2)
            let reference = naiveConv2d(x, w, b, stride: c.stride, padding: c.padding, dilation: c.dilation, groups: c.groups)
            let rectified = reference.map { max($0, 0) }
            for route in [ConvolutionRoute.oneDNN, .fastest] {
                let plain = withNoGrad {
                    conv2dInference(x, weight: w, bias: b, stride: c.stride, padding: c.padding, dilation: c.dilation, groups: c.groups,
                                    relu: false, route: route)
                }
                let fused = withNoGrad {
                    conv2dInference(x, weight: w, bias: b, stride: c.stride, padding: c.padding, dilation: c.dilation, groups: c.groups,
                                    relu: true, route: route)
                }
                                expectClose(plain, reference, tolerance: 1e-4)
                expectClose(fused, rectified, tolerance: 1e-4)
                // Some outputs are negative, so the ReLU had something to do.
                #expect(reference.contains { $0 < -0.01 } && fused.scalars.allSatisfy { $0 >= 0 })
            }
        }
    }

    @Test func theGEMMPathFusesReLUWithoutABias() {
        let x = randomTensor([2, 3, 6, 6], seed: 5), w = randomTensor([4, 3, 3, 3], seed: 6)
        let reference = naiveConv2d(x, w, nil, stride: (1, 1), padding: (1, 1), dilation: (1, 1), groups: 1)
        let fused = withNoGrad { conv2dInference(x, weight: w, bias: nil, padding: (1, 1), relu: true) }
        expectClose(fused, reference.map { max($0, 0) }, tolerance: 1e-4)
    }
}
