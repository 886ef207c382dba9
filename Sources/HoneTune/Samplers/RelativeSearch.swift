import HoneCore

/// What the model-based samplers (``GPSampler``, ``CmaEsSampler``, ``GeneticSampler``)
/// share before any model: the seeded random stream, the search space every completed
/// trial has (sampled jointly, as in Optuna's relative sampling), the completed trials
/// (each finished trial read once), and uniformly random values for every other parameter.
final class RelativeSearch {
    /// The sampler's random stream; every random choice of the sampler draws from it.
    var rng: SeededGenerator
    private let intersection = IntersectionSearchSpace(includePruned: false)
    private var cachedTrialNumber = -1
    /// Every trial numbered below this one has finished; each trial reads only the trials
    /// from here on, so the cost of a trial does not grow with the study.
    private var readUpTo = 0
    /// The complete trials with values below `readUpTo`, oldest first: finished trials
    /// never change, so they are read once.
    private var settled: [FrozenTrial] = []
    /// The complete trials with values from `readUpTo` on (finished while an older trial
    /// still runs), read again on every trial.
    private var unsettled: [FrozenTrial] = []
    /// The settled trials that cover the last joint space asked for, and how many settled
    /// trials have been checked for it.
    private var covering: (names: [String], trials: [FrozenTrial], checked: Int)?

    /// A search seeded with `seed`, or from the system generator when it is `nil`.
    init(seed: UInt64?) {
        rng = SeededGenerator(seed: seed ?? UInt64.random(in: 0...UInt64.max))
    }

    /// Reads the trials new since the last trial (once per trial: the hooks of one trial
    /// all see the same study).
    private func refresh(study: StudyView, trial: FrozenTrial) {
        guard trial.number != cachedTrialNumber else { return }
        cachedTrialNumber = trial.number
        let fresh = study.trials(states: nil, fromNumber: readUpTo)
        var finishedPrefix = 0
        for t in fresh {
            guard t.number == readUpTo + finishedPrefix, t.state.isFinished else { break }
            finishedPrefix += 1
        }
        func usable(_ t: FrozenTrial) -> Bool { t.state == .complete && t.values != nil }
        let newlySettled = fresh.prefix(finishedPrefix).filter(usable)
        settled += newlySettled
        readUpTo += finishedPrefix
        unsettled = fresh.dropFirst(finishedPrefix).filter(usable)
        intersection.update(newlySettled)
        intersection.update(unsettled)
    }

    /// The parameters every completed trial has, with the same distribution.
    func searchSpace(study: StudyView, trial: FrozenTrial) -> [String: ParameterDistribution] {
        refresh(study: study, trial: trial)
        return intersection.current
    }

    /// A uniformly random value (log-uniform where asked) for a parameter sampled on its own.
    func randomValue(_ distribution: ParameterDistribution) -> Double {
        distribution.randomInternal(&rng)
    }

    /// The joint search space laid out for a model, with the completed trials that hold
    /// every parameter of it, oldest first; `nil` when the space is empty (nothing to
    /// sample jointly).
    func layout(
        study: StudyView, trial: FrozenTrial, space: [String: ParameterDistribution]
    ) -> RelativeSearchLayout? {
        if space.isEmpty { return nil }
        refresh(study: study, trial: trial)
        let transforms = sortedTransforms(space)
        let names = transforms.map(\.name)
        func covers(_ t: FrozenTrial) -> Bool { names.allSatisfy { t.params[$0] != nil } }
        if covering?.names != names { covering = (names, [], 0) }
        covering!.trials += settled[covering!.checked...].filter(covers)
        covering!.checked = settled.count
        let tail = unsettled.filter(covers)
        return RelativeSearchLayout(transforms: transforms, trials: tail.isEmpty ? covering!.trials : covering!.trials + tail)
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
