/// Regression quality measures over predicted and true values.
public enum RegressionMetrics {
    /// The mean of squared differences.
    public static func meanSquaredError(predictions: [Double], targets: [Double]) -> Double {
        check(predictions, targets)
        guard !targets.isEmpty else { return 0 }
        return zip(predictions, targets).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } / Double(targets.count)
    }

    /// The mean of absolute differences.
    public static func meanAbsoluteError(predictions: [Double], targets: [Double]) -> Double {
        check(predictions, targets)
        guard !targets.isEmpty else { return 0 }
        return zip(predictions, targets).reduce(0) { $0 + abs($1.0 - $1.1) } / Double(targets.count)
    }

    /// The coefficient of determination 1 − SS_res / SS_tot; nil when the targets are constant.
    public static func rSquared(predictions: [Double], targets: [Double]) -> Double? {
        check(predictions, targets)
        guard !targets.isEmpty else { return nil }
        let mean = targets.reduce(0, +) / Double(targets.count)
        let total = targets.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
        guard total > 0 else { return nil }
        let residual = zip(predictions, targets).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
        return 1 - residual / total
    }

    private static func check(_ predictions: [Double], _ targets: [Double]) {
        precondition(predictions.count == targets.count, "RegressionMetrics: \(predictions.count) predictions for \(targets.count) targets")
    }
}
