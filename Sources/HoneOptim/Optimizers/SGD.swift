/// Stochastic gradient descent with optional momentum, dampening and Nesterov momentum,
/// following PyTorch's `torch.optim.SGD` update exactly:
///
/// ```
/// g ← ∇ + wd · p
/// b ← g                                  (first step)
/// b ← momentum · b + (1 − dampening) · g (later steps)
/// g ← g + momentum · b  (Nesterov)   or   g ← b
/// p ← p − lr · g
/// ```
///
/// Nesterov momentum as in Sutskever et al. 2013, "On the importance of initialization
/// and momentum in deep learning".
///
/// ```swift
/// let optimizer = SGD(parameters: [weight, bias], learningRate: 0.1, momentum: 0.9, nesterov: true)
/// ```
public final class SGD: Optimizer {
    /// The momentum factor; 0 turns momentum off.
    public var momentum: Float
    /// The share of each new gradient left out of the momentum buffer.
    public var dampening: Float
    /// Whether to use Nesterov momentum (requires momentum > 0 and no dampening).
    public let nesterov: Bool

    /// Creates the optimizer over parameter groups.
    ///
    /// - Parameters:
    ///   - groups: the parameters, in groups with their own learning rate / weight decay.
    ///   - learningRate: the default learning rate (PyTorch's default 1e-3).
    ///   - momentum: the momentum factor.
    ///   - dampening: dampening of the momentum buffer.
    ///   - weightDecay: L2 penalty coefficient (added to the gradient unless decoupled).
    ///   - nesterov: whether to use Nesterov momentum.
    ///   - decoupledWeightDecay: shrink the weights directly instead of adding `wd · p`.
    public init(
        groups: [ParameterGroup], learningRate: Float = 1e-3, momentum: Float = 0, dampening: Float = 0,
        weightDecay: Float = 0, nesterov: Bool = false, decoupledWeightDecay: Bool = false
    ) {
        precondition(momentum >= 0, "SGD: momentum \(momentum) is negative")
        precondition(
            !nesterov || (momentum > 0 && dampening == 0),
            "SGD: Nesterov momentum requires momentum > 0 and zero dampening (got \(momentum), \(dampening))")
        self.momentum = momentum
        self.dampening = dampening
        self.nesterov = nesterov
        super.init(
            groups: groups, learningRate: learningRate, weightDecay: weightDecay,
            decoupledWeightDecay: decoupledWeightDecay)
    }

    /// Creates the optimizer over one group of unnamed parameters.
    public convenience init(
        parameters: [Tensor], learningRate: Float = 1e-3, momentum: Float = 0, dampening: Float = 0,
        weightDecay: Float = 0, nesterov: Bool = false, decoupledWeightDecay: Bool = false
    ) {
        self.init(
            groups: [ParameterGroup(parameters: parameters)], learningRate: learningRate, momentum: momentum,
            dampening: dampening, weightDecay: weightDecay, nesterov: nesterov,
            decoupledWeightDecay: decoupledWeightDecay)
    }

    /// Creates the optimizer over one group of named parameters.
    public convenience init(
        namedParameters: [(String, Tensor)], learningRate: Float = 1e-3, momentum: Float = 0,
        dampening: Float = 0, weightDecay: Float = 0, nesterov: Bool = false, decoupledWeightDecay: Bool = false
    ) {
        self.init(
            groups: [ParameterGroup(parameters: namedParameters)], learningRate: learningRate, momentum: momentum,
            dampening: dampening, weightDecay: weightDecay, nesterov: nesterov,
            decoupledWeightDecay: decoupledWeightDecay)
    }

    /// The per-parameter buffers, under PyTorch's names.
    public override var bufferNames: Set<String> { ["momentum_buffer"] }

    /// Applies the update rule above to one parameter.
    public override func update(
        parameter: UnsafeMutableBufferPointer<Float>, gradient: UnsafeBufferPointer<Float>,
        state: ParameterState, learningRate: Float, weightDecay: Float
    ) {
        // Properties are read once into locals: a class property read inside the loop costs an
        // exclusivity check per element and blocks vectorization.
        let momentum = self.momentum
        let nesterov = self.nesterov
        let values = parameter.baseAddress!, gradients = gradient.baseAddress!
        guard momentum != 0 else {
            forEachVector(parameter.count, cost: 3) { i, lanes in
                let value = loadVector(values, i, lanes)
                let g = loadVector(gradients, i, lanes) + weightDecay * value
                storeVector(value - learningRate * g, values, i, lanes)
            }
            return
        }
        let (buffer, isNew) = state.buffer("momentum_buffer", count: parameter.count)
        let momentumBuffer = buffer.baseAddress!
        let keep = 1 - dampening
        forEachVector(parameter.count, cost: 7) { i, lanes in
            let value = loadVector(values, i, lanes)
            let g = loadVector(gradients, i, lanes) + weightDecay * value
            let updated = isNew ? g : momentum * loadVector(momentumBuffer, i, lanes) + keep * g
            storeVector(updated, momentumBuffer, i, lanes)
            let direction = nesterov ? g + momentum * updated : updated
            storeVector(value - learningRate * direction, values, i, lanes)
        }
    }
}
