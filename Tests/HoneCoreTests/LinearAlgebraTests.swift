import HoneTestSupport
import Testing

@testable import HoneCore

/// Matrix product by the definition, for reference.
func naiveMatmul(_ a: [Float], _ b: [Float], m: Int, k: Int, n: Int) -> [Float] {
    var c = [Float](repeating: 0, count: m * n)
    for i in 0..<m {
        for j in 0..<n {
            var total: Float = 0
            for p in 0..<k { total += a[i * k + p] * b[p * n + j] }
            c[i * n + j] = total
        }
    }
    return c
}

@Suite struct MatmulTests {
    @Test func matmulMatchesDefinition() {
        let a = randomTensor([5, 7], seed: 1), b = randomTensor([7, 3], seed: 2)
        expectClose(matmul(a, b), naiveMatmul(a.scalars, b.scalars, m: 5, k: 7, n: 3))
        expectClose(matmul(Tensor([[1, 2], [3, 4]]), Tensor([[5, 6], [7, 8]])), [19, 22, 43, 50])
    }

    @Test func batchedMatmulMatchesPerBatchProducts() {
        let a = randomTensor([3, 4, 5], seed: 1), b = randomTensor([3, 5, 2], seed: 2)
        let c = matmul(a, b)
        #expect(c.shape == [3, 4, 2])
        for i in 0..<3 {
            expectClose(c.select(axis: 0, index: i), naiveMatmul(a.select(axis: 0, index: i).scalars, b.select(axis: 0, index: i).scalars, m: 4, k: 5, n: 2))
        }
        // Leading axes broadcast: [2, 1, 4, 5] × [3, 5, 2] -> [2, 3, 4, 2]
        let d = matmul(randomTensor([2, 1, 4, 5], seed: 3), b)
        #expect(d.shape == [2, 3, 4, 2])
    }

    @Test func matmulGradients() {
        expectGradientsMatch([randomTensor([4, 3], seed: 1), randomTensor([3, 5], seed: 2)]) { matmul($0[0], $0[1]) }
        expectGradientsMatch([randomTensor([2, 4, 3], seed: 1), randomTensor([3, 5], seed: 2)]) { matmul($0[0], $0[1]) }
        expectGradientsMatch([randomTensor([2, 4, 3], seed: 1), randomTensor([2, 3, 5], seed: 2)]) { matmul($0[0], $0[1]) }
        expectGradientsMatch([randomTensor([2, 1, 2, 3], seed: 1), randomTensor([3, 3, 2], seed: 2)]) { matmul($0[0], $0[1]) }
    }

    @Test func linearEqualsMatmulWithTransposedWeightPlusBias() {
        let x = randomTensor([2, 3, 4], seed: 1), w = randomTensor([5, 4], seed: 2), b = randomTensor([5], seed: 3)
        expectClose(linear(x, weight: w, bias: b), (matmul(x, w.transposed()) + b).scalars)
        expectGradientsMatch([x, w, b]) { linear($0[0], weight: $0[1], bias: $0[2]) }
        expectGradientsMatch([x, w]) { linear($0[0], weight: $0[1]) }
    }

