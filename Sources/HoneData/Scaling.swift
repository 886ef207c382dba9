/// How a sample's values group into the units that get their own statistics: one
/// group per feature for a rank-1 sample (a table row), one per channel for an image
/// (`[C, H, W]`; a rank-2 `[H, W]` sample is one channel).
struct ScalingLayout {
    let groupCount: Int
    let groupSize: Int

    init(sampleShape: [Int]) {
        if sampleShape.count <= 1 {
            groupCount = sampleShape.first ?? 1
            groupSize = 1
        } else {
            let size = sampleShape.suffix(2).reduce(1, *)
            groupSize = size
            groupCount = sampleShape.reduce(1, *) / max(size, 1)
        }
    }

    /// Calls `body(group, values)` for each group of a sample buffer.
    @inline(__always)
    func forEachGroup(_ values: UnsafeMutableBufferPointer<Float>, _ body: (Int, UnsafeMutableBufferPointer<Float>) -> Void) {
        for group in 0..<groupCount {
            body(group, UnsafeMutableBufferPointer(rebasing: values[(group * groupSize)..<((group + 1) * groupSize)]))
        }
    }
}

/// Per-group sums and extremes over a whole dataset, accumulated in Double.
///
/// Sums are of values minus a per-group shift (the first sample's first value), which
/// keeps E[x²] − E[x]² accurate for features with a large offset and a small spread.
private struct GroupStatistics {
    var sum: [Double], sumOfSquares: [Double], minimum: [Float], maximum: [Float], shift: [Double]
    var countPerGroup = 0

    /// The mean of each group.
    var means: [Double] { zip(sum, shift).map { $0 / Double(countPerGroup) + $1 } }

    /// The population variance of each group.
    var variances: [Double] {
        let n = Double(countPerGroup)
        return zip(sum, sumOfSquares).map { total, squares in Swift.max(0, squares / n - (total / n) * (total / n)) }
    }

    init<D: Dataset>(_ dataset: D) throws {
        guard dataset.count > 0 else {
            throw DataError.invalidParameter(name: "scaling fit", detail: "cannot fit statistics on an empty dataset")
        }
        let layout = ScalingLayout(sampleShape: dataset.sampleShape)
        sum = Array(repeating: 0, count: layout.groupCount)
        sumOfSquares = sum
        minimum = Array(repeating: .infinity, count: layout.groupCount)
        maximum = Array(repeating: -.infinity, count: layout.groupCount)
        let buffer = TensorStorage(uninitializedCount: dataset.sampleElementCount)
        dataset.copyInput(at: 0, into: buffer.buffer)
        shift = (0..<layout.groupCount).map { Double(buffer.pointer[$0 * layout.groupSize]) }
        for index in 0..<dataset.count {
            dataset.copyInput(at: index, into: buffer.buffer)
            layout.forEachGroup(buffer.buffer) { group, values in
                var total = 0.0, squares = 0.0
                var low = minimum[group], high = maximum[group]
                let offset = shift[group]
                for value in values {
                    let v = Double(value) - offset
                    total += v
                    squares += v * v
                    low = Swift.min(low, value)
                    high = Swift.max(high, value)
                }
                sum[group] += total
                sumOfSquares[group] += squares
                minimum[group] = low
                maximum[group] = high
            }
        }
        countPerGroup = dataset.count * layout.groupSize
    }
}

/// Standardization to zero mean and unit variance, per channel for images and per
/// feature for tables, with statistics fitted on the training split only and then
/// applied unchanged to validation and test data.
///
/// The statistics are `Codable`, to be saved beside the model. A constant group
/// (standard deviation 0) maps to 0 rather than dividing by zero.
///
/// ```swift
/// let scaler = try Standardizer.fit(trainSplit)
/// let loader = DataLoader(dataset: test, batchSize: 256, transform: scaler)
/// ```
public struct Standardizer: Transform, Codable, Equatable {
    /// The mean of each group.
    public let mean: [Float]
    /// The (population) standard deviation of each group.
    public let standardDeviation: [Float]

    /// A standardizer with known statistics (e.g. Fashion-MNIST's 0.2860 and 0.3530).
    public init(mean: [Float], standardDeviation: [Float]) {
        precondition(mean.count == standardDeviation.count,
                     "Standardizer: \(mean.count) means and \(standardDeviation.count) deviations")
        self.mean = mean
        self.standardDeviation = standardDeviation
    }

    /// Fits the mean and standard deviation of each group on `dataset` (the training split).
    ///
    /// - Throws: ``DataError/invalidParameter(name:detail:)`` when the dataset is empty.
    public static func fit<D: Dataset>(_ dataset: D) throws -> Standardizer {
        let statistics = try GroupStatistics(dataset)
        return Standardizer(
            mean: statistics.means.map { Float($0) },
            standardDeviation: statistics.variances.map { Float($0.squareRoot()) })
    }

