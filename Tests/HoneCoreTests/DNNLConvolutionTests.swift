import HoneTestSupport
import Testing
import Foundation

@testable import HoneCore

/// The input and weight gradients of Σ conv(x, w) · g by the definition: every output
/// element's product term sends g back to the input pixel and the weight it multiplied.
func naiveConv2dGradients(
    _ x: Tensor, _ w: Tensor, _ g: Tensor, stride: (Int, Int), padding: (Int, Int), dilation: (Int, Int), groups: Int
) -> (x: [Float], weight: [Float], bias: [Float]) {
    let (n, c, h, wd) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    let (oc, cg, kh, kw) = (w.shape[0], w.shape[1], w.shape[2], w.shape[3])
    let (oh, ow) = (g.shape[2], g.shape[3])
    let ocPerGroup = oc / groups
    var dx = [Float](repeating: 0, count: x.count), dw = [Float](repeating: 0, count: w.count)
    var db = [Float](repeating: 0, count: oc)
    for b in 0..<n {
        for o in 0..<oc {
            let group = o / ocPerGroup
            for y in 0..<oh {
                for xx in 0..<ow {
                    let upstream = g[b, o, y, xx]
                    db[o] += upstream
                    for ci in 0..<cg {
                        for ky in 0..<kh {
                            for kx in 0..<kw {
                                let iy = y * stride.0 - padding.0 + ky * dilation.0
                                let ix = xx * stride.1 - padding.1 + kx * dilation.1
                                guard iy >= 0, iy < h, ix >= 0, ix < wd else { continue }
                                let channel = group * cg + ci
                                dx[((b * c + channel) * h + iy) * wd + ix] += upstream * w[o, ci, ky, kx]
                                dw[((o * cg + ci) * kh + ky) * kw + kx] += upstream * x[b, channel, iy, ix]
                            }
                        }
                    }
                }
            }
        }
    }
    return (dx, dw, db)
}

@Suite struct DNNLConvolutionTests {
    struct Case {
        var input: [Int], weight: [Int], stride: (Int, Int), padding: (Int, Int), dilation: (Int, Int), groups: Int
        /// Whether oneDNN has a kernel other than its reference one for all three passes
        /// (else im2col + GEMM runs).
        var onOneDNN: Bool
    }

    /// Every padding, stride, dilation and group case of the im2col path, at channel
    /// counts oneDNN's blocked kernels take, plus the W2 and W3 layer shapes.
    let cases: [Case] = [
        Case(input: [2, 16, 9, 9], weight: [16, 16, 3, 3], stride: (1, 1), padding: (1, 1), dilation: (1, 1), groups: 1, onOneDNN: true),
        // From 32 channels on, 3×3 at stride 1 runs on the Winograd kernels (with AVX-512).
        Case(input: [2, 32, 9, 9], weight: [64, 32, 3, 3], stride: (1, 1), padding: (1, 1), dilation: (1, 1), groups: 1, onOneDNN: true),
        Case(input: [3, 32, 4, 4], weight: [32, 32, 3, 3], stride: (1, 1), padding: (1, 1), dilation: (1, 1), groups: 1, onOneDNN: true),
        Case(input: [2, 16, 9, 8], weight: [32, 16, 3, 3], stride: (2, 2), padding: (1, 1), dilation: (1, 1), groups: 1, onOneDNN: true),
        Case(input: [1, 8, 7, 6], weight: [16, 8, 3, 2], stride: (2, 3), padding: (1, 0), dilation: (1, 1), groups: 1, onOneDNN: true),
        Case(input: [2, 16, 8, 8], weight: [16, 8, 3, 3], stride: (1, 1), padding: (2, 2), dilation: (2, 2), groups: 2, onOneDNN: true),
        Case(input: [1, 16, 7, 7], weight: [16, 1, 3, 3], stride: (2, 2), padding: (1, 1), dilation: (1, 1), groups: 16, onOneDNN: true),
        Case(input: [2, 16, 8, 8], weight: [32, 16, 1, 1], stride: (2, 2), padding: (0, 0), dilation: (1, 1), groups: 1, onOneDNN: true),
        Case(input: [2, 1, 10, 10], weight: [32, 1, 3, 3], stride: (1, 1), padding: (1, 1), dilation: (1, 1), groups: 1, onOneDNN: true),
        Case(input: [2, 3, 8, 8], weight: [16, 3, 3, 3], stride: (1, 1), padding: (1, 1), dilation: (1, 1), groups: 1, onOneDNN: true),
        // Stride 2 over 7 columns with a 1×1 kernel leaves the last column unread: oneDNN
        // takes it as a padding of -1 on the high side.
        Case(input: [1, 4, 7, 7], weight: [8, 4, 1, 1], stride: (2, 2), padding: (0, 0), dilation: (1, 1), groups: 1, onOneDNN: true),
    ]

