/// The record of one operation on the tape: its inputs and how to turn the gradient of
/// its output into gradients of its inputs.
public final class GradNode {
    /// The operation's name, for error messages and debugging.
    public let op: String
    /// The tensors the output was computed from.
    public fileprivate(set) var inputs: [Tensor]
    /// Maps the output's gradient to one gradient per input (`nil` where none is needed).
    /// Released once used, so a graph frees its saved tensors right after `backward()`.
    fileprivate var backwardFunction: ((Tensor) -> [Tensor?])?

    init(op: String, inputs: [Tensor], backward: @escaping (Tensor) -> [Tensor?]) {
        self.op = op
        self.inputs = inputs
        self.backwardFunction = backward
    }
}

/// Whether operations record themselves for differentiation (like `torch.no_grad`).
public enum GradMode {
    @TaskLocal static var isEnabledStorage = true

    /// Whether operations are being recorded on this thread/task.
    public static var isEnabled: Bool { isEnabledStorage }
}

/// Runs `body` without recording operations: for evaluation and optimizer updates.
///
/// ```swift
/// let logits = withNoGrad { model(batch) }
/// ```
public func withNoGrad<R>(_ body: () throws -> R) rethrows -> R {
    try GradMode.$isEnabledStorage.withValue(false) { try body() }
}

/// Runs `body` with recording switched back on inside a no-grad scope.
public func withGrad<R>(_ body: () throws -> R) rethrows -> R {
    try GradMode.$isEnabledStorage.withValue(true) { try body() }
}

extension Tensor {
    /// Whether an operation on `inputs` records a graph: recording is on and some input
    /// needs a gradient (`nil` inputs, such as a missing bias, count as not needing one).
    /// Fused layers check it to take a faster path that saves nothing for a backward pass
    /// (``record(_:output:inputs:backward:)`` checks the same on its non-optional inputs).
    public static func recordsGraph(_ inputs: [Tensor?]) -> Bool {
        GradMode.isEnabled && inputs.contains { $0?.requiresGrad == true }
    }

    /// Connects `output` to the graph as the result of `op` applied to `inputs`, when
    /// recording is on and some input needs a gradient; returns `output`.
    ///
    /// This is how every differentiable operation is built, here and in other modules
    /// (fused layers): compute the forward values, then state the backward rule beside it.
    /// `backward` receives the gradient of `output` and returns one gradient per input,
    /// each of that input's shape (or `nil` when that input does not require a gradient).
    @discardableResult
    public static func record(
        _ op: String, output: Tensor, inputs: [Tensor], backward: @escaping (Tensor) -> [Tensor?]
    ) -> Tensor {
        guard GradMode.isEnabled, inputs.contains(where: { $0.requiresGrad }) else { return output }
        output.requiresGrad = true
        output.gradNode = GradNode(op: op, inputs: inputs, backward: backward)
        return output
    }

    /// Computes the gradient of this tensor with respect to every leaf that requires one,
    /// adding it to the leaf's ``grad`` (gradients accumulate until cleared, as in PyTorch).
    ///
    /// - Parameters:
    ///   - gradient: the gradient of some final scalar with respect to this tensor;
    ///     may be omitted when this tensor is itself a scalar (it is then 1).
    ///   - retainGraph: keep the graph so `backward` can run through it again.
    public func backward(_ gradient: Tensor? = nil, retainGraph: Bool = false) {
        precondition(requiresGrad, "backward: tensor of shape \(shape) does not require a gradient")
        let seed: Tensor
        if let gradient {
            precondition(gradient.shape == shape, "backward: gradient shape \(gradient.shape) differs from tensor shape \(shape)")
            seed = gradient
        } else {
            precondition(count == 1, "backward: tensor of shape \(shape) is not a scalar; pass its gradient")
            seed = Tensor.full(shape, value: 1)
        }
        let order = topologicalOrder()
        var pending: [ObjectIdentifier: Tensor] = [ObjectIdentifier(self): seed]
        withNoGrad {
            for tensor in order.reversed() {
                guard let gradOut = pending.removeValue(forKey: ObjectIdentifier(tensor)) else { continue }
                guard let node = tensor.gradNode else {
                    tensor.accumulateGrad(gradOut)
                    continue
                }
                guard let rule = node.backwardFunction else {
                    preconditionFailure(
                        "backward: the graph through '\(node.op)' was already freed; pass retainGraph: true to the first backward")
                }
                let inputGrads = rule(gradOut)
                for (input, g) in zip(node.inputs, inputGrads) {
                    guard input.requiresGrad, let g else { continue }
                    precondition(g.shape == input.shape, "backward of '\(node.op)': gradient shape \(g.shape) for input of shape \(input.shape)")
                    let key = ObjectIdentifier(input)
                    if let existing = pending[key] {
                        pending[key] = existing + g
                    } else {
                        pending[key] = g
                    }
                }
                if !retainGraph {
                    node.backwardFunction = nil
                    node.inputs = []
                }
            }
        }
    }

    private func accumulateGrad(_ g: Tensor) {
        if let existing = grad {
            precondition(existing.shape == g.shape, "grad: accumulated shape \(existing.shape) vs new \(g.shape)")
            let n = count
            existing.withUnsafeMutableBufferPointer { dst in
                g.withUnsafeBufferPointer { src in
                    for i in 0..<n { dst[i] += src[i] }
                }
            }
        } else {
            // A copy: backward rules may hand the same gradient tensor to several inputs.
            grad = g.copy()
        }
    }

    /// Tensors reachable from this one through nodes, inputs before outputs.
    private func topologicalOrder() -> [Tensor] {
        var order: [Tensor] = []
        var visited = Set<ObjectIdentifier>()
        // Iterative depth-first search: deep graphs (long RNN-like chains) must not overflow the stack.
        var stack: [(Tensor, Bool)] = [(self, false)]
        while let (tensor, expanded) = stack.popLast() {
            if expanded {
                order.append(tensor)
                continue
            }
            let id = ObjectIdentifier(tensor)
            if visited.contains(id) { continue }
            visited.insert(id)
            stack.append((tensor, true))
            if let node = tensor.gradNode {
                for input in node.inputs where input.requiresGrad && !visited.contains(ObjectIdentifier(input)) {
                    stack.append((input, false))
                }
            }
        }
        return order
    }

    /// Clears the accumulated gradient.
    public func zeroGrad() {
        grad = nil
    }
}
