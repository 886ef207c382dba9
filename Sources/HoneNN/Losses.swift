import Foundation
import HoneCore

/// How per-example losses are combined.
public enum Reduction: Sendable {
    /// The (weighted) mean, PyTorch's default.
    case mean
    /// The sum.
    case sum
    /// One loss per example.
    case none
}

/// Cross-entropy of `logits` `[N, C]` against class indices, PyTorch's
/// `F.cross_entropy`, as one fused log-softmax + negative-log-likelihood kernel.
///
/// With smoothing ε, class weights w (default 1) and log-probabilities ℓ = logSoftmax(z):
/// lossᵢ = (1 − ε)·w_{yᵢ}·(−ℓ_{i,yᵢ}) + (ε/C)·Σ_c w_c·(−ℓ_{i,c}); the mean divides the sum
/// by Σᵢ w_{yᵢ} (by N without weights), exactly as PyTorch. The gradient per logit is
/// [(1 − ε)·w_{yᵢ}·(p_{ij} − [j = yᵢ]) + (ε/C)·(p_{ij}·Σw − w_j)] / divisor.
///
/// ```swift
/// let loss = crossEntropy(logits: model(x), targets: labels, labelSmoothing: 0.1)
/// ```
///
/// ### References
/// Szegedy et al. 2016, "Rethinking the Inception Architecture" (label smoothing, arXiv 1512.00567).
public func crossEntropy(
    logits: Tensor, targets: [Int], classWeights: [Float]? = nil, labelSmoothing: Float = 0, reduction: Reduction = .mean
) -> Tensor {
    precondition(logits.rank == 2, "crossEntropy: logits must be [N, C], got \(logits.shape)")
    let n = logits.shape[0], classes = logits.shape[1]
    precondition(targets.count == n, "crossEntropy: \(targets.count) targets for \(n) rows of logits")
    precondition(labelSmoothing >= 0 && labelSmoothing <= 1, "crossEntropy: label smoothing \(labelSmoothing) must be in [0, 1]")
    if let classWeights { precondition(classWeights.count == classes, "crossEntropy: \(classWeights.count) class weights for \(classes) classes") }
    for (i, target) in targets.enumerated() {
        precondition(target >= 0 && target < classes, "crossEntropy: target \(target) of row \(i) is not in 0..<\(classes)")
    }
    let weights = classWeights ?? [Float](repeating: 1, count: classes)
    let weightTotal = weights.reduce(0, +)
    let smoothing = labelSmoothing, onTarget = 1 - labelSmoothing, perClass = labelSmoothing / Float(classes)
    let probabilities = Tensor(uninitializedShape: logits.shape)
    var perExample = [Float](repeating: 0, count: n)
    let z = logits.storage.pointer, p = probabilities.storage.pointer
    weights.withUnsafeBufferPointer { w in
        perExample.withUnsafeMutableBufferPointer { losses in
            Parallel.forEachChunk(n, costPerItem: 4 * classes) { range in
                for i in range {
                    let row = z + i * classes, probabilityRow = p + i * classes
                    var maximum = -Float.infinity
                    for c in 0..<classes { maximum = max(maximum, row[c]) }
                    var total: Float = 0
                    for c in 0..<classes { let e = Foundation.exp(row[c] - maximum); probabilityRow[c] = e; total += e }
                    let logTotal = Foundation.log(total) + maximum, inverse = 1 / total
                    for c in 0..<classes { probabilityRow[c] *= inverse }
                    let target = targets[i]
                    var loss = onTarget * w[target] * (logTotal - row[target])
                    if smoothing > 0 {
                        var smooth: Float = 0
                        for c in 0..<classes { smooth += w[c] * (logTotal - row[c]) }
                        loss += perClass * smooth
                    }
                    losses[i] = loss
                }
            }
        }
    }
    let divisor: Float
    switch reduction {
    case .mean: divisor = classWeights == nil ? Float(n) : targets.reduce(0) { $0 + weights[$1] }
    case .sum, .none: divisor = 1
    }
    let out: Tensor
    if reduction == .none {
        out = Tensor(shape: [n], scalars: perExample)
    } else {
        out = Tensor(Float(perExample.reduce(0.0) { $0 + Double($1) } / Double(divisor)))
    }
    return Tensor.record("crossEntropy", output: out, inputs: [logits]) { [probabilities] g in
        // The capture list keeps the saved probabilities alive for the raw pointer below.
        withExtendedLifetime(probabilities) {}
        let gradient = Tensor(uninitializedShape: logits.shape)
        let target = gradient.storage.pointer, upstream = g.storage.pointer
        weights.withUnsafeBufferPointer { w in
            Parallel.forEachChunk(n, costPerItem: 2 * classes) { range in
                for i in range {
                    let scale = (reduction == .none ? upstream[i] : upstream[0]) / divisor
                    let probabilityRow = p + i * classes, row = target + i * classes, y = targets[i]
                    let targetWeight = onTarget * w[y]
                    for c in 0..<classes {
                        var value = targetWeight * probabilityRow[c]
                        if smoothing > 0 { value += perClass * (probabilityRow[c] * weightTotal - w[c]) }
                        row[c] = value * scale
                    }
                    row[y] -= targetWeight * scale
                }
            }
        }
        return [gradient]
    }
}

