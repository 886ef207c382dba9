/// Mirrors an image left-right with probability `probability` (torchvision's RandomHorizontalFlip).
public struct RandomHorizontalFlip: Transform {
    /// The chance a sample is flipped.
    public let probability: Float

    /// A flip applied to `probability` of the samples (default one half).
    public init(probability: Float = 0.5) {
        self.probability = probability
    }

    /// Flips each row of each channel in place.
    public func apply(to sample: SampleBuffer, using generator: inout SeededGenerator) {
        guard generator.nextFloat() < probability else { return }
        let width = sample.width
        let rows = sample.channels * sample.height
        let base = sample.values.baseAddress!
        for row in 0..<rows {
            let start = base + row * width
            var left = 0, right = width - 1
            while left < right {
                swap(&start[left], &start[right])
                left += 1
                right -= 1
            }
        }
    }
}

/// Mirrors an image top-bottom with probability `probability` (torchvision's RandomVerticalFlip).
public struct RandomVerticalFlip: Transform {
    /// The chance a sample is flipped.
    public let probability: Float

    /// A flip applied to `probability` of the samples (default one half).
    public init(probability: Float = 0.5) {
        self.probability = probability
    }

    /// Swaps whole rows of each channel in place.
    public func apply(to sample: SampleBuffer, using generator: inout SeededGenerator) {
        guard generator.nextFloat() < probability else { return }
        let (width, height) = (sample.width, sample.height)
        let base = sample.values.baseAddress!
        for channel in 0..<sample.channels {
            let plane = base + channel * sample.planeSize
            var top = 0, bottom = height - 1
            while top < bottom {
                for x in 0..<width { swap(&plane[top * width + x], &plane[bottom * width + x]) }
                top += 1
                bottom -= 1
            }
        }
    }
}
