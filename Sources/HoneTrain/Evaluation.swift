import HoneCore

/// The result of running a model over a data set: loss, metrics and the raw outputs.
public struct Evaluation {
    /// Classification or regression.
    public let objective: Trainer.Objective
    /// The mean loss per sample.
    public let loss: Double
    /// The per-epoch metrics (`accuracy`, or `mae`).
    public let metrics: [String: Double]
    /// Every output, `[N, C]` (class scores) or `[N, K]` (values).
    public let outputs: Tensor
    /// The class labels (empty for regression).
    public let labels: [Int]
    /// The regression targets `[N, K]`.
    public let targets: Tensor?

    /// The validation metrics recorded each epoch (see ``Trainer/validationMetricNames(for:)``);
    /// ROC-AUC is left out when the samples hold a single class.
    public var epochMetrics: [String: Double] {
        let detailed = detailedMetrics
        var result = metrics
        for name in Trainer.validationMetricNames(for: objective) {
            if let value = detailed[name] { result[name] = value }
        }
        return result
    }

    /// The full report for a final evaluation: for classification accuracy, top-5
    /// accuracy, macro precision/recall/F1, one-vs-rest macro ROC-AUC; for regression
    /// MSE, RMSE, MAE and R² (in the targets' original units).
    public var detailedMetrics: [String: Double] {
        var result = metrics
        result["loss"] = loss
        switch objective {
        case .classification:
            guard outputs.rank == 2, !labels.isEmpty else { return result }
            let classCount = outputs.shape[1]
            let matrix = confusionMatrix
            result["accuracy"] = matrix.accuracy
            if classCount > 5 { result["top5_accuracy"] = ClassificationMetrics.topKAccuracy(scores: outputs, labels: labels, k: 5) }
            result["macro_precision"] = matrix.macroPrecision
            result["macro_recall"] = matrix.macroRecall
            result["macro_f1"] = matrix.macroF1
            let probabilities = outputs.softmax(axis: 1)
            if classCount == 2 {
                let column = (0..<labels.count).map { Double(probabilities[$0, 1]) }
                result["roc_auc"] = ROCAUC.binary(scores: column, positives: labels.map { $0 == 1 })
            } else {
                result["roc_auc"] = ROCAUC.oneVsRestMacro(scores: probabilities, labels: labels)
            }
        case .regression:
            guard let targets else { return result }
            let predicted = outputs.scalars.map(Double.init), actual = targets.scalars.map(Double.init)
            result["mse"] = RegressionMetrics.meanSquaredError(predictions: predicted, targets: actual)
            result["rmse"] = result["mse"]!.squareRoot()
            result["mae"] = RegressionMetrics.meanAbsoluteError(predictions: predicted, targets: actual)
            result["r2"] = RegressionMetrics.rSquared(predictions: predicted, targets: actual)
        }
        return result
    }

    /// The confusion matrix of the predicted classes (classification only).
    public var confusionMatrix: ConfusionMatrix {
        ConfusionMatrix(
            predictions: ClassificationMetrics.predictedClasses(outputs), labels: labels, classCount: outputs.shape[1])
    }
}

extension Evaluation {
    /// Every name ``detailedMetrics`` can report for `objective`, read off the report of a
    /// made-up split with enough classes for all of them (top-5 accuracy needs six), so
    /// the names cannot drift from the code that measures.
    public static func detailedMetricNames(for objective: Trainer.Objective) -> [String] {
        let count = 6
        let metrics = Dictionary(uniqueKeysWithValues: Trainer.metricNames(for: objective).map { ($0, 0.0) })
        let evaluation = objective == .classification
            ? Evaluation(objective: objective, loss: 0, metrics: metrics, outputs: Tensor(shape: [count, count], scalars: Array(repeating: 0, count: count * count)),
                         labels: Array(0..<count), targets: nil)
            : Evaluation(objective: objective, loss: 0, metrics: metrics, outputs: Tensor(shape: [count, 1], scalars: Array(repeating: 0, count: count)),
                         labels: [], targets: Tensor(shape: [count, 1], scalars: (0..<count).map(Float.init)))
        return evaluation.detailedMetrics.keys.sorted()
    }
}