    func run(_ c: Case, seed: UInt64) -> (x: Tensor, w: Tensor, b: Tensor, g: Tensor, y: Tensor) {
        let x = randomTensor(c.input, seed: seed).requiringGrad(), w = randomTensor(c.weight, seed: seed + 1).requiringGrad()
        let b = randomTensor([c.weight[0]], seed: seed + 2).requiringGrad()
        let y = conv2d(x, weight: w, bias: b, stride: c.stride, padding: c.padding, dilation: c.dilation, groups: c.groups, route: .oneDNN)
        let g = randomTensor(y.shape, seed: seed + 3)
        (y * g).sum().backward()
        return (x, w, b, g, y)
    }

    @Test func oneDNNRunsTheShapesItHasKernelsFor() {
        for c in cases {
            let geometry = Conv2DGeometry(kernel: (c.weight[2], c.weight[3]), stride: c.stride, padding: c.padding, dilation: c.dilation)
            let plan = ConvolutionPlan(input: c.input, weight: c.weight, groups: c.groups, geometry: geometry)
            let primitives = DNNLConvolution.primitives(for: plan, hasBias: true)
            let passes = [primitives.forward, primitives.backwardData, primitives.backwardWeights]
            #expect(passes.allSatisfy { ($0 != nil) == c.onOneDNN }, "\(c.input) * \(c.weight): \(passes.map { $0?.implementation ?? "im2col" })")
            #expect(passes.allSatisfy { !($0?.implementation.hasPrefix("ref") ?? false) })
        }
    }

    @Test func valuesAndBothGradientsMatchTheDefinition() {
        for (i, c) in cases.enumerated() {
            let (x, w, b, g, y) = run(c, seed: UInt64(10 * i + 1))
            let args = (stride: c.stride, padding: c.padding, dilation: c.dilation, groups: c.groups)
            expectClose(y, naiveConv2d(x, w, b, stride: args.stride, padding: args.padding, dilation: args.dilation, groups: args.groups), tolerance: 1e-4)
            let expected = naiveConv2dGradients(x, w, g, stride: args.stride, padding: args.padding, dilation: args.dilation, groups: args.groups)
            expectClose(x.grad!, expected.x, tolerance: 1e-4)
            expectClose(w.grad!, expected.weight, tolerance: 1e-4)
            expectClose(b.grad!, expected.bias, tolerance: 1e-4)
        }
    }

    @Test func gradientsMatchFiniteDifferences() {
        // Small versions of the cases (finite differences cost two passes per element).
        let small: [Case] = [
            Case(input: [1, 8, 5, 5], weight: [8, 8, 3, 3], stride: (1, 1), padding: (1, 1), dilation: (1, 1), groups: 1, onOneDNN: true),
            Case(input: [1, 8, 6, 5], weight: [8, 8, 3, 2], stride: (2, 3), padding: (1, 0), dilation: (1, 1), groups: 1, onOneDNN: true),
            Case(input: [1, 8, 6, 6], weight: [8, 4, 3, 3], stride: (1, 1), padding: (2, 2), dilation: (2, 2), groups: 2, onOneDNN: true),
            Case(input: [1, 8, 5, 5], weight: [8, 1, 3, 3], stride: (2, 2), padding: (1, 1), dilation: (1, 1), groups: 8, onOneDNN: true),
            Case(input: [1, 3, 5, 5], weight: [8, 3, 3, 3], stride: (1, 1), padding: (1, 1), dilation: (1, 1), groups: 1, onOneDNN: true),
            Case(input: [1, 32, 5, 5], weight: [32, 32, 3, 3], stride: (1, 1), padding: (1, 1), dilation: (1, 1), groups: 1, onOneDNN: true),
        ]
        for (i, c) in small.enumerated() {
            let geometry = Conv2DGeometry(kernel: (c.weight[2], c.weight[3]), stride: c.stride, padding: c.padding, dilation: c.dilation)
            let plan = ConvolutionPlan(input: c.input, weight: c.weight, groups: c.groups, geometry: geometry)
            let primitives = DNNLConvolution.primitives(for: plan, hasBias: true)
            #expect(primitives.forward != nil && primitives.backwardData != nil && primitives.backwardWeights != nil)
            let x = randomTensor(c.input, seed: UInt64(i + 1)), w = randomTensor(c.weight, seed: UInt64(i + 10))
            let b = randomTensor([c.weight[0]], seed: 20)
            expectGradientsMatch([x, w, b]) {
                conv2d($0[0], weight: $0[1], bias: $0[2], stride: c.stride, padding: c.padding, dilation: c.dilation, groups: c.groups, route: .oneDNN)
            }
        }
    }

