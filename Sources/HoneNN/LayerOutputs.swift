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
        var names: [ObjectIdentifier: String] = [:]
        for (name, module) in namedModules() where names[ObjectIdentifier(module)] == nil {
            names[ObjectIdentifier(module)] = name.isEmpty ? "(model)" : name
        }
        let trace = LayerTrace()
        trace.keepsOutputs = true
        LayerTrace.$current.withValue(trace) {
            _ = withNoGrad { self(input) }
        }
        return zip(trace.calls, trace.outputs).map { call, output in
            (names[ObjectIdentifier(call.module)] ?? "?", output)
        }
    }
}
