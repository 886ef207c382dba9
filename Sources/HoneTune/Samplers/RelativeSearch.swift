import HoneCore

/// What the model-based samplers (``GPSampler``, ``CmaEsSampler``, ``GeneticSampler``)
/// share before any model: the seeded random stream, the search space every completed
/// trial has (sampled jointly, as in Optuna's relative sampling), the completed trials
/// read once per trial, and uniformly random values for every other parameter.
final class RelativeSearch {
    /// The sampler's random stream; every random choice of the sampler draws from it.
    var rng: SeededGenerator
    private let intersection = IntersectionSearchSpace(includePruned: false)
    private var cachedTrialNumber = -1
    private var cachedComplete: [FrozenTrial] = []

    /// A search seeded with `seed`, or from the system generator when it is `nil`.
    init(seed: UInt64?) {
        rng = SeededGenerator(seed: seed ?? UInt64.random(in: 0...UInt64.max))
    }

    /// The completed trials that have values, read from the study once per trial
    /// (the hooks of one trial all see the same list).
    func completeTrials(study: StudyView, trial: FrozenTrial) -> [FrozenTrial] {
        if trial.number != cachedTrialNumber {
            cachedComplete = study.trials(states: [.complete]).filter { $0.values != nil }
            cachedTrialNumber = trial.number
        }
        return cachedComplete
    }

    /// The parameters every completed trial has, with the same distribution.
    func searchSpace(study: StudyView, trial: FrozenTrial) -> [String: ParameterDistribution] {
        intersection.calculate(completeTrials(study: study, trial: trial))
    }

    /// A uniformly random value (log-uniform where asked) for a parameter sampled on its own.
    func randomValue(_ distribution: ParameterDistribution) -> Double {
        distribution.randomInternal(&rng)
    }

    /// The joint search space laid out for a model, with the completed trials that hold
    /// every parameter of it; `nil` when the space is empty (nothing to sample jointly).
    func layout(
        study: StudyView, trial: FrozenTrial, space: [String: ParameterDistribution]
    ) -> RelativeSearchLayout? {
        if space.isEmpty { return nil }
        let transforms = sortedTransforms(space)
        let trials = completeTrials(study: study, trial: trial).filter { t in
            transforms.allSatisfy { t.params[$0.name] != nil }
        }
        return RelativeSearchLayout(transforms: transforms, trials: trials)
    }
}

/// A joint search space in a stable order and the completed trials that cover it.
struct RelativeSearchLayout {
    /// One transform per parameter, sorted by name so seeded runs repeat.
    let transforms: [ParamTransform]
    /// The completed trials that have a value for every parameter of the space.
    let trials: [FrozenTrial]

    /// The parameter names, in the order of ``transforms``.
    var names: [String] { transforms.map(\.name) }

    /// Whether fewer than `startupTrials` trials cover the space, so a model has too
    /// little to learn from and the sampler should still explore.
    func isStartup(_ startupTrials: Int) -> Bool { trials.count < startupTrials }
}
