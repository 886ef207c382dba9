import HoneCore

/// Bootstrap aggregating of any member (Breiman 1996): copies fitted on bootstrap samples
/// of the rows, their outputs averaged or their predicted classes voted.
public enum Bagging {
    /// How the copies' outputs are combined.
    public enum Combination: Sendable {
        /// The mean of the outputs (probabilities or values).
        case average
        /// The share of copies predicting each class (classification).
        case vote
    }

    /// Fits `copies` copies of `member`, each on its own seeded bootstrap sample; returns the combined predictor.
    public static func fit(
        _ x: FeatureMatrix, labels: [Double], member: EnsembleMember, copies: Int = 10, combination: Combination = .average,
        seed: UInt64 = 0
    ) throws -> RowPredictor {
        guard copies >= 1 else { throw TreesError.invalidConfiguration(field: "copies", expected: "at least 1, got \(copies)") }
        guard labels.count == x.rowCount, x.rowCount > 0 else { throw TreesError.shapeMismatch("\(labels.count) labels for \(x.rowCount) rows") }
        var rng = SeededGenerator(seed: seed)
        var fitted: [RowPredictor] = []
        for _ in 0..<copies {
            let rows = (0..<x.rowCount).map { _ in rng.nextInt(below: x.rowCount) }
            fitted.append(try member.fit(x.rows(rows), rows.map { labels[$0] }))
        }
        let predictors = fitted
        return { batch in
            var total: [[Double]] = []
            for predictor in predictors {
                var outputs = try predictor(batch)
                if combination == .vote {
                    outputs = outputs.map { p in
                        let winner = p.indices.max { p[$0] < p[$1] } ?? 0
                        return p.indices.map { $0 == winner ? 1 : 0 }
                    }
                }
                total = total.isEmpty ? outputs : zip(total, outputs).map { zip($0, $1).map { $0 + $1 } }
            }
            return total.map { $0.map { $0 / Double(predictors.count) } }
        }
    }
}
