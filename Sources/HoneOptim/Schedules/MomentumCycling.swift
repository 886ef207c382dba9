/// A schedule that also prescribes a momentum per step, like ``OneCycle``.
public protocol MomentumSchedule {
    /// The momentum at `step` (0 is the first).
    func momentum(at step: Int) -> Float
}

/// An optimizer with a momentum-like coefficient a schedule may cycle: SGD's and
/// RMSprop's `momentum`, Adam's first beta (as PyTorch's `cycle_momentum` does).
public protocol MomentumAdjustable: AnyObject {
    /// The coefficient a ``MomentumSchedule`` sets.
    var scheduledMomentum: Float { get set }
}

extension OneCycle: MomentumSchedule {}

extension SGD: MomentumAdjustable {
    /// SGD's `momentum`.
    public var scheduledMomentum: Float {
        get { momentum }
        set { momentum = newValue }
    }
}

extension RMSprop: MomentumAdjustable {
    /// RMSprop's `momentum`.
    public var scheduledMomentum: Float {
        get { momentum }
        set { momentum = newValue }
    }
}

extension Adam: MomentumAdjustable {
    /// Adam's first beta (the first-moment decay).
    public var scheduledMomentum: Float {
        get { betas.0 }
        set { betas.0 = newValue }
    }
}
