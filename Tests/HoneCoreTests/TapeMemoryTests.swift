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

    /// A graph that is built but never differentiated (evaluation without `withNoGrad`)
    /// must be freed when dropped: no op may keep its own output alive through its rule.
    @Test func abandonedGraphsAreFreed() {
        let x = Tensor.uniform([2, 3], low: 0.5, high: 1.5, seed: 1).requiringGrad()
        let y = Tensor.uniform([2, 3], low: 0.5, high: 1.5, seed: 2).requiringGrad()
        let ops: [(String, () -> Tensor)] = [
            ("exp", { x.exp() }), ("log", { x.log() }), ("sqrt", { x.sqrt() }), ("pow", { x.pow(3) }),
            ("pow tensor", { Tensor.pow(x, y) }), ("divide", { x / y }), ("scalar divide", { 2 / x }),
            ("relu", { x.relu() }), ("sigmoid", { x.sigmoid() }), ("tanh", { x.tanh() }), ("gelu", { x.gelu() }),
            ("softmax", { x.softmax() }), ("logSoftmax", { x.logSoftmax() }), ("max", { x.max(axis: 1) }),
            ("matmul", { matmul(x, y.transposed()) }), ("sum", { x.sum() }), ("concat", { Tensor.concat([x, y], axis: 0) }),
        ]
        for (name, op) in ops {
            weak var output: Tensor?
            do {
                let result = op()
                #expect(result.requiresGrad)
                output = result
            }
            #expect(output == nil, "\(name) keeps its output alive after it is dropped")
        }
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
