import Dispatch
import Foundation
import HoneCore
import HoneExplain
import HoneTrees

/// W6 of the reference workloads: KernelSHAP, LIME and permutation importance on the
/// exported breast-cancer MLP (``W6Fixture``), timed per explained row, with the
/// agreement of the SHAP values with shap's beside the speed. Rows are explained by the
/// batch methods, one thread per row at a time, as a user explaining a data set would.
///
/// The reference side is `explain_anchor.py` (shap, lime, scikit-learn), run on the same
/// machine; docs/explain.md has the measured ratios and how they were taken.
public enum ExplainBenchmarks {
    /// The W6 parts, by their workload names.
    public static let parts = ["kernelshap", "treeshap", "lime", "permutation"]

    /// Runs W6 (the `parts` named, all by default); `quick` explains 3 rows instead of 20
    /// and skips the precise comparison.
    public static func run(quick: Bool = false, parts: Set<String>? = nil) throws -> [BenchResult] {
        let fixture = try W6Fixture.load()
        let parts = parts ?? Set(Self.parts)
        var results: [BenchResult] = []
        if parts.contains("kernelshap") { results += try kernelSHAP(fixture, quick: quick) }
        if parts.contains("treeshap") { results += try treeSHAP(fixture) }
        if parts.contains("lime") || parts.contains("permutation") {
            results += try limeAndPermutation(fixture, quick: quick, parts: parts)
        }
        return results
    }

    /// TreeSHAP on every row of the data set (training and test rows, 569) for a GBDT of the
    /// reference LightGBM model's size (100 rounds, 31 leaves, learning rate 0.1) fitted on
    /// the training split, as `shap.TreeExplainer(gbm).shap_values(X)` times it; the values
    /// explain the raw margin (log-odds), as LightGBM's do.
    static func treeSHAP(_ fixture: W6Fixture) throws -> [BenchResult] {
        func matrix(_ rows: FeatureRows) throws -> FeatureMatrix {
            try FeatureMatrix(rowCount: rows.rowCount, featureCount: rows.featureCount, values: rows.values.map(Double.init))
        }
        var options = GradientBoostingOptions()
        options.rounds = 100
        options.maxLeaves = 31
        options.learningRate = 0.1
        let model = try GradientBoosting.fit(try matrix(fixture.training), labels: fixture.trainingLabels.map(Double.init), options: options)
        let all = try matrix(FeatureRows(values: fixture.training.values + fixture.test.values, featureCount: fixture.training.featureCount))
        _ = try model.shapValues(rows: all.rows(Array(0..<5)))  // warm-up, as the reference does
        var values: [[Double]] = []
        let cpuStart = ProcessClock.cpuSeconds()
        let elapsed = seconds { values = try! model.shapValues(rows: all) }
        let cpuSeconds = ProcessClock.cpuSeconds() - cpuStart
        let raw = try model.predictRaw(all)
        let base = model.expectedValue()
        let leaves = model.trees.reduce(0) { $0 + ($1.nodeCount + 1) / 2 }
        let additivity = values.indices.map { abs(base + values[$0].reduce(0, +) - raw[$0]) }.max() ?? 0
        return [
            BenchResult(workload: "W6/treeshap", metric: "seconds", value: elapsed),
            BenchResult(workload: "W6/treeshap", metric: "seconds_per_row", value: elapsed / Double(all.rowCount)),
            // Rows are explained on two threads here; shap's TreeExplainer uses one: CPU time compares the work.
            BenchResult(workload: "W6/treeshap", metric: "cpu_seconds", value: cpuSeconds),
            BenchResult(workload: "W6/treeshap", metric: "rows", value: Double(all.rowCount)),
            BenchResult(workload: "W6/treeshap", metric: "leaves", value: Double(leaves)),
            // TreeSHAP costs O(leaves · depth²) per row: the time per row and leaf compares models whose trees stopped at different sizes.
            BenchResult(workload: "W6/treeshap", metric: "microseconds_per_row_leaf", value: elapsed * 1e6 / Double(all.rowCount * leaves)),
            BenchResult(workload: "W6/treeshap", metric: "max_additivity_error", value: additivity),
        ]
    }

