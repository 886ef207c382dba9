import HoneCore

/// One Transformer encoder layer, PyTorch's `nn.TransformerEncoderLayer` (batch first):
/// self-attention and a feed-forward block (linear → activation → dropout → linear),
/// each wrapped in a residual connection with LayerNorm.
///
/// Post-norm (PyTorch's default, `normFirst: false`):
/// x = norm1(x + dropout1(attention(x))); x = norm2(x + dropout2(feedForward(x))).
/// Pre-norm: x = x + dropout1(attention(norm1(x))); x = x + dropout2(feedForward(norm2(x))).
///
/// ### References
/// Vaswani et al. 2017 (arXiv 1706.03762); Xiong et al. 2020 on pre-norm (arXiv 2002.04745).
public final class TransformerEncoderLayer: Module, UnaryLayer {
    /// The feed-forward activation.
    public enum Activation: Sendable {
        /// max(x, 0) (PyTorch's default).
        case relu
        /// x·Φ(x).
        case gelu
    }

    /// Multi-head self-attention (`self_attn` in checkpoints).
    public let selfAttention: MultiHeadAttention
    /// Model width → feed-forward width.
    public let linear1: Linear
    /// Dropout inside the feed-forward block.
    public let dropout: Dropout
    /// Feed-forward width → model width.
    public let linear2: Linear
    /// The norm around the attention block.
    public let norm1: LayerNorm
    /// The norm around the feed-forward block.
    public let norm2: LayerNorm
    /// Dropout on the attention output.
    public let dropout1: Dropout
    /// Dropout on the feed-forward output.
    public let dropout2: Dropout
    /// The feed-forward activation.
    public let activation: Activation
    /// Whether the norms come before each block (pre-norm) rather than after.
    public let normFirst: Bool
    /// The feed-forward activation as a layer (ReLU or GELU, no parameters), so that
    /// activation monitors see its units; PyTorch applies it as a function, so it has no
    /// checkpoint keys.
    public let feedForwardActivation: any UnaryLayer

    /// A layer with PyTorch's defaults (feed-forward 2048, dropout 0.1, ReLU, post-norm).
    public init(
        modelDimensions: Int, headCount: Int, feedForwardDimensions: Int = 2048, dropout: Float = 0.1,
        activation: Activation = .relu, layerNormEps: Float = 1e-5, normFirst: Bool = false, seed: UInt64? = nil
    ) {
        var generator = ParameterSeeds.generator(seed)
        selfAttention = MultiHeadAttention(embedDimensions: modelDimensions, headCount: headCount, dropout: dropout, seed: generator.next())
        linear1 = Linear(modelDimensions, feedForwardDimensions, seed: generator.next())
        self.dropout = Dropout(probability: dropout, seed: generator.next())
        linear2 = Linear(feedForwardDimensions, modelDimensions, seed: generator.next())
        norm1 = LayerNorm(modelDimensions, eps: layerNormEps)
        norm2 = LayerNorm(modelDimensions, eps: layerNormEps)
        dropout1 = Dropout(probability: dropout, seed: generator.next())
        dropout2 = Dropout(probability: dropout, seed: generator.next())
        self.activation = activation
        self.normFirst = normFirst
        feedForwardActivation = activation == .relu ? ReLU() : GELU()
        super.init()
    }

    public override var propertyKeys: [String: String] { ["selfAttention": "self_attn"] }

    public override var settingsDescription: String { "activation: \(activation), normFirst: \(normFirst)" }

    public func forward(_ x: Tensor) -> Tensor { encode(x, keyPaddingMask: nil, isCausal: false) }

    /// Encodes `x` `[batch, length, modelDimensions]`.
    ///
    /// - Parameters:
    ///   - keyPaddingMask: `[batch, length]`, non-zero at padding positions.
    ///   - isCausal: each position attends only to itself and earlier ones.
    public func callAsFunction(_ x: Tensor, keyPaddingMask: Tensor?, isCausal: Bool = false) -> Tensor {
        let output = encode(x, keyPaddingMask: keyPaddingMask, isCausal: isCausal)
        LayerObserver.notify(self, output)
        return output
    }

    private func encode(_ x: Tensor, keyPaddingMask: Tensor?, isCausal: Bool) -> Tensor {
        func attend(_ input: Tensor) -> Tensor {
            dropout1(selfAttention(query: input, key: input, value: input, keyPaddingMask: keyPaddingMask, isCausal: isCausal))
        }
        func feedForward(_ input: Tensor) -> Tensor {
            let hidden = activation == .relu && linear1.runsFused ? linear1.forwardWithRelu(input) : activate(linear1(input))
            return dropout2(linear2(dropout(hidden)))
        }
        if normFirst {
            let afterAttention = x + attend(norm1(x))
            return afterAttention + feedForward(norm2(afterAttention))
        }
        let afterAttention = norm1(x, adding: attend(x))
        return norm2(afterAttention, adding: feedForward(afterAttention))
    }

    /// The feed-forward activation of the fresh `hidden` tensor. A ReLU that nothing
    /// records or observes runs in place, saving a tensor and a pass at inference.
    private func activate(_ hidden: Tensor) -> Tensor {
        guard activation == .relu, !hidden.requiresGrad, LayerObserver.current == nil else { return feedForwardActivation(hidden) }
        let values = hidden.storage.pointer
        Parallel.forEachChunk(hidden.count) { range in FastMath.reluInPlace(values + range.lowerBound, range.count) }
        return hidden
    }
}
