import HoneCore

/// A multilayer perceptron: linear layers with an activation (and optionally BatchNorm
/// and dropout) between them; the default is workload W1, 784-256-128-10 with ReLU.
///
/// ```swift
/// let model = MLP(inputDimensions: 784, hiddenDimensions: [256, 128], classCount: 10,
///                 activation: .leakyRelu(negativeSlope: 0.1), dropout: 0.2, seed: 0)
/// ```
///
/// Each hidden block is linear → BatchNorm (if enabled) → activation → dropout (if p > 0).
public final class MLP: Module, UnaryLayer {
    /// The activation between layers.
    public enum Activation: Sendable, Equatable {
        /// max(x, 0).
        case relu
        /// x for x > 0, slope·x otherwise.
        case leakyRelu(negativeSlope: Float = 0.01)
        /// ReLU with a learned slope per unit, starting at 0.25.
        case prelu
        /// 1 / (1 + e⁻ˣ).
        case sigmoid
        /// Hyperbolic tangent.
        case tanh
        /// x·Φ(x).
        case gelu

        func makeLayer(units: Int) -> any UnaryLayer {
            switch self {
            case .relu: return ReLU()
            case .leakyRelu(let slope): return LeakyReLU(negativeSlope: slope)
            case .prelu: return PReLU(parameterCount: units)
            case .sigmoid: return Sigmoid()
            case .tanh: return Tanh()
            case .gelu: return GELU()
            }
        }
    }

    /// The linear layers, input to output (`layers.0.weight`, …); the last can be
    /// replaced for a new task (transfer learning).
    public var layers: [Linear]
    /// One BatchNorm per hidden layer when enabled (`norms.0.running_mean`), else empty.
    public let norms: [BatchNorm1d]
    /// One activation per hidden layer (`activations.0.weight` for PReLU slopes).
    public let activations: [any UnaryLayer]
    /// One dropout per hidden layer when p > 0, else empty.
    public let dropouts: [Dropout]

    /// A network `inputDimensions` → each of `hiddenDimensions` → `classCount`.
    ///
    /// - Parameters:
    ///   - batchNorm: normalize each hidden layer's pre-activations.
    ///   - dropout: the drop probability after each hidden activation (0 for none).
    public init(
        inputDimensions: Int = 784, hiddenDimensions: [Int] = [256, 128], classCount: Int = 10,
        activation: Activation = .relu, batchNorm: Bool = false, dropout: Float = 0, seed: UInt64? = nil
    ) {
        var generator = ParameterSeeds.generator(seed)
        let sizes = [inputDimensions] + hiddenDimensions + [classCount]
        layers = (0..<(sizes.count - 1)).map { Linear(sizes[$0], sizes[$0 + 1], seed: generator.next()) }
        norms = batchNorm ? hiddenDimensions.map { BatchNorm1d(featureCount: $0) } : []
        activations = hiddenDimensions.map { activation.makeLayer(units: $0) }
        dropouts = dropout > 0 ? hiddenDimensions.map { _ in Dropout(probability: dropout, seed: generator.next()) } : []
        super.init()
    }

    /// Checkpoint key renaming for the PyTorch reference model of the benchmarks, whose
    /// layers are `fc1`, `fc2`, …: pass it to ``Module/load(from:strict:renaming:)``.
    public static func referenceKeyRenaming(layerCount: Int = 3) -> [String: String] {
        Dictionary(uniqueKeysWithValues: (0..<layerCount).map { ("fc\($0 + 1).", "layers.\($0).") })
    }

    public func forward(_ x: Tensor) -> Tensor {
        var output = x
        for (index, layer) in layers.enumerated() {
            // A hidden layer with ReLU and no BatchNorm runs as one product with the ReLU
            // in its epilogue when no gradient is recorded.
            if index < activations.count, norms.isEmpty, activations[index] is ReLU, layer.runsFused {
                output = layer.forwardWithRelu(output)
                if !dropouts.isEmpty { output = dropouts[index](output) }
                continue
            }
            output = layer(output)
            guard index < activations.count else { continue }
            if !norms.isEmpty { output = norms[index](output) }
            output = activations[index](output)
            if !dropouts.isEmpty { output = dropouts[index](output) }
        }
        return output
    }
}