    private static func kernelSHAP(_ fixture: W6Fixture, quick: Bool) throws -> [BenchResult] {
        let rowCount = quick ? 3 : fixture.explainedRows.rowCount
        var results: [BenchResult] = []
        func add(_ workload: String, _ metric: String, _ value: Double) {
            results.append(BenchResult(workload: "W6/\(workload)", metric: metric, value: value))
        }

        let shap = try KernelSHAP(model: fixture.model, background: fixture.background, sampleCount: fixture.shapSampleCount, seed: 0)
        var explanations: [SHAPExplanation] = []
        let rows = FeatureRows(values: Array(fixture.explainedRows.values.prefix(rowCount * 30)), featureCount: 30)
        let shapSeconds = seconds { explanations = try! shap.explain(rows) }
        add("kernelshap", "seconds_per_row", shapSeconds / Double(rowCount))
        add("kernelshap", "coalitions_per_row", Double(explanations[0].coalitionCount))
        add("kernelshap", "max_additivity_error", explanations.map { abs($0.values.reduce(0, +) - ($0.prediction - $0.expectedValue)) }.max()!)
        add("kernelshap", "max_abs_diff_expected_value_vs_shap", abs(shap.expectedValue - fixture.shapExpectedValue))
        add("kernelshap", "max_abs_diff_prediction_vs_shap", (0..<rowCount).map { abs(explanations[$0].prediction - fixture.shapPredictions[$0]) }.max()!)
        add("kernelshap", "max_abs_diff_vs_shap", maxDifference(explanations.map(\.values), fixture.shapValues))
        let spread = try shap.explain(fixture.explainedRows[row: 0], repeats: 5).spread ?? []
        add("kernelshap", "max_spread_over_5_seeds", spread.max() ?? 0)
        let exact = try KernelSHAP(model: fixture.model, background: fixture.exactBackground, sampleCount: fixture.shapSampleCount)
        let exactValues = try (0..<fixture.exactRows.rowCount).map { try exact.explain(fixture.exactRows[row: $0]).values }
        add("kernelshap", "exact_case_max_abs_diff_vs_shap", maxDifference(exactValues, fixture.exactSHAPValues))
        if !quick {
            let preciseRows = fixture.shapPreciseValues.count
            add("kernelshap", "max_abs_diff_vs_shap_precise", maxDifference(explanations.prefix(preciseRows).map(\.values), fixture.shapPreciseValues))
            add("kernelshap", "shap_max_abs_diff_vs_shap_precise", maxDifference(Array(fixture.shapValues.prefix(preciseRows)), fixture.shapPreciseValues))
            let precise = try KernelSHAP(model: fixture.model, background: fixture.background, sampleCount: fixture.shapPreciseSampleCount, seed: 0)
            let preciseValues = try (0..<preciseRows).map { try precise.explain(fixture.explainedRows[row: $0]).values }
            add("kernelshap", "precise_max_abs_diff_vs_shap_precise", maxDifference(preciseValues, fixture.shapPreciseValues))
        }

        return results
    }

    private static func limeAndPermutation(_ fixture: W6Fixture, quick: Bool, parts: Set<String>) throws -> [BenchResult] {
        let rowCount = quick ? 3 : fixture.explainedRows.rowCount
        var results: [BenchResult] = []
        func add(_ workload: String, _ metric: String, _ value: Double) {
            results.append(BenchResult(workload: "W6/\(workload)", metric: metric, value: value))
        }
        let rows = FeatureRows(values: Array(fixture.explainedRows.values.prefix(rowCount * 30)), featureCount: 30)
        if parts.contains("lime") {
            let lime = try LIMETabular(model: fixture.model, training: fixture.training, seed: 0)
            var scores: [Double] = []
            let cpuStart = ProcessClock.cpuSeconds()
            let limeSeconds = seconds { scores = try! lime.explain(rows, sampleCount: 5000).map(\.score) }
            add("lime", "seconds_per_row", limeSeconds / Double(rowCount))
            // Rows run on two threads here, lime on one: on a loaded machine CPU time is the steadier comparison of the work.
            add("lime", "cpu_seconds_per_row", (ProcessClock.cpuSeconds() - cpuStart) / Double(rowCount))
            add("lime", "mean_score", scores.reduce(0, +) / Double(scores.count))
        }
        guard parts.contains("permutation") else { return results }

        var baseline = 0.0
        let permutationSeconds = seconds {
            baseline = try! PermutationImportance.compute(model: fixture.model, rows: fixture.test, repeats: 10, seed: 0) {
                Score.accuracy($0, labels: fixture.testLabels, outputCount: 1)
            }.baseline
        }
        add("permutation", "seconds", permutationSeconds)
        add("permutation", "seconds_per_row", permutationSeconds / Double(fixture.test.rowCount))
        add("permutation", "test_accuracy", baseline)
        return results
    }

    private static func seconds(_ body: () -> Void) -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
    }

    private static func maxDifference(_ a: [[Double]], _ b: [[Double]]) -> Double {
        zip(a, b).flatMap { zip($0, $1).map { abs($0 - $1) } }.max() ?? 0
    }
}
