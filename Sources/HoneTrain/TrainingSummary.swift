import Foundation

/// The one-line summaries `hone train` prints: a run's headline metrics, and a
/// cross-validation's means and standard deviations.
public enum TrainingSummary {
    /// The metrics shown, in order, for each task.
    static let classificationHeadline = ["accuracy", "macro_f1", "roc_auc"]
    static let regressionHeadline = ["rmse", "mae", "r2"]

    /// `test_accuracy 91.20%, test_macro_f1 0.9050, …, training 3.1s, data wait 0.4%`:
    /// classification shows accuracy, macro F1 and ROC-AUC; regression RMSE, MAE and R²
    /// (from the test split when there is one, else from validation).
    public static func line(_ metrics: [String: Double]) -> String {
        let prefix = metrics.keys.contains { $0.hasPrefix("test_") } ? "test_" : "val_"
        let names = metrics[prefix + "rmse"] != nil ? regressionHeadline : classificationHeadline
        var parts: [String] = []
        for name in names {
            guard let value = metrics[prefix + name] else { continue }
            parts.append(format(prefix + name, value))
        }
        if let seconds = metrics["training_seconds"] { parts.append(String(format: "training %.1fs", seconds)) }
        if let waited = metrics["data_wait_fraction"] { parts.append(String(format: "data wait %.1f%%", waited * 100)) }
        return parts.joined(separator: ", ")
    }

    /// `5-fold cross-validation …: val_accuracy 95.33% ± 2.98%, val_macro_f1 0.9530 ± 0.0301, …`,
    /// measured on the held-out folds.
    public static func crossValidationLine(_ result: CrossValidation.Result) -> String {
        let names = result.mean["val_rmse"] != nil ? regressionHeadline : classificationHeadline
        var parts: [String] = []
        for name in names {
            let key = "val_" + name
            guard let mean = result.mean[key], let deviation = result.standardDeviation[key] else { continue }
            if key.hasSuffix("accuracy") {
                parts.append("\(key) " + String(format: "%.2f%% ± %.2f%%", mean * 100, deviation * 100))
            } else {
                parts.append("\(key) " + String(format: "%.4f ± %.4f", mean, deviation))
            }
        }
        return "\(result.folds)-fold cross-validation (mean ± std over folds): " + parts.joined(separator: ", ")
    }

    private static func format(_ key: String, _ value: Double) -> String {
        key.hasSuffix("accuracy") ? "\(key) \(String(format: "%.2f%%", value * 100))" : "\(key) \(String(format: "%.4f", value))"
    }
}
