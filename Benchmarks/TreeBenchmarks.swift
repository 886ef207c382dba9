import Dispatch
import Foundation
import HoneCore
import HoneTrain
import HoneTrees

/// W7 of the reference workloads: a 100-round, 31-leaf boosted ensemble and a 100-tree
/// forest on make_classification(100,000 × 50, 20 informative, seed 0), 80/20 split.
///
/// The rows come from the reference's own CSV export (`trees_anchor.py --write-data DIR`,
/// then `HONE_W7_DATA=DIR` or `--data DIR`), so both sides fit the very same split. Without
/// it the suite draws a data set of the same recipe itself (Guyon's hypercube clusters,
/// as make_classification does, but not the same numbers) and names the workloads
/// `W7-synthetic/…`, so its numbers are never mistaken for the reference's.
public enum TreeBenchmarks {
    /// The W7 split: training and test rows with 0/1 labels.
    public struct Split {
        /// The training rows.
        public var train: FeatureMatrix
        /// The training labels (0 or 1).
        public var trainLabels: [Double]
        /// The test rows.
        public var test: FeatureMatrix
        /// The test labels (0 or 1).
        public var testLabels: [Double]
        /// `W7` for the reference CSV export, `W7-synthetic` for a self-drawn set.
        public var workload: String
    }

    /// Reads `w7-train.csv` and `w7-test.csv` from `folder` when given, else draws a set.
    public static func loadSplit(folder: String?, quick: Bool) throws -> Split {
        if let folder {
            let (train, trainLabels) = try readCSV(URL(fileURLWithPath: folder).appendingPathComponent("w7-train.csv"))
            let (test, testLabels) = try readCSV(URL(fileURLWithPath: folder).appendingPathComponent("w7-test.csv"))
            return Split(train: train, trainLabels: trainLabels, test: test, testLabels: testLabels, workload: "W7")
        }
        let rows = quick ? 10_000 : 100_000
        let (x, y) = hypercubeClassification(rows: rows, features: 50, informative: 20, seed: 0)
        let cut = rows * 4 / 5
        return Split(
            train: x.rows(Array(0..<cut)), trainLabels: Array(y[0..<cut]),
            test: x.rows(Array(cut..<rows)), testLabels: Array(y[cut...]), workload: "W7-synthetic")
    }

    /// Fits and times both models; one result per metric of `shared/bench/README.md`.
    public static func run(_ split: Split, quick: Bool) throws -> [BenchResult] {
        var gbdt = GradientBoostingOptions()
        gbdt.rounds = quick ? 20 : 100
        gbdt.maxLeaves = 31
        gbdt.learningRate = 0.1
        var forest = RandomForestOptions()
        forest.treeCount = quick ? 10 : 100
        forest.computeOutOfBagScore = false
        var results: [BenchResult] = []
        results += try measure("\(split.workload)/gbdt", split) { try GradientBoosting.fit(split.train, labels: split.trainLabels, options: gbdt) }
        results += try measure("\(split.workload)/random_forest", split) { try RandomForest.fit(split.train, labels: split.trainLabels, options: forest) }
        return results
    }

    private static func measure(_ workload: String, _ split: Split, fit: () throws -> TreeModel) throws -> [BenchResult] {
        let fitStart = DispatchTime.now().uptimeNanoseconds
        let fitCPUStart = ProcessClock.cpuSeconds()
        let model = try fit()
        let fitSeconds = Double(DispatchTime.now().uptimeNanoseconds - fitStart) * 1e-9
        let fitCPUSeconds = ProcessClock.cpuSeconds() - fitCPUStart
        let predictStart = DispatchTime.now().uptimeNanoseconds
        let predictCPUStart = ProcessClock.cpuSeconds()
        let probabilities = try model.predict(split.test)
        let predictSeconds = Double(DispatchTime.now().uptimeNanoseconds - predictStart) * 1e-9
        let predictCPUSeconds = ProcessClock.cpuSeconds() - predictCPUStart
        let scores = probabilities.map { $0[1] }
        let auc = ROCAUC.binary(scores: scores, positives: split.testLabels.map { $0 == 1 }) ?? .nan
        let correct = zip(scores, split.testLabels).filter { ($0 >= 0.5 ? 1.0 : 0.0) == $1 }.count
        return [
            BenchResult(workload: workload, metric: "fit_seconds", value: fitSeconds),
            BenchResult(workload: workload, metric: "predict_seconds", value: predictSeconds),
            BenchResult(workload: workload, metric: "fit_cpu_seconds", value: fitCPUSeconds),
            BenchResult(workload: workload, metric: "predict_cpu_seconds", value: predictCPUSeconds),
            BenchResult(workload: workload, metric: "test_auc", value: auc),
            BenchResult(workload: workload, metric: "test_accuracy", value: Double(correct) / Double(split.testLabels.count)),
            // Trees that stop splitting early fit faster and worse: the leaf count shows whether both sides grew the same trees.
            BenchResult(workload: workload, metric: "leaves", value: Double(model.trees.reduce(0) { $0 + ($1.nodeCount + 1) / 2 })),
        ]
    }

