/// Adagrad: per-coordinate learning rates shrinking with the accumulated squared
/// gradients (Duchi, Hazan & Singer 2011, "Adaptive Subgradient Methods for Online
/// Learning and Stochastic Optimization", JMLR 12), following PyTorch's
/// `torch.optim.Adagrad` exactly:
///
/// ```
/// g ← ∇ + wd · p
/// lrₜ ← lr / (1 + (t − 1) · lrDecay)
/// s ← s + g²
/// p ← p − lrₜ · g / (√s + ε)
/// ```
///
/// ```swift
/// let optimizer = Adagrad(parameters: [weight], learningRate: 0.1)
/// ```
public final class Adagrad: Optimizer {
    /// How fast the learning rate decays with the step count.
    public var learningRateDecay: Float
    /// The accumulator's starting value (applies to states created after it is set).
    public var initialAccumulatorValue: Float
    /// Added to the denominator for numerical stability.
    public var epsilon: Float

    /// Creates the optimizer over parameter groups.
    ///
    /// - Parameters:
    ///   - groups: the parameters, in groups with their own learning rate / weight decay.
    ///   - learningRate: the default learning rate (PyTorch's default 1e-2).
    ///   - learningRateDecay: the decay of the learning rate per step (0).
    ///   - weightDecay: L2 coefficient, added to the gradient unless decoupled.
    ///   - initialAccumulatorValue: the starting sum of squares (0).
    ///   - epsilon: the denominator's stabilizer (1e-10).
    ///   - decoupledWeightDecay: shrink the weights directly instead of adding `wd · p`.
    public init(
        groups: [ParameterGroup], learningRate: Float = 1e-2, learningRateDecay: Float = 0, weightDecay: Float = 0,
        initialAccumulatorValue: Float = 0, epsilon: Float = 1e-10, decoupledWeightDecay: Bool = false
    ) {
        precondition(learningRateDecay >= 0, "Adagrad: learning rate decay \(learningRateDecay) is negative")
        precondition(initialAccumulatorValue >= 0, "Adagrad: initial accumulator \(initialAccumulatorValue) is negative")
        precondition(epsilon >= 0, "Adagrad: epsilon \(epsilon) is negative")
        self.learningRateDecay = learningRateDecay
        self.initialAccumulatorValue = initialAccumulatorValue
        self.epsilon = epsilon
        super.init(
            groups: groups, learningRate: learningRate, weightDecay: weightDecay,
            decoupledWeightDecay: decoupledWeightDecay)
    }

    /// Creates the optimizer over one group of unnamed parameters.
    public convenience init(
        parameters: [Tensor], learningRate: Float = 1e-2, learningRateDecay: Float = 0, weightDecay: Float = 0,
        initialAccumulatorValue: Float = 0, epsilon: Float = 1e-10, decoupledWeightDecay: Bool = false
    ) {
        self.init(
            groups: [ParameterGroup(parameters: parameters)], learningRate: learningRate,
            learningRateDecay: learningRateDecay, weightDecay: weightDecay,
            initialAccumulatorValue: initialAccumulatorValue, epsilon: epsilon,
            decoupledWeightDecay: decoupledWeightDecay)
    }

    /// Creates the optimizer over one group of named parameters.
    public convenience init(
        namedParameters: [(String, Tensor)], learningRate: Float = 1e-2, learningRateDecay: Float = 0,
        weightDecay: Float = 0, initialAccumulatorValue: Float = 0, epsilon: Float = 1e-10,
        decoupledWeightDecay: Bool = false
    ) {
        self.init(
            groups: [ParameterGroup(parameters: namedParameters)], learningRate: learningRate,
            learningRateDecay: learningRateDecay, weightDecay: weightDecay,
            initialAccumulatorValue: initialAccumulatorValue, epsilon: epsilon,
            decoupledWeightDecay: decoupledWeightDecay)
    }

    /// The per-parameter buffers, under PyTorch's names.
    public override var bufferNames: Set<String> { ["sum"] }

    /// Applies the update rule above to one parameter.
    public override func update(
        parameter: UnsafeMutableBufferPointer<Float>, gradient: UnsafeBufferPointer<Float>,
        state: ParameterState, learningRate: Float, weightDecay: Float
    ) {
        let sum = state.buffer("sum", count: parameter.count, initialValue: initialAccumulatorValue).values
        let epsilon = self.epsilon  // one read, not one exclusivity check per element
        let decayedRate = Float(Double(learningRate) / (1 + Double(state.step - 1) * Double(learningRateDecay)))
        for i in parameter.indices {
            let g = gradient[i] + weightDecay * parameter[i]
            sum[i] += g * g
            parameter[i] -= decayedRate * (g / (sum[i].squareRoot() + epsilon))
        }
    }
}
