import Foundation

/// The gradients, hessians, starting scores and loss of a boosting objective.
///
/// Scores are stored row-major, `outputs` per row; `labels` are class indices or targets.
struct BoostingObjective: Sendable {
    let objective: GradientBoostingOptions.Objective

    /// The raw outputs per row.
    var outputs: Int {
        if case .softmax(let classCount) = objective { return classCount }
        return 1
    }

    /// Throws unless every label suits the objective.
    func checkLabels(_ labels: [Double]) throws {
        for (row, y) in labels.enumerated() {
            switch objective {
            case .binaryLogistic:
                guard y == 0 || y == 1 else { throw TreesError.invalidLabels("row \(row): binary labels are 0 or 1, got \(y)") }
            case .softmax(let classCount):
                guard y >= 0, y < Double(classCount), y == y.rounded(.down) else {
                    throw TreesError.invalidLabels("row \(row): class labels are 0 to \(classCount - 1), got \(y)")
                }
            case .squaredError:
                guard y.isFinite else { throw TreesError.invalidLabels("row \(row): targets must be finite, got \(y)") }
            }
        }
    }

    /// The starting scores: the log-odds of the positive rate, log class priors, or the mean.
    func baseScore(_ labels: [Double]) -> [Double] {
        let n = Double(max(labels.count, 1))
        switch objective {
        case .binaryLogistic:
            let p = min(max(labels.reduce(0, +) / n, 1e-15), 1 - 1e-15)
            return [log(p / (1 - p))]
        case .softmax(let classCount):
            var counts = [Double](repeating: 0, count: classCount)
            for y in labels { counts[Int(y)] += 1 }
            return counts.map { log(max($0 / n, 1e-15)) }
        case .squaredError:
            return [labels.reduce(0, +) / n]
        }
    }

    /// Writes the gradient and hessian of output `k` at every row into `gradients` and `hessians`.
    func gradients(scores: [Double], labels: [Double], output k: Int, gradients: inout [Double], hessians: inout [Double]) {
        let n = labels.count
        switch objective {
        case .binaryLogistic:
            for row in 0..<n {
                let p = 1 / (1 + exp(-scores[row]))
                gradients[row] = p - labels[row]
                hessians[row] = max(p * (1 - p), 1e-16)
            }
        case .softmax(let classCount):
            // LightGBM's factor K / (K − 1) on the diagonal hessian.
            let factor = Double(classCount) / Double(classCount - 1)
            for row in 0..<n {
                let base = row * classCount
                var top = -Double.infinity
                for c in 0..<classCount { top = max(top, scores[base + c]) }
                var total = 0.0
                for c in 0..<classCount { total += exp(scores[base + c] - top) }
                let p = exp(scores[base + k] - top) / total
                gradients[row] = p - (Int(labels[row]) == k ? 1 : 0)
                hessians[row] = max(factor * p * (1 - p), 1e-16)
            }
        case .squaredError:
            for row in 0..<n {
                gradients[row] = scores[row] - labels[row]
                hessians[row] = 1
            }
        }
    }

    /// The mean loss of `scores` against `labels` (log loss, cross-entropy or squared error).
    func loss(scores: [Double], labels: [Double]) -> Double {
        var total = 0.0
        switch objective {
        case .binaryLogistic:
            for (row, y) in labels.enumerated() {
                let m = scores[row]
                // log(1 + e^m) − y·m, written to stay finite for large |m|.
                total += max(m, 0) + log1p(exp(-abs(m))) - y * m
            }
        case .softmax(let classCount):
            for (row, y) in labels.enumerated() {
                let base = row * classCount
                var top = -Double.infinity
                for c in 0..<classCount { top = max(top, scores[base + c]) }
                var sum = 0.0
                for c in 0..<classCount { sum += exp(scores[base + c] - top) }
                total += top + log(sum) - scores[base + Int(y)]
            }
        case .squaredError:
            for (row, y) in labels.enumerated() { total += (scores[row] - y) * (scores[row] - y) }
        }
        return total / Double(max(labels.count, 1))
    }
}
