import Foundation
import Synchronization
import HoneTestSupport
import Testing

@testable import HoneCore
@testable import HoneNN

/// Evaluation-mode fusion: convolution + BatchNorm (+ ReLU) as one convolution pass,
/// checked against the layers run one by one and BatchNorm written out by hand.
@Suite struct InferenceFoldingTests {
    /// A BatchNorm with running statistics and affine parameters far from their defaults.
    func trainedNorm(_ channels: Int, seed: UInt64) -> BatchNorm2d {
        let norm = BatchNorm2d(featureCount: channels)
        norm.weight!.assign(randomTensor([channels], low: 0.5, high: 2, seed: seed))
        norm.bias!.assign(randomTensor([channels], low: -1, high: 1, seed: seed + 1))
        norm.runningMean.assign(randomTensor([channels], low: -0.5, high: 0.5, seed: seed + 2))
        norm.runningVar.assign(randomTensor([channels], low: 0.2, high: 3, seed: seed + 3))
        return norm
    }

    /// (z − μ) / √(σ² + ε) · γ + β per channel of `z`, then max(·, 0) when `relu` is set.
    func normalizedByHand(_ z: Tensor, _ norm: BatchNorm2d, relu: Bool) -> [Float] {
        let channels = z.shape[1], plane = z.shape[2] * z.shape[3]
        let values = z.scalars, gamma = norm.weight!.scalars, beta = norm.bias!.scalars
        let mean = norm.runningMean.scalars, variance = norm.runningVar.scalars
        return values.indices.map { i in
            let c = (i / plane) % channels
            let y = (values[i] - mean[c]) / (variance[c] + norm.eps).squareRoot() * gamma[c] + beta[c]
            return relu ? max(y, 0) : y
        }
    }

    @Test func convolutionBatchNormAndReLUFoldIntoOnePassWithTheSameValues() {
        // 32 channels run on oneDNN (ReLU as its post-op); 2 on im2col + GEMM.
        for (channels, bias) in [(32, true), (32, false), (2, true)] {
            let convolution = Conv2d(channels, channels, kernelSize: 3, padding: 1, bias: bias, seed: 3)
            let norm = trainedNorm(channels, seed: 7)
            let model = Sequential([convolution, norm, ReLU()])
            model.eval()
            // A shape no other test uses, so the fused pass builds its own oneDNN primitive.
            let x = randomTensor([3, channels, 6, 7], seed: 11)
            let fused = withNoGrad { model(x) }
            #expect(DNNLConvolution.hasInferencePrimitive(input: x.shape, relu: true) == (channels >= 3))
            let expected = normalizedByHand(withNoGrad { convolution(x) }, norm, relu: true)
            expectClose(fused, expected, tolerance: 1e-4)
            // Recording a gradient runs the layers one by one: the same values.
            expectClose(model(x), expected, tolerance: 1e-4)
        }
    }

    @Test func aConvolutionFollowedByReLUAloneFusesToo() {
        let convolution = Conv2d(3, 32, kernelSize: 3, padding: 1, seed: 2)
        let model = Sequential([convolution, ReLU(), MaxPool2d(kernelSize: 2)])
        model.eval()
        let x = randomTensor([2, 3, 8, 8], seed: 4)
        let unfused = model(x)
        expectClose(withNoGrad { model(x) }, unfused.scalars, tolerance: 1e-5)
    }

    @Test func residualBlocksFoldBothConvolutionsAndTheProjection() {
        let block = ResidualBlock(inputChannels: 32, outputChannels: 64, stride: 2, seed: 5)
        for (index, norm) in [block.bn1!, block.bn2!, block.shortcut![1] as! BatchNorm2d].enumerated() {
            let trained = trainedNorm(norm.featureCount, seed: UInt64(20 + 10 * index))
            for (target, source) in [(norm.weight!, trained.weight!), (norm.bias!, trained.bias!),
                                     (norm.runningMean, trained.runningMean), (norm.runningVar, trained.runningVar)] {
                target.assign(source)
            }
        }
        block.eval()
        let x = randomTensor([2, 32, 9, 9], seed: 6)
        let unfused = block(x)
        // By hand: the residual block's formula over the unfused layers.
        let inner = normalizedByHand(withNoGrad { block.conv1(x) }, block.bn1!, relu: true)
        let innerTensor = Tensor(shape: [2, 64, 5, 5], scalars: inner)
        let main = normalizedByHand(withNoGrad { block.conv2(innerTensor) }, block.bn2!, relu: false)
        let projection = block.shortcut![1] as! BatchNorm2d
        let skip = normalizedByHand(withNoGrad { (block.shortcut![0] as! Conv2d)(x) }, projection, relu: false)
        let expected = zip(main, skip).map { max($0 + $1, 0) }
        expectClose(unfused, expected, tolerance: 1e-4)
        expectClose(withNoGrad { block(x) }, expected, tolerance: 1e-4)
    }

