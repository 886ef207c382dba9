import HoneCore

/// The area under the ROC curve: the probability that a random positive scores above a
/// random negative, ties counting one half (the Mann–Whitney U statistic over n₊·n₋).
///
/// ### References
/// Hanley & McNeil 1982, "The Meaning and Use of the Area under a ROC Curve" (Radiology 143).
public enum ROCAUC {
    /// The binary AUC of `scores` against `positives`; nil when either class is absent.
    public static func binary(scores: [Double], positives: [Bool]) -> Double? {
        precondition(scores.count == positives.count, "ROCAUC.binary: \(scores.count) scores for \(positives.count) labels")
        let positiveCount = positives.filter { $0 }.count, negativeCount = positives.count - positiveCount
        guard positiveCount > 0, negativeCount > 0 else { return nil }
        // Average ranks over tied scores, then U = (sum of positive ranks) − n₊(n₊+1)/2.
        let order = scores.indices.sorted { scores[$0] < scores[$1] }
        var rankSum = 0.0
        var start = 0
        while start < order.count {
            var end = start
            while end + 1 < order.count && scores[order[end + 1]] == scores[order[start]] { end += 1 }
            let averageRank = Double(start + end) / 2 + 1
            for position in start...end where positives[order[position]] { rankSum += averageRank }
            start = end + 1
        }
        let u = rankSum - Double(positiveCount) * Double(positiveCount + 1) / 2
        return u / (Double(positiveCount) * Double(negativeCount))
    }

    /// The one-vs-rest macro AUC of class scores `[N, C]` (probabilities or logits):
    /// the mean over classes present with both positives and negatives; nil when none is.
    public static func oneVsRestMacro(scores: Tensor, labels: [Int]) -> Double? {
        precondition(scores.rank == 2 && scores.shape[0] == labels.count, "ROCAUC.oneVsRestMacro: scores \(scores.shape) for \(labels.count) labels")
        let classes = scores.shape[1]
        let values = scores.scalars
        var areas: [Double] = []
        for classIndex in 0..<classes {
            let column = (0..<labels.count).map { Double(values[$0 * classes + classIndex]) }
            if let area = binary(scores: column, positives: labels.map { $0 == classIndex }) { areas.append(area) }
        }
        return areas.isEmpty ? nil : areas.reduce(0, +) / Double(areas.count)
    }
}
