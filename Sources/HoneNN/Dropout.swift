import HoneCore

/// Zeroes each element with probability `probability` during training and scales the
/// survivors by 1 / (1 − p) ("inverted" dropout), so evaluation is the identity.
///
/// The mask comes from the layer's own seeded generator: the same seed gives the same
/// masks in the same order.
///
/// ### References
/// Srivastava et al. 2014, "Dropout: A Simple Way to Prevent Neural Networks from Overfitting" (JMLR 15).
public final class Dropout: Module, UnaryLayer {
    /// The probability of zeroing an element.
    public let probability: Float
    /// Draws the masks; advances with every training call.
    public var generator: SeededGenerator

    /// Dropout with drop probability `probability` in [0, 1).
    public init(probability: Float = 0.5, seed: UInt64? = nil) {
        precondition(probability >= 0 && probability < 1, "Dropout: probability \(probability) must be in [0, 1)")
        self.probability = probability
        generator = ParameterSeeds.generator(seed)
        super.init()
    }

    public override var settingsDescription: String { "probability: \(probability)" }

    public func forward(_ x: Tensor) -> Tensor {
        guard isTraining && probability > 0 else { return x }
        let scale = 1 / (1 - probability), keep = 1 - probability
        let mask = Tensor(uninitializedShape: x.shape)
        let out = Tensor(uninitializedShape: x.shape)
        let m = mask.storage.pointer, input = x.storage.pointer, output = out.storage.pointer
        for i in 0..<x.count {
            m[i] = generator.nextFloat() < keep ? scale : 0
            output[i] = input[i] * m[i]
        }
        return Tensor.record("dropout", output: out, inputs: [x]) { g in [g * mask] }
    }
}
