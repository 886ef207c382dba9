import Foundation

/// Thrown by an objective to stop a trial the pruner judged unpromising:
/// `if try trial.shouldPrune() { throw TrialPruned() }`. The trial ends `pruned`, with its
/// last reported value as its value.
public struct TrialPruned: Error, CustomStringConvertible {
    public var message: String
    public init(_ message: String = "") { self.message = message }
    public var description: String { message.isEmpty ? "trial pruned" : "trial pruned: \(message)" }
}

/// Thrown by a trial's methods once the trial exceeded its per-trial timeout, so a
/// cooperative objective stops early; the trial has already been stored as failed.
public struct TrialTimedOut: Error, CustomStringConvertible {
    public var seconds: TimeInterval
    public var description: String { "exceeded the per-trial timeout of \(formatParameter(seconds)) s" }
}

/// Errors of the tuning API (not of the objective).
public enum TuneError: Error, CustomStringConvertible, Equatable {
    case invalidDistribution(name: String, reason: String)
    /// A name suggested again with a distribution of another kind.
    case incompatibleDistribution(name: String, stored: String, requested: String)
    /// An enqueued (fixed) value that the suggested distribution cannot hold.
    case fixedValueOutOfDistribution(name: String, value: String, distribution: String)
    /// A call on a trial that has already finished.
    case trialFinished(number: Int)
    case noCompleteTrials
    /// A single-objective call (best trial, report, pruning) on a multi-objective study.
    case multiObjective(String)
    case invalidArgument(String)

    public var description: String {
        switch self {
        case .invalidDistribution(let name, let reason):
            return "invalid distribution for '\(name)': \(reason)"
        case .incompatibleDistribution(let name, let stored, let requested):
            return "'\(name)' was suggested as \(stored) and cannot be suggested again as \(requested)"
        case .fixedValueOutOfDistribution(let name, let value, let distribution):
            return "fixed value \(value) of '\(name)' is not in \(distribution)"
        case .trialFinished(let number):
            return "trial \(number) has finished and cannot change"
        case .noCompleteTrials:
            return "the study has no complete trial yet"
        case .multiObjective(let what):
            return "\(what) is not defined for a multi-objective study"
        case .invalidArgument(let message):
            return message
        }
    }
}

/// One evaluation of the objective: the objective asks it for parameter values
/// (define-by-run), reports intermediate values, and asks whether to stop early.
///
/// ```swift
/// try study.optimize(trials: 100) { trial in
///     let x = try trial.suggestFloat("x", in: -5...10)
///     let lr = try trial.suggestFloat("lr", in: 1e-4...1e-1, log: true)
///     let opt = try trial.suggestCategorical("opt", ["sgd", "adam"])
///     if opt == "sgd" { _ = try trial.suggestFloat("momentum", in: 0...0.99) }  // conditional
///     return loss(x, lr, opt)
/// }
/// ```
/// Suggesting a name again returns the value it already has.
public final class Trial {
    /// The trial's number within its study, from 0.
    public let number: Int
    public let study: Study
    public let startDate: Date

    private let lock = NSLock()
    private var paramValues: [String: Double]
    private var distributions: [String: ParameterDistribution]
    private var intermediate: [Int: Double] = [:]
    private var userAttrs: [String: String] = [:]
    private var systemAttrs: [String: String]
    private let fixedParams: [String: ParameterValue]
    private var relativeSearchSpace: [String: ParameterDistribution] = [:]
    private var relativeParams: [String: Double] = [:]
    private var finished = false
    private var timedOut: TimeInterval?
    private var pendingError: Error?

    init(study: Study, frozen: FrozenTrial) {
        self.study = study
        number = frozen.number
        startDate = frozen.startDate ?? Date()
        paramValues = frozen.params
        distributions = frozen.distributions
        intermediate = frozen.intermediateValues
        userAttrs = frozen.userAttributes
        systemAttrs = frozen.systemAttributes
        fixedParams = FixedParams.decode(frozen.systemAttributes[SystemKey.fixedParams])
    }

    // MARK: Suggest

    /// A real value in `range`, log-uniform when `log`, on the grid `low + k·step` when
    /// `step` is given (the upper end is lowered to the last grid point).
    public func suggestFloat(
        _ name: String, in range: ClosedRange<Double>, log: Bool = false, step: Double? = nil
    ) throws -> Double {
        var high = range.upperBound
        let low = range.lowerBound
        guard low.isFinite, high.isFinite else {
            throw TuneError.invalidDistribution(name: name, reason: "bounds must be finite")
        }
        if log && low <= 0 {
            throw TuneError.invalidDistribution(name: name, reason: "a log range needs a positive lower bound")
        }
        if let step {
            guard step > 0, step.isFinite else {
                throw TuneError.invalidDistribution(name: name, reason: "step must be positive")
            }
            if log { throw TuneError.invalidDistribution(name: name, reason: "step and log cannot be combined") }
            let k = ((high - low) / step + 1e-9).rounded(.down)
            high = min(high, low + k * step)
        }
        return try suggest(name, .float(low: low, high: high, log: log, step: step))
    }

    /// An integer in `range`, log-uniform when `log`, on the grid `low + k·step`.
    public func suggestInt(_ name: String, in range: ClosedRange<Int>, log: Bool = false, step: Int = 1) throws -> Int {
        let low = range.lowerBound
        guard step >= 1 else { throw TuneError.invalidDistribution(name: name, reason: "step must be ≥ 1") }
        if log && low < 1 {
            throw TuneError.invalidDistribution(name: name, reason: "a log range needs a lower bound ≥ 1")
        }
        if log && step != 1 { throw TuneError.invalidDistribution(name: name, reason: "step and log cannot be combined") }
        let high = low + (range.upperBound - low) / step * step
        return Int(try suggest(name, .int(low: low, high: high, log: log, step: step)))
    }

