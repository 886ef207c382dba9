import Foundation
import Testing

@testable import HoneTrain

@Suite struct MetricsTests {
    @Test func accuracyAndConfusionMatrixMatchHandCounts() {
        let labels = [0, 0, 1, 1, 2, 2, 2]
        let predictions = [0, 1, 1, 1, 2, 0, 2]
        #expect(ClassificationMetrics.accuracy(predictions: predictions, labels: labels) == 5.0 / 7.0)
        let matrix = ConfusionMatrix(predictions: predictions, labels: labels, classCount: 3)
        #expect(matrix.counts == [[1, 1, 0], [0, 2, 0], [1, 0, 2]])
        // Class 0: predicted twice, right once → P = 1/2; two samples, one found → R = 1/2.
        #expect(matrix.precision(of: 0) == 0.5)
        #expect(matrix.recall(of: 0) == 0.5)
        // Class 1: predicted 3 times, 2 right → P = 2/3; R = 1; F1 = 2·(2/3)/(5/3) = 0.8.
        #expect(abs(matrix.precision(of: 1) - 2.0 / 3.0) < 1e-12)
        #expect(abs(matrix.f1(of: 1) - 0.8) < 1e-12)
        // Class 2: P = 1, R = 2/3, F1 = 0.8.
        #expect(abs(matrix.f1(of: 2) - 0.8) < 1e-12)
        #expect(abs(matrix.macroPrecision - (0.5 + 2.0 / 3.0 + 1) / 3) < 1e-12)
        #expect(abs(matrix.macroRecall - (0.5 + 1 + 2.0 / 3.0) / 3) < 1e-12)
        #expect(abs(matrix.macroF1 - (0.5 + 0.8 + 0.8) / 3) < 1e-12)
    }

    @Test func classNeverPredictedHasZeroPrecisionNotNaN() {
        let matrix = ConfusionMatrix(predictions: [0, 0], labels: [0, 1], classCount: 2)
        #expect(matrix.precision(of: 1) == 0)
        #expect(matrix.f1(of: 1) == 0)
    }

    @Test func topKCountsTrueClassAmongHighestScores() {
        let scores = Tensor([[0.1, 0.5, 0.4], [0.7, 0.2, 0.1], [0.3, 0.3, 0.4]])
        // Row 0: true 2 is second; row 1: true 2 is third; row 2: true 0 ties class 1, loses the tie only to nothing lower.
        #expect(ClassificationMetrics.topKAccuracy(scores: scores, labels: [2, 2, 0], k: 1) == 0)
        #expect(abs(ClassificationMetrics.topKAccuracy(scores: scores, labels: [2, 2, 0], k: 2) - 2.0 / 3.0) < 1e-12)
        #expect(ClassificationMetrics.topKAccuracy(scores: scores, labels: [2, 2, 0], k: 3) == 1)
    }

    @Test func binaryAUCEqualsPairCountWithHalfTies() {
        // Positives 0.8, 0.4, 0.35; negatives 0.7, 0.35, 0.1. Pairs won: 0.8 beats 3;
        // 0.4 beats 0.35 and 0.1 (2); 0.35 beats 0.1 and ties 0.35 (1.5) → 6.5 / 9.
        let auc = ROCAUC.binary(scores: [0.8, 0.7, 0.4, 0.35, 0.35, 0.1], positives: [true, false, true, true, false, false])
        #expect(abs(auc! - 6.5 / 9) < 1e-12)
        #expect(ROCAUC.binary(scores: [0.1, 0.2], positives: [true, true]) == nil)
    }

    @Test func oneVsRestMacroAUCAveragesPerClassAreas() {
        let scores = Tensor([[0.8, 0.1, 0.1], [0.2, 0.7, 0.1], [0.3, 0.3, 0.4], [0.5, 0.2, 0.3]])
        let labels = [0, 1, 2, 1]
        // Class 0: positive 0.8 vs 0.2, 0.3, 0.5 → 1. Class 1: positives 0.7, 0.2 vs 0.1, 0.3 → (2 + 1)/4.
        // Class 2: positive 0.4 vs 0.1, 0.1, 0.3 → 1.
        let expected = (1 + 0.75 + 1) / 3
        #expect(abs(ROCAUC.oneVsRestMacro(scores: scores, labels: labels)! - expected) < 1e-12)
    }

    @Test func regressionMetricsMatchHandValues() {
        let predictions = [2.5, 0.0, 2.0, 8.0], targets = [3.0, -0.5, 2.0, 7.0]
        #expect(abs(RegressionMetrics.meanSquaredError(predictions: predictions, targets: targets) - 0.375) < 1e-12)
        #expect(abs(RegressionMetrics.meanAbsoluteError(predictions: predictions, targets: targets) - 0.5) < 1e-12)
        // Mean 2.875, SS_tot = 29.1875, SS_res = 1.5 → R² = 1 − 1.5/29.1875.
        #expect(abs(RegressionMetrics.rSquared(predictions: predictions, targets: targets)! - (1 - 1.5 / 29.1875)) < 1e-12)
        #expect(RegressionMetrics.rSquared(predictions: [1, 2], targets: [3, 3]) == nil)
    }
}
