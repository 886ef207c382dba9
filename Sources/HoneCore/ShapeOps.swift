extension Tensor {
    /// The same values with a new shape (shares storage; one size may be −1 to be inferred).
    public func reshaped(_ newShape: [Int]) -> Tensor {
        var resolved = newShape
        if let unknown = newShape.firstIndex(of: -1) {
            let known = newShape.enumerated().filter { $0.offset != unknown }.reduce(1) { $0 * $1.element }
            precondition(known > 0 && count % known == 0, "reshaped: cannot reshape \(shape) to \(newShape)")
            resolved[unknown] = count / known
        }
        precondition(
            Shape.count(resolved) == count,
            "reshaped: shape \(shape) (\(count) values) cannot become \(newShape) (\(Shape.count(resolved)) values)")
        if resolved == shape { return self }
        let out = Tensor(shape: resolved, storage: storage)
        let inputShape = shape
        return Tensor.record("reshape", output: out, inputs: [self]) { g in [g.reshaped(inputShape)] }
    }

    /// Flattens the axes from `startAxis` on into one (`[N, C, H, W]` → `[N, C·H·W]`).
    public func flattened(startAxis: Int = 1) -> Tensor {
        let start = Shape.normalizeAxis(startAxis, rank: rank, op: "flattened")
        return reshaped(Array(shape[..<start]) + [Shape.count(Array(shape[start...]))])
    }

    /// Inserts an axis of size 1 at `axis`.
    public func unsqueezed(axis: Int) -> Tensor {
        let a = axis < 0 ? axis + rank + 1 : axis
        precondition(a >= 0 && a <= rank, "unsqueezed: axis \(axis) out of range for rank \(rank)")
        var s = shape
        s.insert(1, at: a)
        return reshaped(s)
    }

    /// The axes reordered: axis `i` of the result is axis `permutation[i]` of this tensor.
    public func permuted(_ permutation: [Int]) -> Tensor {
        precondition(
            permutation.count == rank && Set(permutation) == Set(0..<rank),
            "permuted: \(permutation) is not a permutation of the axes of shape \(shape)")
        if permutation == Array(0..<rank) { return self }
        let strides = Shape.strides(shape)
        let out = stridedCopy(shape: permutation.map { shape[$0] }, strides: permutation.map { strides[$0] })
        var inverse = [Int](repeating: 0, count: rank)
        for (i, p) in permutation.enumerated() { inverse[p] = i }
        return Tensor.record("permute", output: out, inputs: [self]) { g in [g.permuted(inverse)] }
    }

    /// Swaps two axes (by default the last two: a matrix transpose).
    public func transposed(_ axis0: Int = -2, _ axis1: Int = -1) -> Tensor {
        let a = Shape.normalizeAxis(axis0, rank: rank, op: "transposed")
        let b = Shape.normalizeAxis(axis1, rank: rank, op: "transposed")
        var permutation = Array(0..<rank)
        permutation.swapAt(a, b)
        return permuted(permutation)
    }

    /// This tensor repeated along its size-1 axes (and new leading axes) to `shape`.
    public func expanded(to target: [Int]) -> Tensor {
        precondition(Shape.broadcast(shape, target, op: "expanded") == target, "expanded: \(shape) does not expand to \(target)")
        let out = broadcast(to: target)
        let inputShape = shape
        return Tensor.record("expand", output: out, inputs: [self]) { g in [g.sum(toShape: inputShape)] }
    }

    /// The elements whose index along `axis` lies in `range` (a copy).
    public func slice(axis: Int, _ range: Range<Int>) -> Tensor {
        let axis = Shape.normalizeAxis(axis, rank: rank, op: "slice")
        precondition(
            range.lowerBound >= 0 && range.upperBound <= shape[axis],
            "slice: range \(range) out of bounds for axis \(axis) of shape \(shape)")
        var widths = [(Int, Int)](repeating: (0, 0), count: rank)
        widths[axis] = (-range.lowerBound, range.upperBound - shape[axis])
        return padded(widths)
    }

    /// The sub-tensor at `index` along `axis`, with that axis removed.
    public func select(axis: Int, index: Int) -> Tensor {
        let axis = Shape.normalizeAxis(axis, rank: rank, op: "select")
        var s = shape
        s.remove(at: axis)
        return slice(axis: axis, index..<(index + 1)).reshaped(s)
    }

    /// Pads (positive widths) or crops (negative widths) each axis by `(before, after)`
    /// elements, filling new elements with `value`.
    public func padded(_ widths: [(Int, Int)], value: Float = 0) -> Tensor {
        precondition(widths.count == rank, "padded: \(widths.count) widths for shape \(shape)")
        let outShape = zip(shape, widths).map { $0 + $1.0 + $1.1 }
        precondition(outShape.allSatisfy { $0 >= 0 }, "padded: widths \(widths) crop shape \(shape) below zero")
        let out = Tensor.full(outShape, value: value)
        Tensor.copyOverlap(from: self, to: out, offsets: widths.map { $0.0 })
        return Tensor.record("pad", output: out, inputs: [self]) { g in
            [g.padded(widths.map { (-$0.0, -$0.1) })]
        }
    }

    /// Joins tensors along `axis`; all other sizes must agree.
    public static func concat(_ tensors: [Tensor], axis: Int) -> Tensor {
        precondition(!tensors.isEmpty, "concat: no tensors")
        let first = tensors[0]
        let axis = Shape.normalizeAxis(axis, rank: first.rank, op: "concat")
        for t in tensors {
            var a = t.shape, b = first.shape
            precondition(a.count == b.count, "concat: shapes \(first.shape) and \(t.shape) differ in rank")
            a[axis] = 0
            b[axis] = 0
            precondition(a == b, "concat: shapes \(first.shape) and \(t.shape) differ outside axis \(axis)")
        }
        var outShape = first.shape
        outShape[axis] = tensors.reduce(0) { $0 + $1.shape[axis] }
        let out = Tensor(uninitializedShape: outShape)
        var offset = 0
        var offsets: [Int] = []
        for t in tensors {
            offsets.append(offset)
            var at = [Int](repeating: 0, count: first.rank)
            at[axis] = offset
            copyOverlap(from: t, to: out, offsets: at)
            offset += t.shape[axis]
        }
        return record("concat", output: out, inputs: tensors) { g in
            zip(tensors, offsets).map { t, start in
                t.requiresGrad ? g.slice(axis: axis, start..<(start + t.shape[axis])) : nil
            }
        }
    }

    /// Stacks tensors of one shape along a new axis.
    public static func stack(_ tensors: [Tensor], axis: Int = 0) -> Tensor {
        precondition(!tensors.isEmpty, "stack: no tensors")
        precondition(tensors.allSatisfy { $0.shape == tensors[0].shape }, "stack: tensors differ in shape: \(tensors.map(\.shape))")
        return concat(tensors.map { $0.unsqueezed(axis: axis) }, axis: axis)
    }

    /// The slices at `indices` along `axis`, in that order (repeats allowed), like `torch.index_select`.
    public func indexSelect(axis: Int, indices: [Int]) -> Tensor {
        let axis = Shape.normalizeAxis(axis, rank: rank, op: "indexSelect")
        let (outer, length, inner) = Shape.split(shape, at: axis)
        for i in indices { precondition(i >= 0 && i < length, "indexSelect: index \(i) out of range 0..<\(length) for axis \(axis) of \(shape)") }
        var outShape = shape
        outShape[axis] = indices.count
        let out = Tensor(uninitializedShape: outShape)
        let src = storage.pointer, dst = out.storage.pointer
        Parallel.forEachChunk(outer * indices.count, costPerItem: inner) { range in
            for r in range {
                let o = r / indices.count, k = r % indices.count
                (dst + r * inner).update(from: src + (o * length + indices[k]) * inner, count: inner)
            }
        }
        let inputShape = shape
        return Tensor.record("indexSelect", output: out, inputs: [self]) { g in
            let grad = Tensor.zeros(inputShape)
            let gp = g.storage.pointer, dp = grad.storage.pointer
            for o in 0..<outer {
                for (k, index) in indices.enumerated() {
                    let d = dp + (o * length + index) * inner, s = gp + (o * indices.count + k) * inner
                    for i in 0..<inner { d[i] += s[i] }
                }
            }
            return [grad]
        }
    }

    /// Picks elements along `axis` by index, like `torch.gather`: `indices` holds, for each
    /// position of the output (this shape with `axis` of size `indices.count / (outer·inner)`),
    /// the index to read along `axis`.
    public func gather(axis: Int, indices: [Int]) -> Tensor {
        let axis = Shape.normalizeAxis(axis, rank: rank, op: "gather")
        let (outer, length, inner) = Shape.split(shape, at: axis)
        let perAxis = indices.count / Swift.max(outer * inner, 1)
        precondition(perAxis * outer * inner == indices.count, "gather: \(indices.count) indices do not fit shape \(shape) along axis \(axis)")
        var outShape = shape
        outShape[axis] = perAxis
        let out = Tensor(uninitializedShape: outShape)
        var sources = [Int](repeating: 0, count: indices.count)
        for o in 0..<outer {
            for k in 0..<perAxis {
                for i in 0..<inner {
                    let j = (o * perAxis + k) * inner + i
                    let index = indices[j]
                    precondition(index >= 0 && index < length, "gather: index \(index) out of range 0..<\(length) for axis \(axis) of \(shape)")
                    sources[j] = (o * length + index) * inner + i
                }
            }
        }
        let src = storage.pointer, dst = out.storage.pointer
        for (j, s) in sources.enumerated() { dst[j] = src[s] }
        let inputShape = shape
        return Tensor.record("gather", output: out, inputs: [self]) { g in
            let grad = Tensor.zeros(inputShape)
            let gp = g.storage.pointer, dp = grad.storage.pointer
            for (j, s) in sources.enumerated() { dp[s] += gp[j] }
            return [grad]
        }
    }

    // MARK: Kernels

    /// A contiguous copy of the view `(shape, strides)` over this tensor's storage.
    func stridedCopy(shape outShape: [Int], strides: [Int]) -> Tensor {
        let out = Tensor(uninitializedShape: outShape)
        guard out.count > 0 else { return out }
        let inner = outShape.last ?? 1
        let innerStride = strides.last ?? 1
        let rows = out.count / inner
        let src = storage.pointer, dst = out.storage.pointer
        Parallel.forEachChunk(rows, costPerItem: inner) { range in
            for row in range {
                var rest = row, offset = 0
                var axis = outShape.count - 2
                while axis >= 0 {
                    offset += (rest % outShape[axis]) * strides[axis]
                    rest /= outShape[axis]
                    axis -= 1
                }
                let d = dst + row * inner
                if innerStride == 1 {
                    d.update(from: src + offset, count: inner)
                } else {
                    for j in 0..<inner { d[j] = src[offset + j * innerStride] }
                }
            }
        }
        return out
    }

    /// Copies the region where `source`, placed at `offsets` inside `destination`, overlaps it.
    static func copyOverlap(from source: Tensor, to destination: Tensor, offsets: [Int]) {
        let rank = source.rank
        if rank == 0 {
            destination.storage.pointer[0] = source.storage.pointer[0]
            return
        }
        // Per axis: first source index and first destination index of the overlap, and its length.
        var srcStart = [Int](repeating: 0, count: rank), dstStart = srcStart, length = srcStart
        for a in 0..<rank {
            let lo = Swift.max(0, offsets[a]), hi = Swift.min(destination.shape[a], offsets[a] + source.shape[a])
            if hi <= lo { return }
            dstStart[a] = lo
            srcStart[a] = lo - offsets[a]
            length[a] = hi - lo
        }
        let srcStrides = Shape.strides(source.shape), dstStrides = Shape.strides(destination.shape)
        let inner = length[rank - 1]
        let rows = Shape.count(Array(length.dropLast()))
        let src = source.storage.pointer, dst = destination.storage.pointer
        Parallel.forEachChunk(rows, costPerItem: inner) { range in
            for row in range {
                var rest = row
                var s = srcStart[rank - 1], d = dstStart[rank - 1]
                var axis = rank - 2
                while axis >= 0 {
                    let i = rest % length[axis]
                    rest /= length[axis]
                    s += (srcStart[axis] + i) * srcStrides[axis]
                    d += (dstStart[axis] + i) * dstStrides[axis]
                    axis -= 1
                }
                (dst + d).update(from: src + s, count: inner)
            }
        }
    }
}
