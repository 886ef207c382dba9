/// Standardization of regression targets: each target value becomes
/// `(value − mean) / standardDeviation`, with the statistics fitted on the training split.
///
/// A network fits standardized targets more easily (the output layer's initial scale
/// matches them); ``unscale(_:)`` turns predictions back into the original units, in
/// which metrics are reported. `Codable`, so a run saves it for prediction.
///
/// ```swift
/// let scaling = try TargetScaling.fit(trainSplit)
/// let scaledTrain = scaling.scaled(trainSplit)
/// let prediction = scaling.unscale(model(x).item)
/// ```
public struct TargetScaling: Codable, Equatable, Sendable {
    /// The mean of the training targets.
    public let mean: Float
    /// The population standard deviation of the training targets (1 when they are constant).
    public let standardDeviation: Float

    /// A scaling with known statistics; a zero deviation is replaced by 1.
    public init(mean: Float, standardDeviation: Float) {
        self.mean = mean
        self.standardDeviation = standardDeviation > 0 ? standardDeviation : 1
    }

    /// Fits the mean and standard deviation of every target value of `dataset`.
    ///
    /// - Throws: ``DataError/invalidParameter(name:detail:)`` when the dataset is empty
    ///   or holds class labels instead of numeric targets.
    public static func fit<D: Dataset>(_ dataset: D) throws -> TargetScaling {
        var sum = 0.0, sumOfSquares = 0.0, count = 0
        for index in 0..<dataset.count {
            guard case .values(let values) = dataset.label(at: index) else {
                throw DataError.invalidParameter(name: "data.target_scaling", detail: "needs numeric (regression) targets")
            }
            for value in values {
                sum += Double(value)
                sumOfSquares += Double(value) * Double(value)
                count += 1
            }
        }
        guard count > 0 else { throw DataError.invalidParameter(name: "data.target_scaling", detail: "no target values to fit") }
        let mean = sum / Double(count)
        let variance = max(0, sumOfSquares / Double(count) - mean * mean)
        return TargetScaling(mean: Float(mean), standardDeviation: Float(variance.squareRoot()))
    }

    /// `value` in standardized units.
    public func scale(_ value: Float) -> Float { (value - mean) / standardDeviation }

    /// A standardized `value` back in the original units.
    public func unscale(_ value: Float) -> Float { value * standardDeviation + mean }

    /// `dataset` with every regression target standardized (inputs untouched).
    public func scaled<D: Dataset>(_ dataset: D) -> AnyDataset {
        AnyDataset(TargetScaledDataset(base: dataset, scaling: self))
    }
}

/// A dataset whose regression targets are standardized on read.
private struct TargetScaledDataset<Base: Dataset>: Dataset {
    let base: Base
    let scaling: TargetScaling

    var count: Int { base.count }
    var sampleShape: [Int] { base.sampleShape }

    func label(at index: Int) -> Label {
        guard case .values(let values) = base.label(at: index) else { return base.label(at: index) }
        return .values(values.map(scaling.scale))
    }

    func copyInput(at index: Int, into destination: UnsafeMutableBufferPointer<Float>) {
        base.copyInput(at: index, into: destination)
    }
}
