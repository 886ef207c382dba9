import HoneCore

/// A 2-D convolution over `[N, C, H, W]` input, PyTorch's `nn.Conv2d`.
///
/// `weight` is `[outputChannels, inputChannels / groups, kH, kW]` (kaiming-uniform with
/// a = √5, as PyTorch); `bias` is U(−1/√fanIn, 1/√fanIn). The output size per axis is
/// ⌊(size + 2·padding − dilation·(kernel − 1) − 1) / stride⌋ + 1.
///
/// ```swift
/// let conv = Conv2d(1, 32, kernelSize: 3, padding: 1)
/// let y = conv(Tensor.zeros([8, 1, 28, 28]))   // [8, 32, 28, 28]
/// ```
public final class Conv2d: Module, UnaryLayer {
    /// `[outputChannels, inputChannels / groups, kH, kW]`.
    public let weight: Tensor
    /// `[outputChannels]`, or `nil` without bias.
    public let bias: Tensor?
    /// Step between windows (height, width).
    public let stride: (Int, Int)
    /// Zeros added on each side (height, width).
    public let padding: (Int, Int)
    /// Spacing between kernel taps (height, width).
    public let dilation: (Int, Int)
    /// Channel groups: each output channel sees `inputChannels / groups` inputs.
    public let groups: Int
    /// The (BatchNorm-folded) weights in the layout the inference kernel reads, kept
    /// between evaluation calls while they do not change.
    let inferenceWeights = InferenceWeightCache()

    /// A convolution with per-axis sizes.
    ///
    /// - Parameters:
    ///   - weightInitializer: draws the weights (PyTorch's default when `nil`).
    ///   - biasInitializer: draws the bias (PyTorch's U(−1/√fanIn, 1/√fanIn) when `nil`).
    ///   - seed: seeds the initial weights; `nil` draws from ``ParameterSeeds``.
    public init(
        _ inputChannels: Int, _ outputChannels: Int, kernelSize: (Int, Int), stride: (Int, Int) = (1, 1),
        padding: (Int, Int) = (0, 0), dilation: (Int, Int) = (1, 1), groups: Int = 1, bias: Bool = true,
        weightInitializer: Initializer? = nil, biasInitializer: Initializer? = nil, seed: UInt64? = nil
    ) {
        precondition(groups > 0 && inputChannels % groups == 0 && outputChannels % groups == 0,
                     "Conv2d: groups \(groups) must divide input channels \(inputChannels) and output channels \(outputChannels)")
        var generator = ParameterSeeds.generator(seed)
        let shape = [outputChannels, inputChannels / groups, kernelSize.0, kernelSize.1]
        weight = (weightInitializer ?? .layerDefault).makeTensor(shape, generator: &generator).requiringGrad()
        let defaultBias = Initializer.biasDefault(fanIn: Initializer.fans(shape).fanIn)
        self.bias = bias ? (biasInitializer ?? defaultBias).makeTensor([outputChannels], generator: &generator).requiringGrad() : nil
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.groups = groups
        super.init()
    }

    /// A convolution with square kernel, stride, padding and dilation.
    public convenience init(
        _ inputChannels: Int, _ outputChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
        dilation: Int = 1, groups: Int = 1, bias: Bool = true, weightInitializer: Initializer? = nil,
        biasInitializer: Initializer? = nil, seed: UInt64? = nil
    ) {
        self.init(
            inputChannels, outputChannels, kernelSize: (kernelSize, kernelSize), stride: (stride, stride),
            padding: (padding, padding), dilation: (dilation, dilation), groups: groups, bias: bias,
            weightInitializer: weightInitializer, biasInitializer: biasInitializer, seed: seed)
    }

    public override var settingsDescription: String {
        "\(weight.shape[1] * groups), \(weight.shape[0]), kernelSize: (\(weight.shape[2]), \(weight.shape[3])), stride: \(stride), "
            + "padding: \(padding), dilation: \(dilation), groups: \(groups), bias: \(bias != nil)"
    }

    public func forward(_ x: Tensor) -> Tensor {
        // Without a gradient to record, the inference pass: its output may stay in the
        // kernel's blocked layout for the next convolution, its weights converted once.
        if runsFused { return fusedForward(x, norm: nil, relu: false) }
        return conv2d(x, weight: weight, bias: bias, stride: stride, padding: padding, dilation: dilation, groups: groups)
    }
}
