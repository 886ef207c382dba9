import HoneCore

/// A Transformer encoder over token sequences, mean-pooled into a linear classifier;
/// the default is workload W4 (vocabulary 1000, width 64, 2 layers, 4 heads,
/// feed-forward 256, length 64, learned positions, post-norm, ReLU, no dropout).
///
/// Checkpoint keys follow the PyTorch reference model (`tok.weight`, `pos.weight`,
/// `encoder.layers.0.self_attn.in_proj_weight`, `fc.weight`).
///
/// ### References
/// Vaswani et al. 2017, "Attention Is All You Need" (arXiv 1706.03762).
public final class TransformerClassifier: Module, UnaryLayer {
    /// Token vectors.
    public let tokenEmbedding: Embedding
    /// Learned position vectors.
    public let positionEmbedding: LearnedPositionalEmbedding
    /// The encoder layers.
    public let layers: [TransformerEncoderLayer]
    /// Pooled features → classes.
    public let classifier: Linear

    /// A classifier of sequences of up to `sequenceLength` tokens from `vocabularySize`.
    public init(
        vocabularySize: Int = 1000, modelDimensions: Int = 64, layerCount: Int = 2, headCount: Int = 4,
        feedForwardDimensions: Int = 256, sequenceLength: Int = 64, classCount: Int = 10, dropout: Float = 0,
        activation: TransformerEncoderLayer.Activation = .relu, normFirst: Bool = false, seed: UInt64? = nil
    ) {
        var generator = ParameterSeeds.generator(seed)
        tokenEmbedding = Embedding(count: vocabularySize, dimensions: modelDimensions, seed: generator.next())
        positionEmbedding = LearnedPositionalEmbedding(maximumLength: sequenceLength, dimensions: modelDimensions, seed: generator.next())
        layers = (0..<layerCount).map { _ in
            TransformerEncoderLayer(
                modelDimensions: modelDimensions, headCount: headCount, feedForwardDimensions: feedForwardDimensions,
                dropout: dropout, activation: activation, normFirst: normFirst, seed: generator.next())
        }
        classifier = Linear(modelDimensions, classCount, seed: generator.next())
        super.init()
    }

    public override var propertyKeys: [String: String] {
        ["tokenEmbedding": "tok", "positionEmbedding": "pos", "layers": "encoder.layers", "classifier": "fc"]
    }

    /// Classifies `tokens` `[batch, length]` (token ids as whole-number Floats).
    public func forward(_ tokens: Tensor) -> Tensor {
        var x = positionEmbedding(tokenEmbedding(tokens))
        for layer in layers { x = layer(x) }
        return classifier(x.mean(axes: [1]))
    }

    /// Classifies `tokens` with padding positions (non-zero in `keyPaddingMask` `[batch, length]`)
    /// ignored by attention and by the mean pooling.
    public func callAsFunction(_ tokens: Tensor, keyPaddingMask: Tensor) -> Tensor {
        var x = positionEmbedding(tokenEmbedding(tokens))
        for layer in layers { x = layer(x, keyPaddingMask: keyPaddingMask) }
        let keep = keyPaddingMask.map { $0 == 0 ? 1 : 0 }
        let counts = keep.sum(axes: [1], keepDims: true).clamped(min: 1)
        let pooled = (x * keep.unsqueezed(axis: 2)).sum(axes: [1]) / counts
        return classifier(pooled)
    }
}
