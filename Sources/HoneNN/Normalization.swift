import HoneCore

/// Batch normalization over the channel axis 1 of `[N, C]`, `[N, C, L]` or `[N, C, H, W]`
/// input: y = (x − μ) / √(σ² + eps) · γ + β, as PyTorch's `nn.BatchNorm1d/2d`.
///
/// In training the batch's mean and biased variance normalize, and the running
/// estimates move by `momentum` towards the batch mean and *unbiased* variance
/// (`running = (1 − momentum)·running + momentum·batch`); in evaluation the running
/// estimates normalize. Forward and backward are one fused pass each over raw buffers.
///
/// ### References
/// Ioffe & Szegedy 2015, "Batch Normalization" (arXiv 1502.03167).
public class BatchNorm: Module, UnaryLayer {
    /// γ, `[featureCount]` (ones), or `nil` when not affine.
    public let weight: Tensor?
    /// β, `[featureCount]` (zeros), or `nil` when not affine.
    public let bias: Tensor?
    /// The running mean, `[featureCount]`, a buffer.
    public let runningMean: Tensor
    /// The running unbiased variance, `[featureCount]`, a buffer.
    public let runningVar: Tensor
    /// How many training batches updated the running statistics (a one-element buffer).
    public let numBatchesTracked: Tensor
    /// Added to the variance before the square root.
    public let eps: Float
    /// The weight of the newest batch in the running statistics.
    public let momentum: Float
    /// Whether evaluation uses running statistics (otherwise batch statistics always).
    public let trackRunningStats: Bool

    /// Normalization of `featureCount` channels with PyTorch's defaults.
    public init(featureCount: Int, eps: Float = 1e-5, momentum: Float = 0.1, affine: Bool = true, trackRunningStats: Bool = true) {
        weight = affine ? Tensor.ones([featureCount]).requiringGrad() : nil
        bias = affine ? Tensor.zeros([featureCount]).requiringGrad() : nil
        runningMean = Tensor.zeros([featureCount])
        runningVar = Tensor.ones([featureCount])
        numBatchesTracked = Tensor.zeros([])
        self.eps = eps
        self.momentum = momentum
        self.trackRunningStats = trackRunningStats
        super.init()
    }

    public override var bufferProperties: Set<String> { ["runningMean", "runningVar", "numBatchesTracked"] }

    /// The number of channels.
    public var featureCount: Int { runningMean.count }

    public override var settingsDescription: String {
        "featureCount: \(featureCount), eps: \(eps), momentum: \(momentum), affine: \(weight != nil), trackRunningStats: \(trackRunningStats)"
    }

    public func forward(_ x: Tensor) -> Tensor { normalize(x, relu: false) }

    /// relu(forward(x)) in one fused pass; used by containers and residual blocks when no
    /// layer observer needs the intermediate output.
    ///
    /// - Parameter activation: the model's ReLU layer that this pass stands for; while a
    ///   layer observer watches, the two layers run apart and both report their outputs,
    ///   so monitors see the ReLU's units (dead units).
    public func forwardWithRelu(_ x: Tensor, activation: ReLU? = nil) -> Tensor {
        if LayerObserver.current != nil {
            let normalized = self(x)
            return activation.map { $0(normalized) } ?? normalized.relu()
        }
        return normalize(x, relu: true)
    }

    private func normalize(_ x: Tensor, relu: Bool) -> Tensor {
        precondition(x.rank >= 2 && x.shape[1] == featureCount,
                     "\(type(of: self)): input \(x.shape) should have \(featureCount) channels on axis 1")
        let useBatchStatistics = isTraining || !trackRunningStats
        return batchNormalize(
            x, weight: weight, bias: bias, runningMean: runningMean, runningVar: runningVar,
            useBatchStatistics: useBatchStatistics, updateRunningStatistics: isTraining && trackRunningStats,
            momentum: momentum, eps: eps, batchesTracked: numBatchesTracked, relu: relu)
    }
}

