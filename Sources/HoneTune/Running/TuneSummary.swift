import Foundation

/// The end of a study run as `hone tune` writes it to the configuration's `summary` file:
/// trial counts by state, the best trial (or the Pareto front), fANOVA importances, and
/// what the objective adds (the best training configuration, the regret, …).
public struct TuneSummary {
    /// The summary as written, JSON-ready.
    public var fields: [String: Any]
    /// Trials by state.
    public var counts: [TrialState: Int]
    /// The best trial of a single-objective study.
    public var best: FrozenTrial?
    /// Parameter importances, most important first (none with fewer than two complete trials).
    public var importances: [(name: String, importance: Double)]

    /// Reads `study` and writes the summary atomically to `config.summaryPath`.
    @discardableResult
    public static func write(config: TuneConfig, study: Study, elapsed: TimeInterval) throws -> TuneSummary {
        let trials = try study.allTrials
        var counts: [TrialState: Int] = [:]
        for state in [TrialState.complete, .pruned, .failed, .running, .waiting] {
            counts[state] = trials.filter { $0.state == state }.count
        }
        var fields: [String: Any] = [
            "study_name": config.studyName, "storage": config.storage.description, "objective": config.objective.name,
            "sampler": config.samplerName, "directions": study.directions.map(\.rawValue),
            "trials": Dictionary(uniqueKeysWithValues: counts.map { ($0.key.rawValue, $0.value) }),
            "elapsed_seconds": elapsed,
        ]
        var best: FrozenTrial?
        if study.directions.count == 1 {
            best = try? study.bestTrial
            if let best, let value = best.value {
                fields["best_trial"] = best.number
                fields["best_value"] = value
                fields["best_params"] = best.typedParams as [String: Any]
            }
        } else {
            fields["best_trials"] = try study.bestTrials.map {
                ["number": $0.number, "values": $0.values ?? [], "params": $0.typedParams as [String: Any]] as [String: Any]
            }
        }
        let importances = study.directions.count == 1 ? parameterImportances(study) : []
        if !importances.isEmpty {
            fields["importances"] = Dictionary(uniqueKeysWithValues: importances.map { ($0.name, $0.importance) })
        }
        for (key, value) in config.objective.summary(best: best) { fields[key] = value }
        try AtomicFile.write(JSONValue(any: fields).serialized() + "\n", to: URL(fileURLWithPath: config.summaryPath))
        return TuneSummary(fields: fields, counts: counts, best: best, importances: importances)
    }

    /// fANOVA importances of the parameters over the study's complete trials (none with fewer
    /// than two complete trials, where a variance means nothing), most important first.
    public static func parameterImportances(_ study: Study) -> [(name: String, importance: Double)] {
        guard study.trials(states: [.complete]).count >= 2 else { return [] }
        return FanovaImportanceEvaluator().evaluate(study: study)
    }
}
