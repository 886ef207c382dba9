import HoneCore

/// Classification quality measures over predicted and true class indices.
///
/// Every function takes plain arrays so the same code scores a validation pass, a test
/// set or a list typed by hand.
///
/// ```swift
/// let matrix = ConfusionMatrix(predictions: [0, 1, 1], labels: [0, 1, 0], classCount: 2)
/// matrix.accuracy       // 2/3
/// matrix.macroF1        // mean of the per-class F1 scores
/// ```
public enum ClassificationMetrics {
    /// The fraction of `predictions` equal to `labels` (0 for empty input).
    public static func accuracy(predictions: [Int], labels: [Int]) -> Double {
        precondition(predictions.count == labels.count, "accuracy: \(predictions.count) predictions for \(labels.count) labels")
        guard !labels.isEmpty else { return 0 }
        return Double(zip(predictions, labels).filter { $0 == $1 }.count) / Double(labels.count)
    }

    /// The fraction of rows of `scores` `[N, C]` whose true class is among the `k`
    /// highest scores (ties broken towards the lower class index).
    public static func topKAccuracy(scores: Tensor, labels: [Int], k: Int) -> Double {
        precondition(scores.rank == 2 && scores.shape[0] == labels.count, "topKAccuracy: scores \(scores.shape) for \(labels.count) labels")
        precondition(k >= 1, "topKAccuracy: k must be at least 1, got \(k)")
        let classes = scores.shape[1]
        guard !labels.isEmpty else { return 0 }
        var hits = 0
        scores.withUnsafeBufferPointer { values in
            for (row, label) in labels.enumerated() {
                let base = row * classes, target = values[base + label]
                // The true class is in the top k when fewer than k classes beat it.
                var better = 0
                for column in 0..<classes where column != label {
                    let value = values[base + column]
                    if value > target || (value == target && column < label) { better += 1 }
                }
                if better < k { hits += 1 }
            }
        }
        return Double(hits) / Double(labels.count)
    }

    /// The predicted class of each row of `scores` `[N, C]`.
    public static func predictedClasses(_ scores: Tensor) -> [Int] { scores.argmax(axis: 1) }
}

/// Counts of (true class, predicted class) pairs, with the per-class and macro-averaged
/// precision, recall and F1 derived from them.
public struct ConfusionMatrix: Codable, Equatable, Sendable {
    /// The number of classes.
    public let classCount: Int
    /// `counts[trueClass][predictedClass]`.
    public private(set) var counts: [[Int]]

    /// Tallies `predictions` against `labels`, both in `0..<classCount`.
    public init(predictions: [Int], labels: [Int], classCount: Int) {
        precondition(predictions.count == labels.count, "ConfusionMatrix: \(predictions.count) predictions for \(labels.count) labels")
        self.classCount = classCount
        counts = Array(repeating: Array(repeating: 0, count: classCount), count: classCount)
        for (predicted, label) in zip(predictions, labels) { counts[label][predicted] += 1 }
    }

    /// The number of samples counted.
    public var total: Int { counts.reduce(0) { $0 + $1.reduce(0, +) } }

    /// The fraction on the diagonal.
    public var accuracy: Double {
        total == 0 ? 0 : Double((0..<classCount).reduce(0) { $0 + counts[$1][$1] }) / Double(total)
    }

    /// Of the samples predicted as `classIndex`, the fraction that are (0 when none are predicted).
    public func precision(of classIndex: Int) -> Double {
        let predicted = (0..<classCount).reduce(0) { $0 + counts[$1][classIndex] }
        return predicted == 0 ? 0 : Double(counts[classIndex][classIndex]) / Double(predicted)
    }

    /// Of the samples of `classIndex`, the fraction predicted as it (0 when it has none).
    public func recall(of classIndex: Int) -> Double {
        let actual = counts[classIndex].reduce(0, +)
        return actual == 0 ? 0 : Double(counts[classIndex][classIndex]) / Double(actual)
    }

    /// The harmonic mean of precision and recall of `classIndex` (0 when both are 0).
    public func f1(of classIndex: Int) -> Double {
        let p = precision(of: classIndex), r = recall(of: classIndex)
        return p + r == 0 ? 0 : 2 * p * r / (p + r)
    }

    /// The unweighted mean of the per-class precisions (scikit-learn's `average="macro"`).
    public var macroPrecision: Double { macroAverage(precision(of:)) }
    /// The unweighted mean of the per-class recalls.
    public var macroRecall: Double { macroAverage(recall(of:)) }
    /// The unweighted mean of the per-class F1 scores.
    public var macroF1: Double { macroAverage(f1(of:)) }

    private func macroAverage(_ perClass: (Int) -> Double) -> Double {
        classCount == 0 ? 0 : (0..<classCount).reduce(0) { $0 + perClass($1) } / Double(classCount)
    }
}
