import HoneCore

/// The basic residual block of ResNet: conv3×3 → BN → ReLU → conv3×3 → BN, plus a
/// shortcut, then ReLU. The shortcut is the identity when shape is unchanged, else a
/// 1×1 strided convolution (+ BN) projection. Without BatchNorm the convolutions get
/// biases instead. Keys match PyTorch's usual `BasicBlock` (`conv1`, `bn1`, `shortcut.0`).
///
/// ### References
/// He et al. 2015, "Deep Residual Learning for Image Recognition" (arXiv 1512.03385).
public final class ResidualBlock: Module, UnaryLayer {
    /// The first 3×3 convolution (carries the stride).
    public let conv1: Conv2d
    /// Normalization after `conv1`, when enabled.
    public let bn1: BatchNorm2d?
    /// The second 3×3 convolution.
    public let conv2: Conv2d
    /// Normalization after `conv2`, when enabled.
    public let bn2: BatchNorm2d?
    /// The projection shortcut, or `nil` for the identity.
    public let shortcut: Sequential?
    /// The activation after `bn1` (a layer, so activation monitors count its dead units).
    public let relu1 = ReLU()
    /// The activation after the sum with the shortcut.
    public let relu2 = ReLU()

    /// A block from `inputChannels` to `outputChannels`; `stride` 2 halves height and width.
    public init(inputChannels: Int, outputChannels: Int, stride: Int = 1, batchNorm: Bool = true, seed: UInt64? = nil) {
        var generator = ParameterSeeds.generator(seed)
        conv1 = Conv2d(inputChannels, outputChannels, kernelSize: 3, stride: stride, padding: 1, bias: !batchNorm, seed: generator.next())
        bn1 = batchNorm ? BatchNorm2d(featureCount: outputChannels) : nil
        conv2 = Conv2d(outputChannels, outputChannels, kernelSize: 3, padding: 1, bias: !batchNorm, seed: generator.next())
        bn2 = batchNorm ? BatchNorm2d(featureCount: outputChannels) : nil
        if stride != 1 || inputChannels != outputChannels {
            let projection = Conv2d(inputChannels, outputChannels, kernelSize: 1, stride: stride, bias: !batchNorm, seed: generator.next())
            shortcut = Sequential(batchNorm ? [projection, BatchNorm2d(featureCount: outputChannels)] : [projection])
        } else {
            shortcut = nil
        }
        super.init()
    }

    public func forward(_ x: Tensor) -> Tensor {
        if let bn1, let bn2, bn1.isFoldable, bn2.isFoldable {
            // Evaluation: each convolution with its BatchNorm (and the first ReLU) in one pass.
            let inner = conv1.fusedForward(x, norm: bn1, relu: true)
            return addingWithRelu(conv2.fusedForward(inner, norm: bn2, relu: false), shortcut?(x) ?? x)
        }
        var out = conv1(x)
        out = conv2(bn1?.forwardWithRelu(out, activation: relu1) ?? relu1(out))
        if let bn2 { out = bn2(out) }
        return relu2(out + (shortcut?(x) ?? x))
    }
}
