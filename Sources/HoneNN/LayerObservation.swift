import HoneCore

/// Receives each layer's output during a forward pass run inside
/// ``Module/observingLayers(_:_:)``; the basis of summaries and activation monitors.
final class LayerObserver: @unchecked Sendable {
    @TaskLocal static var current: LayerObserver?

    private let observe: (Module, Tensor) -> Void

    init(_ observe: @escaping (Module, Tensor) -> Void) {
        self.observe = observe
    }

    func record(_ module: Module, output: Tensor) {
        observe(module, output)
    }

    /// Reports `output` of `module` to the observer of the current task, if any.
    @inline(__always)
    static func notify(_ module: Module, _ output: Tensor) {
        if let observer = current { observer.record(module, output: output) }
    }
}

extension Module {
    /// Runs `body` and calls `observe(name, module, output)` each time one of this model's
    /// layers (or the model itself) produces an output, in call order; the name is the
    /// layer's dotted path (`""` for the model).
    ///
    /// Activation monitors use it to collect statistics such as the fraction of zeros
    /// after each ReLU (dead units) without changing the model:
    ///
    /// ```swift
    /// let logits = model.observingLayers({ name, _, output in
    ///     print(name, output.shape)
    /// }) { model(batch) }
    /// ```
    public func observingLayers<Result>(
        _ observe: @escaping (_ name: String, _ module: Module, _ output: Tensor) -> Void, _ body: () throws -> Result
    ) rethrows -> Result {
        var names: [ObjectIdentifier: String] = [:]
        for (name, module) in namedModules() where names[ObjectIdentifier(module)] == nil {
            names[ObjectIdentifier(module)] = name
        }
        let observer = LayerObserver { module, output in
            // Layers outside this model (a loss module, another model) are not reported.
            if let name = names[ObjectIdentifier(module)] { observe(name, module, output) }
        }
        return try LayerObserver.$current.withValue(observer) { try body() }
    }
}
