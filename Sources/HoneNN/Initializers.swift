import HoneCore
import Synchronization

/// How the starting values of a parameter are drawn.
///
/// Fans follow PyTorch: for a weight `[out, in, k…]`, fanIn = in·∏k and
/// fanOut = out·∏k.
///
/// ```swift
/// var generator = SeededGenerator(seed: 0)
/// let w = Initializer.kaimingUniform().makeTensor([64, 32, 3, 3], generator: &generator)
/// ```
///
/// ### References
/// He et al. 2015, "Delving Deep into Rectifiers" (arXiv 1502.01852);
/// Glorot & Bengio 2010, "Understanding the difficulty of training deep feedforward neural networks".
public enum Initializer: Sendable {
    /// All zeros.
    case zeros
    /// Every value `value`.
    case constant(Float)
    /// Uniform in `[low, high)`.
    case uniform(low: Float, high: Float)
    /// Normal with `mean` and `standardDeviation`.
    case normal(mean: Float, standardDeviation: Float)
    /// He uniform: U(−b, b), b = gain·√(3 / fan), gain = √(2 / (1 + a²)) (leaky ReLU slope `a`).
    case kaimingUniform(a: Float = 0, mode: FanMode = .fanIn)
    /// He normal: N(0, gain / √fan).
    case kaimingNormal(a: Float = 0, mode: FanMode = .fanIn)
    /// Glorot uniform: U(−b, b), b = gain·√(6 / (fanIn + fanOut)).
    case xavierUniform(gain: Float = 1)
    /// Glorot normal: N(0, gain·√(2 / (fanIn + fanOut))).
    case xavierNormal(gain: Float = 1)

    /// Which fan scales a Kaiming initializer.
    public enum FanMode: Sendable {
        /// Preserves the variance of activations in the forward pass.
        case fanIn
        /// Preserves the variance of gradients in the backward pass.
        case fanOut
    }

    /// PyTorch's fan-in and fan-out of a weight shape.
    public static func fans(_ shape: [Int]) -> (fanIn: Int, fanOut: Int) {
        precondition(shape.count >= 1, "Initializer: fans need at least one axis, got \(shape)")
        if shape.count == 1 { return (shape[0], shape[0]) }
        let receptive = shape.dropFirst(2).reduce(1, *)
        return (shape[1] * receptive, shape[0] * receptive)
    }

    /// A new tensor of `shape` drawn from this distribution.
    public func makeTensor(_ shape: [Int], generator: inout SeededGenerator) -> Tensor {
        let tensor = Tensor(uninitializedShape: shape)
        fill(tensor, generator: &generator)
        return tensor
    }

    /// Overwrites `tensor`'s values in place.
    public func fill(_ tensor: Tensor, generator: inout SeededGenerator) {
        let shape = tensor.shape
        tensor.withUnsafeMutableBufferPointer { values in
            switch self {
            case .zeros:
                values.initialize(repeating: 0)
            case .constant(let value):
                values.initialize(repeating: value)
            case .uniform(let low, let high):
                for i in values.indices { values[i] = low + (high - low) * generator.nextFloat() }
            case .normal(let mean, let standardDeviation):
                for i in values.indices { values[i] = mean + standardDeviation * Float(generator.nextGaussian()) }
            case .kaimingUniform(let a, let mode):
                let bound = Initializer.kaimingStandardDeviation(shape, a: a, mode: mode) * Float(3).squareRoot()
                for i in values.indices { values[i] = bound * (2 * generator.nextFloat() - 1) }
            case .kaimingNormal(let a, let mode):
                let deviation = Initializer.kaimingStandardDeviation(shape, a: a, mode: mode)
                for i in values.indices { values[i] = deviation * Float(generator.nextGaussian()) }
            case .xavierUniform(let gain):
                let (fanIn, fanOut) = Initializer.fans(shape)
                let bound = gain * (6 / Float(fanIn + fanOut)).squareRoot()
                for i in values.indices { values[i] = bound * (2 * generator.nextFloat() - 1) }
            case .xavierNormal(let gain):
                let (fanIn, fanOut) = Initializer.fans(shape)
                let deviation = gain * (2 / Float(fanIn + fanOut)).squareRoot()
                for i in values.indices { values[i] = deviation * Float(generator.nextGaussian()) }
            }
        }
    }

    private static func kaimingStandardDeviation(_ shape: [Int], a: Float, mode: FanMode) -> Float {
        let (fanIn, fanOut) = fans(shape)
        let fan = Float(mode == .fanIn ? fanIn : fanOut)
        let gain = (2 / (1 + a * a)).squareRoot()
        return gain / fan.squareRoot()
    }

    /// PyTorch's default for Linear and Conv weights: kaiming_uniform with a = √5,
    /// which is U(−1/√fanIn, 1/√fanIn).
    public static let layerDefault = Initializer.kaimingUniform(a: Float(5).squareRoot())

    /// PyTorch's default for Linear and Conv biases: U(−1/√fanIn, 1/√fanIn) with the weight's fan-in.
    public static func biasDefault(fanIn: Int) -> Initializer {
        let bound = fanIn > 0 ? 1 / Float(fanIn).squareRoot() : 0
        return .uniform(low: -bound, high: bound)
    }
}

/// The stream of seeds layers draw from when built without an explicit `seed`, so a
/// model built twice after the same ``ParameterSeeds/reset(seed:)`` has the same weights
/// (like `torch.manual_seed`).
public enum ParameterSeeds {
    private static let state = Mutex(SeededGenerator(seed: 0))

    /// Restarts the stream.
    public static func reset(seed: UInt64) {
        state.withLock { $0 = SeededGenerator(seed: seed) }
    }

    /// The next seed of the stream.
    public static func next() -> UInt64 {
        state.withLock { $0.next() }
    }

    /// A generator for one layer: seeded with `seed` when given, else from the stream.
    public static func generator(_ seed: UInt64?) -> SeededGenerator {
        SeededGenerator(seed: seed ?? next())
    }
}
