/// One sample's values, writable in place, with a same-sized workspace for kernels
/// that need a copy of the source (rotation, zoom, crop).
///
/// Images are `[C, H, W]`; a rank-2 sample is read as one `[H, W]` channel and a
/// rank-1 sample (a table row) as a `1 × 1 × F` image, so value-wise transforms
/// (noise, scaling) work on any sample.
public struct SampleBuffer {
    /// The sample's values, row-major.
    public let values: UnsafeMutableBufferPointer<Float>
    /// Scratch space of the same size; its contents are undefined on entry.
    public let scratch: UnsafeMutableBufferPointer<Float>
    /// The sample's shape, without the batch axis.
    public let shape: [Int]

    /// Wraps `values` and `scratch`, which must both hold `shape`'s element count.
    public init(values: UnsafeMutableBufferPointer<Float>, scratch: UnsafeMutableBufferPointer<Float>, shape: [Int]) {
        precondition(values.count == shape.reduce(1, *) && scratch.count == values.count,
                     "SampleBuffer: buffers of \(values.count) and \(scratch.count) values for shape \(shape)")
        self.values = values
        self.scratch = scratch
        self.shape = shape
    }

    /// The number of channels (1 for samples of rank below 3).
    public var channels: Int { shape.count >= 3 ? shape[shape.count - 3] : 1 }
    /// The image height (1 for a rank-1 sample).
    public var height: Int { shape.count >= 2 ? shape[shape.count - 2] : 1 }
    /// The image width.
    public var width: Int { shape.last ?? 1 }
    /// The number of values in one channel plane.
    public var planeSize: Int { height * width }

    /// Copies the values into ``scratch`` (before a kernel that reads its source while writing).
    public func copyValuesToScratch() {
        scratch.baseAddress!.update(from: values.baseAddress!, count: values.count)
    }
}

/// A per-sample, seeded change to the input, applied on the fly while batching.
///
/// Random choices come only from `generator`, which the ``DataLoader`` derives from
/// (seed, epoch, sample index): the same seed gives the same augmented batch however
/// many threads prepare it. Implementations are small value types; compose them with
/// ``Compose``.
///
/// ```swift
/// let augment = Compose([RandomCrop(padding: 4), RandomHorizontalFlip(), RandomErasing()])
/// ```
public protocol Transform: Sendable {
    /// Changes `sample.values` in place.
    func apply(to sample: SampleBuffer, using generator: inout SeededGenerator)

    /// Checks that samples of `sampleShape` suit this transform (e.g. statistics loaded
    /// from a file were fitted on as many channels); the ``DataLoader`` calls it once.
    func validate(sampleShape: [Int]) throws
}

extension Transform {
    /// Accepts every shape: most transforms work on any image.
    public func validate(sampleShape: [Int]) throws {}

    /// A transformed copy of `input` (a single sample without batch axis), for inspection and tests.
    public func applied(to input: Tensor, using generator: inout SeededGenerator) -> Tensor {
        let output = input.copy()
        let scratch = TensorStorage(uninitializedCount: input.count)
        apply(to: SampleBuffer(values: output.storage.buffer, scratch: scratch.buffer, shape: input.shape),
              using: &generator)
        return output
    }

    /// A transformed copy of `input` with a generator seeded by `seed`.
    public func applied(to input: Tensor, seed: UInt64) -> Tensor {
        var generator = SeededGenerator(seed: seed)
        return applied(to: input, using: &generator)
    }
}

/// Several transforms applied in order, sharing one generator stream.
public struct Compose: Transform {
    /// The transforms, first applied first.
    public let transforms: [any Transform]

    /// Chains `transforms`.
    public init(_ transforms: [any Transform]) {
        self.transforms = transforms
    }

    /// Validates every transform.
    public func validate(sampleShape: [Int]) throws {
        for transform in transforms { try transform.validate(sampleShape: sampleShape) }
    }

    /// Applies each transform in turn.
    public func apply(to sample: SampleBuffer, using generator: inout SeededGenerator) {
        for transform in transforms { transform.apply(to: sample, using: &generator) }
    }
}

extension SeededGenerator {
    /// The generator for one sample's augmentation, a pure function of
    /// (seed, epoch, sample index), so the result does not depend on which thread or
    /// in which order samples are prepared.
    public static func forSample(seed: UInt64, epoch: Int, index: Int) -> SeededGenerator {
        // SplitMix64-style finalization of each component keeps nearby triples far apart.
        func mix(_ value: UInt64) -> UInt64 {
            var z = value &+ 0x9E37_79B9_7F4A_7C15
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        let combined = mix(mix(mix(seed) ^ UInt64(truncatingIfNeeded: epoch)) ^ UInt64(truncatingIfNeeded: index))
        return SeededGenerator(seed: combined)
    }

    /// A uniform `Float` in `range`.
    mutating func uniformFloat(in range: ClosedRange<Float>) -> Float {
        range.lowerBound + (range.upperBound - range.lowerBound) * nextFloat()
    }
}
