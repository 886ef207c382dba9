import Testing

@testable import HoneCore

/// The tape must free each step's graph once backward has run, so memory stays flat
/// over thousands of training steps.
@Suite(.serialized) struct TapeMemoryTests {
    /// Runs in a child process (an exit test), where no other test allocates tensors,
    /// so the live-byte counter measures this loop alone.
    @Test func liveTensorBytesReturnToBaselineAfterEachStep() async {
        await #expect(processExitsWith: .success) {
            let w = Tensor.normal([64, 32], seed: 1).requiringGrad()
            let x = Tensor.uniform([16, 32], seed: 2)
            func step() {
                let loss = linear(x, weight: w).relu().logSoftmax(axis: 1).mean()
                loss.backward()
                w.grad = nil
            }
            step()
            let baseline = TensorStorage.liveBytes
            for _ in 0..<2_000 {
                step()
                // Any leak of a step's graph (~20 KB) shows at once.
                if TensorStorage.liveBytes != baseline { exit(1) }
            }
        }
    }

    @Test func backwardReleasesIntermediateTensors() {
        let x = Tensor([1, 2, 3]).requiringGrad()
        weak var intermediate: Tensor?
        var loss: Tensor?
        do {
            let hidden = (x * 2).exp()
            intermediate = hidden
            loss = hidden.sum()
        }
        #expect(intermediate != nil, "the graph keeps intermediates alive until backward")
        loss!.backward()
        #expect(intermediate == nil, "backward frees the graph it consumed")
        #expect(loss != nil)
    }

    @Test func deepChainsDoNotOverflowTheStack() {
        let x = Tensor([0.5]).requiringGrad()
        var y = x
        for _ in 0..<20_000 { y = y * 1.0001 }
        y.sum().backward()
        #expect(Swift.abs(x.grad!.item - Foundation.pow(1.0001, 20_000)) < 1e-2)
    }
}

import Foundation
