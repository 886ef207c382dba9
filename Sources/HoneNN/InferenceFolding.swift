import HoneCore

// Evaluation-mode fusion: a convolution followed by BatchNorm (and ReLU) runs as one
// convolution whose weights and bias absorb the BatchNorm, with the ReLU applied inside
// the convolution's pass. This removes one or two full passes over every activation of a
// convolutional network at inference, where BatchNorm only scales and shifts each channel
// by its running statistics.

extension Module {
    /// Whether this layer may run fused with the layers after it: no gradient being
    /// recorded, and no layer observer that wants to see their outputs apart.
    var runsFused: Bool { !GradMode.isEnabled && LayerObserver.current == nil }
}

extension BatchNorm {
    /// Whether this BatchNorm may be folded into the convolution before it: evaluation
    /// mode with running statistics, where fusing is allowed (``Module/runsFused``).
    var isFoldable: Bool { !isTraining && trackRunningStats && runsFused }
}

extension Linear {
    /// This layer followed by ReLU as one inference pass (see ``Module/runsFused``).
    func forwardWithRelu(_ x: Tensor) -> Tensor {
        linearInference(x, weight: weight, bias: bias, relu: true)
    }
}

extension Conv2d {
    /// The weight and bias of this convolution followed by `norm` in evaluation mode:
    /// with s = γ / √(σ² + ε) per output channel, w' = s·w and b' = s·(b − μ) + β.
    func folded(into norm: BatchNorm) -> (weight: Tensor, bias: Tensor) {
        let channels = weight.shape[0], perChannel = weight.count / channels
        precondition(norm.featureCount == channels, "Conv2d: \(channels) output channels followed by BatchNorm of \(norm.featureCount)")
        let foldedWeight = Tensor(uninitializedShape: weight.shape)
        let foldedBias = Tensor(uninitializedShape: [channels])
        let source = weight.storage.pointer, target = foldedWeight.storage.pointer, shift = foldedBias.storage.pointer
        let mean = norm.runningMean.storage.pointer, variance = norm.runningVar.storage.pointer
        let gamma = norm.weight?.storage.pointer, beta = norm.bias?.storage.pointer, ownBias = bias?.storage.pointer
        for c in 0..<channels {
            let scale = (gamma?[c] ?? 1) / (variance[c] + norm.eps).squareRoot()
            for i in 0..<perChannel { target[c * perChannel + i] = source[c * perChannel + i] * scale }
            shift[c] = ((ownBias?[c] ?? 0) - mean[c]) * scale + (beta?[c] ?? 0)
        }
        return (foldedWeight, foldedBias)
    }

    /// This convolution, then `norm` folded in when given, then ReLU when `relu` is set,
    /// as one inference pass (see ``BatchNorm/isFoldable`` and ``Module/runsFused``).
    func fusedForward(_ x: Tensor, norm: BatchNorm?, relu: Bool) -> Tensor {
        let (foldedWeight, foldedBias) = norm.map(folded(into:)) ?? (weight, bias)
        return conv2dInference(
            x, weight: foldedWeight, bias: foldedBias, stride: stride, padding: padding, dilation: dilation, groups: groups,
            relu: relu, weightCache: inferenceWeights)
    }
}
