import HoneCore

/// Multi-head scaled dot-product attention with PyTorch's `nn.MultiheadAttention`
/// semantics (batch first): inputs `[batch, length, embedDimensions]`, a packed input
/// projection `in_proj_weight` `[3E, E]` / `in_proj_bias` `[3E]`, and `out_proj`.
///
/// Each head computes softmax(Q·Kᵀ/√d + mask)·V. A key-padding mask `[batch, S]`
/// (non-zero = ignore that key, like PyTorch's `True`), an additive mask `[L, S]`
/// (use −∞ to block) and a causal mask (query i sees keys ≤ i) can be combined. A row
/// whose keys are all blocked gets zero weights (PyTorch gives NaN there).
///
/// The heads run in one fused kernel over the projected buffers (no head
/// transposes): per batch and head, two GEMMs forward and four backward.
///
/// ### References
/// Vaswani et al. 2017, "Attention Is All You Need" (arXiv 1706.03762).
public final class MultiHeadAttention: Module, UnaryLayer {
    /// The packed query/key/value projection `[3E, E]` (Xavier-uniform, as PyTorch).
    public let inputProjectionWeight: Tensor
    /// The packed projection bias `[3E]` (zeros), or `nil`.
    public let inputProjectionBias: Tensor?
    /// The output projection E → E (bias zeroed, as PyTorch).
    public let outputProjection: Linear
    /// The number of heads; each has `embedDimensions / headCount` values.
    public let headCount: Int
    /// The probability of dropping an attention weight in training.
    public let dropout: Float
    /// Draws the attention-dropout masks.
    public var generator: SeededGenerator

    /// Attention over `embedDimensions` features split into `headCount` heads.
    public init(embedDimensions: Int, headCount: Int, dropout: Float = 0, bias: Bool = true, seed: UInt64? = nil) {
        precondition(headCount > 0 && embedDimensions % headCount == 0,
                     "MultiHeadAttention: \(headCount) heads do not divide \(embedDimensions) dimensions")
        precondition(dropout >= 0 && dropout < 1, "MultiHeadAttention: dropout \(dropout) must be in [0, 1)")
        generator = ParameterSeeds.generator(seed)
        inputProjectionWeight = Initializer.xavierUniform().makeTensor([3 * embedDimensions, embedDimensions], generator: &generator).requiringGrad()
        inputProjectionBias = bias ? Tensor.zeros([3 * embedDimensions]).requiringGrad() : nil
        outputProjection = Linear(embedDimensions, embedDimensions, bias: bias, seed: generator.next())
        if let outputBias = outputProjection.bias { outputBias.withUnsafeMutableBufferPointer { $0.initialize(repeating: 0) } }
        self.headCount = headCount
        self.dropout = dropout
        super.init()
    }

    public override var propertyKeys: [String: String] {
        ["inputProjectionWeight": "in_proj_weight", "inputProjectionBias": "in_proj_bias", "outputProjection": "out_proj"]
    }

    /// The model width E.
    public var embedDimensions: Int { inputProjectionWeight.shape[1] }

    public override var settingsDescription: String {
        "embedDimensions: \(embedDimensions), headCount: \(headCount), dropout: \(dropout)"
    }

    /// Self-attention without masks.
    public func forward(_ x: Tensor) -> Tensor { attend(query: x, key: x, value: x) }

    /// Attention of `query` `[B, L, E]` over `key`/`value` `[B, S, E]`.
    ///
    /// - Parameters:
    ///   - keyPaddingMask: `[B, S]`, non-zero where a key must be ignored (padding).
    ///   - attentionMask: `[L, S]`, added to the scores (−∞ blocks).
    ///   - isCausal: block keys after the query position.
    public func callAsFunction(
        query: Tensor, key: Tensor, value: Tensor, keyPaddingMask: Tensor? = nil, attentionMask: Tensor? = nil,
        isCausal: Bool = false
    ) -> Tensor {
        let output = attend(
            query: query, key: key, value: value, keyPaddingMask: keyPaddingMask, attentionMask: attentionMask, isCausal: isCausal)
        LayerObserver.notify(self, output)
        return output
    }

