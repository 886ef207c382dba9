import Foundation

/// Whether a study minimizes or maximizes an objective.
public enum StudyDirection: String, Codable, Sendable {
    case minimize, maximize
}

/// The life cycle of a trial.
public enum TrialState: String, Codable, Sendable {
    /// Enqueued with fixed parameters, not yet started.
    case waiting
    case running
    case complete
    case pruned
    /// The objective threw, returned NaN/inf, or ran out of time; the reason is stored.
    case failed

    /// Whether the trial will change no more.
    public var isFinished: Bool { self == .complete || self == .pruned || self == .failed }
}

/// An immutable snapshot of a trial, as storages keep it and samplers read it.
public struct FrozenTrial: Codable, Sendable {
    /// The trial's number within its study, from 0.
    public var number: Int
    public var state: TrialState
    /// One objective value per study direction, once complete.
    public var values: [Double]?
    /// Parameters in internal representation (see ``ParameterDistribution``).
    public var params: [String: Double]
    public var distributions: [String: ParameterDistribution]
    /// Values reported with `Trial.report(_:step:)`, by step.
    public var intermediateValues: [Int: Double]
    public var userAttributes: [String: String]
    /// Why a failed trial failed.
    public var failReason: String?
    public var startDate: Date?
    public var completeDate: Date?
    /// Bookkeeping that samplers and pruners keep on a trial (rung values of successive
    /// halving, fixed parameters of an enqueued trial, …); not shown to users as results.
    public var systemAttributes: [String: String]

    public init(
        number: Int, state: TrialState, values: [Double]? = nil, params: [String: Double] = [:],
        distributions: [String: ParameterDistribution] = [:], intermediateValues: [Int: Double] = [:],
        userAttributes: [String: String] = [:], failReason: String? = nil,
        startDate: Date? = nil, completeDate: Date? = nil, systemAttributes: [String: String] = [:]
    ) {
        self.number = number
        self.state = state
        self.values = values
        self.params = params
        self.distributions = distributions
        self.intermediateValues = intermediateValues
        self.userAttributes = userAttributes
        self.failReason = failReason
        self.startDate = startDate
        self.completeDate = completeDate
        self.systemAttributes = systemAttributes
    }

    /// The single objective value of a complete single-objective trial.
    public var value: Double? { values?.first }

    /// The largest step reported with `Trial.report(_:step:)`, if any.
    public var lastStep: Int? { intermediateValues.keys.max() }

    /// The parameters decoded to typed values (floats, integers, the chosen categorical values).
    public var typedParams: [String: ParameterValue] {
        var out: [String: ParameterValue] = [:]
        for (name, v) in params {
            if let d = distributions[name] { out[name] = d.value(fromInternal: v) }
        }
        return out
    }

    private enum CodingKeys: String, CodingKey {
        case number, state, values, params, distributions, intermediateValues, userAttributes
        case failReason, startDate, completeDate, systemAttributes
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        number = try c.decode(Int.self, forKey: .number)
        state = try c.decode(TrialState.self, forKey: .state)
        values = try c.decodeIfPresent([Double].self, forKey: .values)
        params = try c.decodeIfPresent([String: Double].self, forKey: .params) ?? [:]
        distributions = try c.decodeIfPresent([String: ParameterDistribution].self, forKey: .distributions) ?? [:]
        intermediateValues = try c.decodeIfPresent([Int: Double].self, forKey: .intermediateValues) ?? [:]
        userAttributes = try c.decodeIfPresent([String: String].self, forKey: .userAttributes) ?? [:]
        failReason = try c.decodeIfPresent(String.self, forKey: .failReason)
        startDate = try c.decodeIfPresent(Date.self, forKey: .startDate)
        completeDate = try c.decodeIfPresent(Date.self, forKey: .completeDate)
        systemAttributes = try c.decodeIfPresent([String: String].self, forKey: .systemAttributes) ?? [:]
    }
}
