import Foundation

/// The geometry of a 2-D convolution or pooling window over `[N, C, H, W]` input.
public struct Conv2DGeometry: Equatable, Sendable {
    public var kernel: (height: Int, width: Int)
    public var stride: (height: Int, width: Int)
    public var padding: (height: Int, width: Int)
    public var dilation: (height: Int, width: Int)

    public init(kernel: (Int, Int), stride: (Int, Int) = (1, 1), padding: (Int, Int) = (0, 0), dilation: (Int, Int) = (1, 1)) {
        precondition(kernel.0 > 0 && kernel.1 > 0, "convolution: kernel \(kernel) must be positive")
        precondition(stride.0 > 0 && stride.1 > 0, "convolution: stride \(stride) must be positive")
        precondition(padding.0 >= 0 && padding.1 >= 0, "convolution: padding \(padding) must not be negative")
        precondition(dilation.0 > 0 && dilation.1 > 0, "convolution: dilation \(dilation) must be positive")
        self.kernel = kernel
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
    }

    /// The output size along one axis for an input of `size`.
    func outputSize(_ size: Int, kernel: Int, stride: Int, padding: Int, dilation: Int) -> Int {
        (size + 2 * padding - dilation * (kernel - 1) - 1) / stride + 1
    }

    /// Output height and width for an input of `height` × `width`.
    public func outputSize(height: Int, width: Int) -> (height: Int, width: Int) {
        (outputSize(height, kernel: kernel.height, stride: stride.height, padding: padding.height, dilation: dilation.height),
         outputSize(width, kernel: kernel.width, stride: stride.width, padding: padding.width, dilation: dilation.width))
    }

    public static func == (a: Conv2DGeometry, b: Conv2DGeometry) -> Bool {
        a.kernel == b.kernel && a.stride == b.stride && a.padding == b.padding && a.dilation == b.dilation
    }
}

/// 2-D convolution (cross-correlation, as in PyTorch) of `x` `[N, C, H, W]` with `weight`
/// `[outChannels, C / groups, kH, kW]`, plus an optional `bias` `[outChannels]`.
///
/// On Linux a pass (forward, input gradient, weight and bias gradients) runs on
/// oneDNN's convolution primitive for the shape (``DNNLConvolution``: JIT kernels on
/// blocked channel layouts, the NCHW tensors reordered in and out; Winograd where
/// ``ConvolutionPlan/winogradRuns`` and oneDNN has it, else direct) where that
/// measured faster: see ``ConvolutionPlan/oneDNNRunsDataPasses`` and
/// ``ConvolutionPlan/oneDNNRunsWeightPass``. The other passes, those oneDNN has only its
/// reference kernel for, and every pass on macOS are lowered to GEMM.
///
/// The GEMM lowering works one image at a time: the image's patches are unrolled into a
/// column matrix (im2col) small enough to stay in cache, and one GEMM writes the output
/// planes in place; the backward pass runs the same two GEMMs transposed and folds
/// columns back (col2im). Images are split across cores, each core running
/// single-threaded GEMMs: the GEMMs of small channel counts are too skinny for BLAS's
/// own threading to pay. Columns are recomputed in the backward pass instead of kept,
/// so memory stays that of the activations.
public func conv2d(
    _ x: Tensor, weight: Tensor, bias: Tensor? = nil, stride: (Int, Int) = (1, 1), padding: (Int, Int) = (0, 0),
    dilation: (Int, Int) = (1, 1), groups: Int = 1
) -> Tensor {
    conv2d(x, weight: weight, bias: bias, stride: stride, padding: padding, dilation: dilation, groups: groups, route: .fastest)
}