    @Test func agreesWithIm2colOnTheW3Shapes() {
        // A stage-1 block of W3 at batch 16: big enough for every thread of oneDNN's
        // kernels to take part, compared against the im2col + GEMM path run directly.
        let x = randomTensor([16, 16, 32, 32], seed: 1), w = randomTensor([32, 16, 3, 3], low: -0.2, high: 0.2, seed: 2)
        let b = randomTensor([32], seed: 3)
        let geometry = Conv2DGeometry(kernel: (3, 3), stride: (2, 2), padding: (1, 1))
        let plan = ConvolutionPlan(input: x.shape, weight: w.shape, groups: 1, geometry: geometry)
        let y = conv2d(x, weight: w, bias: b, stride: (2, 2), padding: (1, 1), dilation: (1, 1), groups: 1, route: .oneDNN)
        let reference = Tensor(uninitializedShape: y.shape)
        plan.forward(x: x.storage.pointer, weight: w.storage.pointer, bias: b.storage.pointer, out: reference.storage.pointer)
        expectClose(y, reference.scalars, tolerance: 1e-4)

        let g = randomTensor(y.shape, seed: 4)
        let dx = Tensor(uninitializedShape: x.shape), dw = Tensor(uninitializedShape: w.shape), db = Tensor(uninitializedShape: [32])
        plan.backward(
            x: x.storage.pointer, weight: w.storage.pointer, gradOut: g.storage.pointer,
            gradX: dx.storage.pointer, gradWeight: dw.storage.pointer, gradBias: db.storage.pointer)
        let (xg, wg, bg) = (x.detached().requiringGrad(), w.detached().requiringGrad(), b.detached().requiringGrad())
        (conv2d(xg, weight: wg, bias: bg, stride: (2, 2), padding: (1, 1), dilation: (1, 1), groups: 1, route: .oneDNN) * g).sum().backward()
        expectClose(xg.grad!, dx.scalars, tolerance: 1e-4)
        expectClose(wg.grad!, dw.scalars, tolerance: 1e-3)
        expectClose(bg.grad!, db.scalars, tolerance: 1e-3)

        // The im2col route (the benchmark's "before") is that path exactly: the same bits both ways.
        let (xi, wi, bi) = (x.detached().requiringGrad(), w.detached().requiringGrad(), b.detached().requiringGrad())
        let yi = conv2d(xi, weight: wi, bias: bi, stride: (2, 2), padding: (1, 1), dilation: (1, 1), groups: 1, route: .im2col)
        #expect(yi.scalars == reference.scalars)
        (yi * g).sum().backward()
        #expect(xi.grad!.scalars == dx.scalars && wi.grad!.scalars == dw.scalars && bi.grad!.scalars == db.scalars)
    }

    @Test func theMeasuredSwitchSendsWideLayersToOneDNN() {
        func plan(_ input: [Int], _ weight: [Int], groups: Int = 1) -> ConvolutionPlan {
            ConvolutionPlan(input: input, weight: weight, groups: groups, geometry: Conv2DGeometry(kernel: (3, 3), padding: (1, 1)))
        }
        #expect(plan([64, 32, 14, 14], [64, 32, 3, 3]).oneDNNRunsDataPasses)
        #expect(!plan([128, 16, 32, 32], [16, 16, 3, 3]).oneDNNRunsDataPasses)
        #expect(!plan([8, 64, 8, 8], [64, 1, 3, 3], groups: 64).oneDNNRunsDataPasses)
        // Inference alone goes to oneDNN from 3 channels: W3's stem and stage 1, not W2's first layer.
        #expect(plan([128, 3, 32, 32], [16, 3, 3, 3]).oneDNNRunsInference && plan([128, 16, 32, 32], [16, 16, 3, 3]).oneDNNRunsInference)
        #expect(!plan([64, 1, 28, 28], [32, 1, 3, 3]).oneDNNRunsInference)
        #expect(plan([128, 3, 32, 32], [16, 3, 3, 3]).oneDNNRunsWeightPass)
        #expect(!plan([64, 1, 28, 28], [32, 1, 3, 3]).oneDNNRunsWeightPass)
        // Both routes give the same values for a layer the switch splits between them.
        let x = randomTensor([4, 3, 12, 12], seed: 1), w = randomTensor([16, 3, 3, 3], seed: 2)
        let fastest = conv2d(x, weight: w, padding: (1, 1))
        let oneDNN = conv2d(x, weight: w, bias: nil, stride: (1, 1), padding: (1, 1), dilation: (1, 1), groups: 1, route: .oneDNN)
        expectClose(fastest, oneDNN.scalars, tolerance: 1e-5)
    }

