// libFuzzer harness: saved optimizer states (`OptimizerState(contentsOf:)`), loaded into
// each optimizer kind (`loadStateDictionary`) over two small named parameters. Each step
// either succeeds or throws `OptimizerStateError`; a loaded optimizer can take a step.
import Foundation
import HoneCore
import HoneOptim

let statePath = NSTemporaryDirectory() + "hone-fuzz-optimizer-\(getpid()).json"

let makers: [([(String, Tensor)]) -> Optimizer] = [
    { SGD(namedParameters: $0, learningRate: 0.05, momentum: 0.9, nesterov: true) },
    { Adam(namedParameters: $0, learningRate: 0.05, weightDecay: 0.01, amsgrad: true) },
    { AdamW(namedParameters: $0, learningRate: 0.05) },
    { RMSprop(namedParameters: $0, momentum: 0.5, centered: true) },
    { Adagrad(namedParameters: $0, learningRate: 0.1, learningRateDecay: 0.01) },
]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOptimizerState(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    unlink(statePath)
    defer { unlink(statePath) }
    guard FileManager.default.createFile(atPath: statePath, contents: Data(bytes: data, count: size)) else {
        fatalError("cannot write \(statePath)")
    }
    do {
        let state = try OptimizerState(contentsOf: URL(fileURLWithPath: statePath))
        for make in makers {
            let weight = Tensor(shape: [2, 2], scalars: [1, 2, 3, 4], requiresGrad: true)
            let bias = Tensor(shape: [2], scalars: [0.5, -0.5], requiresGrad: true)
            let optimizer = make([("weight", weight), ("bias", bias)])
            do {
                try optimizer.loadStateDictionary(state)
            } catch is OptimizerStateError {
                continue
            }
            weight.grad = Tensor(shape: [2, 2], scalars: [0.1, -0.2, 0.3, -0.4])
            bias.grad = Tensor(shape: [2], scalars: [1, -1])
            optimizer.step()
            precondition(optimizer.stateDictionary().groups.count == state.groups.count, "group count changed")
        }
    } catch is OptimizerStateError {
    } catch {
        fatalError("optimizer state reader threw an untyped error: \(error)")
    }
    return 0
}