/// The forward pass of ``conv2d(_:weight:bias:stride:padding:dilation:groups:)`` for
/// inference, optionally followed by ReLU in the same pass: on oneDNN the ReLU is a
/// post-op of the convolution primitive (applied while the output is still in cache,
/// before it is reordered back to NCHW); on the GEMM path it is applied to each image's
/// planes right after its GEMM. Nothing is recorded for autograd, so it must run where
/// no gradient is wanted (``withNoGrad(_:)``).
///
/// With BatchNorm folded into `weight` and `bias` (see `Conv2d` in HoneNN) this is
/// convolution + BatchNorm + ReLU of an evaluation-mode network in one pass.
///
/// On oneDNN the output may stay in the primitive's blocked layout until something reads
/// it as NCHW, and a blocked input from the convolution before is read as it is; a
/// `weightCache` keeps the weights in the primitive's layout between calls.
public func conv2dInference(
    _ x: Tensor, weight: Tensor, bias: Tensor?, stride: (Int, Int) = (1, 1), padding: (Int, Int) = (0, 0),
    dilation: (Int, Int) = (1, 1), groups: Int = 1, relu: Bool, weightCache: InferenceWeightCache? = nil
) -> Tensor {
    conv2dInference(x, weight: weight, bias: bias, stride: stride, padding: padding, dilation: dilation, groups: groups,
                    relu: relu, weightCache: weightCache, route: .fastest)
}

/// ``conv2dInference(_:weight:bias:stride:padding:dilation:groups:relu:)`` with its pass routed by `route`.
func conv2dInference(
    _ x: Tensor, weight: Tensor, bias: Tensor?, stride: (Int, Int), padding: (Int, Int), dilation: (Int, Int), groups: Int,
    relu: Bool, weightCache: InferenceWeightCache? = nil, route: ConvolutionRoute
) -> Tensor {
    precondition(!GradMode.isEnabled || !(x.requiresGrad || weight.requiresGrad || (bias?.requiresGrad ?? false)),
                 "conv2dInference records no gradient: call it under withNoGrad")
    let plan = ConvolutionPlan(
        checking: x, weight: weight, bias: bias, stride: stride, padding: padding, dilation: dilation, groups: groups, caller: "conv2dInference")
    let out = Tensor(uninitializedShape: [plan.batch, plan.outChannels, plan.outHeight, plan.outWidth])
    #if !canImport(Accelerate)
        if route.runsOnOneDNN(measuredFaster: plan.oneDNNRunsInference) {
            let primitive = DNNLConvolution.inferencePrimitive(for: plan, hasBias: bias != nil, relu: relu)
            if primitive.inferenceForward(
                x: x.storage, weight: weight.storage.pointer, weightCount: weight.count, bias: bias?.storage.pointer,
                out: out.storage, weightCache: weightCache) {
                return out
            }
        }
    #endif
    plan.forward(x: x.storage.pointer, weight: weight.storage.pointer, bias: bias?.storage.pointer, out: out.storage.pointer, relu: relu)
    return out
}

/// Which kernels a convolution's passes run on.
public enum ConvolutionRoute: Sendable {
    /// Each pass on whichever measured faster for its shape (what ``conv2d(_:weight:bias:stride:padding:dilation:groups:)`` does).
    case fastest
    /// Every pass on oneDNN wherever it has a kernel (what pins that path in tests).
    case oneDNN
    /// Every pass on im2col + GEMM, the only path before the oneDNN primitives (what the
    /// kernels benchmark measures them against).
    case im2col

    /// Whether a pass goes to oneDNN, given whether it `measuredFaster` there for its shape
    /// (``ConvolutionPlan/oneDNNRunsDataPasses``, ``ConvolutionPlan/oneDNNRunsInference``,
    /// ``ConvolutionPlan/oneDNNRunsWeightPass``), which only `fastest` follows.
    func runsOnOneDNN(measuredFaster: Bool) -> Bool {
        switch self {
        case .fastest: measuredFaster
        case .oneDNN: true
        case .im2col: false
        }
    }
}

