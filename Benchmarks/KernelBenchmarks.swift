import HoneCore

#if canImport(Accelerate)
    import Accelerate
#else
    import CBLAS
#endif

/// The `kernels` suite: GEMM through Hone beside raw `cblas_sgemm` in the same run, and
/// conv2d forward + backward at the layer shapes of workloads W2 and W3.
public enum KernelBenchmarks {
    /// One convolution layer of a reference workload.
    struct ConvShape {
        var name: String
        var input: [Int]
        var weight: [Int]
        var stride: Int
        var padding: Int
        /// First layers see data, which needs no gradient; PyTorch skips it too.
        var inputNeedsGradient: Bool
    }

    static let convShapes: [ConvShape] = [
        ConvShape(name: "conv_W2_1", input: [64, 1, 28, 28], weight: [32, 1, 3, 3], stride: 1, padding: 1, inputNeedsGradient: false),
        ConvShape(name: "conv_W2_2", input: [64, 32, 14, 14], weight: [64, 32, 3, 3], stride: 1, padding: 1, inputNeedsGradient: true),
        ConvShape(name: "conv_W3_stem", input: [128, 3, 32, 32], weight: [16, 3, 3, 3], stride: 1, padding: 1, inputNeedsGradient: false),
        ConvShape(name: "conv_W3_stage1", input: [128, 16, 32, 32], weight: [16, 16, 3, 3], stride: 1, padding: 1, inputNeedsGradient: true),
        ConvShape(name: "conv_W3_stage2_down", input: [128, 16, 32, 32], weight: [32, 16, 3, 3], stride: 2, padding: 1, inputNeedsGradient: true),
        ConvShape(name: "conv_W3_stage2", input: [128, 32, 16, 16], weight: [32, 32, 3, 3], stride: 1, padding: 1, inputNeedsGradient: true),
        ConvShape(name: "conv_W3_stage3", input: [128, 64, 8, 8], weight: [64, 64, 3, 3], stride: 1, padding: 1, inputNeedsGradient: true),
    ]

    /// Runs the suite; `quick` shortens every measurement (for smoke tests).
    public static func run(quick: Bool = false) -> [BenchResult] {
        let seconds = quick ? 0.05 : 1.0
        var results: [BenchResult] = []

        let n = 1024
        let a = Tensor.uniform([n, n], low: -1, high: 1, seed: 1), b = Tensor.uniform([n, n], low: -1, high: 1, seed: 2)
        let flops = 2.0 * Double(n * n * n)
        let honeSeconds = Timing.medianSeconds(minimumSeconds: seconds) { _ = matmul(a, b) }
        let c = Tensor.zeros([n, n])
        let rawSeconds = Timing.medianSeconds(minimumSeconds: seconds) {
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(n), Int32(n), Int32(n), 1,
                        a.storage.pointer, Int32(n), b.storage.pointer, Int32(n), 0, c.storage.pointer, Int32(n))
        }
        results.append(BenchResult(workload: "matmul_1024", metric: "gflops", value: flops / honeSeconds / 1e9))
        results.append(BenchResult(workload: "cblas_sgemm_1024", metric: "gflops", value: flops / rawSeconds / 1e9))

        for shape in convShapes {
            let x = Tensor.uniform(shape.input, low: -1, high: 1, seed: 3).requiringGrad(shape.inputNeedsGradient)
            let w = Tensor.uniform(shape.weight, low: -0.1, high: 0.1, seed: 4).requiringGrad()
            let bias = Tensor.zeros([shape.weight[0]]).requiringGrad()
            // The default route, then im2col + GEMM alone: the path every pass took before
            // the oneDNN primitives, measured in the same run for the before/after.
            for (route, suffix) in [(ConvolutionRoute.fastest, ""), (.im2col, "_im2col")] {
                let forward = {
                    conv2d(
                        x, weight: w, bias: bias, stride: (shape.stride, shape.stride), padding: (shape.padding, shape.padding),
                        dilation: (1, 1), groups: 1, route: route)
                }
                let out = withNoGrad(forward)
                let gradient = Tensor.ones(out.shape)
                let macs = Double(out.count) * Double(shape.weight[1] * shape.weight[2] * shape.weight[3])
                let passes = shape.inputNeedsGradient ? 3.0 : 2.0
                let time = Timing.medianSeconds(minimumSeconds: seconds) {
                    forward().backward(gradient)
                    x.grad = nil
                    w.grad = nil
                    bias.grad = nil
                }
                let forwardTime = Timing.medianSeconds(minimumSeconds: seconds) { _ = withNoGrad(forward) }
                results.append(BenchResult(workload: shape.name, metric: "gflops" + suffix, value: 2 * macs * passes / time / 1e9))
                results.append(BenchResult(workload: shape.name, metric: "forward_gflops" + suffix, value: 2 * macs / forwardTime / 1e9))
                results.append(BenchResult(workload: shape.name, metric: "forward_backward_ms" + suffix, value: time * 1e3))
            }
        }
        return results
    }
}
