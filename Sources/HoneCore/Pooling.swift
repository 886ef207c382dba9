/// 2-D max pooling over `[N, C, H, W]`; `stride` defaults to the kernel size, padding
/// counts as −∞ (as in PyTorch). The gradient flows to the first maximal element of
/// each window.
public func maxPool2d(_ x: Tensor, kernelSize: (Int, Int), stride: (Int, Int)? = nil, padding: (Int, Int) = (0, 0)) -> Tensor {
    let window = PoolingWindow(x, kernelSize: kernelSize, stride: stride, padding: padding, op: "maxPool2d")
    let out = Tensor(uninitializedShape: window.outputShape)
    var winners = [Int32](repeating: 0, count: out.count)
    let src = x.storage.pointer, dst = out.storage.pointer
    winners.withUnsafeMutableBufferPointer { argmax in
        let argmax = argmax.baseAddress!
        window.forEachPlaneRange { planes in
            if window.isHalvingTwoByTwo && window.outWidth >= 8 {
                maxPoolTwoByTwo(window, planes: planes, source: src, target: dst, winners: argmax)
                return
            }
            for p in planes {
                window.forEachWindow(ofPlane: p) { plane, outIndex, rows, columns in
                    // The first maximal element wins; the first NaN wins and stays, like PyTorch.
                    var bestIndex = rows.lowerBound * window.width + columns.lowerBound
                    var best = src[plane + bestIndex]
                    for iy in rows {
                        for ix in columns {
                            let index = iy * window.width + ix
                            let v = src[plane + index]
                            let take = (v > best || v.isNaN) && !best.isNaN
                            best = take ? v : best
                            bestIndex = take ? index : bestIndex
                        }
                    }
                    dst[outIndex] = best
                    argmax[outIndex] = Int32(bestIndex)
                }
            }
        }
    }
    return Tensor.record("maxPool2d", output: out, inputs: [x]) { g in
        let grad = Tensor.zeros(x.shape)
        let gp = g.storage.pointer, dp = grad.storage.pointer
        let outPlane = window.outHeight * window.outWidth, inPlane = window.height * window.width
        Parallel.forEachChunk(window.planes, costPerItem: outPlane) { range in
            for p in range {
                for j in 0..<outPlane { dp[p * inPlane + Int(winners[p * outPlane + j])] += gp[p * outPlane + j] }
            }
        }
        return [grad]
    }
}

/// 2×2 max pooling with stride 2 and no padding (LeNet's and VGG's), eight outputs at a
/// time: two 16-value loads per pair of input rows, split into even and odd columns, and
/// vector selects. The scalar loop spent 2–4 ns per input on mispredicted "is this larger"
/// branches (a quarter of a LeNet training step).
///
/// Same result as the scanning loop, first maximal element or first NaN in row-major
/// order: the winner of each row pair (a, b) and (c, d) is found first, then the lower
/// winner replaces the upper one only when strictly larger or NaN (and the upper one is
/// not NaN), which is exactly when the scan would have moved past a and b. A row whose
/// width is not a multiple of 8 ends with one overlapping block, recomputing a few outputs.
private func maxPoolTwoByTwo(
    _ window: PoolingWindow, planes: Range<Int>, source: UnsafePointer<Float>, target: UnsafeMutablePointer<Float>,
    winners: UnsafeMutablePointer<Int32>
) {
    typealias Values = SIMD8<Float>
    typealias Indices = SIMD8<Int32>
    let width = window.width, outWidth = window.outWidth, outPlane = window.outHeight * outWidth
    let evenColumns = Indices(0, 2, 4, 6, 8, 10, 12, 14)
    let sameRow = Indices(repeating: 0), nextRow = Indices(repeating: Int32(width))
    for p in planes {
        let plane = source + p * width * window.height
        for oy in 0..<window.outHeight {
            let upperRow = 2 * oy * width
            var ox = 0
            while true {
                let start = Swift.min(ox, outWidth - 8)
                let upperPair = UnsafeRawPointer(plane + upperRow + 2 * start).loadUnaligned(as: SIMD16<Float>.self)
                let lowerPair = UnsafeRawPointer(plane + upperRow + width + 2 * start).loadUnaligned(as: SIMD16<Float>.self)
                let (a, b) = (upperPair.evenHalf, upperPair.oddHalf)
                let (c, d) = (lowerPair.evenHalf, lowerPair.oddHalf)
                let takeB = (b .> a .| b .!= b) .& (a .== a)
                let upper = a.replacing(with: b, where: takeB)
                let upperOffset = sameRow.replacing(with: 1, where: takeB)
                let takeD = (d .> c .| d .!= d) .& (c .== c)
                let lower = c.replacing(with: d, where: takeD)
                let lowerOffset = nextRow.replacing(with: nextRow &+ 1, where: takeD)
                let takeLower = (lower .> upper .| lower .!= lower) .& (upper .== upper)
                let best = upper.replacing(with: lower, where: takeLower)
                let offset = upperOffset.replacing(with: lowerOffset, where: takeLower)
                let output = p * outPlane + oy * outWidth + start
                UnsafeMutableRawPointer(target + output).storeBytes(of: best, as: Values.self)
                let index = Indices(repeating: Int32(upperRow + 2 * start)) &+ evenColumns &+ offset
                UnsafeMutableRawPointer(winners + output).storeBytes(of: index, as: Indices.self)
                if start + 8 >= outWidth { break }
                ox += 8
            }
        }
    }
}

