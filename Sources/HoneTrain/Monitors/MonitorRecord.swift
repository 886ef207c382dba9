import Foundation

/// Values binned into equal-width buckets between their minimum and maximum, with the
/// moments TensorBoard's `HistogramProto` keeps (count, sum, sum of squares).
///
/// Bucket `i` covers `[min + i·w, min + (i+1)·w)` with `w = (max − min) / counts.count`;
/// the last bucket also holds `max`. Non-finite values are not binned: they are counted
/// in ``nonFiniteCount`` and left out of every other field.
public struct Histogram: Codable, Equatable, Sendable {
    /// The smallest finite value (0 when there is none).
    public var min: Double
    /// The largest finite value (0 when there is none).
    public var max: Double
    /// The number of finite values.
    public var count: Int
    /// The sum of the finite values.
    public var sum: Double
    /// The sum of their squares.
    public var sumOfSquares: Double
    /// The number of values in each bucket.
    public var counts: [Int]
    /// The number of NaN and infinite values.
    public var nonFiniteCount: Int

    /// A histogram with the given fields.
    public init(min: Double, max: Double, count: Int, sum: Double, sumOfSquares: Double, counts: [Int], nonFiniteCount: Int = 0) {
        self.min = min
        self.max = max
        self.count = count
        self.sum = sum
        self.sumOfSquares = sumOfSquares
        self.counts = counts
        self.nonFiniteCount = nonFiniteCount
    }

    /// The upper edge of each bucket (the last is ``max``).
    public var upperEdges: [Double] {
        let width = (max - min) / Double(Swift.max(counts.count, 1))
        return counts.indices.map { $0 == counts.count - 1 ? max : min + Double($0 + 1) * width }
    }

    /// The mean of the finite values (0 when there is none).
    public var mean: Double { count > 0 ? sum / Double(count) : 0 }

    /// The population standard deviation of the finite values.
    public var standardDeviation: Double {
        guard count > 0 else { return 0 }
        return Swift.max(sumOfSquares / Double(count) - mean * mean, 0).squareRoot()
    }

    enum CodingKeys: String, CodingKey {
        case min, max, count, sum
        case sumOfSquares = "sum_squares"
        case counts
        case nonFiniteCount = "non_finite"
    }
}

/// Training scalars of a stretch of steps: one `"step"` line of `monitors.jsonl`.
public struct StepRecord: Codable, Equatable, Sendable {
    /// The optimizer steps taken at the end of the stretch (counting from 1).
    public var step: Int
    /// The epoch, counting from 1.
    public var epoch: Int
    /// The mean batch loss over the stretch's steps (without regularization terms).
    public var loss: Double
    /// The learning rate of the last step.
    public var learningRate: Double
    /// The global L2 norm of all gradients at the last step, before clipping.
    public var gradientNorm: Double
    /// The same norm after clipping (equal to ``gradientNorm`` without clipping).
    public var clippedGradientNorm: Double
    /// Training samples per second over the stretch.
    public var samplesPerSecond: Double

    /// A record with the given values.
    public init(step: Int, epoch: Int, loss: Double, learningRate: Double, gradientNorm: Double, clippedGradientNorm: Double,
                samplesPerSecond: Double) {
        self.step = step
        self.epoch = epoch
        self.loss = loss
        self.learningRate = learningRate
        self.gradientNorm = gradientNorm
        self.clippedGradientNorm = clippedGradientNorm
        self.samplesPerSecond = samplesPerSecond
    }

    enum CodingKeys: String, CodingKey {
        case step, epoch, loss
        case learningRate = "lr"
        case gradientNorm = "grad_norm"
        case clippedGradientNorm = "grad_norm_clipped"
        case samplesPerSecond = "samples_per_second"
    }
}

/// One layer's output on a sampled batch (model in evaluation mode).
public struct LayerSample: Codable, Equatable, Sendable {
    /// The layer's path in the model (`"3"`, `"blocks.0.conv1"`).
    public var name: String
    /// The layer's type (`ReLU`, `Linear`, …).
    public var type: String
    /// The distribution of the output values (mean and std derive from it).
    public var histogram: Histogram
    /// The units: channels of `[B, C, H, W]` outputs, features (the last axis) otherwise.
    public var unitCount: Int
    /// ReLU-family layers: units never positive over every batch sampled so far this epoch.
    public var deadCount: Int?
    /// Sigmoid and Tanh layers: the fraction of outputs within 1% of the range's ends.
    public var saturatedFraction: Double?

    /// A sample with the given values.
    public init(name: String, type: String, histogram: Histogram, unitCount: Int, deadCount: Int? = nil, saturatedFraction: Double? = nil) {
        self.name = name
        self.type = type
        self.histogram = histogram
        self.unitCount = unitCount
        self.deadCount = deadCount
        self.saturatedFraction = saturatedFraction
    }