/// Batch normalization of `[N, C]` or `[N, C, L]` input.
public final class BatchNorm1d: BatchNorm {
    public override func forward(_ x: Tensor) -> Tensor {
        precondition(x.rank == 2 || x.rank == 3, "BatchNorm1d: input must be [N, C] or [N, C, L], got \(x.shape)")
        return super.forward(x)
    }
}

/// Batch normalization of `[N, C, H, W]` input.
public final class BatchNorm2d: BatchNorm {
    public override func forward(_ x: Tensor) -> Tensor {
        precondition(x.rank == 4, "BatchNorm2d: input must be [N, C, H, W], got \(x.shape)")
        return super.forward(x)
    }
}

/// The fused batch-normalization kernel behind ``BatchNorm`` (channel axis 1), optionally
/// followed by ReLU in the same pass (`relu: true`, as residual blocks use it).
///
/// Backward, with x̂ the normalized input, n values per channel and g the output gradient
/// (zeroed where the ReLU output is 0): dβ = Σg, dγ = Σg·x̂, and with batch statistics
/// dx = γ/(n·σ) · (n·g − Σg − x̂·Σg·x̂); with running statistics dx = γ·g/σ.
public func batchNormalize(
    _ x: Tensor, weight: Tensor?, bias: Tensor?, runningMean: Tensor, runningVar: Tensor,
    useBatchStatistics: Bool, updateRunningStatistics: Bool, momentum: Float, eps: Float, batchesTracked: Tensor? = nil,
    relu: Bool = false
) -> Tensor {
    let batch = x.shape[0], channels = x.shape[1], inner = x.count / max(batch * channels, 1)
    let n = batch * inner
    if useBatchStatistics {
        precondition(n > 1, "BatchNorm: needs more than one value per channel in training, got input \(x.shape)")
    }
    let out = Tensor(uninitializedShape: x.shape)
    let mean = Tensor(uninitializedShape: [channels]), inverseDeviation = Tensor(uninitializedShape: [channels])
    let input = x.storage.pointer, output = out.storage.pointer
    let means = mean.storage.pointer, inverses = inverseDeviation.storage.pointer
    let gamma = weight?.storage.pointer, beta = bias?.storage.pointer
    let runMean = runningMean.storage.pointer, runVar = runningVar.storage.pointer
    let stride = channels * inner
    Parallel.forEachChunk(channels, costPerItem: 3 * n) { range in
        for c in range {
            var mu: Float, variance: Float
            if useBatchStatistics {
                // Two passes, the mean first and then centred squares (no cancellation);
                // per-image sums are added up in Double.
                var total = 0.0
                for b in 0..<batch { total += Double(FastMath.sum(input + b * stride + c * inner, inner)) }
                mu = Float(total / Double(n))
                var squares = 0.0
                for b in 0..<batch {
                    squares += Double(FastMath.squaredDeviationSum(input + b * stride + c * inner, inner, mean: mu))
                }
                variance = Float(squares / Double(n))
                if updateRunningStatistics {
                    let unbiased = variance * Float(n) / Float(n - 1)
                    runMean[c] = (1 - momentum) * runMean[c] + momentum * mu
                    runVar[c] = (1 - momentum) * runVar[c] + momentum * unbiased
                }
            } else {
                mu = runMean[c]
                variance = runVar[c]
            }
            let inverse = 1 / (variance + eps).squareRoot()
            means[c] = mu
            inverses[c] = inverse
            let scale = (gamma?[c] ?? 1) * inverse, shift = (beta?[c] ?? 0) - mu * scale
            for b in 0..<batch {
                let offset = b * stride + c * inner
                let source = input + offset, target = output + offset
                if relu {
                    for i in 0..<inner { target[i] = max(source[i] * scale + shift, 0) }
                } else {
                    for i in 0..<inner { target[i] = source[i] * scale + shift }
                }
            }
        }
    }
    if updateRunningStatistics, let batchesTracked { batchesTracked.storage.pointer[0] += 1 }
    var inputs = [x]
    if let weight { inputs.append(weight) }
    if let bias { inputs.append(bias) }
    // With ReLU the output's storage (not the tensor: no reference cycle through its
    // graph node) tells where the gradient passes.
    let savedOutput = relu ? out.storage : nil
    return Tensor.record(relu ? "batchNormRelu" : "batchNorm", output: out, inputs: inputs) { [mean, inverseDeviation] g in
        // The capture list keeps the saved statistics alive for the raw pointers below.
        withExtendedLifetime((mean, inverseDeviation, savedOutput)) {}
        var gradient = g.storage.pointer
        var masked: TensorStorage?
        if let savedOutput {
            let passed = TensorStorage(uninitializedCount: g.count)
            let upstream = g.storage.pointer, activated = savedOutput.pointer, target = passed.pointer
            Parallel.forEachChunk(g.count) { range in
                for i in range { target[i] = activated[i] > 0 ? upstream[i] : 0 }
            }
            masked = passed
            gradient = passed.pointer
        }
        defer { withExtendedLifetime(masked) {} }
        let dx = x.requiresGrad ? Tensor(uninitializedShape: x.shape) : nil
        let dgamma = weight.map { _ in Tensor(uninitializedShape: [channels]) }
        let dbeta = bias.map { _ in Tensor(uninitializedShape: [channels]) }
        let dxPointer = dx?.storage.pointer, dgammaPointer = dgamma?.storage.pointer, dbetaPointer = dbeta?.storage.pointer
        Parallel.forEachChunk(channels, costPerItem: 3 * n) { range in
            for c in range {
                let mu = means[c], inverse = inverses[c]
                var sumG: Float = 0, sumGX: Float = 0
                for b in 0..<batch {
                    let offset = b * stride + c * inner
                    let (rowG, rowGX) = FastMath.gradientSums(gradient + offset, input + offset, inner, mean: mu)
                    sumG += rowG
                    sumGX += rowGX
                }
                sumGX *= inverse
                dgammaPointer?[c] = sumGX
                dbetaPointer?[c] = sumG
                guard let dxPointer else { continue }
                let g0 = gamma?[c] ?? 1
                for b in 0..<batch {
                    let offset = b * stride + c * inner
                    let source = input + offset, upstream = gradient + offset, target = dxPointer + offset
                    if useBatchStatistics {
                        let factor = g0 * inverse / Float(n), meanG = sumG, meanGX = sumGX
                        for i in 0..<inner {
                            let normalized = (source[i] - mu) * inverse
                            target[i] = factor * (Float(n) * upstream[i] - meanG - normalized * meanGX)
                        }
                    } else {
                        let factor = g0 * inverse
                        for i in 0..<inner { target[i] = factor * upstream[i] }
                    }
                }
            }
        }
        var grads: [Tensor?] = [dx]
        if weight != nil { grads.append(dgamma) }
        if bias != nil { grads.append(dbeta) }
        return grads
    }
}