/// ``conv2d(_:weight:bias:stride:padding:dilation:groups:)`` with its passes routed by
/// `route`: for tests and benchmarks that compare the paths.
public func conv2d(
    _ x: Tensor, weight: Tensor, bias: Tensor?, stride: (Int, Int), padding: (Int, Int), dilation: (Int, Int), groups: Int,
    route: ConvolutionRoute
) -> Tensor {
    let plan = ConvolutionPlan(
        checking: x, weight: weight, bias: bias, stride: stride, padding: padding, dilation: dilation, groups: groups, caller: "conv2d")

    let out = Tensor(uninitializedShape: [plan.batch, plan.outChannels, plan.outHeight, plan.outWidth])
    #if canImport(Accelerate)
        plan.forward(x: x.storage.pointer, weight: weight.storage.pointer, bias: bias?.storage.pointer, out: out.storage.pointer)
    #else
        let primitives = DNNLConvolution.primitives(for: plan, hasBias: bias != nil)
        let dataPassesOnOneDNN = route.runsOnOneDNN(measuredFaster: plan.oneDNNRunsDataPasses)
        let weightPassOnOneDNN = route.runsOnOneDNN(measuredFaster: plan.oneDNNRunsWeightPass)
        // A training step's weight pass reuses the input the forward pass reordered.
        let stagedSource = dataPassesOnOneDNN && weightPassOnOneDNN && Tensor.recordsGraph([weight, bias])
            ? primitives.stageSourceForBothPasses(x.storage.pointer) : nil
        if !dataPassesOnOneDNN || !primitives.forward(
            x: x.storage.pointer, weight: weight.storage.pointer, bias: bias?.storage.pointer, out: out.storage.pointer,
            stagedSource: stagedSource) {
            plan.forward(x: x.storage.pointer, weight: weight.storage.pointer, bias: bias?.storage.pointer, out: out.storage.pointer)
        }
    #endif
    let inputs = bias.map { [x, weight, $0] } ?? [x, weight]
    return Tensor.record("conv2d", output: out, inputs: inputs) { g in
        let dx = x.requiresGrad ? Tensor(uninitializedShape: x.shape) : nil
        let dw = weight.requiresGrad ? Tensor(uninitializedShape: weight.shape) : nil
        let db = (bias?.requiresGrad ?? false) ? Tensor(uninitializedShape: [plan.outChannels]) : nil
        var gradX = dx?.storage.pointer, gradWeight = dw?.storage.pointer, gradBias = db?.storage.pointer
        #if !canImport(Accelerate)
            let weightPassRuns = weightPassOnOneDNN && (gradWeight != nil || gradBias != nil)
            let stagedGradient = dataPassesOnOneDNN && gradX != nil && weightPassRuns
                ? primitives.stageGradientForBothPasses(g.storage.pointer) : nil
            if dataPassesOnOneDNN, let target = gradX,
               primitives.backwardData(gradOut: g.storage.pointer, weight: weight.storage.pointer, gradX: target, stagedGradient: stagedGradient) {
                gradX = nil
            }
            if weightPassRuns,
               primitives.backwardWeights(
                   x: x.storage.pointer, gradOut: g.storage.pointer, weightCount: weight.count, gradWeight: gradWeight,
                   biasCount: plan.outChannels, gradBias: gradBias, stagedSource: stagedSource, stagedGradient: stagedGradient) {
                gradWeight = nil
                gradBias = nil
            }
        #endif
        if gradX != nil || gradWeight != nil || gradBias != nil {
            plan.backward(
                x: x.storage.pointer, weight: weight.storage.pointer, gradOut: g.storage.pointer,
                gradX: gradX, gradWeight: gradWeight, gradBias: gradBias)
        }
        return Array([dx, dw, db].prefix(inputs.count))
    }
}

/// Sizes and loops of one convolution call.
struct ConvolutionPlan {
    let batch: Int, inChannels: Int, height: Int, width: Int
    let outChannels: Int, groups: Int
    let geometry: Conv2DGeometry
    let outHeight: Int, outWidth: Int

