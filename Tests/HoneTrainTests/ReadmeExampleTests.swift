import Testing

import HoneTrain

/// The README's library example, as written there, must compile and learn.
@Suite struct ReadmeExampleTests {
    @Test func readmeTrainingStepLowersTheLoss() {
        let model = LeNet(seed: 0)  // W2 of the reference workloads
        let optimizer = Adam(namedParameters: model.namedParameters(), learningRate: 1e-3)
        let images = Tensor.uniform([64, 1, 28, 28], seed: 1)
        let labels = (0..<64).map { $0 % 10 }
        var losses: [Float] = []
        for _ in 0..<5 {
            let loss = crossEntropy(logits: model(images), targets: labels)
            loss.backward()
            optimizer.step()
            optimizer.zeroGrad()
            losses.append(loss.item)
        }
        #expect(losses.last! < losses.first!, "losses \(losses)")
    }
}