    /// ``deadCount`` over ``unitCount``.
    public var deadFraction: Double? { deadCount.map { unitCount > 0 ? Double($0) / Double(unitCount) : 0 } }

    enum CodingKeys: String, CodingKey {
        case name, type, histogram
        case unitCount = "units"
        case deadCount = "dead"
        case saturatedFraction = "saturated_fraction"
    }
}

/// One parameter's gradient and weights at a sampled step.
public struct ParameterSample: Codable, Equatable, Sendable {
    /// The parameter's name (its checkpoint key).
    public var name: String
    /// The L2 norm of the gradient, before clipping.
    public var gradientNorm: Double
    /// The distribution of the gradient's values, before clipping.
    public var gradientHistogram: Histogram
    /// The L2 norm of the weights before the step.
    public var weightNorm: Double
    /// ‖weights after the step − before‖ / ‖weights before‖ (nil when the weights are all zero).
    public var updateRatio: Double?

    /// A sample with the given values.
    public init(name: String, gradientNorm: Double, gradientHistogram: Histogram, weightNorm: Double, updateRatio: Double?) {
        self.name = name
        self.gradientNorm = gradientNorm
        self.gradientHistogram = gradientHistogram
        self.weightNorm = weightNorm
        self.updateRatio = updateRatio
    }

    enum CodingKeys: String, CodingKey {
        case name
        case gradientNorm = "grad_norm"
        case gradientHistogram = "grad_histogram"
        case weightNorm = "weight_norm"
        case updateRatio = "update_ratio"
    }
}

/// Per-layer and per-parameter statistics at one sampled step: one `"sample"` line of
/// `monitors.jsonl`.
public struct SampleRecord: Codable, Equatable, Sendable {
    /// The optimizer steps taken when sampled (counting from 1).
    public var step: Int
    /// The epoch, counting from 1.
    public var epoch: Int
    /// The distribution of the batch's input values as the model saw them (after scaling).
    public var input: Histogram
    /// Layer outputs, in call order.
    public var layers: [LayerSample]
    /// Parameters, in the model's order.
    public var parameters: [ParameterSample]
    /// Classification: how many samples of the batch have each class label (index = label).
    public var labelCounts: [Int]?

    /// A record with the given values.
    public init(step: Int, epoch: Int, input: Histogram, layers: [LayerSample], parameters: [ParameterSample], labelCounts: [Int]? = nil) {
        self.step = step
        self.epoch = epoch
        self.input = input
        self.layers = layers
        self.parameters = parameters
        self.labelCounts = labelCounts
    }

    enum CodingKeys: String, CodingKey {
        case step, epoch, input, layers, parameters
        case labelCounts = "label_counts"
    }
}

/// Why training stopped early with an error (a non-finite loss or gradient): the last
/// `"failure"` line of `monitors.jsonl`.
public struct FailureRecord: Codable, Equatable, Sendable {
    /// The optimizer steps taken before the failure.
    public var step: Int
    /// The epoch, counting from 1.
    public var epoch: Int
    /// The error's message.
    public var message: String
    /// The offending value, when there is one (NaN or infinite: see ``MonitorLog``).
    public var value: Double?

    /// A record with the given values.
    public init(step: Int, epoch: Int, message: String, value: Double?) {
        self.step = step
        self.epoch = epoch
        self.message = message
        self.value = value
    }
}

/// One line of `monitors.jsonl`: its `"type"` field says which.
public enum MonitorRecord: Equatable, Sendable {
    /// Training scalars (`"type": "step"`).
    case step(StepRecord)
    /// Layer and parameter statistics (`"type": "sample"`).
    case sample(SampleRecord)
    /// The error that ended training (`"type": "failure"`).
    case failure(FailureRecord)

    /// The optimizer steps taken when the record was made.
    public var step: Int {
        switch self {
        case .step(let record): record.step
        case .sample(let record): record.step
        case .failure(let record): record.step
        }
    }
}

extension MonitorRecord: Codable {
    private enum Kind: String, Codable { case step, sample, failure }
    private enum TypeKey: String, CodingKey { case type }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: TypeKey.self)
        switch try container.decode(Kind.self, forKey: .type) {
        case .step: self = .step(try StepRecord(from: decoder))
        case .sample: self = .sample(try SampleRecord(from: decoder))
        case .failure: self = .failure(try FailureRecord(from: decoder))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: TypeKey.self)
        switch self {
        case .step(let record):
            try container.encode(Kind.step, forKey: .type)
            try record.encode(to: encoder)
        case .sample(let record):
            try container.encode(Kind.sample, forKey: .type)
            try record.encode(to: encoder)
        case .failure(let record):
            try container.encode(Kind.failure, forKey: .type)
            try record.encode(to: encoder)
        }
    }
}
