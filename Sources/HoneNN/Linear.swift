import HoneCore

/// A fully connected layer: y = x·Wᵀ + b over the last axis, PyTorch's `nn.Linear`.
///
/// `weight` is `[outputDimensions, inputDimensions]`, drawn like PyTorch
/// (kaiming-uniform with a = √5, i.e. U(−1/√in, 1/√in)); `bias` is U(−1/√in, 1/√in).
///
/// ```swift
/// let layer = Linear(784, 256, seed: 1)
/// let y = layer(Tensor.zeros([32, 784]))   // [32, 256]
/// ```
public final class Linear: Module, UnaryLayer {
    /// `[outputDimensions, inputDimensions]`.
    public let weight: Tensor
    /// `[outputDimensions]`, or `nil` without bias.
    public let bias: Tensor?

    /// A layer from `inputDimensions` to `outputDimensions` features.
    ///
    /// - Parameters:
    ///   - bias: whether to add a learned bias.
    ///   - weightInitializer: draws the weights (PyTorch's default when `nil`).
    ///   - biasInitializer: draws the bias (PyTorch's U(−1/√in, 1/√in) when `nil`).
    ///   - seed: seeds the initial weights; `nil` draws from ``ParameterSeeds``.
    public init(
        _ inputDimensions: Int, _ outputDimensions: Int, bias: Bool = true, weightInitializer: Initializer? = nil,
        biasInitializer: Initializer? = nil, seed: UInt64? = nil
    ) {
        var generator = ParameterSeeds.generator(seed)
        weight = (weightInitializer ?? .layerDefault).makeTensor([outputDimensions, inputDimensions], generator: &generator).requiringGrad()
        self.bias = bias
            ? (biasInitializer ?? .biasDefault(fanIn: inputDimensions)).makeTensor([outputDimensions], generator: &generator).requiringGrad()
            : nil
        super.init()
    }

    /// The labelled form of ``init(_:_:bias:weightInitializer:biasInitializer:seed:)``.
    public convenience init(inputDimensions: Int, outputDimensions: Int, bias: Bool = true, seed: UInt64? = nil) {
        self.init(inputDimensions, outputDimensions, bias: bias, seed: seed)
    }

    /// The number of input features.
    public var inputDimensions: Int { weight.shape[1] }
    /// The number of output features.
    public var outputDimensions: Int { weight.shape[0] }

    public override var settingsDescription: String {
        "inputDimensions: \(inputDimensions), outputDimensions: \(outputDimensions), bias: \(bias != nil)"
    }

    public func forward(_ x: Tensor) -> Tensor {
        linear(x, weight: weight, bias: bias)
    }
}

/// Passes its input through unchanged (a placeholder, e.g. an identity shortcut).
public final class Identity: Module, UnaryLayer {
    /// Creates the layer (it has no parameters).
    public override init() { super.init() }

    public func forward(_ x: Tensor) -> Tensor { x }
}

/// Flattens the axes from `startAxis` on into one: `[N, C, H, W]` → `[N, C·H·W]`.
public final class Flatten: Module, UnaryLayer {
    /// The first axis merged.
    public let startAxis: Int

    /// Flattens from `startAxis` (1 keeps the batch axis).
    public init(startAxis: Int = 1) {
        self.startAxis = startAxis
        super.init()
    }

    public override var settingsDescription: String { "startAxis: \(startAxis)" }

    public func forward(_ x: Tensor) -> Tensor { x.flattened(startAxis: startAxis) }
}
