/// What an optimizer remembers about one parameter between steps: how many updates it
/// has taken and its named buffers (`momentum_buffer`, `exp_avg`, `exp_avg_sq`, …).
///
/// Buffers are created on first use and then reused, so a step allocates nothing once
/// every parameter has been updated once.
public final class ParameterState {
    /// The number of updates applied to this parameter (PyTorch's `state["step"]`).
    public internal(set) var step: Int
    /// The buffers by PyTorch's names, each with as many values as the parameter.
    public internal(set) var buffers: [String: Tensor]

    /// A state before the first update.
    public init(step: Int = 0, buffers: [String: Tensor] = [:]) {
        self.step = step
        self.buffers = buffers
    }

    /// The buffer called `name`, created with `count` copies of `initialValue` when missing.
    ///
    /// `isNew` tells the caller to initialize it from the gradient when that is the rule
    /// (SGD's momentum buffer starts as the first gradient, as in PyTorch).
    public func buffer(
        _ name: String, count: Int, initialValue: Float = 0
    ) -> (values: UnsafeMutableBufferPointer<Float>, isNew: Bool) {
        if let existing = buffers[name] {
            return (existing.storage.buffer, false)
        }
        let created = Tensor.full([count], value: initialValue)
        buffers[name] = created
        return (created.storage.buffer, true)
    }
}
