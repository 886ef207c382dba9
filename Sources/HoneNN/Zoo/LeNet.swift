import HoneCore

/// A LeNet-style convolutional classifier; the default is workload W2:
/// conv 1→32 3×3 pad 1 + ReLU + max-pool 2, conv 32→64 3×3 pad 1 + ReLU + max-pool 2,
/// linear 3136→128 + ReLU, linear 128→10.
///
/// ### References
/// LeCun et al. 1998, "Gradient-Based Learning Applied to Document Recognition".
public final class LeNet: Module, UnaryLayer {
    /// The first convolution.
    public let conv1: Conv2d
    /// The second convolution.
    public let conv2: Conv2d
    /// Flattened features → hidden.
    public let fc1: Linear
    /// Hidden → classes; replace it for a new task (transfer learning).
    public var fc2: Linear
    /// The activation after `conv1`; the activations are layers (without parameters, so
    /// checkpoint keys are unchanged) so that activation monitors count their dead units.
    public let relu1 = ReLU()
    /// The activation after `conv2`.
    public let relu2 = ReLU()
    /// The activation after `fc1`.
    public let relu3 = ReLU()

    /// A network for `inputChannels` × `imageSize` × `imageSize` images (size divisible by 4).
    public init(
        inputChannels: Int = 1, imageSize: Int = 28, channels: (Int, Int) = (32, 64), hiddenDimensions: Int = 128,
        classCount: Int = 10, seed: UInt64? = nil
    ) {
        precondition(imageSize >= 4, "LeNet: image size \(imageSize) must be at least 4")
        var generator = ParameterSeeds.generator(seed)
        conv1 = Conv2d(inputChannels, channels.0, kernelSize: 3, padding: 1, seed: generator.next())
        conv2 = Conv2d(channels.0, channels.1, kernelSize: 3, padding: 1, seed: generator.next())
        let pooled = imageSize / 2 / 2
        fc1 = Linear(channels.1 * pooled * pooled, hiddenDimensions, seed: generator.next())
        fc2 = Linear(hiddenDimensions, classCount, seed: generator.next())
        super.init()
    }

    public func forward(_ x: Tensor) -> Tensor {
        // In evaluation each ReLU runs inside its convolution's pass.
        let fused = conv1.runsFused
        var output = maxPool2d(fused ? conv1.fusedForward(x, norm: nil, relu: true) : relu1(conv1(x)), kernelSize: (2, 2))
        output = maxPool2d(fused ? conv2.fusedForward(output, norm: nil, relu: true) : relu2(conv2(output)), kernelSize: (2, 2))
        return fc2(relu3(fc1(output.flattened(startAxis: 1))))
    }
}