    /// One of `choices` (strings, integers, doubles or booleans).
    public func suggestCategorical<T: CategoricalValue>(_ name: String, _ choices: [T]) throws -> T {
        guard !choices.isEmpty else { throw TuneError.invalidDistribution(name: name, reason: "no choices") }
        guard Set(choices).count == choices.count else {
            throw TuneError.invalidDistribution(name: name, reason: "choices repeat")
        }
        let index = try suggest(name, .categorical(choices.map(\.categoricalChoice)))
        return choices[min(max(Int(index), 0), choices.count - 1)]
    }

    /// Suggests a parameter of any distribution; returns its internal representation.
    public func suggest(_ name: String, _ distribution: ParameterDistribution) throws -> Double {
        try checkActive()
        lock.lock()
        let stored = paramValues[name].map { ($0, distributions[name]!) }
        let fixed = fixedParams[name]
        let relative = relativeSearchSpace[name] == distribution ? relativeParams[name] : nil
        lock.unlock()

        if let (value, d) = stored {
            guard d.sameKind(as: distribution) else {
                throw TuneError.incompatibleDistribution(name: name, stored: d.summary, requested: distribution.summary)
            }
            return value
        }
        let value: Double
        if let fixed {
            guard let v = distribution.internalValue(of: fixed) else {
                throw TuneError.fixedValueOutOfDistribution(
                    name: name, value: fixed.description, distribution: distribution.summary)
            }
            value = v
        } else if distribution.isSingle {
            value = distribution.fromUnit(0)
        } else if let relative, distribution.contains(relative) {
            value = relative
        } else {
            value = study.sampleIndependent(trial: self, name: name, distribution: distribution)
        }
        try study.storage.setTrialParam(
            studyID: study.studyID, number: number, name: name, value: value, distribution: distribution)
        lock.lock()
        paramValues[name] = value
        distributions[name] = distribution
        lock.unlock()
        return value
    }

    // MARK: Report and prune

    /// Records an intermediate objective value at `step` (an epoch, an iteration count) for
    /// the pruner. A step reported twice keeps its first value, like Optuna.
    public func report(_ value: Double, step: Int) throws {
        try checkActive()
        guard study.directions.count == 1 else { throw TuneError.multiObjective("report(_:step:)") }
        guard step >= 0 else { throw TuneError.invalidArgument("report step must be ≥ 0, got \(step)") }
        lock.lock()
        let seen = intermediate[step] != nil
        lock.unlock()
        if seen { return }
        try study.storage.setTrialIntermediateValue(studyID: study.studyID, number: number, step: step, value: value)
        lock.lock()
        intermediate[step] = value
        lock.unlock()
    }

    /// Whether the study's pruner says to stop this trial now (then `throw TrialPruned()`).
    public func shouldPrune() throws -> Bool {
        try checkActive()
        guard study.directions.count == 1 else { throw TuneError.multiObjective("shouldPrune()") }
        let prune = study.askPruner(trial: self)
        try takePendingError()
        return prune
    }

    /// Stores a user attribute (shown with the trial, kept in the storage).
    public func setUserAttribute(_ key: String, _ value: String) throws {
        try checkActive()
        try study.storage.setTrialUserAttribute(studyID: study.studyID, number: number, key: key, value: value)
        lock.lock()
        userAttrs[key] = value
        lock.unlock()
    }

    // MARK: Reading

    /// The parameters suggested so far, typed.
    public var params: [String: ParameterValue] { snapshot().typedParams }
    public var userAttributes: [String: String] {
        lock.lock()
        defer { lock.unlock() }
        return userAttrs
    }
    /// The values reported so far, by step.
    public var intermediateValues: [Int: Double] {
        lock.lock()
        defer { lock.unlock() }
        return intermediate
    }

    /// This trial as samplers and pruners see it (state `running`).
    public func snapshot() -> FrozenTrial {
        lock.lock()
        defer { lock.unlock() }
        return FrozenTrial(
            number: number, state: .running, params: paramValues, distributions: distributions,
            intermediateValues: intermediate, userAttributes: userAttrs, startDate: startDate,
            systemAttributes: systemAttrs)
    }

    // MARK: Study side

    func setRelative(space: [String: ParameterDistribution], params: [String: Double]) {
        lock.lock()
        relativeSearchSpace = space
        relativeParams = params
        lock.unlock()
    }

    func setLocalSystemAttribute(_ key: String, _ value: String) {
        lock.lock()
        systemAttrs[key] = value
        lock.unlock()
    }

    func recordError(_ error: Error) {
        lock.lock()
        if pendingError == nil { pendingError = error }
        lock.unlock()
    }

    private func takePendingError() throws {
        lock.lock()
        let e = pendingError
        pendingError = nil
        lock.unlock()
        if let e { throw e }
    }

    /// Ends the trial locally: later calls throw (a timed-out objective still running).
    func markFinished(timedOutAfter seconds: TimeInterval? = nil) {
        lock.lock()
        finished = true
        timedOut = seconds
        lock.unlock()
    }

    private func checkActive() throws {
        lock.lock()
        defer { lock.unlock() }
        if let timedOut { throw TrialTimedOut(seconds: timedOut) }
        if finished { throw TuneError.trialFinished(number: number) }
    }

    var lastIntermediateValue: Double? {
        lock.lock()
        defer { lock.unlock() }
        return intermediate.keys.max().flatMap { intermediate[$0] }
    }
}
