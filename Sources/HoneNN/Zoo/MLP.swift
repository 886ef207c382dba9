import HoneCore

/// A multilayer perceptron with ReLU between linear layers; the default is workload
/// W1, 784-256-128-10.
///
/// ```swift
/// let model = MLP(inputDimensions: 784, hiddenDimensions: [256, 128], classCount: 10, seed: 0)
/// ```
public final class MLP: Module, UnaryLayer {
    /// The linear layers, input to output (`layers.0.weight`, …).
    public let layers: [Linear]

    /// A network `inputDimensions` → each of `hiddenDimensions` → `classCount`.
    public init(inputDimensions: Int = 784, hiddenDimensions: [Int] = [256, 128], classCount: Int = 10, seed: UInt64? = nil) {
        var generator = ParameterSeeds.generator(seed)
        let sizes = [inputDimensions] + hiddenDimensions + [classCount]
        layers = (0..<(sizes.count - 1)).map { Linear(sizes[$0], sizes[$0 + 1], seed: generator.next()) }
        super.init()
    }

    public func forward(_ x: Tensor) -> Tensor {
        var output = x
        for (index, layer) in layers.enumerated() {
            output = layer(output)
            if index < layers.count - 1 { output = output.relu() }
        }
        return output
    }
}