    /// Rows of the column matrix per group: (C / groups)·kH·kW.
    var patchSize: Int { inChannels / groups * geometry.kernel.height * geometry.kernel.width }
    var outPlane: Int { outHeight * outWidth }
    var inPlane: Int { height * width }
    /// Multiply-adds of one image's forward GEMMs.
    var multiplyAddsPerImage: Int { outChannels * patchSize * outPlane }

    /// Whether oneDNN runs the forward and input-gradient passes: from 32 input and 32
    /// output channels per group on. Measured per core at the W2 and W3 layer shapes
    /// (three runs, pinned to one core), the forward pass on oneDNN ran 1.1–1.7× im2col
    /// + GEMM at 32 and 64 channels but 0.7–0.8× at 16 (W3 stage 1), 3 (stem) and 1 (W2's
    /// first layer): there the reorders to and from the blocked layout cost more than
    /// the direct kernel saves.
    var oneDNNRunsDataPasses: Bool { min(inChannels, outChannels) / groups >= 32 }

    /// Whether the training passes run on oneDNN's Winograd kernels (F(4×4, 3×3)) where
    /// it has them: with the data passes, from 32 input and output channels per group on.
    /// There they took 0.5–0.9× the direct kernels' time (`hone bench kernels`, W2's
    /// second layer 8.7 → 5.8 ms forward + backward, W3's 64-channel stage 10.9 → 5.9 ms);
    /// W3's 3-channel stem, whose weight pass alone runs on oneDNN, took 2.5 → 5.8 ms.
    /// Inference follows the same switch: W3's evaluation pass gained about 10%.
    var winogradRuns: Bool { oneDNNRunsDataPasses }

    /// Whether oneDNN runs the inference forward pass: from 3 input and output channels
    /// per group on, a lower bar than training's. W3's evaluation pass took 18.0–19.1 ms
    /// with its 3- and 16-channel layers on oneDNN against 23.5–24.5 ms on im2col + GEMM
    /// (both cores, interleaved runs): without a backward pass to feed, the fused
    /// BatchNorm and ReLU post-ops and the skipped column matrix outweigh the reorders.
    var oneDNNRunsInference: Bool { min(inChannels, outChannels) / groups >= 3 }

    /// Whether oneDNN runs the weight- and bias-gradient pass: from 3 input channels per
    /// group on (the stem's forward + weight gradient ran 1.2–3× faster on it), but not
    /// for one input channel, whose im2col is a plain copy (W2's first layer ran 0.3–0.9×
    /// on oneDNN).
    var oneDNNRunsWeightPass: Bool { inChannels / groups >= 3 }

    init(input: [Int], weight: [Int], groups: Int, geometry: Conv2DGeometry) {
        batch = input[0]
        inChannels = input[1]
        height = input[2]
        width = input[3]
        outChannels = weight[0]
        self.groups = groups
        self.geometry = geometry
        precondition(groups > 0 && inChannels % groups == 0 && outChannels % groups == 0,
                     "conv2d: groups \(groups) must divide input channels \(inChannels) and output channels \(outChannels)")
        precondition(weight[1] == inChannels / groups,
                     "conv2d: weight \(weight) expects \(weight[1] * groups) input channels, input \(input) has \(inChannels)")
        (outHeight, outWidth) = geometry.outputSize(height: height, width: width)
    }

    /// Runs `body` over ranges of images, one range per core (each GEMM inside stays on
    /// its thread: see ``Parallel``), or on the calling thread, where the GEMMs use every
    /// core, for a single image or little work.
    private func forEachImageRange(_ body: (Range<Int>) -> Void) {
        let parallel = batch >= 2 && Parallel.workerCount > 1
            && batch * multiplyAddsPerImage >= Parallel.minimumWorkPerThread * 2
        guard parallel else {
            body(0..<batch)
            return
        }
        Parallel.forEachChunk(batch, costPerItem: Parallel.minimumWorkPerThread, body)
    }

