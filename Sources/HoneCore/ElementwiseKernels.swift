/// Raw loops behind the elementwise operations: one pass over contiguous buffers,
/// split across cores for large tensors, no allocation per element.
extension Tensor {
    /// `f` applied to every element; `cost` is the work of one call in simple float
    /// operations (a transcendental function is ~10), which decides when to use all cores.
    @inline(__always)
    public func map(cost: Int = 1, _ f: (Float) -> Float) -> Tensor {
        let out = Tensor(uninitializedShape: shape)
        let src = storage.pointer
        let dst = out.storage.pointer
        Parallel.forEachChunk(count, costPerItem: cost) { range in
            for i in range { dst[i] = f(src[i]) }
        }
        return out
    }

    /// `f` applied to pairs of elements of two tensors of the same shape.
    @inline(__always)
    public static func zipMap(_ a: Tensor, _ b: Tensor, _ f: (Float, Float) -> Float) -> Tensor {
        precondition(a.shape == b.shape, "zipMap: shapes \(a.shape) and \(b.shape) differ")
        let out = Tensor(uninitializedShape: a.shape)
        let pa = a.storage.pointer, pb = b.storage.pointer, dst = out.storage.pointer
        Parallel.forEachChunk(a.count) { range in
            for i in range { dst[i] = f(pa[i], pb[i]) }
        }
        return out
    }

    /// `f` applied to triples of elements of three tensors of the same shape.
    @inline(__always)
    public static func zipMap(_ a: Tensor, _ b: Tensor, _ c: Tensor, _ f: (Float, Float, Float) -> Float) -> Tensor {
        precondition(a.shape == b.shape && b.shape == c.shape, "zipMap: shapes \(a.shape), \(b.shape), \(c.shape) differ")
        let out = Tensor(uninitializedShape: a.shape)
        let pa = a.storage.pointer, pb = b.storage.pointer, pc = c.storage.pointer, dst = out.storage.pointer
        Parallel.forEachChunk(a.count) { range in
            for i in range { dst[i] = f(pa[i], pb[i], pc[i]) }
        }
        return out
    }

    /// `f` applied to the elements of `a` and `b` broadcast against each other (NumPy rules).
    @inline(__always)
    public static func broadcastMap(_ a: Tensor, _ b: Tensor, op: String, _ f: (Float, Float) -> Float) -> Tensor {
        if a.shape == b.shape { return zipMap(a, b, f) }
        let outShape = Shape.broadcast(a.shape, b.shape, op: op)
        let out = Tensor(uninitializedShape: outShape)
        let pa = a.storage.pointer, pb = b.storage.pointer, dst = out.storage.pointer
        let n = out.count
        if b.count == 1 && outShape == a.shape {
            let s = pb[0]
            Parallel.forEachChunk(n) { range in for i in range { dst[i] = f(pa[i], s) } }
            return out
        }
        if a.count == 1 && outShape == b.shape {
            let s = pa[0]
            Parallel.forEachChunk(n) { range in for i in range { dst[i] = f(s, pb[i]) } }
            return out
        }
        let plan = BroadcastPlan(outShape: outShape, a: a.shape, b: b.shape)
        let inner = plan.shape.last ?? 1
        let innerA = plan.stridesA.last ?? 0, innerB = plan.stridesB.last ?? 0
        let rows = n / Swift.max(inner, 1)
        Parallel.forEachChunk(rows, costPerItem: inner) { range in
            for row in range {
                let (offA, offB) = plan.offsets(ofRow: row)
                let o = dst + row * inner
                if innerA == 1 && innerB == 1 {
                    for j in 0..<inner { o[j] = f(pa[offA + j], pb[offB + j]) }
                } else if innerA == 1 {
                    let s = pb[offB]
                    for j in 0..<inner { o[j] = f(pa[offA + j], s) }
                } else if innerB == 1 {
                    let s = pa[offA]
                    for j in 0..<inner { o[j] = f(s, pb[offB + j]) }
                } else {
                    let v = f(pa[offA], pb[offB])
                    for j in 0..<inner { o[j] = v }
                }
            }
        }
        return out
    }
}

/// Element strides of two operands inside their broadcast shape, with adjacent axes
/// merged wherever both operands allow it, so the innermost loop is as long as possible.
struct BroadcastPlan {
    var shape: [Int] = []
    var stridesA: [Int] = []
    var stridesB: [Int] = []

    init(outShape: [Int], a: [Int], b: [Int]) {
        let rank = outShape.count
        func paddedStrides(_ s: [Int]) -> [Int] {
            let padded = [Int](repeating: 1, count: rank - s.count) + s
            let strides = Shape.strides(padded)
            return (0..<rank).map { padded[$0] == 1 && outShape[$0] != 1 ? 0 : strides[$0] }
        }
        let sa = paddedStrides(a), sb = paddedStrides(b)
        for axis in 0..<rank where outShape[axis] != 1 {
            if let last = shape.indices.last,
                stridesA[last] == sa[axis] * outShape[axis], stridesB[last] == sb[axis] * outShape[axis]
            {
                shape[last] *= outShape[axis]
                stridesA[last] = sa[axis]
                stridesB[last] = sb[axis]
            } else {
                shape.append(outShape[axis])
                stridesA.append(sa[axis])
                stridesB.append(sb[axis])
            }
        }
    }

    /// The offsets into each operand of the first element of row `row` (all axes but the last).
    @inline(__always)
    func offsets(ofRow row: Int) -> (Int, Int) {
        var rest = row
        var offA = 0, offB = 0
        var axis = shape.count - 2
        while axis >= 0 {
            let i = rest % shape[axis]
            rest /= shape[axis]
            offA += i * stridesA[axis]
            offB += i * stridesB[axis]
            axis -= 1
        }
        return (offA, offB)
    }
}
