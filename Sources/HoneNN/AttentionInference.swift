import HoneCore

/// The attention kernel when no graph is recorded (inference, or no input needing a
/// gradient): the same result as ``scaledDotProductAttention(_:batch:length:keyLength:embedDimensions:headCount:keyPaddingMask:attentionMask:isCausal:dropoutMask:)``
/// without what only the backward pass needs.
///
/// The scores of one (batch, head) live in a per-thread block that stays in cache instead
/// of a saved `[B, H, L, S]` buffer, and the softmax stays unnormalized through P·V: each
/// output row is divided by its sum afterwards (d values per row instead of S).
func attentionInference(
    _ inputs: AttentionInputs, batch: Int, length: Int, keyLength: Int, embedDimensions: Int, headCount: Int,
    keyPaddingMask: Tensor?, attentionMask: Tensor?, isCausal: Bool, dropoutMask: TensorStorage?
) -> Tensor {
    let e = embedDimensions, d = e / headCount, l = length, s = keyLength
    let scale = 1 / Float(d).squareRoot()
    let q = inputs.query, k = inputs.key, v = inputs.value
    let qWidth = q.tensor.shape[2], kWidth = k.tensor.shape[2], vWidth = v.tensor.shape[2]
    let qBase = q.tensor.storage.pointer + q.offset, kBase = k.tensor.storage.pointer + k.offset, vBase = v.tensor.storage.pointer + v.offset
    let out = Tensor(uninitializedShape: [batch, l, e])
    let outBase = out.storage.pointer
    let padding = keyPaddingMask?.storage.pointer, additive = attentionMask?.storage.pointer
    let drop = dropoutMask?.pointer
    Parallel.forEachChunk(batch * headCount, costPerItem: 4 * l * s * d) { range in
        let scores = UnsafeMutablePointer<Float>.allocate(capacity: l * s)
        let totals = UnsafeMutablePointer<Float>.allocate(capacity: l)
        defer {
            scores.deallocate()
            totals.deallocate()
        }
        for item in range {
            let b = item / headCount, h = item % headCount
            let qh = qBase + b * l * qWidth + h * d, kh = kBase + b * s * kWidth + h * d, vh = vBase + b * s * vWidth + h * d
            sgemm(transposeA: false, transposeB: true, m: l, n: s, k: d, alpha: scale, a: qh, lda: qWidth, b: kh, ldb: kWidth, c: scores, ldc: s)
            let ignored = padding.map { $0 + b * s }.flatMap { hasIgnoredKey($0, s) ? $0 : nil }
            for i in 0..<l {
                let row = scores + i * s
                maskScores(row, query: i, keyLength: s, additive: additive, ignored: ignored, isCausal: isCausal)
                totals[i] = FastMath.exponentiateShifted(row, count: s)
            }
            if let drop {
                // The kept weights are scaled by 1/keep in the mask; the row sums stay those before dropout.
                let mask = drop + item * l * s
                for i in 0..<(l * s) { scores[i] *= mask[i] }
            }
            let target = outBase + b * l * e + h * d
            sgemm(transposeA: false, transposeB: false, m: l, n: d, k: s, a: scores, lda: s, b: vh, ldb: vWidth, c: target, ldc: e)
            for i in 0..<l {
                // A row with every key blocked has all-zero weights and sum 0: its output stays 0.
                let inverse = totals[i] > 0 ? 1 / totals[i] : 0
                let row = target + i * e
                for c in 0..<d { row[c] *= inverse }
            }
        }
    }
    return out
}
