/// max(sum + other, 0) written over `sum`, which must be a fresh tensor nothing else
/// holds: the residual addition and ReLU that close a block at inference, as one pass
/// over the activations instead of two and without a buffer for the sum. The same
/// values as `(sum + other).relu()`, NaN giving 0. Records no gradient.
///
/// When a convolution left `sum`'s values in its blocked layout, the pass runs on that
/// layout (`other` converted to it if it is not already in it) and leaves the result
/// blocked, so the next convolution reads it without a round trip through NCHW.
public func addingWithRelu(_ sum: Tensor, _ other: Tensor) -> Tensor {
    precondition(sum.shape == other.shape, "residual: the block's output \(sum.shape) and its shortcut \(other.shape) differ")
    #if !canImport(Accelerate)
        if let blocked = sum.storage.deferredValues as? DeferredBlockedValues {
            let addend = other.storage.values(in: blocked.values.layout, rowMajor: blocked.rowMajor)
            // Padding a blocked layout adds (channels rounded up to the block) is zero in
            // both operands, so it stays zero.
            let target = blocked.values.pointer.assumingMemoryBound(to: Float.self)
            withExtendedLifetime(addend) {
                addRelu(into: target, addend.pointer.assumingMemoryBound(to: Float.self), count: blocked.values.byteCount / 4)
            }
            return sum
        }
    #endif
    addRelu(into: sum.storage.pointer, other.storage.pointer, count: sum.count)
    return sum
}

/// target[i] = max(target[i] + addend[i], 0) over `count` values, NaN giving 0.
private func addRelu(into target: UnsafeMutablePointer<Float>, _ addend: UnsafeMutablePointer<Float>, count: Int) {
    Parallel.forEachChunk(count, costPerItem: 2) { range in
        for i in range {
            let value = target[i] + addend[i]
            target[i] = value > 0 ? value : 0
        }
    }
}
