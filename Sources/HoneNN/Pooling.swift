import HoneCore

/// The window geometry ``MaxPool2d`` and ``AvgPool2d`` share: a square window over the
/// height and width of `[N, C, H, W]`, the step between windows (the window size unless
/// given, as in PyTorch) and the padding on each side.
public class Pool2d: Module {
    /// Window size (height, width).
    public let kernelSize: (Int, Int)
    /// Step between windows (height, width).
    public let stride: (Int, Int)
    /// Padding on each side (height, width): −∞ for max pooling, zeros for average pooling.
    public let padding: (Int, Int)

    /// Pooling with a square window; `stride` defaults to `kernelSize`.
    public init(kernelSize: Int, stride: Int? = nil, padding: Int = 0) {
        self.kernelSize = (kernelSize, kernelSize)
        self.stride = (stride ?? kernelSize, stride ?? kernelSize)
        self.padding = (padding, padding)
        super.init()
    }

    public override var settingsDescription: String { "kernelSize: \(kernelSize), stride: \(stride), padding: \(padding)" }
}

/// 2-D max pooling over `[N, C, H, W]`; the stride defaults to the kernel size.
public final class MaxPool2d: Pool2d, UnaryLayer {
    public func forward(_ x: Tensor) -> Tensor {
        maxPool2d(x, kernelSize: kernelSize, stride: stride, padding: padding)
    }
}

/// 2-D average pooling over `[N, C, H, W]`; the stride defaults to the kernel size.
public final class AvgPool2d: Pool2d, UnaryLayer {
    public func forward(_ x: Tensor) -> Tensor {
        avgPool2d(x, kernelSize: kernelSize, stride: stride, padding: padding)
    }
}

/// The mean of each channel over height and width: `[N, C, H, W]` → `[N, C]`
/// (PyTorch's `adaptive_avg_pool2d(x, 1).flatten(1)`), one fused pass.
public final class GlobalAvgPool2d: Module, UnaryLayer {
    /// Creates the layer (it has no parameters).
    public override init() { super.init() }

    public func forward(_ x: Tensor) -> Tensor { globalAveragePool(x) }
}

/// Channel means over the spatial axes of `[N, C, H, W]`, giving `[N, C]`.
public func globalAveragePool(_ x: Tensor) -> Tensor {
    precondition(x.rank == 4, "globalAveragePool: input must be [N, C, H, W], got \(x.shape)")
    let planes = x.shape[0] * x.shape[1], plane = x.shape[2] * x.shape[3]
    let out = Tensor(uninitializedShape: [x.shape[0], x.shape[1]])
    let source = x.storage.pointer, destination = out.storage.pointer
    let scale = 1 / Float(max(plane, 1))
    Parallel.forEachChunk(planes, costPerItem: plane) { range in
        for p in range {
            var total: Float = 0
            let row = source + p * plane
            for i in 0..<plane { total += row[i] }
            destination[p] = total * scale
        }
    }
    let inputShape = x.shape
    return Tensor.record("globalAveragePool", output: out, inputs: [x]) { g in
        let dx = Tensor(uninitializedShape: inputShape)
        let gradient = g.storage.pointer, target = dx.storage.pointer
        Parallel.forEachChunk(planes, costPerItem: plane) { range in
            for p in range { (target + p * plane).initialize(repeating: gradient[p] * scale, count: plane) }
        }
        return [dx]
    }
}
