import Foundation

extension PostgreSQLStorage {
    public func trial(studyID: Int, number: Int) throws -> FrozenTrial {
        guard let trial = try run({ try readTrials(studyID: studyID, from: number, to: number) }).first else {
            throw StorageError.trialNotFound(study: studyID, number: number)
        }
        return trial
    }

    public func trials(studyID: Int, states: Set<TrialState>?, fromNumber: Int) throws -> [FrozenTrial] {
        let all = try run { try readTrials(studyID: studyID, from: fromNumber, to: Int(Int32.max)) }
        guard let states else { return all }
        return all.filter { states.contains($0.state) }
    }

    /// Everything stored about trials `from...to`, in one statement (one consistent snapshot
    /// and one round trip): a row per trial, then a row per value, parameter, intermediate
    /// value and attribute, tagged by `kind`.
    private static let readSQL = """
        WITH t AS (SELECT * FROM hone_trials WHERE study_id = $1 AND number BETWEEN $2 AND $3)
        SELECT 0 AS kind, number, state, NULL::bigint, start_time, fail_reason, complete_time FROM t
        UNION ALL SELECT 1, t.number, NULL, c.objective, c.value, NULL, NULL
            FROM hone_trial_values c JOIN t USING (trial_id)
        UNION ALL SELECT 2, t.number, c.name, NULL, c.value, c.distribution, NULL
            FROM hone_trial_params c JOIN t USING (trial_id)
        UNION ALL SELECT 3, t.number, NULL, c.step, c.value, NULL, NULL
            FROM hone_trial_intermediate_values c JOIN t USING (trial_id)
        UNION ALL SELECT 4, t.number, c.key, NULL, NULL, c.value, NULL
            FROM hone_trial_user_attrs c JOIN t USING (trial_id)
        UNION ALL SELECT 5, t.number, c.key, NULL, NULL, c.value, NULL
            FROM hone_trial_system_attrs c JOIN t USING (trial_id)
        UNION ALL SELECT 6, NULL, directions, NULL, NULL, NULL, NULL FROM hone_studies WHERE study_id = $1
        ORDER BY 1, 2, 4
        """

    private enum Kind: Int {
        case trial, value, param, intermediate, userAttribute, systemAttribute, study
    }

    private typealias Row = (kind: Int, number: Int, key: String?, index: Int?, value: Double?, text: String?, end: Double?)

    private func readTrials(studyID: Int, from: Int, to: Int) throws -> [FrozenTrial] {
        let rows: [Row] = try db.execute(Self.readSQL, [String(studyID), String(from), String(to)]) { r in
            (r.int(0), r.optionalInt(1) ?? -1, r.optionalText(2), r.optionalInt(3), r.optionalDouble(4),
             r.optionalText(5), r.optionalDouble(6))
        }
        var trials: [FrozenTrial] = []
        var index: [Int: Int] = [:]
        var objectiveCount = 0
        for row in rows {
            guard let kind = Kind(rawValue: row.kind) else { continue }
            if kind == .trial {
                guard let state = TrialState(rawValue: row.key ?? "") else {
                    throw StorageError.corrupt(path: location, detail: "trial \(row.number) has unknown state '\(row.key ?? "")'")
                }
                index[row.number] = trials.count
                trials.append(FrozenTrial(
                    number: row.number, state: state, failReason: row.text,
                    startDate: row.value.map(Date.init(timeIntervalSinceReferenceDate:)),
                    completeDate: row.end.map(Date.init(timeIntervalSinceReferenceDate:))))
                continue
            }
            if kind == .study {
                objectiveCount = row.key?.split(separator: ",").count ?? 0
                continue
            }
            guard let i = index[row.number] else { continue }
            switch kind {
            case .value:
                let k = row.index ?? -1
                guard k >= 0 else { continue }
                var values = trials[i].values ?? []
                while values.count <= k { values.append(.nan) }
                values[k] = row.value ?? .nan
                trials[i].values = values
            case .param:
                let name = row.key ?? ""
                let distribution = try decode(row.text ?? "")
                let value = row.value ?? .nan
                guard distribution.contains(value) else {
                    throw StorageError.corrupt(
                        path: location,
                        detail: "trial \(row.number): parameter '\(name)' = \(value) is outside its distribution \(row.text ?? "")")
                }
                trials[i].params[name] = value
                trials[i].distributions[name] = distribution
            case .intermediate:
                trials[i].intermediateValues[row.index ?? 0] = row.value ?? .nan
            case .userAttribute:
                trials[i].userAttributes[row.key ?? ""] = row.text ?? ""
            case .systemAttribute:
                trials[i].systemAttributes[row.key ?? ""] = row.text ?? ""
            case .trial, .study:
                break
            }
        }
        // A value's objective index must name one of the study's directions.
        for trial in trials where (trial.values?.count ?? 0) > objectiveCount {
            throw StorageError.corrupt(
                path: location,
                detail: "trial \(trial.number) has a value for objective \(trial.values!.count - 1), the study has \(objectiveCount)")
        }
        return trials
    }
}
