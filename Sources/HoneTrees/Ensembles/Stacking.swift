import Foundation
import HoneCore

/// Stacked generalization (Wolpert 1992): a meta-learner fitted on the members'
/// out-of-fold predictions, so it learns how far to trust each member from predictions
/// on rows that member never saw; the members are then refitted on all rows.
public enum Stacking {
    /// The model that combines the members' outputs.
    public enum MetaLearner: Sendable {
        /// Multinomial logistic regression with L2 penalty `l2` on the members' probabilities.
        case logisticRegression(l2: Double)
        /// Gradient boosting on the members' probabilities.
        case gradientBoosting(GradientBoostingOptions)
    }

    /// A fitted stack.
    public struct Model: Sendable {
        /// The member names, in order.
        public let memberNames: [String]
        /// The members refitted on all training rows.
        let members: [RowPredictor]
        /// Maps the concatenated member outputs to class probabilities.
        let meta: RowPredictor

        /// Class probabilities for every row of `x`.
        public func predict(_ x: FeatureMatrix) throws -> [[Double]] {
            try meta(try Stacking.metaFeatures(members.map { try $0(x) }))
        }
    }

    /// Fits a stack of `members` on `x` and class labels 0 … classCount − 1 with `folds`-fold out-of-fold predictions.
    public static func fit(
        _ x: FeatureMatrix, labels: [Double], members: [EnsembleMember], classCount: Int, folds: Int = 5,
        meta: MetaLearner = .logisticRegression(l2: 1e-3), seed: UInt64 = 0
    ) throws -> Model {
        let outOfFold = try outOfFoldPredictions(x, labels: labels, members: members, folds: folds, seed: seed)
        let metaX = try metaFeatures(outOfFold)
        let metaPredictor: RowPredictor
        switch meta {
        case .logisticRegression(let l2):
            let weights = try SoftmaxRegression.fit(metaX, labels: labels, classCount: classCount, l2: l2)
            metaPredictor = { weights.predict($0) }
        case .gradientBoosting(let options):
            let model = try GradientBoosting.fit(metaX, labels: labels, options: options)
            metaPredictor = { try model.predict($0) }
        }
        let refitted = try members.map { try $0.fit(x, labels) }
        return Model(memberNames: members.map(\.name), members: refitted, meta: metaPredictor)
    }

    /// Each member's predictions for every row of `x` from a fit on the other folds
    /// (`folds` folds of a seeded shuffle): `[member][row][output]`, the meta-learner's
    /// training input.
    /// - Throws: ``TreesError`` for no members, a fold count outside 2…rows or mismatched
    ///   labels; what a member's fit throws.
    public static func outOfFoldPredictions(
        _ x: FeatureMatrix, labels: [Double], members: [EnsembleMember], folds: Int, seed: UInt64
    ) throws -> [[[Double]]] {
        guard !members.isEmpty else { throw TreesError.invalidConfiguration(field: "members", expected: "at least one member") }
        guard folds >= 2, folds <= x.rowCount else {
            throw TreesError.invalidConfiguration(field: "folds", expected: "2 to the row count (\(x.rowCount)), got \(folds)")
        }
        guard labels.count == x.rowCount else { throw TreesError.shapeMismatch("\(labels.count) labels for \(x.rowCount) rows") }
        var order = Array(0..<x.rowCount)
        var rng = SeededGenerator(seed: seed)
        order.shuffle(using: &rng)
        var outOfFold = [[[Double]]](repeating: [[Double]](repeating: [], count: x.rowCount), count: members.count)
        for fold in 0..<folds {
            let held = order.enumerated().filter { $0.offset % folds == fold }.map(\.element)
            let heldSet = Set(held)
            let kept = (0..<x.rowCount).filter { !heldSet.contains($0) }
            for (m, member) in members.enumerated() {
                let predictor = try member.fit(x.rows(kept), kept.map { labels[$0] })
                let outputs = try predictor(x.rows(held))
                for (i, row) in held.enumerated() { outOfFold[m][row] = outputs[i] }
            }
        }
        return outOfFold
    }

