import Foundation

/// Adam: adaptive moment estimation with bias correction (Kingma & Ba 2014,
/// arXiv 1412.6980), and the AMSGrad variant (Reddi et al. 2018, "On the Convergence of
/// Adam and Beyond"), following PyTorch's `torch.optim.Adam` exactly:
///
/// ```
/// g ← ∇ + wd · p                      (coupled L2; AdamW decouples it)
/// m ← β₁ m + (1 − β₁) g
/// v ← β₂ v + (1 − β₂) g²
/// v̂ ← max(v̂, v)                       (AMSGrad only; used in place of v below)
/// p ← p − lr / (1 − β₁ᵗ) · m / (√v / √(1 − β₂ᵗ) + ε)
/// ```
///
/// ```swift
/// let optimizer = Adam(parameters: [weight, bias], learningRate: 1e-3)
/// ```
public class Adam: Optimizer {
    /// Decay rates of the first and second moment estimates.
    public var betas: (Float, Float)
    /// Added to the denominator for numerical stability.
    public var epsilon: Float
    /// Whether to use the running maximum of the second moment (AMSGrad).
    public let amsgrad: Bool

    /// Creates the optimizer over parameter groups.
    ///
    /// - Parameters:
    ///   - groups: the parameters, in groups with their own learning rate / weight decay.
    ///   - learningRate: the default learning rate (PyTorch's default 1e-3).
    ///   - betas: the moment decay rates (0.9, 0.999).
    ///   - epsilon: the denominator's stabilizer (1e-8).
    ///   - weightDecay: L2 coefficient, added to the gradient unless decoupled.
    ///   - amsgrad: whether to use AMSGrad.
    ///   - decoupledWeightDecay: shrink the weights directly (this is AdamW).
    public init(
        groups: [ParameterGroup], learningRate: Float = 1e-3, betas: (Float, Float) = (0.9, 0.999),
        epsilon: Float = 1e-8, weightDecay: Float = 0, amsgrad: Bool = false, decoupledWeightDecay: Bool = false
    ) {
        precondition(
            (0..<1).contains(betas.0) && (0..<1).contains(betas.1), "\(Self.self): betas \(betas) must lie in [0, 1)")
        precondition(epsilon >= 0, "\(Self.self): epsilon \(epsilon) is negative")
        self.betas = betas
        self.epsilon = epsilon
        self.amsgrad = amsgrad
        super.init(
            groups: groups, learningRate: learningRate, weightDecay: weightDecay,
            decoupledWeightDecay: decoupledWeightDecay)
    }

    /// Creates the optimizer over one group of unnamed parameters.
    public convenience init(
        parameters: [Tensor], learningRate: Float = 1e-3, betas: (Float, Float) = (0.9, 0.999),
        epsilon: Float = 1e-8, weightDecay: Float = 0, amsgrad: Bool = false, decoupledWeightDecay: Bool = false
    ) {
        self.init(
            groups: [ParameterGroup(parameters: parameters)], learningRate: learningRate, betas: betas,
            epsilon: epsilon, weightDecay: weightDecay, amsgrad: amsgrad, decoupledWeightDecay: decoupledWeightDecay)
    }

    /// Creates the optimizer over one group of named parameters.
    public convenience init(
        namedParameters: [(String, Tensor)], learningRate: Float = 1e-3, betas: (Float, Float) = (0.9, 0.999),
        epsilon: Float = 1e-8, weightDecay: Float = 0, amsgrad: Bool = false, decoupledWeightDecay: Bool = false
    ) {
        self.init(
            groups: [ParameterGroup(parameters: namedParameters)], learningRate: learningRate, betas: betas,
            epsilon: epsilon, weightDecay: weightDecay, amsgrad: amsgrad, decoupledWeightDecay: decoupledWeightDecay)
    }

    /// The name stored in saved state.
    public override var name: String { "Adam" }

    /// The per-parameter buffers, under PyTorch's names.
    public override var bufferNames: Set<String> { ["exp_avg", "exp_avg_sq", "max_exp_avg_sq"] }

    /// Applies the update rule above to one parameter.
    public override func update(
        parameter: UnsafeMutableBufferPointer<Float>, gradient: UnsafeBufferPointer<Float>,
        state: ParameterState, learningRate: Float, weightDecay: Float
    ) {
        // Properties are read once into locals: a class property read inside the loop costs an
        // exclusivity check per element and blocks vectorization.
        let (beta1, beta2) = betas
        let epsilon = self.epsilon
        let amsgrad = self.amsgrad
        let firstMoment = state.buffer("exp_avg", count: parameter.count).values
        let secondMoment = state.buffer("exp_avg_sq", count: parameter.count).values
        // The corrections are computed in Double and rounded once, as PyTorch does in Python floats.
        let step = Double(state.step)
        let stepSize = Float(Double(learningRate) / (1 - Foundation.pow(Double(beta1), step)))
        let correctionRoot = Float((1 - Foundation.pow(Double(beta2), step)).squareRoot())
        let values = parameter.baseAddress!, gradients = gradient.baseAddress!
        let first = firstMoment.baseAddress!, second = secondMoment.baseAddress!
        let maximum = amsgrad ? state.buffer("max_exp_avg_sq", count: parameter.count).values.baseAddress! : nil
        forEachVector(parameter.count, cost: 12) { i, lanes in
            let value = loadVector(values, i, lanes)
            let g = loadVector(gradients, i, lanes) + weightDecay * value
            var m = loadVector(first, i, lanes)
            m += (g - m) * (1 - beta1)
            storeVector(m, first, i, lanes)
            let v = loadVector(second, i, lanes) * beta2 + (1 - beta2) * g * g
            storeVector(v, second, i, lanes)
            var denominatorSquared = v
            if let maximum {
                denominatorSquared = pointwiseMax(loadVector(maximum, i, lanes), v)
                storeVector(denominatorSquared, maximum, i, lanes)
            }
            let step = stepSize * (m / (denominatorSquared.squareRoot() / correctionRoot + epsilon))
            storeVector(value - step, values, i, lanes)
        }
    }
}