    /// A numeric CSV with a header row whose last column is the label.
    static func readCSV(_ url: URL) throws -> (FeatureMatrix, [Double]) {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else {
            throw TreesError.invalidConfiguration(
                field: url.path, expected: "the W7 export of trees_anchor.py --write-data (file missing or unreadable)")
        }
        var values: [Double] = []
        var labels: [Double] = []
        var width = 0
        for (number, line) in text.split(separator: "\n").enumerated() where number > 0 {
            let fields = line.split(separator: ",")
            if width == 0 { width = fields.count - 1 }
            guard fields.count == width + 1, width > 0 else {
                throw TreesError.shapeMismatch("\(url.lastPathComponent) line \(number + 1): \(fields.count) fields, expected \(width + 1)")
            }
            for field in fields.dropLast() {
                guard let v = Double(field) else {
                    throw TreesError.invalidConfiguration(field: "\(url.lastPathComponent) line \(number + 1)", expected: "numbers, got '\(field)'")
                }
                values.append(v)
            }
            labels.append(Double(fields.last!) ?? .nan)
        }
        return (try FeatureMatrix(rowCount: labels.count, featureCount: width, values: values), labels)
    }

    /// Guyon's recipe (make_classification's): two clusters per class at vertices of a
    /// hypercube of side 2 in the informative dimensions, each cluster a random linear map of
    /// a standard normal; two redundant features as mixes of the informative ones; the rest
    /// noise; 1% of the labels flipped; rows shuffled.
    static func hypercubeClassification(rows: Int, features: Int, informative: Int, seed: UInt64) -> (FeatureMatrix, [Double]) {
        var rng = SeededGenerator(seed: seed)
        let clusters = 4
        let centroids = (0..<clusters).map { _ in (0..<informative).map { _ in rng.nextDouble() < 0.5 ? -1.0 : 1.0 } }
        let maps = (0..<clusters).map { _ in (0..<(informative * informative)).map { _ in 2 * rng.nextDouble() - 1 } }
        let redundant = (0..<(informative * 2)).map { _ in 2 * rng.nextDouble() - 1 }
        var values = [Double](repeating: 0, count: rows * features)
        var labels = [Double](repeating: 0, count: rows)
        for row in 0..<rows {
            let cluster = row % clusters
            let z = (0..<informative).map { _ in rng.nextGaussian() }
            for i in 0..<informative {
                var v = centroids[cluster][i]
                for j in 0..<informative { v += maps[cluster][i * informative + j] * z[j] }
                values[row * features + i] = v
            }
            for r in 0..<2 {
                var v = 0.0
                for i in 0..<informative { v += redundant[r * informative + i] * values[row * features + i] }
                values[row * features + informative + r] = v
            }
            for f in (informative + 2)..<features { values[row * features + f] = rng.nextGaussian() }
            labels[row] = Double(cluster % 2)
            if rng.nextDouble() < 0.01 { labels[row] = rng.nextDouble() < 0.5 ? 0 : 1 }
        }
        var order = Array(0..<rows)
        order.shuffle(using: &rng)
        let x = try! FeatureMatrix(rowCount: rows, featureCount: features, values: values).rows(order)
        return (x, order.map { labels[$0] })
    }
}