    @Test func linearOnOneDNNsMatmulPrimitiveMatchesTheDefinitionAndItsGradients() {
        // [2, 70, 33] rows times a [65, 33] weight: well above the primitive's threshold.
        let x = randomTensor([2, 70, 33], seed: 11), w = randomTensor([65, 33], seed: 12), b = randomTensor([65], seed: 13)
        let expected = naiveMatmul(x.scalars, w.transposed().scalars, m: 140, k: 33, n: 65)
        let withBias = linear(x, weight: w, bias: b), without = linear(x, weight: w)
        #expect(withBias.shape == [2, 70, 65])
        expectClose(without, expected, tolerance: 1e-4)
        expectClose(withBias, (0..<expected.count).map { expected[$0] + b.scalars[$0 % 65] }, tolerance: 1e-4)
        #if !canImport(Accelerate)
            #expect(DNNLLinear.hasPrimitive(for: .init(rows: 140, inFeatures: 33, outFeatures: 65, hasBias: true)))
            #expect(DNNLLinear.hasPrimitive(for: .init(rows: 140, inFeatures: 33, outFeatures: 65, hasBias: false)))
        #endif
        // The same call again gives the same bits.
        #expect(linear(x, weight: w, bias: b).scalars.map(\.bitPattern) == withBias.scalars.map(\.bitPattern))
        // At exactly the threshold (8 · 64 · 64 multiply-adds) inference takes the primitive and
        // agrees with the recording pass (which stays on the GEMM) to rounding.
        let small = randomTensor([8, 64], seed: 14), square = randomTensor([64, 64], low: -0.2, high: 0.2, seed: 15)
        let shift = randomTensor([64], seed: 16)
        let inferred = withNoGrad { linear(small, weight: square, bias: shift) }
        expectGradientsMatch([small, square, shift]) { linear($0[0], weight: $0[1], bias: $0[2]) }
        expectClose(inferred, linear(small, weight: square, bias: shift).scalars, tolerance: 1e-5)
        #if !canImport(Accelerate)
            #expect(DNNLLinear.hasPrimitive(for: .init(rows: 8, inFeatures: 64, outFeatures: 64, hasBias: true)))
            #expect(!DNNLLinear.hasPrimitive(for: .init(rows: 2, inFeatures: 3, outFeatures: 4, hasBias: true)))
            // A pass that records a graph builds none.
            let tracked = randomTensor([9, 64], seed: 17).requiringGrad()
            _ = linear(tracked, weight: square, bias: shift)
            #expect(!DNNLLinear.hasPrimitive(for: .init(rows: 9, inFeatures: 64, outFeatures: 64, hasBias: true)))
        #endif
    }

    @Test func largeMatmulMatchesDefinition() {
        // Big enough for BLAS's multithreaded path.
        let a = randomTensor([130, 257], seed: 1), b = randomTensor([257, 129], seed: 2)
        expectClose(matmul(a, b), naiveMatmul(a.scalars, b.scalars, m: 130, k: 257, n: 129), tolerance: 1e-4)
    }
}

/// Convolution by the definition (cross-correlation with zero padding), for reference.
func naiveConv2d(
    _ x: Tensor, _ w: Tensor, _ bias: Tensor?, stride: (Int, Int), padding: (Int, Int), dilation: (Int, Int), groups: Int
) -> [Float] {
    let (n, c, h, wd) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    let (oc, cg, kh, kw) = (w.shape[0], w.shape[1], w.shape[2], w.shape[3])
    let oh = (h + 2 * padding.0 - dilation.0 * (kh - 1) - 1) / stride.0 + 1
    let ow = (wd + 2 * padding.1 - dilation.1 * (kw - 1) - 1) / stride.1 + 1
    let ocPerGroup = oc / groups
    var out: [Float] = []
    for b in 0..<n {
        for o in 0..<oc {
            let g = o / ocPerGroup
            for y in 0..<oh {
                for xx in 0..<ow {
                    var total: Float = bias?.scalars[o] ?? 0
                    for ci in 0..<cg {
                        for ky in 0..<kh {
                            for kx in 0..<kw {
                                let iy = y * stride.0 - padding.0 + ky * dilation.0
                                let ix = xx * stride.1 - padding.1 + kx * dilation.1
                                guard iy >= 0, iy < h, ix >= 0, ix < wd else { continue }
                                total += x[b, g * cg + ci, iy, ix] * w[o, ci, ky, kx]
                            }
                        }
                    }
                    out.append(total)
                }
            }
        }
    }
    _ = c
    return out
}

@Suite struct ConvolutionTests {
    struct Case {
        var input: [Int], weight: [Int], stride: (Int, Int), padding: (Int, Int), dilation: (Int, Int), groups: Int
    }

    let cases: [Case] = [
        Case(input: [2, 3, 5, 5], weight: [4, 3, 3, 3], stride: (1, 1), padding: (1, 1), dilation: (1, 1), groups: 1),
        Case(input: [1, 2, 7, 6], weight: [3, 2, 3, 2], stride: (2, 3), padding: (1, 0), dilation: (1, 1), groups: 1),
        Case(input: [2, 4, 6, 6], weight: [6, 2, 3, 3], stride: (1, 1), padding: (2, 2), dilation: (2, 2), groups: 2),
        Case(input: [1, 4, 5, 5], weight: [4, 1, 3, 3], stride: (2, 2), padding: (1, 1), dilation: (1, 1), groups: 4),
        Case(input: [2, 3, 4, 4], weight: [2, 3, 1, 1], stride: (2, 2), padding: (0, 0), dilation: (1, 1), groups: 1),
    ]

