import HoneCore

/// The `transformer` zoo model of a training config: a ``TransformerClassifier`` over
/// sequences of token ids, one sample a row of whole numbers in `0..<vocabulary` (a CSV's
/// feature columns or an IDX file's bytes). The sequence length is the data's.
///
/// ```json
/// {"zoo": "transformer", "vocabulary": 50, "dimensions": 32, "layers": 2, "heads": 4, "feed_forward": 64}
/// ```
///
/// Token ids are read as they are: the data's `scaling` is `"none"` unless the config says
/// otherwise, and then it is an error.
extension ModelConfig {
    /// Whether the model reads token ids (the transformer), which must not be scaled.
    public var readsTokens: Bool {
        guard case .object = value, let object = try? ConfigObject(value, path: path) else { return false }
        return (try? object.string("zoo")) == "transformer"
    }

    /// The fields of a transformer section.
    static let transformerFields = ["zoo", "vocabulary", "dimensions", "layers", "heads", "feed_forward", "activation", "norm_first"]

    /// Checks the transformer settings that need no data.
    static func checkTransformer(_ object: ConfigObject) throws {
        _ = try transformerSettings(object)
    }

    /// The settings with their defaults (width 64, 2 layers, 4 heads, feed-forward 4 × width).
    private static func transformerSettings(_ object: ConfigObject) throws
        -> (vocabulary: Int, dimensions: Int, layers: Int, heads: Int, feedForward: Int, activation: TransformerEncoderLayer.Activation, normFirst: Bool)
    {
        guard let vocabulary = try object.int("vocabulary", atLeast: 2) else { throw ConfigError.missingField(path: object.fieldPath("vocabulary")) }
        let dimensions = try object.int("dimensions", atLeast: 1) ?? 64
        let heads = try object.int("heads", atLeast: 1) ?? 4
        guard dimensions % heads == 0 else {
            throw ConfigError.invalidValue(
                path: object.fieldPath("heads"), message: "\(heads) heads do not divide the width \(dimensions) (dimensions); each head needs a whole share")
        }
        let activation: TransformerEncoderLayer.Activation = try object.choice("activation", ["relu", "gelu"]) == "gelu" ? .gelu : .relu
        return (vocabulary, dimensions, try object.int("layers", atLeast: 1) ?? 2, heads,
                try object.int("feed_forward", atLeast: 1) ?? 4 * dimensions, activation, try object.bool("norm_first") ?? false)
    }

    /// Builds the classifier for token sequences of `sampleShape` `[length]`.
    func buildTransformer(_ object: ConfigObject, sampleShape: [Int], outputCount: Int, dropout: Float, seed: UInt64) throws -> any UnaryLayer {
        guard sampleShape.count == 1 else {
            throw ConfigError.invalidValue(
                path: path, message: "transformer reads sequences of token ids [length], the data has samples of shape \(sampleShape)")
        }
        let settings = try Self.transformerSettings(object)
        return TransformerClassifier(
            vocabularySize: settings.vocabulary, modelDimensions: settings.dimensions, layerCount: settings.layers, headCount: settings.heads,
            feedForwardDimensions: settings.feedForward, sequenceLength: sampleShape[0], classCount: outputCount, dropout: dropout,
            activation: settings.activation, normFirst: settings.normFirst, seed: seed)
    }

    /// Refuses samples a token model cannot read: a value that is not a whole number in
    /// `0..<vocabulary` (the embedding would stop the process). `file` names the data in
    /// the error; models other than the transformer accept any values.
    public func checkTokens(in dataset: any Dataset, file: String) throws {
        guard readsTokens, let vocabulary = try ConfigObject(value, path: path).int("vocabulary", atLeast: 2) else { return }
        let width = dataset.sampleElementCount
        var row = [Float](repeating: 0, count: width)
        for index in 0..<dataset.count {
            row.withUnsafeMutableBufferPointer { dataset.copyInput(at: index, into: $0) }
            if let bad = row.firstIndex(where: { !($0 >= 0 && $0 < Float(vocabulary) && $0.rounded() == $0) }) {
                throw ConfigError.invalidValue(
                    path: "\(path).vocabulary",
                    message: "\(file): sample \(index + 1) holds \(row[bad]) at position \(bad + 1), not a token id in 0..<\(vocabulary)"
                        + " (token ids are whole numbers below the vocabulary)")
            }
        }
    }
}
