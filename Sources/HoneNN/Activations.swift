import HoneCore

/// max(x, 0).
public final class ReLU: Module, UnaryLayer {
    /// Creates the layer (it has no parameters).
    public override init() { super.init() }
    public func forward(_ x: Tensor) -> Tensor { x.relu() }
}

/// x for x > 0, `negativeSlope`·x otherwise (PyTorch default slope 0.01).
public final class LeakyReLU: Module, UnaryLayer {
    /// The slope for negative inputs.
    public let negativeSlope: Float

    /// A leaky ReLU with slope `negativeSlope` below zero.
    public init(negativeSlope: Float = 0.01) {
        self.negativeSlope = negativeSlope
        super.init()
    }

    public override var settingsDescription: String { "negativeSlope: \(negativeSlope)" }

    public func forward(_ x: Tensor) -> Tensor { x.leakyRelu(slope: negativeSlope) }
}

/// ReLU with a learned slope for negative inputs, one per channel (axis 1) or one
/// shared, initialized to 0.25 (PyTorch's `nn.PReLU`).
///
/// ### References
/// He et al. 2015, "Delving Deep into Rectifiers" (arXiv 1502.01852).
public final class PReLU: Module, UnaryLayer {
    /// The slopes, `[parameterCount]`.
    public let weight: Tensor

    /// `parameterCount` is 1 (shared slope) or the number of channels of the input's axis 1.
    public init(parameterCount: Int = 1, initialSlope: Float = 0.25) {
        weight = Tensor.full([parameterCount], value: initialSlope).requiringGrad()
        super.init()
    }

    public override var settingsDescription: String { "parameterCount: \(weight.count)" }

    public func forward(_ x: Tensor) -> Tensor { parametricRelu(x, slopes: weight) }
}

/// x for x > 0, a·x otherwise with `slopes` a per channel (axis 1) or one shared.
public func parametricRelu(_ x: Tensor, slopes: Tensor) -> Tensor {
    let channels = slopes.count
    let channelAxisSize = x.rank >= 2 ? x.shape[1] : 1
    precondition(channels == 1 || channels == channelAxisSize,
                 "PReLU: \(channels) slopes for input \(x.shape) (needs 1 or \(channelAxisSize))")
    let inner = x.rank >= 3 ? x.shape[2...].reduce(1, *) : 1
    let count = x.count
    let out = Tensor(uninitializedShape: x.shape)
    let input = x.storage.pointer, output = out.storage.pointer, slope = slopes.storage.pointer
    @inline(__always) func channel(_ i: Int) -> Int { channels == 1 ? 0 : (i / inner) % channels }
    Parallel.forEachChunk(count) { range in
        for i in range { output[i] = input[i] > 0 ? input[i] : slope[channel(i)] * input[i] }
    }
    return Tensor.record("prelu", output: out, inputs: [x, slopes]) { g in
        let gradient = g.storage.pointer
        var dx: Tensor?
        if x.requiresGrad {
            let result = Tensor(uninitializedShape: x.shape)
            let target = result.storage.pointer
            Parallel.forEachChunk(count) { range in
                for i in range { target[i] = input[i] > 0 ? gradient[i] : slope[channel(i)] * gradient[i] }
            }
            dx = result
        }
        var dslope: Tensor?
        if slopes.requiresGrad {
            let result = Tensor.zeros([channels])
            let target = result.storage.pointer
            for i in 0..<count where input[i] <= 0 { target[channel(i)] += gradient[i] * input[i] }
            dslope = result
        }
        return [dx, dslope]
    }
}

/// 1 / (1 + e⁻ˣ).
public final class Sigmoid: Module, UnaryLayer {
    /// Creates the layer (it has no parameters).
    public override init() { super.init() }
    public func forward(_ x: Tensor) -> Tensor { x.sigmoid() }
}

/// Hyperbolic tangent.
public final class Tanh: Module, UnaryLayer {
    /// Creates the layer (it has no parameters).
    public override init() { super.init() }
    public func forward(_ x: Tensor) -> Tensor { x.tanh() }
}

/// Gaussian error linear unit x·Φ(x) (Hendrycks & Gimpel 2016, arXiv 1606.08415).
public final class GELU: Module, UnaryLayer {
    /// Creates the layer (it has no parameters).
    public override init() { super.init() }
    public func forward(_ x: Tensor) -> Tensor { x.gelu() }
}

/// eˣ / Σeˣ along `axis`.
public final class Softmax: Module, UnaryLayer {
    /// The axis normalized to sum to one.
    public let axis: Int

    /// Softmax along `axis` (the last by default).
    public init(axis: Int = -1) {
        self.axis = axis
        super.init()
    }

    public override var settingsDescription: String { "axis: \(axis)" }

    public func forward(_ x: Tensor) -> Tensor { x.softmax(axis: axis) }
}
