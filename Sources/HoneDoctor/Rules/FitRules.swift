import Foundation
import HoneTrain

/// Overfitting: the validation loss ends more than 10% above its best epoch's, and the
/// epoch before it ended more than 10% above the best before it too, while the training
/// loss kept falling, so the gap between them widened.
///
/// Rationale: this is Prechelt's generalization loss (1998, "Early Stopping — But When?"),
/// GL = 100·(val/best − 1); his stopping criteria use thresholds of 1–5%, so above 10%
/// the model has clearly been memorizing the training set for several epochs. One epoch
/// above the threshold is not enough: while a one-cycle or warm-up schedule raises the
/// learning rate, a single epoch's validation loss can jump that far and fall back.
///
/// The fix regularizes (dropout, weight decay), halves the learning rate whenever the
/// validation loss stalls for an epoch (reduce-on-plateau, unless the config has a
/// schedule: the smaller steps let the regularized model settle instead of bouncing
/// around the minimum) and stops early with the best weights restored. Early stopping
/// watches the validation accuracy when the run records one: the validation loss keeps
/// wobbling under the regularization, so restoring its best epoch can pick an early,
/// less accurate model, while the weights of the most accurate epoch still have a far
/// lower test loss than the overfitted run (docs/doctor.md has the measurements).
public struct OverfittingRule: DiagnosisRule {
    /// The generalization loss (as a fraction) that makes a warning.
    public var threshold = 0.1

    public var id: String { "overfitting" }

    /// The rule with its default threshold.
    public init() {}

    public func findings(in run: RunStatistics) -> [Finding] {
        let epochs = run.epochs.filter { $0.validationLoss?.isFinite == true && $0.trainLoss.isFinite }
        guard epochs.count >= 3, let best = epochs.min(by: { $0.validationLoss! < $1.validationLoss! }), let last = epochs.last,
            best.epoch < last.epoch, best.validationLoss! > 0
        else { return [] }
        let generalizationLoss = last.validationLoss! / best.validationLoss! - 1
        let previous = epochs[epochs.count - 2]
        let bestUpToPrevious = epochs.dropLast().map { $0.validationLoss! }.min()!
        guard bestUpToPrevious > 0, previous.validationLoss! / bestUpToPrevious - 1 > threshold else { return [] }
        let bestGap = best.validationLoss! - best.trainLoss, lastGap = last.validationLoss! - last.trainLoss
        guard generalizationLoss > threshold, last.trainLoss < best.trainLoss, lastGap > bestGap else { return [] }
        var evidence = ["generalization_loss": generalizationLoss, "threshold": threshold, "best_val_loss": best.validationLoss!,
                        "final_val_loss": last.validationLoss!, "best_gap": bestGap, "final_gap": lastGap, "best_epoch": Double(best.epoch)]
        if let train = last.trainMetrics["accuracy"], let validation = last.validationMetrics["accuracy"] {
            evidence["train_val_accuracy_gap"] = train - validation
        }
        let stoppingMonitor = last.validationMetrics["accuracy"] != nil ? "val_accuracy" : "val_loss"
        var fixes: [ConfigFix] = [
            .setIfAbsent(path: "callbacks.early_stopping", value: .object([
                ("monitor", .string(stoppingMonitor)), ("patience", ConfigFix.number(5)), ("restore_best_weights", .bool(true)),
            ])),
            .dropoutAfterHiddenActivations(probability: 0.3),
        ]
        if ConfigFix.value(at: "optimizer.weight_decay", in: run.config) == nil {
            fixes.append(.setIfAbsent(path: "regularization.weight_decay", value: ConfigFix.number(5e-4)))
        }
        fixes.append(.setIfAbsent(path: "schedule", value: .object([
            ("name", .string("reduce_on_plateau")), ("monitor", .string("val_loss")), ("patience", ConfigFix.number(1)),
            ("factor", ConfigFix.number(0.5)),
        ])))
        return [Finding(
            rule: id, severity: .warning,
            summary: "validation loss rose \(Finding.format(generalizationLoss * 100))% above its best (epoch \(best.epoch)) while the training loss kept falling",
            epoch: last.epoch, evidence: evidence,
            remedy: "early stopping (restore the best weights), L2 weight decay, Dropout, a smaller learning rate on plateaus, data augmentation, more data",
            fixes: fixes)]
    }
}

/// Underfitting: a classifier whose training loss after three epochs or more is still
/// above half the loss of guessing (ln C for C classes), without a validation gap
/// explaining it.
///
/// Rationale: a model that has not removed half of the uncertainty of a uniform guess on
/// the data it trains on lacks capacity, epochs or step size; the fix depends on whether
/// the loss was still falling (train longer) or had stalled (a bigger model, less
/// regularization, a better learning rate).
public struct UnderfittingRule: DiagnosisRule {
    /// The fraction of the chance-level loss above which the model underfits.
    public var chanceFraction = 0.5
    /// The last epoch's relative loss decrease above which training was still progressing.
    public var stillFallingFraction = 0.05
    /// The epochs before judging: a first epoch often ends high on a sound run.
    public var minimumEpochs = 3

    public var id: String { "underfitting" }

    /// The rule with its default thresholds.
    public init() {}

    public func findings(in run: RunStatistics) -> [Finding] {
        guard let classes = run.classCount, classes > 1, run.epochs.count >= minimumEpochs, let last = run.epochs.last,
            last.trainLoss.isFinite
        else { return [] }
        let chance = log(Double(classes))
        guard last.trainLoss > chanceFraction * chance else { return [] }
        if let validation = last.validationLoss, validation > last.trainLoss * 1.1 { return [] }
        var evidence = ["train_loss": last.trainLoss, "chance_loss": chance, "chance_fraction": chanceFraction]
        var stillFalling = false
        if run.epochs.count >= 2 {
            let previous = run.epochs[run.epochs.count - 2].trainLoss
            let decrease = previous > 0 ? (previous - last.trainLoss) / previous : 0
            evidence["last_epoch_decrease"] = decrease
            stillFalling = decrease > stillFallingFraction
        }
        return [Finding(
            rule: id, severity: .warning,
            summary: "the training loss \(Finding.format(last.trainLoss)) is above half the loss of guessing (ln \(classes) = \(Finding.format(chance)))"
                + (stillFalling ? " and was still falling" : ""),
            epoch: last.epoch, evidence: evidence,
            remedy: stillFalling
                ? "train for more epochs"
                : "a larger model (more layers or units), less regularization, a tuned learning rate or schedule",
            fixes: stillFalling ? [.scale(path: "epochs", factor: 2, default: 10)] : [])]
    }
}