    @Test func conv2dMatchesDirectConvolution() {
        for (i, c) in cases.enumerated() {
            let x = randomTensor(c.input, seed: UInt64(i + 1)), w = randomTensor(c.weight, seed: UInt64(i + 10))
            let b = randomTensor([c.weight[0]], seed: 20)
            let y = conv2d(x, weight: w, bias: b, stride: c.stride, padding: c.padding, dilation: c.dilation, groups: c.groups)
            expectClose(y, naiveConv2d(x, w, b, stride: c.stride, padding: c.padding, dilation: c.dilation, groups: c.groups), tolerance: 1e-4)
        }
    }

    @Test func conv2dGradients() {
        for (i, c) in cases.enumerated() {
            let x = randomTensor(c.input, seed: UInt64(i + 1)), w = randomTensor(c.weight, seed: UInt64(i + 10))
            let b = randomTensor([c.weight[0]], seed: 20)
            expectGradientsMatch([x, w, b]) {
                conv2d($0[0], weight: $0[1], bias: $0[2], stride: c.stride, padding: c.padding, dilation: c.dilation, groups: c.groups)
            }
        }
    }

    @Test func conv2dSplitsLargeBatchesAcrossCoresConsistently() {
        // 40 images of 4×32×32 are enough work to split the batch across cores; every
        // image's output and the summed weight, bias and input gradients must match
        // one-image calls (which run on one thread).
        let x = randomTensor([40, 4, 32, 32], seed: 1).requiringGrad(), w = randomTensor([6, 2, 3, 3], seed: 2).requiringGrad()
        let b = randomTensor([6], seed: 3).requiringGrad()
        let whole = conv2d(x, weight: w, bias: b, padding: (1, 1), groups: 2)
        whole.sum().backward()
        let singleW = w.detached().requiringGrad(), singleB = b.detached().requiringGrad()
        for i in 0..<40 {
            let image = x.detached().slice(axis: 0, i..<(i + 1)).requiringGrad()
            let part = conv2d(image, weight: singleW, bias: singleB, padding: (1, 1), groups: 2)
            expectClose(whole.detached().slice(axis: 0, i..<(i + 1)), part.scalars, tolerance: 1e-5)
            part.sum().backward()
            expectClose(x.grad!.slice(axis: 0, i..<(i + 1)), image.grad!.scalars, tolerance: 1e-5)
        }
        expectClose(w.grad!, singleW.grad!.scalars, tolerance: 1e-2)
        expectClose(b.grad!, singleB.grad!.scalars, tolerance: 1e-2)
    }
}

@Suite struct PoolingTests {
    @Test func maxAndAveragePoolValues() {
        let x = Tensor(shape: [1, 1, 4, 4], scalars: (0..<16).map(Float.init))
        expectClose(maxPool2d(x, kernelSize: (2, 2)), [5, 7, 13, 15])
        expectClose(avgPool2d(x, kernelSize: (2, 2)), [2.5, 4.5, 10.5, 12.5])
        // Padding 1, stride 2, 3×3: corners see 4 real values; average counts the padding.
        expectClose(maxPool2d(x, kernelSize: (3, 3), stride: (2, 2), padding: (1, 1)), [5, 7, 13, 15])
        expectClose(avgPool2d(x, kernelSize: (3, 3), stride: (2, 2), padding: (1, 1)), [10.0 / 9, 24.0 / 9, 51.0 / 9, 90.0 / 9])
        let negative = Tensor(shape: [1, 1, 2, 2], scalars: [-5, -3, -4, -6])
        expectClose(maxPool2d(negative, kernelSize: (3, 3), stride: (1, 1), padding: (1, 1)), [-3, -3, -3, -3])
    }

