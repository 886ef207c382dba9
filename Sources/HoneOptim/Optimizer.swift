/// The base of every optimizer: walks the parameter groups and hands each trainable
/// parameter with a gradient to ``update(parameter:gradient:state:learningRate:weightDecay:)``,
/// the only method a new optimizer has to write (MLX's `OptimizerBase.applySingle` idea).
///
/// Updates run in place over the raw buffers, outside any autodiff graph. Parameters with
/// `requiresGrad == false` or no gradient are skipped and keep no state.
///
/// ```swift
/// let optimizer = Adam(parameters: [weight, bias], learningRate: 1e-3)
/// for batch in batches {
///     optimizer.zeroGrad()
///     loss(batch).backward()
///     optimizer.step()
/// }
/// ```
open class Optimizer {
    /// The groups with their learning rate and weight decay filled in (never `nil` here).
    public var parameterGroups: [ParameterGroup]
    /// Weight decay enters as `p ← p · (1 − lr · wd)` before the update (Loshchilov & Hutter
    /// 2017) instead of being added to the gradient as an L2 term.
    public var decoupledWeightDecay: Bool
    /// One state per parameter per group, created at its first update.
    var states: [[ParameterState?]]
    /// Each group's learning rate over the default at construction: setting
    /// ``learningRate`` keeps these proportions.
    private let learningRateRatios: [Float]
    private var defaultLearningRate: Float

    /// Collects the groups, filling in the default learning rate and weight decay.
    ///
    /// - Precondition: no parameter appears twice and names are unique.
    public init(groups: [ParameterGroup], learningRate: Float, weightDecay: Float, decoupledWeightDecay: Bool) {
        precondition(learningRate >= 0, "\(Self.self): learning rate \(learningRate) is negative")
        precondition(weightDecay >= 0, "\(Self.self): weight decay \(weightDecay) is negative")
        var filled = groups
        for index in filled.indices {
            filled[index].learningRate = filled[index].learningRate ?? learningRate
            filled[index].weightDecay = filled[index].weightDecay ?? weightDecay
        }
        parameterGroups = filled
        self.decoupledWeightDecay = decoupledWeightDecay
        defaultLearningRate = learningRate
        learningRateRatios = filled.map { learningRate == 0 ? 1 : $0.learningRate! / learningRate }
        states = groups.map { [ParameterState?](repeating: nil, count: $0.parameters.count) }
        var seenTensors = Set<ObjectIdentifier>()
        var seenKeys = Set<String>()
        for (key, tensor) in zip(parameterKeys.joined(), groups.flatMap { $0.parameters.map(\.tensor) }) {
            precondition(seenTensors.insert(ObjectIdentifier(tensor)).inserted, "\(Self.self): parameter '\(key)' is listed twice")
            precondition(seenKeys.insert(key).inserted, "\(Self.self): parameter name '\(key)' is used twice")
        }
    }

    /// The default learning rate; setting it sets every group's rate, keeping the
    /// proportions the groups had at construction (what schedules rely on).
    public var learningRate: Float {
        get { defaultLearningRate }
        set {
            defaultLearningRate = newValue
            for index in parameterGroups.indices {
                parameterGroups[index].learningRate = newValue * learningRateRatios[index]
            }
        }
    }

    /// The names under which each group's parameter states are saved: the given names,
    /// or the position across all groups for unnamed parameters (as PyTorch numbers them).
    public var parameterKeys: [[String]] {
        var position = 0
        return parameterGroups.map { group in
            group.parameters.map { entry in
                defer { position += 1 }
                return group.isNamed ? entry.name : String(position)
            }
        }
    }

    /// The optimizer's name as stored in its saved state.
    open var name: String { String(describing: type(of: self)) }

    /// The buffers this optimizer keeps per parameter; loading refuses any other name.
    open var bufferNames: Set<String> { [] }

    /// Applies one update to every trainable parameter that has a gradient.
    public func step() {
        for groupIndex in parameterGroups.indices {
            let group = parameterGroups[groupIndex]
            let learningRate = group.learningRate!
            let weightDecay = group.weightDecay!
            for (parameterIndex, entry) in group.parameters.enumerated() {
                let parameter = entry.tensor
                guard parameter.requiresGrad, parameter.count > 0, let gradient = parameter.grad else { continue }
                precondition(
                    gradient.count == parameter.count,
                    "\(name): gradient of shape \(gradient.shape) for parameter '\(entry.name)' of shape \(parameter.shape)")
                let state: ParameterState
                if let existing = states[groupIndex][parameterIndex] {
                    state = existing
                } else {
                    state = ParameterState()
                    states[groupIndex][parameterIndex] = state
                }
                state.step += 1
                parameter.withUnsafeMutableBufferPointer { values in
                    if decoupledWeightDecay && weightDecay != 0 {
                        let shrink = 1 - learningRate * weightDecay
                        for i in values.indices { values[i] *= shrink }
                    }
                    gradient.withUnsafeBufferPointer { gradientValues in
                        update(
                            parameter: values, gradient: gradientValues, state: state,
                            learningRate: learningRate, weightDecay: decoupledWeightDecay ? 0 : weightDecay)
                    }
                }
            }
        }
    }

    /// Updates one parameter in place; the whole of what an optimizer defines.
    ///
    /// - Parameters:
    ///   - parameter: the values to change.
    ///   - gradient: the gradient, same length.
    ///   - state: this parameter's step count (already counting this step) and buffers.
    ///   - learningRate: the group's learning rate.
    ///   - weightDecay: the coupled (L2) weight decay to add to the gradient as `wd · p`;
    ///     zero when decay is decoupled (already applied by the base).
    open func update(
        parameter: UnsafeMutableBufferPointer<Float>, gradient: UnsafeBufferPointer<Float>,
        state: ParameterState, learningRate: Float, weightDecay: Float
    ) {
        preconditionFailure("\(name) must override update(parameter:gradient:state:learningRate:weightDecay:)")
    }

    /// Clears the gradient of every parameter (PyTorch's `zero_grad(set_to_none=True)`).
    public func zeroGrad() {
        for group in parameterGroups {
            for entry in group.parameters { entry.tensor.zeroGrad() }
        }
    }

    /// The state of the parameter called `key`, if it has been updated at least once.
    public func state(forParameter key: String) -> ParameterState? {
        for (groupIndex, keys) in parameterKeys.enumerated() {
            if let index = keys.firstIndex(of: key) { return states[groupIndex][index] }
        }
        return nil
    }
}