    private func attend(
        query: Tensor, key: Tensor, value: Tensor, keyPaddingMask: Tensor? = nil, attentionMask: Tensor? = nil,
        isCausal: Bool = false
    ) -> Tensor {
        let e = embedDimensions
        precondition(query.rank == 3 && query.shape[2] == e, "MultiHeadAttention: query \(query.shape) should be [batch, length, \(e)]")
        precondition(key.rank == 3 && key.shape == value.shape && key.shape[0] == query.shape[0] && key.shape[2] == e,
                     "MultiHeadAttention: key \(key.shape) and value \(value.shape) should be [\(query.shape[0]), S, \(e)]")
        let projected: AttentionInputs
        if query === key && key === value {
            let packed = linear(query, weight: inputProjectionWeight, bias: inputProjectionBias)
            projected = AttentionInputs(query: (packed, 0), key: (packed, e), value: (packed, 2 * e))
        } else {
            func project(_ x: Tensor, _ part: Int) -> Tensor {
                let rows = part * e..<(part + 1) * e
                return linear(x, weight: inputProjectionWeight.slice(axis: 0, rows), bias: inputProjectionBias?.slice(axis: 0, rows))
            }
            projected = AttentionInputs(query: (project(query, 0), 0), key: (project(key, 1), 0), value: (project(value, 2), 0))
        }
        var dropoutMask: TensorStorage?
        let batch = query.shape[0], length = query.shape[1], keyLength = key.shape[1]
        if isTraining && dropout > 0 {
            let mask = TensorStorage(uninitializedCount: batch * headCount * length * keyLength)
            let keep = 1 - dropout, scale = 1 / keep
            for i in 0..<mask.count { mask.pointer[i] = generator.nextFloat() < keep ? scale : 0 }
            dropoutMask = mask
        }
        let attended = scaledDotProductAttention(
            projected, batch: batch, length: length, keyLength: keyLength, embedDimensions: e, headCount: headCount,
            keyPaddingMask: keyPaddingMask, attentionMask: attentionMask, isCausal: isCausal, dropoutMask: dropoutMask)
        return outputProjection(attended)
    }
}

/// Projected queries, keys and values: each a `[B, rows, width]` tensor and the column
/// where its E features start (the three may share one packed tensor).
struct AttentionInputs {
    var query: (tensor: Tensor, offset: Int)
    var key: (tensor: Tensor, offset: Int)
    var value: (tensor: Tensor, offset: Int)
}