    /// Throws unless samples of `sampleShape` have as many groups as were fitted.
    public func validate(sampleShape: [Int]) throws {
        try checkGroupCount(mean.count, sampleShape: sampleShape, name: "Standardizer")
    }

    /// Standardizes one sample in place; the generator is not used.
    public func apply(to sample: SampleBuffer, using generator: inout SeededGenerator) {
        let layout = ScalingLayout(sampleShape: sample.shape)
        precondition(layout.groupCount == mean.count,
                     "Standardizer: fitted on \(mean.count) groups, sample of shape \(sample.shape) has \(layout.groupCount)")
        layout.forEachGroup(sample.values) { group, values in
            let shift = mean[group]
            let scale = standardDeviation[group] > 0 ? 1 / standardDeviation[group] : 1
            for i in values.indices { values[i] = (values[i] - shift) * scale }
        }
    }

    /// Standardizes a batch `[N, ...sampleShape]`, returning a new tensor.
    public func callAsFunction(_ batch: Tensor) -> Tensor {
        applyToBatch(self, batch)
    }
}

/// Min-max normalization of each group to [0, 1], fitted on the training split only;
/// values outside the training range map outside [0, 1]. A constant group maps to 0.
///
/// ```swift
/// let normalizer = try MinMaxNormalizer.fit(trainSplit)
/// let scaled = normalizer(testInputs)
/// ```
public struct MinMaxNormalizer: Transform, Codable, Equatable {
    /// The training minimum of each group.
    public let minimum: [Float]
    /// The training maximum of each group.
    public let maximum: [Float]

    /// A normalizer with known ranges.
    public init(minimum: [Float], maximum: [Float]) {
        precondition(minimum.count == maximum.count, "MinMaxNormalizer: \(minimum.count) minima and \(maximum.count) maxima")
        self.minimum = minimum
        self.maximum = maximum
    }

    /// Fits each group's range on `dataset` (the training split).
    ///
    /// - Throws: ``DataError/invalidParameter(name:detail:)`` when the dataset is empty.
    public static func fit<D: Dataset>(_ dataset: D) throws -> MinMaxNormalizer {
        let statistics = try GroupStatistics(dataset)
        return MinMaxNormalizer(minimum: statistics.minimum, maximum: statistics.maximum)
    }

    /// Throws unless samples of `sampleShape` have as many groups as were fitted.
    public func validate(sampleShape: [Int]) throws {
        try checkGroupCount(minimum.count, sampleShape: sampleShape, name: "MinMaxNormalizer")
    }

    /// Normalizes one sample in place; the generator is not used.
    public func apply(to sample: SampleBuffer, using generator: inout SeededGenerator) {
        let layout = ScalingLayout(sampleShape: sample.shape)
        precondition(layout.groupCount == minimum.count,
                     "MinMaxNormalizer: fitted on \(minimum.count) groups, sample of shape \(sample.shape) has \(layout.groupCount)")
        layout.forEachGroup(sample.values) { group, values in
            let low = minimum[group]
            let range = maximum[group] - low
            let scale = range > 0 ? 1 / range : 0
            for i in values.indices { values[i] = (values[i] - low) * scale }
        }
    }

    /// Normalizes a batch `[N, ...sampleShape]`, returning a new tensor.
    public func callAsFunction(_ batch: Tensor) -> Tensor {
        applyToBatch(self, batch)
    }
}

/// Throws when statistics of `fitted` groups cannot apply to samples of `sampleShape`.
private func checkGroupCount(_ fitted: Int, sampleShape: [Int], name: String) throws {
    let groups = ScalingLayout(sampleShape: sampleShape).groupCount
    guard groups == fitted else {
        throw DataError.invalidParameter(
            name: name, detail: "fitted on \(fitted) channels or features, samples of shape \(sampleShape) have \(groups)")
    }
}

/// Applies a value-wise transform to every sample of `batch` (a copy).
private func applyToBatch(_ transform: some Transform, _ batch: Tensor) -> Tensor {
    precondition(batch.rank >= 2, "scaling: a batch needs a leading sample axis, got shape \(batch.shape)")
    let output = batch.copy()
    let sampleShape = Array(batch.shape.dropFirst())
    let width = sampleShape.reduce(1, *)
    let scratch = TensorStorage(uninitializedCount: width)
    var unused = SeededGenerator(seed: 0)
    for index in 0..<batch.shape[0] {
        let values = UnsafeMutableBufferPointer(start: output.storage.pointer + index * width, count: width)
        transform.apply(to: SampleBuffer(values: values, scratch: scratch.buffer, shape: sampleShape), using: &unused)
    }
    return output
}