    /// Writes the convolution of `x` into `out`, then max(·, 0) of it when `relu` is set
    /// (each image's planes while they are still in cache).
    func forward(
        x: UnsafeMutablePointer<Float>, weight: UnsafeMutablePointer<Float>, bias: UnsafeMutablePointer<Float>?,
        out: UnsafeMutablePointer<Float>, relu: Bool = false
    ) {
        let rowsPerGroup = patchSize, outPerGroup = outChannels / groups, plane = outPlane
        forEachImageRange { images in
            let columns = TensorStorage(uninitializedCount: groups * rowsPerGroup * plane)
            for n in images {
                im2col(x: x, image: n, into: columns.pointer)
                let output = out + n * outChannels * plane
                if let bias {
                    for oc in 0..<outChannels { (output + oc * plane).initialize(repeating: bias[oc], count: plane) }
                }
                for g in 0..<groups {
                    sgemm(transposeA: false, transposeB: false, m: outPerGroup, n: plane, k: rowsPerGroup,
                          a: weight + g * outPerGroup * rowsPerGroup, b: columns.pointer + g * rowsPerGroup * plane,
                          beta: bias == nil ? 0 : 1, c: output + g * outPerGroup * plane)
                }
                if relu {
                    for i in 0..<(outChannels * plane) { output[i] = max(output[i], 0) }
                }
            }
        }
    }

    func backward(
        x: UnsafeMutablePointer<Float>, weight: UnsafeMutablePointer<Float>, gradOut: UnsafeMutablePointer<Float>,
        gradX: UnsafeMutablePointer<Float>?, gradWeight: UnsafeMutablePointer<Float>?, gradBias: UnsafeMutablePointer<Float>?
    ) {
        let rowsPerGroup = patchSize, outPerGroup = outChannels / groups, plane = outPlane
        let weightCount = outChannels * rowsPerGroup
        gradWeight?.initialize(repeating: 0, count: weightCount)
        gradBias?.initialize(repeating: 0, count: outChannels)
        let mergeLock = NSLock()
        forEachImageRange { images in
            let columns = TensorStorage(uninitializedCount: groups * rowsPerGroup * plane)
            // Each core sums its images' weight and bias gradients apart, then adds them in.
            let partialWeight = gradWeight == nil ? nil : TensorStorage(count: weightCount, repeating: 0)
            var partialBias = [Float](repeating: 0, count: gradBias == nil ? 0 : outChannels)
            for n in images {
                let gradient = gradOut + n * outChannels * plane
                if gradBias != nil {
                    for oc in 0..<outChannels {
                        let row = gradient + oc * plane
                        var total: Float = 0
                        for i in 0..<plane { total += row[i] }
                        partialBias[oc] += total
                    }
                }
                if let partialWeight {
                    im2col(x: x, image: n, into: columns.pointer)
                    for g in 0..<groups {
                        sgemm(transposeA: false, transposeB: true, m: outPerGroup, n: rowsPerGroup, k: plane,
                              a: gradient + g * outPerGroup * plane, b: columns.pointer + g * rowsPerGroup * plane,
                              beta: 1, c: partialWeight.pointer + g * outPerGroup * rowsPerGroup)
                    }
                }
                if let gradX {
                    for g in 0..<groups {
                        sgemm(transposeA: true, transposeB: false, m: rowsPerGroup, n: plane, k: outPerGroup,
                              a: weight + g * outPerGroup * rowsPerGroup, b: gradient + g * outPerGroup * plane,
                              c: columns.pointer + g * rowsPerGroup * plane)
                    }
                    col2im(columns: columns.pointer, image: n, into: gradX)
                }
            }
            mergeLock.lock()
            if let gradWeight, let partialWeight {
                for i in 0..<weightCount { gradWeight[i] += partialWeight.pointer[i] }
            }
            if let gradBias {
                for oc in 0..<outChannels { gradBias[oc] += partialBias[oc] }
            }
            mergeLock.unlock()
        }
    }