    /// (kernel, stride, padding): padded windows take the general loop, unpadded ones the
    /// vector path (with output rows of 5, 6 and 4 elements, so vectors span rows).
    static let poolingShapes = [
        ((3, 3), (2, 2), (1, 1)), ((2, 2), (2, 2), (0, 0)), ((3, 2), (2, 3), (0, 0)), ((2, 3), (3, 2), (0, 0)),
    ]

    @Test(arguments: 0..<4, [11, 16, 35])
    func maxPoolMatchesABruteForceSearchOnALargeBatch(shapeIndex: Int, w: Int) {
        // Large enough to be split across cores; values drawn from a few levels so ties
        // are common: the gradient must go to the first maximal element of each window.
        let ((kh, kw), (sh, sw), (ph, pw)) = Self.poolingShapes[shapeIndex]
        var generator = SeededGenerator(seed: 7)
        // Widths 11 (5 outputs a row: scalar), 16 (8: one vector block) and 35 (17: two
        // blocks and an overlapping one) for the 2×2 vector path; NaNs sprinkled in.
        let (n, c, h) = (8, 6, 13)
        let values = (0..<(n * c * h * w)).map { _ in
            generator.nextInt(below: 97) == 0 ? Float.nan : Float(generator.nextInt(below: 5))
        }
        let x = Tensor(shape: [n, c, h, w], scalars: values, requiresGrad: true)
        let y = maxPool2d(x, kernelSize: (kh, kw), stride: (sh, sw), padding: (ph, pw))
        let (oh, ow) = ((h + 2 * ph - kh) / sh + 1, (w + 2 * pw - kw) / sw + 1)
        #expect(y.shape == [n, c, oh, ow])
        var expected: [Float] = [], winners = [Float](repeating: 0, count: values.count)
        for plane in 0..<(n * c) {
            for oy in 0..<oh {
                for ox in 0..<ow {
                    var best = -Float.infinity, bestIndex = -1
                    for iy in max(oy * sh - ph, 0)..<min(oy * sh - ph + kh, h) {
                        for ix in max(ox * sw - pw, 0)..<min(ox * sw - pw + kw, w) {
                            let index = plane * h * w + iy * w + ix
                            // Row-major scan: a larger value or the first NaN takes over.
                            if bestIndex < 0 || (!best.isNaN && (values[index] > best || values[index].isNaN)) {
                                best = values[index]
                                bestIndex = index
                            }
                        }
                    }
                    expected.append(best)
                    winners[bestIndex] += 1
                }
            }
        }
        #expect(y.scalars.map(\.bitPattern) == expected.map(\.bitPattern))
        y.sum().backward()
        #expect(x.grad!.scalars == winners)
    }

    @Test func maxPoolKeepsTheFirstNaNOfAWindow() {
        let x = Tensor(shape: [1, 1, 2, 4], scalars: [1, .nan, 7, 2, 9, 3, .nan, .infinity], requiresGrad: true)
        let y = maxPool2d(x, kernelSize: (2, 2))
        #expect(y.scalars[0].isNaN && y.scalars[1].isNaN)
        y.sum().backward()
        let gradient = x.grad!.scalars
        // Each window's gradient lands on its NaN (even past an infinity), nowhere else.
        #expect(gradient[1] == 1 && gradient[6] == 1)
        #expect([0, 2, 3, 4, 5, 7].allSatisfy { gradient[$0] == 0 })
    }

    @Test func poolingGradients() {
        // Distinct values keep the maximum of each window unique.
        let x = Tensor(shape: [2, 2, 5, 5], scalars: (0..<100).map { Float(($0 * 37) % 100) / 10 })
        expectGradientsMatch([x]) { maxPool2d($0[0], kernelSize: (2, 2)) }
        expectGradientsMatch([x]) { maxPool2d($0[0], kernelSize: (3, 3), stride: (2, 2), padding: (1, 1)) }
        expectGradientsMatch([x]) { avgPool2d($0[0], kernelSize: (2, 2), stride: (1, 1)) }
        expectGradientsMatch([x]) { avgPool2d($0[0], kernelSize: (3, 3), stride: (2, 2), padding: (1, 1)) }
    }
}