/// 2-D average pooling over `[N, C, H, W]`; padded zeros count in the average
/// (`count_include_pad=True`, PyTorch's default).
public func avgPool2d(_ x: Tensor, kernelSize: (Int, Int), stride: (Int, Int)? = nil, padding: (Int, Int) = (0, 0)) -> Tensor {
    let window = PoolingWindow(x, kernelSize: kernelSize, stride: stride, padding: padding, op: "avgPool2d")
    let out = Tensor(uninitializedShape: window.outputShape)
    let scale = 1 / Float(kernelSize.0 * kernelSize.1)
    let src = x.storage.pointer, dst = out.storage.pointer
    window.forEachPlaneRange { planes in
        for p in planes {
            window.forEachWindow(ofPlane: p) { plane, outIndex, rows, columns in
                var total: Float = 0
                for iy in rows {
                    for ix in columns { total += src[plane + iy * window.width + ix] }
                }
                dst[outIndex] = total * scale
            }
        }
    }
    return Tensor.record("avgPool2d", output: out, inputs: [x]) { g in
        let grad = Tensor.zeros(x.shape)
        let gp = g.storage.pointer, dp = grad.storage.pointer
        window.forEachPlaneRange { planes in
            for p in planes {
                window.forEachWindow(ofPlane: p) { plane, outIndex, rows, columns in
                    let share = gp[outIndex] * scale
                    for iy in rows {
                        for ix in columns { dp[plane + iy * window.width + ix] += share }
                    }
                }
            }
        }
        return [grad]
    }
}

/// Where each pooling window of a `[N, C, H, W]` input lies.
private struct PoolingWindow {
    let planes: Int, height: Int, width: Int
    let kernel: (Int, Int), stride: (Int, Int), padding: (Int, Int)
    let outHeight: Int, outWidth: Int
    let outputShape: [Int]

    init(_ x: Tensor, kernelSize: (Int, Int), stride: (Int, Int)?, padding: (Int, Int), op: String) {
        precondition(x.rank == 4, "\(op): input must be [N, C, H, W], got \(x.shape)")
        let stride = stride ?? kernelSize
        precondition(kernelSize.0 > 0 && kernelSize.1 > 0 && stride.0 > 0 && stride.1 > 0, "\(op): kernel \(kernelSize) and stride \(stride) must be positive")
        precondition(padding.0 * 2 <= kernelSize.0 && padding.1 * 2 <= kernelSize.1, "\(op): padding \(padding) must be at most half the kernel \(kernelSize)")
        planes = x.shape[0] * x.shape[1]
        height = x.shape[2]
        width = x.shape[3]
        kernel = kernelSize
        self.stride = stride
        self.padding = padding
        outHeight = (height + 2 * padding.0 - kernelSize.0) / stride.0 + 1
        outWidth = (width + 2 * padding.1 - kernelSize.1) / stride.1 + 1
        precondition(outHeight > 0 && outWidth > 0, "\(op): input \(x.shape) is smaller than the kernel \(kernelSize)")
        outputShape = [x.shape[0], x.shape[1], outHeight, outWidth]
    }

    /// Whether this is 2×2 pooling with stride 2 and no padding.
    var isHalvingTwoByTwo: Bool {
        kernel == (2, 2) && stride == (2, 2) && padding == (0, 0)
    }

    /// Calls `body` with ranges of planes, one per core for large inputs.
    ///
    /// The per-window loop is the caller's, written inside `body` with
    /// ``forEachWindow(ofPlane:_:)``: a window closure handed through the parallel chunk
    /// would be called indirectly once per output element.
    @inline(__always)
    func forEachPlaneRange(_ body: (Range<Int>) -> Void) {
        Parallel.forEachChunk(planes, costPerItem: outHeight * outWidth * kernel.0 * kernel.1, body)
    }

    /// Calls `body(planeOffset, outputIndex, inputRows, inputColumns)` for every output
    /// element of plane `p`, with the window clipped to the input.
    @inline(__always)
    func forEachWindow(ofPlane p: Int, _ body: (Int, Int, Range<Int>, Range<Int>) -> Void) {
        let outPlane = outHeight * outWidth
        for oy in 0..<outHeight {
            let y0 = oy * stride.0 - padding.0
            let rows = Swift.max(y0, 0)..<Swift.min(y0 + kernel.0, height)
            for ox in 0..<outWidth {
                let x0 = ox * stride.1 - padding.1
                body(p * height * width, p * outPlane + oy * outWidth + ox, rows, Swift.max(x0, 0)..<Swift.min(x0 + kernel.1, width))
            }
        }
    }
}
