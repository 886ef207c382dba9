import Dispatch
import Synchronization
import HoneTestSupport
import Testing

@testable import HoneCore

#if !canImport(Accelerate)
    /// Inference convolutions leave their output in oneDNN's blocked layout for the next
    /// convolution, and keep their weights converted between calls: every value read
    /// row-major afterwards is checked against the definition (`naiveConv2d`, written out
    /// loop by loop) and against plain NCHW arithmetic.
    @Suite struct BlockedActivationTests {
        func blocked(_ x: Tensor) -> Bool { x.storage.deferredValues != nil }

        func convolve(_ x: Tensor, _ w: Tensor, _ b: Tensor?, stride: Int = 1, relu: Bool = false, cache: InferenceWeightCache? = nil) -> Tensor {
            withNoGrad {
                conv2dInference(x, weight: w, bias: b, stride: (stride, stride), padding: (1, 1), dilation: (1, 1), groups: 1,
                                relu: relu, weightCache: cache, route: .oneDNN)
            }
        }

        func reference(_ x: Tensor, _ w: Tensor, _ b: Tensor?, stride: Int = 1, relu: Bool = false) -> Tensor {
            let values = naiveConv2d(x, w, b, stride: (stride, stride), padding: (1, 1), dilation: (1, 1), groups: 1)
            let outSize = (x.shape[2] + 2 - 3) / stride + 1
            return Tensor(shape: [x.shape[0], w.shape[0], outSize, outSize], scalars: relu ? values.map { max($0, 0) } : values)
        }

        @Test func consecutiveConvolutionsReadTheBlockedOutputOfTheOneBefore() {
            // 16 → 16 (direct kernel), 16 → 32 (Winograd where the CPU has it: another
            // blocked layout), 32 → 32 at stride 2 (direct again).
            let x = randomTensor([2, 16, 10, 10], seed: 1)
            let w1 = randomTensor([16, 16, 3, 3], low: -0.3, high: 0.3, seed: 2), b1 = randomTensor([16], seed: 3)
            let w2 = randomTensor([32, 16, 3, 3], low: -0.3, high: 0.3, seed: 4)
            let w3 = randomTensor([32, 32, 3, 3], low: -0.3, high: 0.3, seed: 5), b3 = randomTensor([32], seed: 6)

            let first = convolve(x, w1, b1, relu: true)
            #expect(blocked(first), "a 16-channel output on oneDNN stays in its blocked layout")
            let second = convolve(first, w2, nil)
            #expect(blocked(first), "the next convolution read the blocked values without writing them as NCHW")
            #expect(blocked(second))
            let third = convolve(second, w3, b3, stride: 2)

            let expectedFirst = reference(x, w1, b1, relu: true)
            let expectedSecond = reference(expectedFirst, w2, nil)
            expectClose(third, reference(expectedSecond, w3, b3, stride: 2).scalars, tolerance: 1e-3)
            // Reading the intermediate tensors writes their NCHW values, once.
            expectClose(second, expectedSecond.scalars, tolerance: 1e-4)
            #expect(!blocked(second))
            expectClose(first, expectedFirst.scalars, tolerance: 1e-4)
            #expect(!blocked(first))
            // A reshape shares the storage and sees the same values.
            #expect(first.reshaped([2, -1]).scalars == first.scalars)
        }

        @Test func aConvolutionReadsAnInputWrittenAfterItsBlockedFormWasSetAside() {
            // Once the values are read as NCHW (and possibly changed in place, as an
            // optimizer or `assign` does), the blocked form is gone: the next convolution
            // must see the changed values.
            let x = randomTensor([1, 16, 6, 6], seed: 7)
            let w = randomTensor([16, 16, 3, 3], low: -0.3, high: 0.3, seed: 8)
            let first = convolve(x, w, nil)
            #expect(blocked(first))
            first.withUnsafeMutableBufferPointer { values in for i in values.indices { values[i] = Float(i % 7) - 3 } }
            #expect(!blocked(first))
            expectClose(convolve(first, w, nil), reference(first, w, nil).scalars, tolerance: 1e-4)
        }

        @Test func aReshapedBlockedOutputIsReadWithItsNewDimensions() {
            // [2, 32, 8, 8] read as [4, 16, 8, 8]: the blocked form's dimensions are not
            // the next convolution's.
            let x = randomTensor([2, 32, 8, 8], seed: 18)
            let w32 = randomTensor([32, 32, 3, 3], low: -0.3, high: 0.3, seed: 19)
            let w16 = randomTensor([16, 16, 3, 3], low: -0.3, high: 0.3, seed: 20)
            let first = convolve(x, w32, nil)
            #expect(blocked(first))
            let viewed = first.reshaped([4, 16, 8, 8])
            let expected = reference(reference(x, w32, nil).reshaped([4, 16, 8, 8]), w16, nil)
            expectClose(convolve(viewed, w16, nil), expected.scalars, tolerance: 1e-4)
            let again = convolve(x, w32, nil)
            let sum = addingWithRelu(convolve(x, w32, nil), again.reshaped([4, 16, 8, 8]).reshaped([2, 32, 8, 8]))
            let single = reference(x, w32, nil).scalars
            expectClose(sum, single.map { max(2 * $0, 0) }, tolerance: 1e-4)
        }

        @Test func theResidualSumRunsOnTheBlockedLayoutWhateverTheShortcutsLayout() {
            let x = randomTensor([2, 16, 8, 8], seed: 9)
            let wide = randomTensor([2, 32, 8, 8], seed: 10)
            let w16 = randomTensor([32, 16, 3, 3], low: -0.3, high: 0.3, seed: 11)
            let w32 = randomTensor([32, 32, 3, 3], low: -0.3, high: 0.3, seed: 12)
            let expectedSum = reference(x, w16, nil)
            // Shortcuts: the same kind of convolution's output (same layout), a Winograd
            // one's (another layout where the CPU has it), and a plain NCHW tensor.
            let shortcuts: [(Tensor, Tensor)] = [
                (convolve(x, w16, nil), expectedSum), (convolve(wide, w32, nil), reference(wide, w32, nil)), (wide, wide),
            ]
            for (shortcut, expectedShortcut) in shortcuts {
                let sum = addingWithRelu(convolve(x, w16, nil), shortcut)
                #expect(blocked(sum), "the sum stays blocked for the next convolution")
                let expected = zip(expectedSum.scalars, expectedShortcut.scalars).map { max($0 + $1, 0) }
                expectClose(sum, expected, tolerance: 1e-4)
            }
        }

        @Test func manyThreadsReadingAtOnceSeeTheSameValues() {
            let x = randomTensor([4, 16, 12, 12], seed: 13)
            let w = randomTensor([16, 16, 3, 3], low: -0.3, high: 0.3, seed: 14)
            let expected = reference(x, w, nil).scalars
            for _ in 0..<5 {
                let out = convolve(x, w, nil)
                #expect(blocked(out))
                let sums = Mutex<[Double]>([])
                DispatchQueue.concurrentPerform(iterations: 8) { _ in
                    let total = out.withUnsafeBufferPointer { $0.reduce(0.0) { $0 + Double($1) } }
                    sums.withLock { $0.append(total) }
                }
                let all = sums.withLock { $0 }
                #expect(all.count == 8 && Set(all).count == 1)
                expectClose(out, expected, tolerance: 1e-4)
            }
        }

        @Test func theWeightCacheConvertsOnlyWhenTheWeightsOrTheLayoutChange() {
            let cache = InferenceWeightCache()
            final class Converted {
                let layout: Int
                init(_ layout: Int) { self.layout = layout }
            }
            var conversions = 0
            var weights: [Float] = [1, 2, 3, 4]
            func ask(layout: Int) -> Converted {
                weights.withUnsafeBufferPointer { buffer in
                    cache.converted(weights: buffer.baseAddress!, count: buffer.count, fits: { $0.layout == layout }) {
                        conversions += 1
                        return Converted(layout)
                    }
                }
            }
            let first = ask(layout: 1)
            #expect(ask(layout: 1) === first && conversions == 1)
            weights[2] = 3.5
            let changed = ask(layout: 1)
            #expect(changed !== first && conversions == 2)
            let otherLayout = ask(layout: 2)
            #expect(otherLayout !== changed && otherLayout.layout == 2 && conversions == 3)
        }

        @Test func aSingleImageAndABatchShareTheConvertedWeightsWhenTheLayoutsAgree() {
            let w = randomTensor([32, 32, 3, 3], low: -0.3, high: 0.3, seed: 21)
            let cache = InferenceWeightCache()
            for batch in [4, 1, 4] {
                let x = randomTensor([batch, 32, 6, 6], seed: UInt64(22 + batch))
                expectClose(convolve(x, w, nil, cache: cache), reference(x, w, nil).scalars, tolerance: 1e-4)
            }
        }

        @Test func aCachedConvolutionSeesItsWeightsChangedInPlace() {
            let x = randomTensor([2, 32, 8, 8], seed: 15)
            let w = randomTensor([32, 32, 3, 3], low: -0.3, high: 0.3, seed: 16), b = randomTensor([32], seed: 17)
            let cache = InferenceWeightCache()
            let before = convolve(x, w, b, cache: cache)
            expectClose(before, reference(x, w, b).scalars, tolerance: 1e-4)
            #expect(convolve(x, w, b, cache: cache).scalars == before.scalars, "the kept weights give the same bits")
            // An optimizer step writes the weights in place.
            w.withUnsafeMutableBufferPointer { values in for i in values.indices { values[i] *= -0.5 } }
            expectClose(convolve(x, w, b, cache: cache), reference(x, w, b).scalars, tolerance: 1e-4)
        }
    }
#endif
