import Foundation
import Testing

@testable import HoneNN

/// End-to-end: a small CNN learns a synthetic image task with a hand-written SGD step.
@Suite struct TrainingTests {
    /// 8×8 noisy images with one bright horizontal (label 0) or vertical (label 1) bar.
    private func bars(count: Int, seed: UInt64) -> (images: Tensor, labels: [Int]) {
        var generator = SeededGenerator(seed: seed)
        var pixels = [Float](repeating: 0, count: count * 64)
        var labels: [Int] = []
        for n in 0..<count {
            let label = generator.nextInt(below: 2), line = generator.nextInt(below: 8)
            labels.append(label)
            for i in 0..<64 { pixels[n * 64 + i] = 0.3 * Float(generator.nextGaussian()) }
            for k in 0..<8 { pixels[n * 64 + (label == 0 ? line * 8 + k : k * 8 + line)] += 1 }
        }
        return (Tensor(shape: [count, 1, 8, 8], scalars: pixels), labels)
    }

    @Test func smallCNNLearnsBarOrientation() {
        let model = Sequential {
            Conv2d(1, 6, kernelSize: 3, padding: 1, seed: 1)
            BatchNorm2d(featureCount: 6)
            ReLU()
            MaxPool2d(kernelSize: 2)
            Flatten()
            Linear(6 * 16, 2, seed: 2)
        }
        let train = bars(count: 512, seed: 3), test = bars(count: 256, seed: 4)
        let parameters = model.parameters()
        let velocities = parameters.map { Tensor.zeros($0.shape) }
        let learningRate: Float = 0.05, momentum: Float = 0.9, batch = 32
        for _ in 0..<4 {
            for start in stride(from: 0, to: 512, by: batch) {
                let images = train.images.slice(axis: 0, start..<(start + batch))
                let loss = crossEntropy(logits: model(images), targets: Array(train.labels[start..<(start + batch)]))
                model.zeroGrad()
                loss.backward()
                for (index, parameter) in parameters.enumerated() {
                    guard let gradient = parameter.grad else { continue }
                    velocities[index].withUnsafeMutableBufferPointer { v in
                        parameter.withUnsafeMutableBufferPointer { p in
                            gradient.withUnsafeBufferPointer { g in
                                for i in 0..<p.count {
                                    v[i] = momentum * v[i] + g[i]
                                    p[i] -= learningRate * v[i]
                                }
                            }
                        }
                    }
                }
            }
        }
        model.eval()
        let predictions = withNoGrad { model(test.images) }.argmax(axis: 1)
        let accuracy = Double(zip(predictions, test.labels).filter { $0 == $1 }.count) / Double(test.labels.count)
        #expect(accuracy > 0.95, "test accuracy \(accuracy)")
    }
}
