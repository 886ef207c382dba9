extension Tensor {
    /// Sums over `axes` (negative counts from the end), keeping them as size 1 when `keepDims`.
    public func sum(axes: [Int], keepDims: Bool = false) -> Tensor {
        let axes = normalizedAxes(axes, op: "sum")
        var result = self.detached()
        // Reduce the highest axis first so the remaining axis numbers stay valid.
        for axis in axes.sorted(by: >) { result = result.sumKernel(axis: axis) }
        let kept = keptShape(axes)
        let out = Tensor(shape: keepDims ? kept : dropped(axes), storage: result.storage)
        let inputShape = shape
        return Tensor.record("sum", output: out, inputs: [self]) { g in
            [g.reshaped(kept).broadcast(to: inputShape)]
        }
    }

    /// The sum of all elements, as a scalar tensor.
    public func sum() -> Tensor { sum(axes: Array(0..<rank)) }

    /// Means over `axes`.
    public func mean(axes: [Int], keepDims: Bool = false) -> Tensor {
        let axes = normalizedAxes(axes, op: "mean")
        let n = axes.reduce(1) { $0 * shape[$1] }
        return sum(axes: axes, keepDims: keepDims) * (1 / Float(Swift.max(n, 1)))
    }

    /// The mean of all elements.
    public func mean() -> Tensor { mean(axes: Array(0..<rank)) }

    /// Variance over `axes`; `unbiased` divides by n − 1 (Bessel), as `torch.var` does by default.
    public func variance(axes: [Int], keepDims: Bool = false, unbiased: Bool = true) -> Tensor {
        let axes = normalizedAxes(axes, op: "variance")
        let n = axes.reduce(1) { $0 * shape[$1] }
        let centered = self - mean(axes: axes, keepDims: true)
        let divisor = Float(Swift.max(unbiased ? n - 1 : n, 1))
        return (centered * centered).sum(axes: axes, keepDims: keepDims) * (1 / divisor)
    }

    /// Maxima over one axis; the gradient flows to the first maximal element.
    public func max(axis: Int, keepDims: Bool = false) -> Tensor {
        extremum(axis: axis, keepDims: keepDims, op: "max") { $0 > $1 }
    }

    /// Minima over one axis; the gradient flows to the first minimal element.
    public func min(axis: Int, keepDims: Bool = false) -> Tensor {
        extremum(axis: axis, keepDims: keepDims, op: "min") { $0 < $1 }
    }

    /// Maxima over several axes, reduced one axis at a time.
    public func max(axes: [Int], keepDims: Bool = false) -> Tensor {
        let axes = normalizedAxes(axes, op: "max")
        var result = self
        for axis in axes.sorted(by: >) { result = result.max(axis: axis, keepDims: true) }
        return keepDims ? result : result.reshaped(dropped(axes))
    }

    /// The index of the largest element along `axis` for each position of the other axes.
    public func argmax(axis: Int) -> [Int] {
        let axis = Shape.normalizeAxis(axis, rank: rank, op: "argmax")
        let (outer, length, inner) = Shape.split(shape, at: axis)
        var result = [Int](repeating: 0, count: outer * inner)
        let p = storage.pointer
        for o in 0..<outer {
            for i in 0..<inner {
                var best = 0
                var bestValue = p[o * length * inner + i]
                for k in 1..<Swift.max(length, 1) where p[(o * length + k) * inner + i] > bestValue {
                    best = k
                    bestValue = p[(o * length + k) * inner + i]
                }
                result[o * inner + i] = best
            }
        }
        return result
    }

    /// The gradient `self` (shaped like a broadcast result) summed down to `target`,
    /// the shape of the operand that was broadcast.
    public func sum(toShape target: [Int]) -> Tensor {
        if shape == target { return self }
        let lead = rank - target.count
        precondition(lead >= 0, "sum(toShape:): cannot reduce \(shape) to the larger rank of \(target)")
        var axes = Array(0..<lead)
        for (i, size) in target.enumerated() where size == 1 && shape[lead + i] != 1 { axes.append(lead + i) }
        return sum(axes: axes).reshaped(target)
    }

    // MARK: Kernels

    private func normalizedAxes(_ axes: [Int], op: String) -> [Int] {
        let normalized = axes.map { Shape.normalizeAxis($0, rank: rank, op: op) }
        precondition(Set(normalized).count == normalized.count, "\(op): repeated axis in \(axes)")
        return normalized
    }

    private func keptShape(_ axes: [Int]) -> [Int] {
        var s = shape
        for a in axes { s[a] = 1 }
        return s
    }

    private func dropped(_ axes: [Int]) -> [Int] {
        shape.enumerated().filter { !axes.contains($0.offset) }.map(\.element)
    }

    /// Sums one axis away (the result keeps it as size 1); no graph.
    private func sumKernel(axis: Int) -> Tensor {
        let (outer, length, inner) = Shape.split(shape, at: axis)
        var outShape = shape
        outShape[axis] = 1
        let out = Tensor(uninitializedShape: outShape)
        let src = storage.pointer, dst = out.storage.pointer
        if inner == 1 {
            Parallel.forEachChunk(outer, costPerItem: length) { range in
                for o in range {
                    let row = src + o * length
                    var total: Float = 0
                    for k in 0..<length { total += row[k] }
                    dst[o] = total
                }
            }
        } else {
            Parallel.forEachChunk(outer, costPerItem: length * inner) { range in
                for o in range {
                    let d = dst + o * inner
                    d.initialize(repeating: 0, count: inner)
                    for k in 0..<length {
                        let s = src + (o * length + k) * inner
                        for i in 0..<inner { d[i] += s[i] }
                    }
                }
            }
        }
        return out
    }

    private func extremum(axis: Int, keepDims: Bool, op: String, _ better: (Float, Float) -> Bool) -> Tensor {
        let axis = Shape.normalizeAxis(axis, rank: rank, op: op)
        let (outer, length, inner) = Shape.split(shape, at: axis)
        precondition(length > 0, "\(op): axis \(axis) of shape \(shape) is empty")
        var keptShape = shape
        keptShape[axis] = 1
        let out = Tensor(uninitializedShape: keptShape)
        var winners = [Int](repeating: 0, count: outer * inner)
        let src = storage.pointer, dst = out.storage.pointer
        for o in 0..<outer {
            for i in 0..<inner {
                var best = src[o * length * inner + i]
                var bestIndex = 0
                for k in 1..<length {
                    let v = src[(o * length + k) * inner + i]
                    if better(v, best) || v.isNaN {
                        best = v
                        bestIndex = k
                        if v.isNaN { break }
                    }
                }
                dst[o * inner + i] = best
                winners[o * inner + i] = (o * length + bestIndex) * inner + i
            }
        }
        let result = keepDims ? out : out.reshaped(dropped([axis]))
        let inputShape = shape
        return Tensor.record(op, output: result, inputs: [self]) { g in
            let grad = Tensor.zeros(inputShape)
            let gp = g.storage.pointer, dp = grad.storage.pointer
            for (j, index) in winners.enumerated() { dp[index] = gp[j] }
            return [grad]
        }
    }
}