/// Layer normalization over the last axes (`normalizedShape`), per example:
/// y = (x − μ) / √(σ² + eps) · γ + β with biased variance, as PyTorch's `nn.LayerNorm`.
/// Forward and backward are fused passes over raw rows.
///
/// ### References
/// Ba, Kiros & Hinton 2016, "Layer Normalization" (arXiv 1607.06450).
public final class LayerNorm: Module, UnaryLayer {
    /// γ (ones), shaped `normalizedShape`, or `nil` without affine terms.
    public let weight: Tensor?
    /// β (zeros), shaped `normalizedShape`, or `nil`.
    public let bias: Tensor?
    /// The trailing shape normalized over.
    public let normalizedShape: [Int]
    /// Added to the variance before the square root.
    public let eps: Float

    /// Normalization over trailing axes `normalizedShape`.
    public init(normalizedShape: [Int], eps: Float = 1e-5, elementwiseAffine: Bool = true) {
        self.normalizedShape = normalizedShape
        self.eps = eps
        weight = elementwiseAffine ? Tensor.ones(normalizedShape).requiringGrad() : nil
        bias = elementwiseAffine ? Tensor.zeros(normalizedShape).requiringGrad() : nil
        super.init()
    }

    /// Normalization over the last axis of size `dimensions`.
    public convenience init(_ dimensions: Int, eps: Float = 1e-5, elementwiseAffine: Bool = true) {
        self.init(normalizedShape: [dimensions], eps: eps, elementwiseAffine: elementwiseAffine)
    }