    /// Unrolls the patches of image `image` into rows (channel, kh, kw) × columns (oh, ow).
    func im2col(x: UnsafeMutablePointer<Float>, image: Int, into columns: UnsafeMutablePointer<Float>) {
        let kh = geometry.kernel.height, kw = geometry.kernel.width, plane = outPlane
        for r in 0..<(inChannels * kh * kw) {
            let c = r / (kh * kw), ky = (r / kw) % kh, kx = r % kw
            let source = x + (image * inChannels + c) * inPlane
            forEachRun(ky: ky, kx: kx, plane: source, columns: columns + r * plane, zeroPadding: true) {
                column, image, count in copyShortRun(column, image, count)
            } strided: { column, image, count, step in
                for i in 0..<count { column[i] = image[i * step] }
            }
        }
    }

    /// Writes image `image`'s input gradient: the sum of its columns folded back.
    func col2im(columns: UnsafeMutablePointer<Float>, image: Int, into gradX: UnsafeMutablePointer<Float>) {
        let kh = geometry.kernel.height, kw = geometry.kernel.width, plane = outPlane
        for c in 0..<inChannels {
            let destination = gradX + (image * inChannels + c) * inPlane
            destination.initialize(repeating: 0, count: inPlane)
            for ky in 0..<kh {
                for kx in 0..<kw {
                    let source = columns + ((c * kh + ky) * kw + kx) * plane
                    forEachRun(ky: ky, kx: kx, plane: destination, columns: source, zeroPadding: false) {
                        column, image, count in for i in 0..<count { image[i] += column[i] }
                    } strided: { column, image, count, step in
                        for i in 0..<count { image[i * step] += column[i] }
                    }
                }
            }
        }
    }

