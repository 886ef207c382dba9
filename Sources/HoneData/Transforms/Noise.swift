import Foundation

/// Adds independent Gaussian noise of standard deviation `standardDeviation` to every value.
///
/// ### References
/// Marsaglia & Bray, "A Convenient Method for Generating Normal Variables", SIAM Review, 1964.
public struct GaussianNoise: Transform {
    /// The noise's standard deviation.
    public let standardDeviation: Float

    /// Noise with the given standard deviation.
    ///
    /// - Throws: ``DataError/invalidParameter(name:detail:)`` when it is negative or not finite.
    public init(standardDeviation: Float) throws {
        guard standardDeviation.isFinite, standardDeviation >= 0 else {
            throw DataError.invalidParameter(
                name: "GaussianNoise.standardDeviation", detail: "must be finite and >= 0, got \(standardDeviation)")
        }
        self.standardDeviation = standardDeviation
    }

    /// Adds one standard-normal draw, scaled, to each value.
    ///
    /// Draws come in pairs from Marsaglia's polar method (one logarithm per two values,
    /// no trigonometry): the noise kernel is the most expensive augmentation per pixel.
    public func apply(to sample: SampleBuffer, using generator: inout SeededGenerator) {
        let values = sample.values
        var i = 0
        while i < values.count {
            var u = 0.0, v = 0.0, radiusSquared = 0.0
            repeat {
                u = 2 * generator.nextDouble() - 1
                v = 2 * generator.nextDouble() - 1
                radiusSquared = u * u + v * v
            } while radiusSquared >= 1 || radiusSquared == 0
            let scale = (-2 * log(radiusSquared) / radiusSquared).squareRoot()
            values[i] += standardDeviation * Float(u * scale)
            if i + 1 < values.count { values[i + 1] += standardDeviation * Float(v * scale) }
            i += 2
        }
    }
}

/// Random erasing: with probability `probability`, sets a random rectangle of the
/// image (all channels) to `value`.
///
/// The rectangle's area is a fraction of the image drawn uniformly from `areaScale`
/// and its aspect ratio (height / width) is log-uniform in `aspectRatio`; up to ten
/// draws are tried until the rectangle fits, otherwise the image is left unchanged
/// (torchvision's RandomErasing defaults).
///
/// ### References
/// Zhong, Zheng, Kang, Li & Yang, "Random Erasing Data Augmentation", 2017
/// (https://arxiv.org/abs/1708.04896).
public struct RandomErasing: Transform {
    /// The chance an image gets a rectangle erased.
    public let probability: Float
    /// The range of the erased area as a fraction of the image area.
    public let areaScale: ClosedRange<Float>
    /// The range of the rectangle's height / width.
    public let aspectRatio: ClosedRange<Float>
    /// The value written into the rectangle.
    public let value: Float

    /// Random erasing with the paper's (and torchvision's) defaults.
    ///
    /// - Throws: ``DataError/invalidParameter(name:detail:)`` for an area range outside
    ///   (0, 1] or a non-positive aspect-ratio range.
    public init(probability: Float = 0.5, areaScale: ClosedRange<Float> = 0.02...0.33,
                aspectRatio: ClosedRange<Float> = 0.3...3.3, value: Float = 0) throws {
        guard areaScale.lowerBound > 0, areaScale.upperBound <= 1 else {
            throw DataError.invalidParameter(name: "RandomErasing.areaScale", detail: "must lie in (0, 1], got \(areaScale)")
        }
        guard aspectRatio.lowerBound > 0, aspectRatio.upperBound.isFinite else {
            throw DataError.invalidParameter(name: "RandomErasing.aspectRatio", detail: "must be finite and positive, got \(aspectRatio)")
        }
        self.probability = probability
        self.areaScale = areaScale
        self.aspectRatio = aspectRatio
        self.value = value
    }

    /// Picks a rectangle that fits and fills it in every channel.
    public func apply(to sample: SampleBuffer, using generator: inout SeededGenerator) {
        guard generator.nextFloat() < probability else { return }
        let (height, width) = (sample.height, sample.width)
        let area = Float(height * width)
        let logRatio = log(aspectRatio.lowerBound)...log(aspectRatio.upperBound)
        for _ in 0..<10 {
            let targetArea = area * generator.uniformFloat(in: areaScale)
            let ratio = exp(generator.uniformFloat(in: logRatio))
            let eraseHeight = Int((targetArea * ratio).squareRoot().rounded())
            let eraseWidth = Int((targetArea / ratio).squareRoot().rounded())
            guard eraseHeight >= 1, eraseWidth >= 1, eraseHeight < height, eraseWidth < width else { continue }
            let top = generator.nextInt(below: height - eraseHeight + 1)
            let left = generator.nextInt(below: width - eraseWidth + 1)
            let base = sample.values.baseAddress!
            for channel in 0..<sample.channels {
                for y in top..<(top + eraseHeight) {
                    (base + channel * sample.planeSize + y * width + left).update(repeating: value, count: eraseWidth)
                }
            }
            return
        }
    }
}
