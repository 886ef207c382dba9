import HoneCore

extension UnaryLayer {
    /// Runs the model on `input` without gradients, in its current mode, and returns the
    /// output of every layer called (in call order) with its path in the model: what
    /// activation monitors measure (dead ReLUs, saturation).
    ///
    /// ```swift
    /// for (name, output) in model.layerOutputs(for: batch) { print(name, output.mean().item) }
    /// ```
    public func layerOutputs(for input: Tensor) -> [(name: String, output: Tensor)] {
        var outputs: [(name: String, output: Tensor)] = []
        observingLayers({ name, _, output in
            outputs.append((name.isEmpty ? "(model)" : name, output))
        }) {
            _ = withNoGrad { self(input) }
        }
        return outputs
    }
}
