import HoneCore

/// A small residual network for images; the default is workload W3 (ResNet-mini on
/// 3×32×32): stem conv 3×3 16 channels + BN + ReLU, stages of 16/32/64 channels with
/// `blocksPerStage` basic blocks each (stride 2 and a 1×1 projection shortcut where a
/// stage starts with new width), global average pooling, linear → classes.
///
/// ### References
/// He et al. 2015, "Deep Residual Learning for Image Recognition" (arXiv 1512.03385).
public final class ResNet: Module, UnaryLayer {
    /// Conv (+ BN) + ReLU.
    public let stem: Sequential
    /// One sequence of residual blocks per stage (`stages.1.0.conv1.weight`).
    public let stages: [Sequential]
    /// Pooled features → classes.
    public let fc: Linear

    /// A network with `stageChannels.count` stages.
    ///
    /// - Parameters:
    ///   - batchNorm: with BatchNorm after each convolution (else convolutions have biases).
    public init(
        inputChannels: Int = 3, stageChannels: [Int] = [16, 32, 64], blocksPerStage: Int = 1, classCount: Int = 10,
        batchNorm: Bool = true, seed: UInt64? = nil
    ) {
        precondition(!stageChannels.isEmpty && blocksPerStage > 0, "ResNet: needs at least one stage and one block per stage")
        var generator = ParameterSeeds.generator(seed)
        let stemConvolution = Conv2d(inputChannels, stageChannels[0], kernelSize: 3, padding: 1, bias: !batchNorm, seed: generator.next())
        stem = Sequential(batchNorm ? [stemConvolution, BatchNorm2d(featureCount: stageChannels[0]), ReLU()] : [stemConvolution, ReLU()])
        var stages: [Sequential] = []
        var channels = stageChannels[0]
        for (index, width) in stageChannels.enumerated() {
            let blocks = (0..<blocksPerStage).map { block -> any UnaryLayer in
                let stride = index > 0 && block == 0 ? 2 : 1
                let residual = ResidualBlock(inputChannels: channels, outputChannels: width, stride: stride, batchNorm: batchNorm, seed: generator.next())
                channels = width
                return residual
            }
            stages.append(Sequential(blocks))
        }
        self.stages = stages
        fc = Linear(channels, classCount, seed: generator.next())
        super.init()
    }

    public func forward(_ x: Tensor) -> Tensor {
        var output = stem(x)
        for stage in stages { output = stage(output) }
        return fc(globalAveragePool(output))
    }
}