    @Test func anIdentityBlockAddsItsInputBeforeTheClosingReLUInOnePass() {
        // 8 channels (im2col + GEMM), stride 1: the shortcut is the input itself.
        let block = ResidualBlock(inputChannels: 8, outputChannels: 8, seed: 12)
        for (index, norm) in [block.bn1!, block.bn2!].enumerated() {
            let trained = trainedNorm(8, seed: UInt64(40 + 10 * index))
            for (target, source) in [(norm.weight!, trained.weight!), (norm.bias!, trained.bias!),
                                     (norm.runningMean, trained.runningMean), (norm.runningVar, trained.runningVar)] {
                target.assign(source)
            }
        }
        block.eval()
        let x = randomTensor([3, 8, 6, 5], low: -2, high: 2, seed: 13)
        let inner = normalizedByHand(withNoGrad { block.conv1(x) }, block.bn1!, relu: true)
        let main = normalizedByHand(withNoGrad { block.conv2(Tensor(shape: x.shape, scalars: inner)) }, block.bn2!, relu: false)
        let expected = zip(main, x.scalars).map { max($0 + $1, 0) }
        #expect(expected.contains(0) && expected.contains { $0 > 0 }, "the check needs both sides of the ReLU")
        let fused = withNoGrad { block(x) }
        expectClose(fused, expected, tolerance: 1e-4)
        // The input is left as it was (the sum is written over the convolution's output).
        #expect(x.scalars == randomTensor([3, 8, 6, 5], low: -2, high: 2, seed: 13).scalars)
        // NaN from the sum becomes 0, as Tensor.relu makes it.
        let sum = Tensor(shape: [4], scalars: [.nan, -1, 2, .infinity]), other = Tensor(shape: [4], scalars: [1, 0.5, -0.5, 1])
        #expect(addingWithRelu(sum, other).scalars == [0, 0, 1.5, .infinity])
    }

    @Test func evaluationSeesAnOptimizerStepAndNewRunningStatistics() {
        // The folded weights are kept converted between evaluation calls; changing the
        // convolution's weights in place or the BatchNorm's statistics must show on the
        // next call.
        let convolution = Conv2d(32, 32, kernelSize: 3, padding: 1, bias: false, seed: 21)
        let norm = trainedNorm(32, seed: 22)
        let model = Sequential([convolution, norm, ReLU()])
        model.eval()
        let x = randomTensor([2, 32, 6, 6], seed: 23)
        let before = withNoGrad { model(x) }
        expectClose(before, model(x).scalars, tolerance: 1e-4)
        convolution.weight.withUnsafeMutableBufferPointer { values in for i in values.indices { values[i] *= -1.5 } }
        let afterStep = withNoGrad { model(x) }
        // Recording a gradient runs the layers one by one on the training kernels.
        expectClose(afterStep, model(x).scalars, tolerance: 1e-4)
        #expect(afterStep.scalars != before.scalars)
        norm.runningMean.assign(randomTensor([32], low: -1, high: 1, seed: 24))
        expectClose(withNoGrad { model(x) }, normalizedByHand(withNoGrad { convolution(x) }, norm, relu: true), tolerance: 1e-4)
    }

    @Test func aResNetEvaluatedFromManyThreadsAtOnceGivesTheSerialBits() {
        // Threads share each convolution's converted-weight cache and read blocked
        // activations of their own: every thread must get exactly what a lone call gets,
        // and that must be the recorded (layer-by-layer, NCHW) result.
        let model = ResNet(seed: 3)
        let x = randomTensor([2, 3, 32, 32], seed: 30)
        let recorded = model(x).scalars
        model.eval()
        let evaluatedRecorded = model(x).scalars
        let inputs = (0..<6).map { randomTensor([2, 3, 32, 32], seed: 31 + UInt64($0)) }
        let serial = inputs.map { input in withNoGrad { model(input) }.scalars }
        expectClose(withNoGrad { model(x) }, evaluatedRecorded, tolerance: 1e-4)
        #expect(recorded != evaluatedRecorded, "training mode normalizes by the batch, evaluation by running statistics")
        let results = Mutex<[Int: [Float]]>([:])
        DispatchQueue.concurrentPerform(iterations: 24) { iteration in
            let index = iteration % inputs.count
            let output = withNoGrad { model(inputs[index]) }.scalars
            results.withLock { $0[iteration] = output }
        }
        let all = results.withLock { $0 }
        #expect(all.count == 24)
        for (iteration, output) in all { #expect(output == serial[iteration % inputs.count], "thread \(iteration)") }
    }

    @Test func trainingModeNeverFoldsEvenWithoutGradients() {
        // In training BatchNorm normalizes by the batch's own statistics, not the running ones.
        let convolution = Conv2d(32, 32, kernelSize: 3, padding: 1, seed: 8)
        let norm = trainedNorm(32, seed: 9)
        let model = Sequential([convolution, norm, ReLU()])
        let x = randomTensor([4, 32, 5, 5], seed: 10)
        let z = withNoGrad { convolution(x) }
        let output = withNoGrad { model(x) }
        // Per channel, before the ReLU the batch-normalized values have mean β; the
        // running-statistics version would not.
        let mean = z.mean(axes: [0, 2, 3], keepDims: true)
        let variance = z.variance(axes: [0, 2, 3], keepDims: true, unbiased: false)
        let expected = ((z - mean) / (variance + norm.eps).sqrt() * norm.weight!.reshaped([1, 32, 1, 1])
            + norm.bias!.reshaped([1, 32, 1, 1])).scalars.map { max($0, 0) }
        expectClose(output, expected, tolerance: 1e-4)
    }
}
