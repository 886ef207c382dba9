import Foundation

/// Summary statistics of one tensor's values.
public struct ValueStatistics: Codable, Equatable, Sendable {
    /// The mean.
    public var mean: Double
    /// The population standard deviation.
    public var standardDeviation: Double
    /// The L2 norm (gradients), when measured.
    public var l2Norm: Double?
    /// The fraction of values with magnitude below the near-zero threshold (gradients).
    public var fractionNearZero: Double?
    /// The fraction of units (channels or features) never positive over the probe batch:
    /// a ReLU after them outputs zero for every sample (activations).
    public var deadFraction: Double?
    /// The type of the layer (activations).
    public var layerType: String?

    enum CodingKeys: String, CodingKey {
        case mean
        case standardDeviation = "std"
        case l2Norm = "l2_norm"
        case fractionNearZero = "fraction_near_zero"
        case deadFraction = "dead_fraction"
        case layerType = "type"
    }
}

/// One epoch's gradient and activation statistics: one line of a run's `monitors.jsonl`,
/// what `hone doctor` reads to spot vanishing or exploding gradients and dead ReLUs.
public struct MonitorRecord: Codable, Equatable, Sendable {
    /// The epoch, counting from 1.
    public var epoch: Int
    /// The number of batches whose gradients were measured.
    public var gradientSamples: Int
    /// Per-parameter gradient statistics averaged over the sampled batches, by parameter name.
    public var gradients: [String: ValueStatistics]
    /// Per-layer output statistics on a probe batch, by layer path.
    public var activations: [String: ValueStatistics]

    enum CodingKeys: String, CodingKey {
        case epoch
        case gradientSamples = "gradient_samples"
        case gradients
        case activations
    }
}