    @Test func winogradRunsFrom32ChannelsWhereTheCPUHasIt() throws {
        // oneDNN's f32 Winograd kernels need AVX-512 (`avx512_core`); elsewhere every pass
        // stays on the direct kernels.
        let flags = try String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)
        let hasAVX512Core = ["avx512f", "avx512bw", "avx512vl", "avx512dq"].allSatisfy { flags.contains(" \($0)") }
        func implementations(_ input: [Int], _ weight: [Int], stride: Int = 1) -> [String] {
            let geometry = Conv2DGeometry(kernel: (3, 3), stride: (stride, stride), padding: (1, 1))
            let primitives = DNNLConvolution.primitives(for: ConvolutionPlan(input: input, weight: weight, groups: 1, geometry: geometry), hasBias: false)
            return [primitives.forward, primitives.backwardData, primitives.backwardWeights].map { $0?.implementation ?? "none" }
        }
        let wide = implementations([8, 32, 14, 14], [64, 32, 3, 3])
        #expect(wide.allSatisfy { $0.contains("wino") == hasAVX512Core }, "\(wide)")
        // Below 32 channels, and at stride 2, the direct kernels.
        let narrow = implementations([8, 16, 14, 14], [16, 16, 3, 3]), strided = implementations([8, 32, 14, 14], [64, 32, 3, 3], stride: 2)
        #expect((narrow + strided).allSatisfy { !$0.contains("wino") && !$0.hasPrefix("ref") && $0 != "none" }, "\(narrow + strided)")
    }

    @Test func oneReorderOfTheInputAndOfTheGradientServesTwoPasses() {
        // At 32 channels oneDNN's kernels take blocked layouts (`nChw16c`/`nChw8c`), so the
        // input and the output gradient are reordered: a training step reorders the input
        // once for the forward and weight passes, and the gradient once for both backward
        // passes.
        let c = Case(input: [4, 32, 9, 9], weight: [32, 32, 3, 3], stride: (1, 1), padding: (1, 1), dilation: (1, 1), groups: 1, onOneDNN: true)
        let geometry = Conv2DGeometry(kernel: (3, 3), padding: c.padding)
        let primitives = DNNLConvolution.primitives(for: ConvolutionPlan(input: c.input, weight: c.weight, groups: 1, geometry: geometry), hasBias: true)
        #expect(primitives.weightPassReusesForwardSource)
        #expect(primitives.backwardPassesShareGradientLayout)
        let (x, w, b, g, _) = run(c, seed: 5)
        // The same passes with each argument reordered by the pass itself: the same bits.
        let dx = Tensor(uninitializedShape: x.shape), dw = Tensor(uninitializedShape: w.shape), db = Tensor(uninitializedShape: [32])
        #expect(primitives.backwardData(gradOut: g.storage.pointer, weight: w.storage.pointer, gradX: dx.storage.pointer))
        #expect(primitives.backwardWeights(
            x: x.storage.pointer, gradOut: g.storage.pointer, weightCount: w.count, gradWeight: dw.storage.pointer,
            biasCount: 32, gradBias: db.storage.pointer))
        #expect(x.grad!.scalars == dx.scalars && w.grad!.scalars == dw.scalars && b.grad!.scalars == db.scalars)
        // The kept input is the forward pass's: writing over x before the backward pass
        // leaves the weight gradient that of the values the forward pass saw.
        let (x2, w2) = (x.detached().requiringGrad(), w.detached().requiringGrad())
        let y2 = conv2d(x2, weight: w2, bias: nil, stride: c.stride, padding: c.padding, dilation: c.dilation, groups: 1, route: .oneDNN)
        let original = x2.scalars
        x2.storage.pointer.update(repeating: 7, count: x2.count)
        (y2 * g).sum().backward()
        let expected = naiveConv2dGradients(Tensor(shape: x.shape, scalars: original), w, g, stride: c.stride, padding: c.padding, dilation: c.dilation, groups: 1)
        expectClose(w2.grad!, expected.weight, tolerance: 1e-4)
    }

    @Test func repeatedRunsAreBitIdentical() {
        // Backward-weights sums over the batch on every thread; the sum must come out
        // in the same order each time for a seeded run to repeat exactly.
        let c = Case(input: [64, 32, 16, 16], weight: [32, 32, 3, 3], stride: (1, 1), padding: (1, 1), dilation: (1, 1), groups: 1, onOneDNN: true)
        let first = run(c, seed: 7)
        for _ in 0..<3 {
            let again = run(c, seed: 7)
            #expect(again.y.scalars == first.y.scalars)
            #expect(again.x.grad!.scalars == first.x.grad!.scalars)
            #expect(again.w.grad!.scalars == first.w.grad!.scalars)
            #expect(again.b.grad!.scalars == first.b.grad!.scalars)
        }
    }
}