    public override var settingsDescription: String {
        "normalizedShape: \(normalizedShape), eps: \(eps), elementwiseAffine: \(weight != nil)"
    }

    public func forward(_ x: Tensor) -> Tensor {
        precondition(x.rank >= normalizedShape.count && Array(x.shape.suffix(normalizedShape.count)) == normalizedShape,
                     "LayerNorm: input \(x.shape) does not end in \(normalizedShape)")
        return layerNormalize(x, featureCount: normalizedShape.reduce(1, *), weight: weight, bias: bias, eps: eps)
    }

    /// The norm of `x + residual` (same shapes). When nothing records a graph or observes
    /// layers, the sum is formed row by row inside the normalization pass instead of as a
    /// tensor of its own (the post-norm residual of a Transformer at inference).
    func callAsFunction(_ x: Tensor, adding residual: Tensor) -> Tensor {
        guard !Tensor.recordsGraph([x, residual, weight, bias]), LayerObserver.current == nil, x.shape == residual.shape,
            x.rank >= normalizedShape.count && Array(x.shape.suffix(normalizedShape.count)) == normalizedShape
        else { return self(x + residual) }
        let width = normalizedShape.reduce(1, *)
        let out = Tensor(uninitializedShape: x.shape)
        layerNormalizeRows(
            x.storage.pointer, adding: residual.storage.pointer, into: out.storage.pointer, rows: x.count / max(width, 1), width: width,
            weight: weight, bias: bias, eps: eps)
        return out
    }
}

/// Layer normalization of `rows` rows of `width` values (of `input + addend` when an
/// addend is given) without saving anything for a backward pass: one write per value,
/// ((x − mean)/σ)·γ + β, rounded as the recording path rounds.
private func layerNormalizeRows(
    _ input: UnsafeMutablePointer<Float>, adding addend: UnsafeMutablePointer<Float>? = nil, into output: UnsafeMutablePointer<Float>,
    rows: Int, width: Int, weight: Tensor?, bias: Tensor?, eps: Float
) {
    let gamma = weight?.storage.pointer, beta = bias?.storage.pointer
    // About eight operations per value (the sum, two reductions, the affine write): counted
    // as three, W4's [2048, 64] rows stayed on one thread below the parallel threshold.
    Parallel.forEachChunk(rows, costPerItem: 8 * width) { range in
        for r in range {
            var source = input + r * width
            let target = output + r * width
            if let addend {
                // The row's sum goes to the output first; each value below is read before it is overwritten.
                let other = addend + r * width
                FastMath.add(source, other, into: target, width)
                source = target
            }
            let mean = FastMath.sum(source, width) / Float(width)
            let squares = FastMath.squaredDeviationSum(source, width, mean: mean)
            let inverse = 1 / (squares / Float(width) + eps).squareRoot()
            FastMath.normalize(source, into: target, width, mean: mean, inverse: inverse, scale: gamma, shift: beta)
        }
    }
}


