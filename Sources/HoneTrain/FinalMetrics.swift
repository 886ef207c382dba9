import Foundation

/// The content of a run's `final_metrics.json`: every metric as a number at the top
/// level (`test_accuracy`, `val_macro_f1`, `epochs_completed`, …) and, for
/// classification, `confusion_matrix` = `{"classes": [names], "counts": [[…]]}` with
/// `counts[true][predicted]` over the evaluated split.
public struct FinalMetrics: Encodable {
    /// The metrics by name.
    public var metrics: [String: Double]
    /// The confusion matrix of the evaluated split (classification only).
    public var confusionMatrix: ConfusionMatrix?
    /// The class names in class-index order (the CSV's labels, or the indices as text).
    public var classNames: [String]

    /// A record of `metrics`, with the confusion matrix when there is one.
    public init(metrics: [String: Double], confusionMatrix: ConfusionMatrix?, classNames: [String]) {
        self.metrics = metrics
        self.confusionMatrix = confusionMatrix
        self.classNames = classNames
    }

    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    private struct MatrixRecord: Encodable {
        let classes: [String]
        let counts: [[Int]]
    }

    /// Encodes the metrics and the matrix as one flat JSON object.
    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        for (name, value) in metrics { try container.encode(value, forKey: Key(stringValue: name)) }
        if let confusionMatrix {
            try container.encode(MatrixRecord(classes: classNames, counts: confusionMatrix.counts),
                                 forKey: Key(stringValue: "confusion_matrix"))
        }
    }

    /// The JSON bytes, keys sorted; non-finite values as ``NonFiniteJSON`` strings.
    public func jsonData() throws -> Data {
        try NonFiniteJSON.encoder([.sortedKeys, .prettyPrinted]).encode(self)
    }
}

extension FinalMetrics {
    /// The numbers a run writes beside its evaluated splits' metrics (epochs, timings,
    /// early stopping, trees), under the names ``TrainingRun`` and ``TreeTrainingRun`` use.
    static let runMetricNames = [
        "epochs_completed", "training_seconds", "run_seconds", "data_wait_fraction", "best_epoch", "stopped_epoch",
        "evaluated_epoch", "out_of_bag_score", "best_iteration", "trees",
    ]

    /// Every metric a run of `config` can write to `final_metrics.json`: each evaluated
    /// split's ``Evaluation/detailedMetricNames(for:)`` as `val_`, `test_` and `final_val_`,
    /// the run's own numbers, and with cross-validation the `cv_std_` deviations. Which of
    /// them one run has depends on its data (top-5 accuracy needs more than five classes).
    public static func names(for config: TrainingConfig) -> [String] {
        let split = Evaluation.detailedMetricNames(for: config.objective)
        var names = ["val_", "test_", "final_val_"].flatMap { prefix in split.map { prefix + $0 } } + runMetricNames
        if config.data.folds != nil { names += names.map { "cv_std_" + $0 } }
        return names
    }
}

extension ConfusionMatrix {
    /// The matrix as a text table, one row per true class and one column per predicted
    /// class, headed by `classNames` (cut to 10 characters so wide names keep it aligned).
    public func table(classNames: [String]) -> String {
        precondition(classNames.count == classCount, "ConfusionMatrix.table: \(classNames.count) names for \(classCount) classes")
        let names = classNames.map { String($0.prefix(10)) }
        let width = max(names.map(\.count).max() ?? 1, String(counts.flatMap { $0 }.max() ?? 0).count, 4)
        func pad(_ text: String) -> String { String(repeating: " ", count: max(0, width - text.count)) + text }
        var lines = ["true \\ predicted"]
        lines.append(pad("") + " " + names.map(pad).joined(separator: " "))
        for (row, name) in names.enumerated() {
            lines.append(pad(name) + " " + counts[row].map { pad(String($0)) }.joined(separator: " "))
        }
        return lines.joined(separator: "\n")
    }
}