    /// The members' outputs (`[member][row][output]`) side by side, one row per input row.
    public static func metaFeatures(_ outputs: [[[Double]]]) throws -> FeatureMatrix {
        let rows = outputs[0].count
        return try FeatureMatrix(rows: (0..<rows).map { row in outputs.flatMap { $0[row] } })
    }
}

/// Multinomial logistic regression fitted by Newton-free full-batch gradient descent with
/// backtracking, enough for a stack's few meta-features.
public struct SoftmaxRegression: Sendable, Equatable {
    /// The number of classes.
    public let classCount: Int
    /// The number of input features.
    public let featureCount: Int
    /// `(featureCount + 1) × classCount` weights, the last row the intercepts.
    public let weights: [Double]

    /// A fitted model from its weights (as ``weights`` lays them out), for reading one back.
    public init(classCount: Int, featureCount: Int, weights: [Double]) throws {
        guard classCount >= 2, featureCount >= 1, weights.count == (featureCount + 1) * classCount else {
            throw TreesError.shapeMismatch("\(weights.count) logistic-regression weights for \(featureCount) features and \(classCount) classes")
        }
        self.classCount = classCount
        self.featureCount = featureCount
        self.weights = weights
    }

    /// Fits on `x` and class labels 0 … classCount − 1 with L2 penalty `l2` on the non-intercept weights.
    public static func fit(_ x: FeatureMatrix, labels: [Double], classCount: Int, l2: Double, iterations: Int = 500) throws -> SoftmaxRegression {
        let d = x.featureCount + 1
        var w = [Double](repeating: 0, count: d * classCount)
        var step = 1.0
        func loss(_ w: [Double]) -> (Double, [Double]) {
            var total = 0.0
            var gradient = [Double](repeating: 0, count: w.count)
            for row in 0..<x.rowCount {
                let p = probabilities(w, x, row, classCount)
                let y = Int(labels[row])
                total -= log(max(p[y], 1e-300))
                for k in 0..<classCount {
                    let residual = p[k] - (k == y ? 1 : 0)
                    for f in 0..<x.featureCount { gradient[f * classCount + k] += residual * x[row, f] }
                    gradient[(d - 1) * classCount + k] += residual
                }
            }
            let n = Double(x.rowCount)
            for i in 0..<w.count {
                gradient[i] /= n
                if i < (d - 1) * classCount {
                    gradient[i] += l2 * w[i]
                    total += 0.5 * l2 * w[i] * w[i] * n
                }
            }
            return (total / n, gradient)
        }
        var (current, gradient) = loss(w)
        for _ in 0..<iterations {
            let norm = gradient.reduce(0) { $0 + $1 * $1 }
            if norm < 1e-12 { break }
            while step > 1e-10 {
                let candidate = zip(w, gradient).map { $0 - step * $1 }
                let (value, newGradient) = loss(candidate)
                if value <= current - 0.5 * step * norm {
                    w = candidate
                    current = value
                    gradient = newGradient
                    step *= 2
                    break
                }
                step /= 2
            }
        }
        return try SoftmaxRegression(classCount: classCount, featureCount: x.featureCount, weights: w)
    }

    static func probabilities(_ w: [Double], _ x: FeatureMatrix, _ row: Int, _ classCount: Int) -> [Double] {
        let d = x.featureCount + 1
        var z = [Double](repeating: 0, count: classCount)
        for k in 0..<classCount {
            var s = w[(d - 1) * classCount + k]
            for f in 0..<x.featureCount { s += w[f * classCount + k] * x[row, f] }
            z[k] = s
        }
        let top = z.max() ?? 0
        let e = z.map { exp($0 - top) }
        let total = e.reduce(0, +)
        return e.map { $0 / total }
    }

    /// Class probabilities for every row of `x`.
    public func predict(_ x: FeatureMatrix) -> [[Double]] {
        (0..<x.rowCount).map { Self.probabilities(weights, x, $0, classCount) }
    }
}