/// Binary cross-entropy of `logits` against `targets` in [0, 1] (same shape), computed
/// stably as max(z, 0) − z·y + log(1 + e^(−|z|)); gradient σ(z) − y. PyTorch's
/// `F.binary_cross_entropy_with_logits`.
public func binaryCrossEntropyWithLogits(logits: Tensor, targets: Tensor, reduction: Reduction = .mean) -> Tensor {
    precondition(logits.shape == targets.shape, "binaryCrossEntropyWithLogits: logits \(logits.shape) and targets \(targets.shape) differ")
    let elementwise = Tensor.zipMap(logits, targets) { z, y in max(z, 0) - z * y + Foundation.log1p(Foundation.exp(-abs(z))) }
    let losses = Tensor.record("binaryCrossEntropyWithLogits", output: elementwise, inputs: [logits, targets]) { g in
        let sigmoidMinusTarget = Tensor.zipMap(logits, targets) { z, y in
            let s = z >= 0 ? 1 / (1 + Foundation.exp(-z)) : Foundation.exp(z) / (1 + Foundation.exp(z))
            return s - y
        }
        // ∂/∂y = −z.
        return [g * sigmoidMinusTarget, targets.requiresGrad ? -(g * logits.detached()) : nil]
    }
    return reduce(losses, reduction)
}

/// Mean squared error (x − y)², PyTorch's `F.mse_loss`.
public func meanSquaredError(_ predictions: Tensor, _ targets: Tensor, reduction: Reduction = .mean) -> Tensor {
    precondition(predictions.shape == targets.shape, "meanSquaredError: shapes \(predictions.shape) and \(targets.shape) differ")
    let difference = predictions - targets
    return reduce(difference * difference, reduction)
}

/// Mean absolute error |x − y|, PyTorch's `F.l1_loss`.
public func l1Loss(_ predictions: Tensor, _ targets: Tensor, reduction: Reduction = .mean) -> Tensor {
    precondition(predictions.shape == targets.shape, "l1Loss: shapes \(predictions.shape) and \(targets.shape) differ")
    return reduce((predictions - targets).abs(), reduction)
}

/// Huber loss: ½d² where |d| < δ, else δ·(|d| − ½δ), with d = x − y; PyTorch's `F.huber_loss`.
///
/// ### References
/// Huber 1964, "Robust Estimation of a Location Parameter".
public func huberLoss(_ predictions: Tensor, _ targets: Tensor, delta: Float = 1, reduction: Reduction = .mean) -> Tensor {
    precondition(predictions.shape == targets.shape, "huberLoss: shapes \(predictions.shape) and \(targets.shape) differ")
    precondition(delta > 0, "huberLoss: delta \(delta) must be positive")
    let difference = predictions - targets
    let elementwise = difference.map { d in abs(d) < delta ? 0.5 * d * d : delta * (abs(d) - 0.5 * delta) }
    let losses = Tensor.record("huber", output: elementwise, inputs: [difference]) { g in
        [g * difference.detached().map { d in min(max(d, -delta), delta) }]
    }
    return reduce(losses, reduction)
}

private func reduce(_ losses: Tensor, _ reduction: Reduction) -> Tensor {
    switch reduction {
    case .mean: return losses.mean()
    case .sum: return losses.sum()
    case .none: return losses
    }
}
