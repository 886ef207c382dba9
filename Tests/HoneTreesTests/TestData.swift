import Foundation
import HoneCore
@testable import HoneTrees

/// Small seeded data sets for the tree tests.
enum TestData {
    /// `rows` rows of `features` standard normal features and labels from `label`.
    static func make(rows: Int, features: Int, seed: UInt64, label: ([Double], inout SeededGenerator) -> Double) -> (FeatureMatrix, [Double]) {
        var rng = SeededGenerator(seed: seed)
        var values: [Double] = []
        var labels: [Double] = []
        for _ in 0..<rows {
            let row = (0..<features).map { _ in rng.nextGaussian() }
            values += row
            labels.append(label(row, &rng))
        }
        return (try! FeatureMatrix(rowCount: rows, featureCount: features, values: values), labels)
    }

    /// Two classes decided by a noisy linear rule on the first three features.
    static func binary(rows: Int, features: Int = 5, seed: UInt64 = 1) -> (FeatureMatrix, [Double]) {
        make(rows: rows, features: features, seed: seed) { x, rng in
            x[0] + 0.8 * x[1] - 0.6 * x[2] + 0.3 * rng.nextGaussian() > 0 ? 1 : 0
        }
    }
}
