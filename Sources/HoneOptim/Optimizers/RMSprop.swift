/// RMSprop: divides the gradient by a running root-mean-square of recent gradients
/// (Hinton, Coursera lecture 6e, 2012), with the centered variant (Graves 2013,
/// arXiv 1308.0850) and momentum, following PyTorch's `torch.optim.RMSprop` exactly:
///
/// ```
/// g ← ∇ + wd · p
/// s ← α s + (1 − α) g²
/// a ← α a + (1 − α) g,  d ← √(s − a²) + ε   (centered)   or   d ← √s + ε
/// b ← momentum · b + g / d,  p ← p − lr · b  (momentum)    or   p ← p − lr · g / d
/// ```
///
/// ```swift
/// let optimizer = RMSprop(parameters: [weight], learningRate: 1e-2, centered: true)
/// ```
public final class RMSprop: Optimizer {
    /// The smoothing constant of the squared-gradient average.
    public var alpha: Float
    /// Added to the denominator for numerical stability.
    public var epsilon: Float
    /// The momentum factor; 0 turns momentum off.
    public var momentum: Float
    /// Whether to normalize by the estimated variance instead of the raw second moment.
    public let centered: Bool

    /// Creates the optimizer over parameter groups.
    ///
    /// - Parameters:
    ///   - groups: the parameters, in groups with their own learning rate / weight decay.
    ///   - learningRate: the default learning rate (PyTorch's default 1e-2).
    ///   - alpha: the smoothing constant (0.99).
    ///   - epsilon: the denominator's stabilizer (1e-8).
    ///   - weightDecay: L2 coefficient, added to the gradient unless decoupled.
    ///   - momentum: the momentum factor (0).
    ///   - centered: whether to use the centered variant.
    ///   - decoupledWeightDecay: shrink the weights directly instead of adding `wd · p`.
    public init(
        groups: [ParameterGroup], learningRate: Float = 1e-2, alpha: Float = 0.99, epsilon: Float = 1e-8,
        weightDecay: Float = 0, momentum: Float = 0, centered: Bool = false, decoupledWeightDecay: Bool = false
    ) {
        precondition(alpha >= 0, "RMSprop: alpha \(alpha) is negative")
        precondition(momentum >= 0, "RMSprop: momentum \(momentum) is negative")
        precondition(epsilon >= 0, "RMSprop: epsilon \(epsilon) is negative")
        self.alpha = alpha
        self.epsilon = epsilon
        self.momentum = momentum
        self.centered = centered
        super.init(
            groups: groups, learningRate: learningRate, weightDecay: weightDecay,
            decoupledWeightDecay: decoupledWeightDecay)
    }

    /// Creates the optimizer over one group of unnamed parameters.
    public convenience init(
        parameters: [Tensor], learningRate: Float = 1e-2, alpha: Float = 0.99, epsilon: Float = 1e-8,
        weightDecay: Float = 0, momentum: Float = 0, centered: Bool = false, decoupledWeightDecay: Bool = false
    ) {
        self.init(
            groups: [ParameterGroup(parameters: parameters)], learningRate: learningRate, alpha: alpha,
            epsilon: epsilon, weightDecay: weightDecay, momentum: momentum, centered: centered,
            decoupledWeightDecay: decoupledWeightDecay)
    }

    /// Creates the optimizer over one group of named parameters.
    public convenience init(
        namedParameters: [(String, Tensor)], learningRate: Float = 1e-2, alpha: Float = 0.99,
        epsilon: Float = 1e-8, weightDecay: Float = 0, momentum: Float = 0, centered: Bool = false,
        decoupledWeightDecay: Bool = false
    ) {
        self.init(
            groups: [ParameterGroup(parameters: namedParameters)], learningRate: learningRate, alpha: alpha,
            epsilon: epsilon, weightDecay: weightDecay, momentum: momentum, centered: centered,
            decoupledWeightDecay: decoupledWeightDecay)
    }

    /// The per-parameter buffers, under PyTorch's names.
    public override var bufferNames: Set<String> { ["square_avg", "grad_avg", "momentum_buffer"] }

    /// Applies the update rule above to one parameter.
    public override func update(
        parameter: UnsafeMutableBufferPointer<Float>, gradient: UnsafeBufferPointer<Float>,
        state: ParameterState, learningRate: Float, weightDecay: Float
    ) {
        // Properties are read once into locals: a class property read inside the loop costs an
        // exclusivity check per element and blocks vectorization.
        let alpha = self.alpha
        let epsilon = self.epsilon
        let momentum = self.momentum
        let centered = self.centered
        let squareAverage = state.buffer("square_avg", count: parameter.count).values
        let gradientAverage = centered ? state.buffer("grad_avg", count: parameter.count).values : squareAverage
        let momentumBuffer = momentum > 0 ? state.buffer("momentum_buffer", count: parameter.count).values : squareAverage
        for i in parameter.indices {
            let g = gradient[i] + weightDecay * parameter[i]
            squareAverage[i] = squareAverage[i] * alpha + (1 - alpha) * g * g
            var average: Float
            if centered {
                gradientAverage[i] += (g - gradientAverage[i]) * (1 - alpha)
                average = (squareAverage[i] - gradientAverage[i] * gradientAverage[i]).squareRoot()
            } else {
                average = squareAverage[i].squareRoot()
            }
            average += epsilon
            if momentum > 0 {
                momentumBuffer[i] = momentumBuffer[i] * momentum + g / average
                parameter[i] -= learningRate * momentumBuffer[i]
            } else {
                parameter[i] -= learningRate * (g / average)
            }
        }
    }
}
