/// What a sampler may read of the study it samples for.
public protocol StudyView: AnyObject {
    /// One direction per objective.
    var directions: [StudyDirection] { get }
    /// The study's name (Hyperband hashes it with the trial number to pick a bracket).
    var studyName: String { get }
    /// The study's trials, oldest first, filtered by state when `states` is given.
    func trials(states: Set<TrialState>?) -> [FrozenTrial]
    /// The trials numbered `fromNumber` or higher, oldest first, filtered by state: what a
    /// sampler that keeps its own record of older, finished trials reads on each call, so
    /// that a trial costs O(new trials) instead of O(all trials).
    func trials(states: Set<TrialState>?, fromNumber: Int) -> [FrozenTrial]
}

extension StudyView {
    /// Default for views that have no name (test doubles).
    public var studyName: String { "" }

    /// Default: every trial, filtered (O(all trials); ``Study`` reads only the newer ones).
    public func trials(states: Set<TrialState>?, fromNumber: Int) -> [FrozenTrial] {
        trials(states: states).filter { $0.number >= fromNumber }
    }
}

/// A study view that also lets samplers and pruners keep bookkeeping on a trial,
/// visible to every worker and process sharing the study's storage.
/// ``Study`` conforms; a sampler or pruner should fall back to local state when the view
/// it is given does not.
public protocol StudyWriter: StudyView {
    /// Stores `value` under `key` in the system attributes of the running trial `number`.
    /// A storage failure is reported by the next throwing call on that trial.
    func setTrialSystemAttribute(number: Int, key: String, value: String)
}

/// A sampler with a finite set of configurations (a grid).
///
/// The study enqueues all of them once, atomically, as waiting trials in its storage;
/// workers (threads or processes) then claim waiting trials one at a time, so every
/// configuration runs exactly once, and the study stops when none is left.
public protocol FiniteSampler: Sampler {
    /// Identifies the set, so that a study enqueues it only once however many workers start.
    var configurationSetKey: String { get }
    /// Every configuration in the order to try, as typed parameter values.
    func configurations() -> [[String: ParameterValue]]
}

/// Chooses parameter values for trials.
///
/// Like Optuna's samplers, a sampler may sample *relative* (jointly, for the parameters
/// it knows the study always uses: TPE multivariate, GP, CMA-ES) and *independent*
/// (one parameter at a time, for everything else). Both hooks have defaults, so the
/// simplest sampler implements only ``sampleIndependent(study:trial:name:distribution:)``.
/// The study calls a sampler from one thread at a time.
public protocol Sampler: AnyObject {
    /// The parameters to sample jointly for `trial`; empty for independent samplers.
    func inferRelativeSearchSpace(study: StudyView, trial: FrozenTrial) -> [String: ParameterDistribution]
    /// Joint values (internal representation) for the relative search space.
    func sampleRelative(
        study: StudyView, trial: FrozenTrial, searchSpace: [String: ParameterDistribution]
    ) -> [String: Double]
    /// A value (internal representation) for one parameter not sampled jointly.
    func sampleIndependent(
        study: StudyView, trial: FrozenTrial, name: String, distribution: ParameterDistribution
    ) -> Double
    /// Called when a trial finishes, before its state is stored.
    func afterTrial(study: StudyView, trial: FrozenTrial, state: TrialState, values: [Double]?)
}

extension Sampler {
    public func inferRelativeSearchSpace(study: StudyView, trial: FrozenTrial) -> [String: ParameterDistribution] {
        [:]
    }

    public func sampleRelative(
        study: StudyView, trial: FrozenTrial, searchSpace: [String: ParameterDistribution]
    ) -> [String: Double] {
        [:]
    }

    public func afterTrial(study: StudyView, trial: FrozenTrial, state: TrialState, values: [Double]?) {}
}

/// Decides whether a running trial should stop early.
public protocol Pruner: AnyObject {
    /// Whether `trial`, with the intermediate values it has reported so far, should be pruned.
    func shouldPrune(study: StudyView, trial: FrozenTrial) -> Bool
}
