import Foundation

// TPE's choice among the candidates drawn from l(x): the one maximizing log l − log g,
// without the exps of g(x) for candidates that cannot win.
extension TPESampler {
    /// Index of the candidate with the largest `belowLogDensity[c] − log g(c)`, where
    /// log g(c) is the log-sum-exp of row c of `aboveLogTerms` (`kernelCount` terms a row);
    /// the first such index on ties, and 0 when no score beats −∞, like a plain scan.
    ///
    /// log g(c) is at least row c's largest term (the sum is at least that term's 1), so
    /// `belowLogDensity[c] −` that term bounds c's score from above, also after rounding
    /// (both steps are monotone). Candidates are scored in order of falling bound, and
    /// the rest are dropped once a bound falls below the best score: their log-sum-exps,
    /// g's 200 exps each, are most of a sample's cost past a few hundred trials. A scored
    /// candidate's sum also stops as soon as its partial sum already puts it below the
    /// best. The result is the plain scan's, so sampling stays bit for bit the same.
    static func bestCandidate(belowLogDensity: [Double], aboveLogTerms: [Double], kernelCount: Int) -> Int {
        let count = belowLogDensity.count
        precondition(aboveLogTerms.count == count * kernelCount, "aboveLogTerms must hold count × kernelCount terms")
        if count == 0 { return 0 }
        return aboveLogTerms.withUnsafeBufferPointer { terms in
            func row(_ c: Int) -> UnsafeBufferPointer<Double> {
                UnsafeBufferPointer(rebasing: terms[(c * kernelCount)..<((c + 1) * kernelCount)])
            }
            var bounds = [Double](repeating: 0, count: count)
            for c in 0..<count {
                var largest = -Double.infinity
                for x in row(c) where x > largest { largest = x }
                let bound = belowLogDensity[c] - largest
                // A NaN bound rules nothing out: such candidates are scored first.
                bounds[c] = bound.isNaN ? .infinity : bound
            }
            let order = (0..<count).sorted { (-bounds[$0], $0) < (-bounds[$1], $1) }
            var best = 0
            var bestScore = -Double.infinity
            for c in order {
                if bounds[c] < bestScore { break }
                // A candidate loses once log g(c) passes belowLogDensity[c] − bestScore; the
                // margin keeps the rounding of that difference from dropping a tie.
                let margin = 1e-9 + 1e-14 * (abs(belowLogDensity[c]) + abs(bestScore))
                let limit = bestScore.isFinite ? belowLogDensity[c] - bestScore + margin : .infinity
                guard let logG = SamplerMath.logSumExp(row(c), unlessAbove: limit) else { continue }
                let score = belowLogDensity[c] - logG
                if score > bestScore || (score == bestScore && c < best) {
                    bestScore = score
                    best = c
                }
            }
            return best
        }
    }
}