/// The fused layer-normalization kernel over rows of `featureCount` values.
///
/// Backward with x̂ normalized, ĝ = g·γ, D features:
/// dx = (1/σ)·(ĝ − mean(ĝ) − x̂·mean(ĝ·x̂)); dγ = Σ_rows g·x̂; dβ = Σ_rows g.
public func layerNormalize(_ x: Tensor, featureCount: Int, weight: Tensor?, bias: Tensor?, eps: Float) -> Tensor {
    let width = featureCount, rows = x.count / max(width, 1)
    let out = Tensor(uninitializedShape: x.shape)
    guard Tensor.recordsGraph([x, weight, bias]) else {
        layerNormalizeRows(x.storage.pointer, into: out.storage.pointer, rows: rows, width: width, weight: weight, bias: bias, eps: eps)
        return out
    }
    let normalized = TensorStorage(uninitializedCount: x.count)
    let inverseDeviation = TensorStorage(uninitializedCount: rows)
    let input = x.storage.pointer, output = out.storage.pointer, xhat = normalized.pointer, inverses = inverseDeviation.pointer
    let gamma = weight?.storage.pointer, beta = bias?.storage.pointer
    Parallel.forEachChunk(rows, costPerItem: 4 * width) { range in
        for r in range {
            let source = input + r * width, target = output + r * width, hat = xhat + r * width
            let mean = FastMath.sum(source, width) / Float(width)
            let squares = FastMath.squaredDeviationSum(source, width, mean: mean)
            let inverse = 1 / (squares / Float(width) + eps).squareRoot()
            inverses[r] = inverse
            for i in 0..<width { hat[i] = (source[i] - mean) * inverse }
            if let gamma, let beta {
                for i in 0..<width { target[i] = hat[i] * gamma[i] + beta[i] }
            } else if let gamma {
                for i in 0..<width { target[i] = hat[i] * gamma[i] }
            } else {
                target.update(from: hat, count: width)
            }
        }
    }
    var inputs = [x]
    if let weight { inputs.append(weight) }
    if let bias { inputs.append(bias) }
    return Tensor.record("layerNorm", output: out, inputs: inputs) { [normalized, inverseDeviation] g in
        // The capture list keeps the saved rows alive for the raw pointers below.
        withExtendedLifetime((normalized, inverseDeviation)) {}
        let gradient = g.storage.pointer
        var grads: [Tensor?] = [nil]
        if x.requiresGrad {
            let dx = Tensor(uninitializedShape: x.shape)
            let target = dx.storage.pointer
            Parallel.forEachChunk(rows, costPerItem: 4 * width) { range in
                // ĝ = g·γ for one row at a time.
                let scaled = UnsafeMutablePointer<Float>.allocate(capacity: width)
                defer { scaled.deallocate() }
                for r in range {
                    let upstream = gradient + r * width, hat = xhat + r * width, result = target + r * width
                    if let gamma {
                        for i in 0..<width { scaled[i] = upstream[i] * gamma[i] }
                    } else {
                        scaled.update(from: upstream, count: width)
                    }
                    let (sumG, sumGX) = FastMath.gradientSums(scaled, hat, width, mean: 0)
                    let meanG = sumG / Float(width), meanGX = sumGX / Float(width), inverse = inverses[r]
                    for i in 0..<width { result[i] = inverse * (scaled[i] - meanG - hat[i] * meanGX) }
                }
            }
            grads[0] = dx
        }
        if let weight {
            let dgamma = Tensor.zeros(weight.shape)
            let target = dgamma.storage.pointer
            for r in 0..<rows {
                let upstream = gradient + r * width, hat = xhat + r * width
                for i in 0..<width { target[i] += upstream[i] * hat[i] }
            }
            grads.append(dgamma)
        }
        if let bias {
            let dbeta = Tensor.zeros(bias.shape)
            let target = dbeta.storage.pointer
            for r in 0..<rows {
                let upstream = gradient + r * width
                for i in 0..<width { target[i] += upstream[i] }
            }
            grads.append(dbeta)
        }
        return grads
    }
}
