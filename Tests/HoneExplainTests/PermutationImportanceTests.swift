import Testing
@testable import HoneExplain

@Suite struct PermutationImportanceTests {
    @Test func anUnusedFeatureHasZeroImportanceAndAUsedOneTheExpectedDrop() throws {
        // y = 3x₀; shuffling x₀ gives an expected squared error of E[(3(x₀ − x₀'))²] = 2·9·Var(x₀).
        let rows = uniformRows(2000, 2, seed: 13)
        let targets = (0..<2000).map { 3 * rows.values[2 * $0] }
        let model = linearModel([3, 0])
        let (baseline, importances) = try PermutationImportance.compute(model: model, rows: rows, repeats: 5, seed: 1) {
            Score.negativeMeanSquaredError($0, targets: targets, outputCount: 1)
        }
        #expect(baseline == 0)
        #expect(importances[1].drops.allSatisfy { $0 == 0 })
        let column = rows.column(0)
        let mean = column.reduce(0, +) / 2000
        let variance = column.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / 2000
        #expect(abs(importances[0].mean - 18 * variance) < 0.05 * 18 * variance)
        #expect(importances[0].confidenceInterval.contains(importances[0].mean))
        #expect(importances[0].standardDeviation > 0)
    }

    @Test func confidenceIntervalUsesStudentsT() throws {
        #expect(PermutationImportance.studentT975(degreesOfFreedom: 9) == 2.2622)
        #expect(abs(PermutationImportance.studentT975(degreesOfFreedom: 20) - 2.0860) < 1e-3)
        #expect(abs(PermutationImportance.studentT975(degreesOfFreedom: 60) - 2.0003) < 1e-3)
        let rows = uniformRows(50, 3, seed: 2)
        let labels = (0..<50).map { rows.values[3 * $0] + rows.values[3 * $0 + 1] > 0 ? 1 : 0 }
        let model = PredictionFunction(featureCount: 3) { values, count in (0..<count).map { values[3 * $0] + values[3 * $0 + 1] > 0 ? 1 : 0 } }
        let (baseline, importances) = try PermutationImportance.compute(model: model, rows: rows, repeats: 10, seed: 4) {
            Score.accuracy($0, labels: labels, outputCount: 1)
        }
        #expect(baseline == 1)
        let first = importances[0]
        let halfWidth = 2.2622 * first.standardDeviation / 10.0.squareRoot()
        #expect(abs(first.confidenceInterval.upperBound - (first.mean + halfWidth)) < 1e-12)
        let again = try PermutationImportance.compute(model: model, rows: rows, repeats: 10, seed: 4) {
            Score.accuracy($0, labels: labels, outputCount: 1)
        }
        #expect(again.importances == importances)
    }
}
