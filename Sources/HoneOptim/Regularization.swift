/// An L1 penalty `strength · Σ |p|` over all `parameters`, as a differentiable scalar to add
/// to the loss (its gradient is `strength · sign(p)`, 0 at 0). Encourages sparse weights
/// (Tibshirani 1996, "Regression Shrinkage and Selection via the Lasso").
///
/// ```swift
/// let loss = dataLoss + l1Penalty(model.parameters(), strength: 1e-4)
/// ```
///
/// Subgradient steps on this penalty make weights hover around zero instead of reaching
/// it; ``proximalL1(_:threshold:)`` after the optimizer step gives exact zeros.
public func l1Penalty(_ parameters: [Tensor], strength: Float) -> Tensor {
    var total: Tensor?
    for parameter in parameters {
        let term = parameter.abs().sum()
        total = total.map { $0 + term } ?? term
    }
    return (total ?? Tensor(0)) * strength
}

/// An L2 penalty `strength / 2 · Σ p²` as a differentiable scalar to add to the loss.
///
/// Its gradient `strength · p` is what an optimizer's coupled `weightDecay: strength`
/// adds directly, without building the term in the graph.
public func l2Penalty(_ parameters: [Tensor], strength: Float) -> Tensor {
    var total: Tensor?
    for parameter in parameters {
        let term = (parameter * parameter).sum()
        total = total.map { $0 + term } ?? term
    }
    return (total ?? Tensor(0)) * (strength / 2)
}

/// The proximal step of the L1 penalty, soft-thresholding in place:
/// `p ← sign(p) · max(|p| − threshold, 0)` (ISTA; Beck & Teboulle 2009, "A Fast
/// Iterative Shrinkage-Thresholding Algorithm").
///
/// Call it after each optimizer step with `threshold = learningRate · strength` to
/// minimize `loss + strength · Σ |p|` with exact zeros. Parameters with
/// `requiresGrad == false` are left alone.
public func proximalL1(_ parameters: [Tensor], threshold: Float) {
    precondition(threshold >= 0, "proximalL1: threshold \(threshold) is negative")
    for parameter in parameters where parameter.requiresGrad {
        parameter.withUnsafeMutableBufferPointer { values in
            for i in values.indices {
                let magnitude = Swift.abs(values[i]) - threshold
                values[i] = magnitude > 0 ? (values[i] > 0 ? magnitude : -magnitude) : 0
            }
        }
    }
}
