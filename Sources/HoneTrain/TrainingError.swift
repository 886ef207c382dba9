import Foundation

/// Why training stopped with an error.
public enum TrainingError: Error, Equatable, CustomStringConvertible, LocalizedError {
    /// The loss became NaN or infinite; the last checkpoint was written before this batch.
    case nonFiniteLoss(epoch: Int, batch: Int, value: Double)
    /// A gradient became NaN or infinite while the loss stayed finite; `parameter` is the
    /// first, in the optimizer's order, holding such a value. The optimizer step was not
    /// taken, so the weights and the last checkpoint are as they were before this batch.
    case nonFiniteGradient(parameter: String, epoch: Int, batch: Int, value: Double)
    /// A checkpoint could not be read, or does not fit the run it is resumed into.
    case invalidCheckpoint(file: String, detail: String)
    /// A file of the run could not be written.
    case unwritable(file: String, detail: String)
    /// A callback was configured with a name or value it cannot use.
    case invalidSetting(name: String, detail: String)
    /// A tuning callback asked to stop this run early (a pruned trial).
    case stoppedByCallback(epoch: Int)
    /// An epoch's loss or metric (`val_loss`, `val_accuracy`, `loss`, …) became NaN or
    /// infinite; the epoch is logged, no checkpoint is written for it.
    case nonFiniteMetric(epoch: Int, metric: String, value: Double)
    /// A run diverged (`cause` is one of the non-finite cases); `lastCheckpoint` is the
    /// weights file of the last good checkpoint with its epoch, `nil` when none was written yet.
    indirect case diverged(cause: TrainingError, lastCheckpoint: String?, lastEpoch: Int?)

    /// The advice every divergence message gives.
    static let divergenceRemedy = "lower the learning rate, enable gradient clipping or add a learning-rate warm-up"

    /// A non-finite value as messages show it: `NaN` whatever its sign bit, `inf`, `-inf`.
    static func text(_ value: Double) -> String { value.isNaN ? "NaN" : "\(value)" }

    /// Whether this is a loss, gradient or metric that became NaN or infinite.
    public var isDivergence: Bool {
        switch self {
        case .nonFiniteLoss, .nonFiniteGradient, .nonFiniteMetric, .diverged: return true
        default: return false
        }
    }
    /// A record file of a run (`metrics.jsonl`, `monitors.jsonl`) is missing, truncated
    /// or malformed at `line` (counting from 1; 0 for the whole file).
    case invalidRunRecord(file: String, line: Int, detail: String)

    public var description: String {
        switch self {
        case .nonFiniteLoss(let epoch, let batch, let value):
            return "training loss became \(Self.text(value)) at epoch \(epoch), batch \(batch); training stopped (\(Self.divergenceRemedy))"
        case .nonFiniteGradient(let parameter, let epoch, let batch, let value):
            return "gradient of '\(parameter)' became \(Self.text(value)) at epoch \(epoch), batch \(batch); training stopped "
                + "(\(Self.divergenceRemedy))"
        case .invalidCheckpoint(let file, let detail): return "checkpoint \(file): \(detail)"
        case .unwritable(let file, let detail): return "cannot write \(file): \(detail)"
        case .invalidSetting(let name, let detail): return "\(name): \(detail)"
        case .stoppedByCallback(let epoch): return "stopped by a callback after epoch \(epoch)"
        case .nonFiniteMetric(let epoch, let metric, let value):
            return "\(metric) became \(Self.text(value)) at epoch \(epoch); training stopped (\(Self.divergenceRemedy))"
        case .diverged(let cause, let lastCheckpoint, let lastEpoch):
            guard let lastCheckpoint else { return "\(cause.description); no checkpoint written yet" }
            return "\(cause.description); the last good checkpoint is \(lastCheckpoint)"
                + (lastEpoch.map { " (epoch \($0))" } ?? "")
        case .invalidRunRecord(let file, let line, let detail):
            return line > 0 ? "\(file), line \(line): \(detail)" : "\(file): \(detail)"
        }
    }

    public var errorDescription: String? { description }
}