    /// Walks the output rows of one kernel offset (ky, kx) over one image: for each output
    /// row, calls `contiguous(column, image, count)` (stride 1) or
    /// `strided(column, image, count, step)` with the run of outputs whose input lies inside
    /// `plane`; with `zeroPadding`, the column entries that fall in the padding are zeroed.
    @inline(__always)
    private func forEachRun(
        ky: Int, kx: Int, plane: UnsafeMutablePointer<Float>, columns: UnsafeMutablePointer<Float>, zeroPadding: Bool,
        contiguous: (UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void,
        strided: (UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>, Int, Int) -> Void
    ) {
        let sh = geometry.stride.height, sw = geometry.stride.width
        let offsetX = kx * geometry.dilation.width - geometry.padding.width
        // Valid output columns: 0 <= ow·sw + offsetX < width.
        let owLow = Swift.min(outWidth, offsetX >= 0 ? 0 : (-offsetX + sw - 1) / sw)
        let owHigh = Swift.min(outWidth, offsetX >= width ? 0 : (width - 1 - offsetX) / sw + 1)
        for oh in 0..<outHeight {
            let ih = oh * sh - geometry.padding.height + ky * geometry.dilation.height
            let row = columns + oh * outWidth
            guard ih >= 0 && ih < height && owHigh > owLow else {
                if zeroPadding { zeroIfColumns(row, outWidth) }
                continue
            }
            if zeroPadding {
                zeroIfColumns(row, owLow)
                zeroIfColumns(row + owHigh, outWidth - owHigh)
            }
            let image = plane + ih * width + owLow * sw + offsetX
            if sw == 1 {
                contiguous(row + owLow, image, owHigh - owLow)
            } else {
                strided(row + owLow, image, owHigh - owLow, sw)
            }
        }
    }

    @inline(__always)
    private func zeroIfColumns(_ p: UnsafeMutablePointer<Float>, _ count: Int) {
        zeroShortRun(p, count)
    }
}

// im2col copies one output row at a time: runs of one image row (14–32 values at the W2
// and W3 shapes) and padding of a value or two. As `memmove`/`memset` calls those cost
// more in the call than in the copy (a third of W3's inference on one core went to
// im2col and its `memmove`), so they are copied inline, eight lanes at a time, the last
// vector overlapping the one before instead of a scalar tail.

/// target[0..<count] = source[0..<count] for short, non-overlapping runs.
@inline(__always)
func copyShortRun(_ target: UnsafeMutablePointer<Float>, _ source: UnsafePointer<Float>, _ count: Int) {
    struct Copy: ShortRunWriter {
        let target: UnsafeMutablePointer<Float>, source: UnsafePointer<Float>
        @inline(__always)
        func write<Vector: SIMD>(_ type: Vector.Type, at offset: Int) where Vector.Scalar == Float {
            UnsafeMutableRawPointer(target + offset).storeBytes(of: UnsafeRawPointer(source + offset).loadUnaligned(as: type), as: type)
        }
        @inline(__always)
        func writeScalar(at offset: Int) { target[offset] = source[offset] }
    }
    Copy(target: target, source: source).cover(count)
}

/// target[0..<count] = 0 for short runs (a plain loop would become a `memset` call).
@inline(__always)
func zeroShortRun(_ target: UnsafeMutablePointer<Float>, _ count: Int) {
    struct Zero: ShortRunWriter {
        let target: UnsafeMutablePointer<Float>
        @inline(__always)
        func write<Vector: SIMD>(_ type: Vector.Type, at offset: Int) where Vector.Scalar == Float {
            UnsafeMutableRawPointer(target + offset).storeBytes(of: Vector(), as: type)
        }
        @inline(__always)
        func writeScalar(at offset: Int) { target[offset] = 0 }
    }
    Zero(target: target).cover(count)
}

/// Writes vectors of floats at offsets of a short run.
protocol ShortRunWriter {
    /// Writes the `Vector.scalarCount` values from `offset` on.
    func write<Vector: SIMD>(_ type: Vector.Type, at offset: Int) where Vector.Scalar == Float
    /// Writes the one value at `offset`.
    func writeScalar(at offset: Int)
}

extension ShortRunWriter {
    /// Writes offsets 0..<count exactly once or twice (overlapping writes store the same
    /// values) and nothing outside: eight lanes at a time, the last vector overlapping the
    /// one before; shorter runs as two overlapping vectors of four or two, or one value.
    @inline(__always)
    func cover(_ count: Int) {
        if count >= 8 {
            var i = 0
            while i + 8 <= count {
                write(SIMD8<Float>.self, at: i)
                i += 8
            }
            if i < count { write(SIMD8<Float>.self, at: count - 8) }
        } else if count >= 4 {
            write(SIMD4<Float>.self, at: 0)
            write(SIMD4<Float>.self, at: count - 4)
        } else if count >= 2 {
            write(SIMD2<Float>.self, at: 0)
            write(SIMD2<Float>.self, at: count - 2)
        } else if count == 1 {
            writeScalar(at: 0)
        }
    }
}

extension ConvolutionPlan {
    /// The plan of convolving `x` with `weight` (and `bias`), after the checks every
    /// convolution entry point makes: ranks, the bias size, and a kernel that fits the
    /// padded input. `caller` names the function in the messages.
    init(
        checking x: Tensor, weight: Tensor, bias: Tensor?, stride: (Int, Int), padding: (Int, Int), dilation: (Int, Int),
        groups: Int, caller: String
    ) {
        precondition(x.rank == 4, "\(caller): input must be [N, C, H, W], got \(x.shape)")
        precondition(weight.rank == 4, "\(caller): weight must be [outChannels, inChannels/groups, kH, kW], got \(weight.shape)")
        let geometry = Conv2DGeometry(kernel: (weight.shape[2], weight.shape[3]), stride: stride, padding: padding, dilation: dilation)
        self.init(input: x.shape, weight: weight.shape, groups: groups, geometry: geometry)
        if let bias { precondition(bias.shape == [outChannels], "\(caller): bias \(bias.shape) should be [\(outChannels)]") }
        precondition(outHeight > 0 && outWidth > 0,
                     "\(caller): input \(x.shape) is smaller than the kernel \(weight.shape) with padding \(padding), dilation \(dilation)")
    }
}
