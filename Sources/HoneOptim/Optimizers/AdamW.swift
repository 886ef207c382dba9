/// Adam with decoupled weight decay (Loshchilov & Hutter 2017, "Decoupled Weight Decay
/// Regularization", arXiv 1711.05101), as PyTorch's `torch.optim.AdamW`: each step first
/// shrinks the weights, `p ← p · (1 − lr · wd)`, then applies the Adam update to the
/// plain gradient. Its default weight decay is 1e-2.
///
/// ```swift
/// let optimizer = AdamW(parameters: [weight, bias], learningRate: 1e-3, weightDecay: 0.05)
/// ```
public final class AdamW: Adam {
    /// Creates the optimizer over parameter groups.
    ///
    /// - Parameters:
    ///   - groups: the parameters, in groups with their own learning rate / weight decay.
    ///   - learningRate: the default learning rate (1e-3).
    ///   - betas: the moment decay rates (0.9, 0.999).
    ///   - epsilon: the denominator's stabilizer (1e-8).
    ///   - weightDecay: the decoupled decay rate (1e-2).
    ///   - amsgrad: whether to use AMSGrad.
    public init(
        groups: [ParameterGroup], learningRate: Float = 1e-3, betas: (Float, Float) = (0.9, 0.999),
        epsilon: Float = 1e-8, weightDecay: Float = 1e-2, amsgrad: Bool = false
    ) {
        super.init(
            groups: groups, learningRate: learningRate, betas: betas, epsilon: epsilon, weightDecay: weightDecay,
            amsgrad: amsgrad, decoupledWeightDecay: true)
    }

    /// Creates the optimizer over one group of unnamed parameters.
    public convenience init(
        parameters: [Tensor], learningRate: Float = 1e-3, betas: (Float, Float) = (0.9, 0.999),
        epsilon: Float = 1e-8, weightDecay: Float = 1e-2, amsgrad: Bool = false
    ) {
        self.init(
            groups: [ParameterGroup(parameters: parameters)], learningRate: learningRate, betas: betas,
            epsilon: epsilon, weightDecay: weightDecay, amsgrad: amsgrad)
    }

    /// Creates the optimizer over one group of named parameters.
    public convenience init(
        namedParameters: [(String, Tensor)], learningRate: Float = 1e-3, betas: (Float, Float) = (0.9, 0.999),
        epsilon: Float = 1e-8, weightDecay: Float = 1e-2, amsgrad: Bool = false
    ) {
        self.init(
            groups: [ParameterGroup(parameters: namedParameters)], learningRate: learningRate, betas: betas,
            epsilon: epsilon, weightDecay: weightDecay, amsgrad: amsgrad)
    }

    /// The name stored in saved state.
    public override var name: String { "AdamW" }
}