/// The fused attention kernel: per (batch, head), P = softmax(Q·Kᵀ/√d + masks),
/// O = (P ⊙ dropout)·V written into `[B, L, E]`.
///
/// Backward: dV = P̃ᵀ·dO, dP̃ = dO·Vᵀ, dS = P ⊙ (dP − rowsum(dP ⊙ P)),
/// dQ = dS·K/√d, dK = dSᵀ·Q/√d, where P̃ is P after dropout.
func scaledDotProductAttention(
    _ inputs: AttentionInputs, batch: Int, length: Int, keyLength: Int, embedDimensions: Int, headCount: Int,
    keyPaddingMask: Tensor?, attentionMask: Tensor?, isCausal: Bool, dropoutMask: TensorStorage?
) -> Tensor {
    let e = embedDimensions, d = e / headCount, l = length, s = keyLength
    let scale = 1 / Float(d).squareRoot()
    if let keyPaddingMask { precondition(keyPaddingMask.shape == [batch, s], "MultiHeadAttention: key padding mask \(keyPaddingMask.shape) should be [\(batch), \(s)]") }
    if let attentionMask { precondition(attentionMask.shape == [l, s], "MultiHeadAttention: attention mask \(attentionMask.shape) should be [\(l), \(s)]") }
    let q = inputs.query, k = inputs.key, v = inputs.value
    if !GradMode.isEnabled || ![q.tensor, k.tensor, v.tensor].contains(where: { $0.requiresGrad }) {
        return attentionInference(
            inputs, batch: batch, length: length, keyLength: keyLength, embedDimensions: embedDimensions, headCount: headCount,
            keyPaddingMask: keyPaddingMask, attentionMask: attentionMask, isCausal: isCausal, dropoutMask: dropoutMask)
    }
    let qWidth = q.tensor.shape[2], kWidth = k.tensor.shape[2], vWidth = v.tensor.shape[2]
    let qBase = q.tensor.storage.pointer + q.offset, kBase = k.tensor.storage.pointer + k.offset, vBase = v.tensor.storage.pointer + v.offset
    let probabilities = TensorStorage(uninitializedCount: batch * headCount * l * s)
    let out = Tensor(uninitializedShape: [batch, l, e])
    let outBase = out.storage.pointer
    let padding = keyPaddingMask?.storage.pointer, additive = attentionMask?.storage.pointer
    let drop = dropoutMask?.pointer
    let weighted = drop.map { _ in TensorStorage(uninitializedCount: batch * headCount * l * s) }
    Parallel.forEachChunk(batch * headCount, costPerItem: 4 * l * s * d) { range in
        for item in range {
            let b = item / headCount, h = item % headCount
            let p = probabilities.pointer + item * l * s
            let qh = qBase + b * l * qWidth + h * d, kh = kBase + b * s * kWidth + h * d, vh = vBase + b * s * vWidth + h * d
            sgemm(transposeA: false, transposeB: true, m: l, n: s, k: d, alpha: scale, a: qh, lda: qWidth, b: kh, ldb: kWidth, c: p, ldc: s)
            let ignored = padding.map { $0 + b * s }.flatMap { hasIgnoredKey($0, s) ? $0 : nil }
            for i in 0..<l {
                let row = p + i * s
                maskScores(row, query: i, keyLength: s, additive: additive, ignored: ignored, isCausal: isCausal)
                FastMath.softmaxInPlace(row, count: s)
            }
            var used = UnsafePointer(p)
            if let drop, let weighted {
                let target = weighted.pointer + item * l * s, mask = drop + item * l * s
                for i in 0..<(l * s) { target[i] = p[i] * mask[i] }
                used = UnsafePointer(target)
            }
            sgemm(transposeA: false, transposeB: false, m: l, n: d, k: s, a: used, lda: s, b: vh, ldb: vWidth, c: outBase + b * l * e + h * d, ldc: e)
        }
    }
    var unique: [Tensor] = []
    for tensor in [q.tensor, k.tensor, v.tensor] where !unique.contains(where: { $0 === tensor }) { unique.append(tensor) }
    return Tensor.record("multiHeadAttention", output: out, inputs: unique) { [probabilities, weighted, dropoutMask] g in
        // Saved buffers stay alive as long as the graph does (the kernel reads them by pointer).
        withExtendedLifetime((probabilities, weighted, dropoutMask)) {}
        let grads = unique.map { $0.requiresGrad ? Tensor.zeros($0.shape) : nil }
        func gradBase(_ tensor: Tensor, _ offset: Int) -> UnsafeMutablePointer<Float>? {
            grads[unique.firstIndex { $0 === tensor }!].map { $0.storage.pointer + offset }
        }
        let dq = gradBase(q.tensor, q.offset), dk = gradBase(k.tensor, k.offset), dv = gradBase(v.tensor, v.offset)
        let upstream = g.storage.pointer
        let scratch = TensorStorage(uninitializedCount: batch * headCount * l * s)
        Parallel.forEachChunk(batch * headCount, costPerItem: 8 * l * s * d) { range in
            for item in range {
                let b = item / headCount, h = item % headCount
                let p = probabilities.pointer + item * l * s, dp = scratch.pointer + item * l * s
                let qh = qBase + b * l * qWidth + h * d, kh = kBase + b * s * kWidth + h * d, vh = vBase + b * s * vWidth + h * d
                let go = upstream + b * l * e + h * d
                let used = weighted.map { UnsafePointer($0.pointer + item * l * s) } ?? UnsafePointer(p)
                if let dv {
                    sgemm(transposeA: true, transposeB: false, m: s, n: d, k: l, a: used, lda: s, b: go, ldb: e, c: dv + b * s * vWidth + h * d, ldc: vWidth)
                }
                sgemm(transposeA: false, transposeB: true, m: l, n: s, k: d, a: go, lda: e, b: vh, ldb: vWidth, c: dp, ldc: s)
                if let drop {
                    let mask = drop + item * l * s
                    for i in 0..<(l * s) { dp[i] *= mask[i] }
                }
                for i in 0..<l {
                    let pr = p + i * s, dr = dp + i * s
                    let dot = FastMath.dot(pr, dr, s)
                    for j in 0..<s { dr[j] = pr[j] * (dr[j] - dot) }
                }
                if let dq {
                    sgemm(transposeA: false, transposeB: false, m: l, n: d, k: s, alpha: scale, a: dp, lda: s, b: kh, ldb: kWidth, c: dq + b * l * qWidth + h * d, ldc: qWidth)
                }
                if let dk {
                    sgemm(transposeA: true, transposeB: false, m: s, n: d, k: l, alpha: scale, a: dp, lda: s, b: qh, ldb: qWidth, c: dk + b * s * kWidth + h * d, ldc: kWidth)
                }
            }
        }
        return grads
    }
}

/// Adds the masks to one row of scores (query `query`): the additive row, −∞ at the
/// `ignored` keys (non-zero entries) and, when causal, −∞ after the query position.
/// Each mask is its own simple loop, so the common unmasked row stays branch-free.
@inline(__always)
func maskScores(
    _ row: UnsafeMutablePointer<Float>, query i: Int, keyLength s: Int, additive: UnsafeMutablePointer<Float>?,
    ignored: UnsafeMutablePointer<Float>?, isCausal: Bool
) {
    if let additive {
        let bias = additive + i * s
        for j in 0..<s { row[j] += bias[j] }
    }
    if let ignored {
        for j in 0..<s { row[j] = ignored[j] != 0 ? -.infinity : row[j] }
    }
    if isCausal && i + 1 < s { (row + i + 1).update(repeating: -.infinity, count: s - i - 1) }
}

/// Whether a key-padding row ignores any key; a batch whose row is all zero skips the
/// padding loop for every one of its query rows.
func hasIgnoredKey(_ ignored: UnsafePointer<Float>, _ count: Int) -> Bool {
    for j in 0..<count where ignored[j] != 0 { return true }
    return false
}
