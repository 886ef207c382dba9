import Foundation
import HoneCore

/// The `optimizer` section: a name and its hyperparameters.
///
/// ```json
/// {"name": "sgd", "learning_rate": 0.05, "momentum": 0.9, "nesterov": true}
/// {"name": "adamw", "learning_rate": 0.001, "betas": [0.9, 0.999], "weight_decay": 0.01}
/// ```
public struct OptimizerConfig {
    /// The optimizers understood.
    public static let names = ["sgd", "adam", "adamw", "rmsprop", "adagrad"]
    static let fields: [String: [String]] = [
        "sgd": ["momentum", "dampening", "nesterov"],
        "adam": ["betas", "epsilon", "amsgrad"],
        "adamw": ["betas", "epsilon", "amsgrad"],
        "rmsprop": ["alpha", "epsilon", "momentum", "centered"],
        "adagrad": ["epsilon", "learning_rate_decay"],
    ]

    /// The optimizer's name.
    public var name: String
    /// The learning rate (of the head, when transfer learning uses parameter groups).
    public var learningRate: Float
    /// The checked section.
    let object: ConfigObject

    /// Reads and checks the section.
    public init(_ value: JSONValue?, path: String) throws {
        object = try ConfigObject(value ?? .object([]), path: path)
        name = try object.choice("name", Self.names) ?? "adam"
        try object.checkNoUnknownFields(allowed: ["name", "learning_rate", "weight_decay", "decoupled_weight_decay"] + Self.fields[name]!)
        learningRate = try object.positiveDouble("learning_rate").map(Float.init) ?? (name == "sgd" ? 0.01 : 0.001)
        _ = try makeOptimizer(groups: [], weightDecay: 0)
    }

    /// The weight decay set in this section, if any.
    var weightDecay: Float? { get throws { try object.nonNegativeDouble("weight_decay").map(Float.init) } }

    /// Builds the optimizer over `groups`.
    public func makeOptimizer(groups: [ParameterGroup], weightDecay: Float) throws -> Optimizer {
        let decoupled = try object.bool("decoupled_weight_decay") ?? false
        let epsilon = try object.nonNegativeDouble("epsilon").map(Float.init)
        switch name {
        case "sgd":
            let momentum = try object.double("momentum", in: 0...1).map(Float.init) ?? 0
            let nesterov = try object.bool("nesterov") ?? false
            let dampening = try object.double("dampening", in: 0...1).map(Float.init) ?? 0
            if nesterov && (momentum == 0 || dampening != 0) {
                throw ConfigError.invalidValue(path: object.fieldPath("nesterov"), message: "needs momentum > 0 and no dampening")
            }
            return SGD(groups: groups, learningRate: learningRate, momentum: momentum, dampening: dampening,
                       weightDecay: weightDecay, nesterov: nesterov, decoupledWeightDecay: decoupled)
        case "adam", "adamw":
            let betas = try object.doubleArray("betas") ?? [0.9, 0.999]
            guard betas.count == 2, betas.allSatisfy({ (0..<1).contains($0) }) else {
                throw ConfigError.invalidValue(path: object.fieldPath("betas"), message: "must be two numbers in [0, 1), got \(betas)")
            }
            let amsgrad = try object.bool("amsgrad") ?? false
            if name == "adamw" {
                return AdamW(groups: groups, learningRate: learningRate, betas: (Float(betas[0]), Float(betas[1])),
                             epsilon: epsilon ?? 1e-8, weightDecay: weightDecay, amsgrad: amsgrad)
            }
            return Adam(groups: groups, learningRate: learningRate, betas: (Float(betas[0]), Float(betas[1])),
                        epsilon: epsilon ?? 1e-8, weightDecay: weightDecay, amsgrad: amsgrad, decoupledWeightDecay: decoupled)
        case "rmsprop":
            return RMSprop(groups: groups, learningRate: learningRate, alpha: try object.double("alpha", in: 0...1).map(Float.init) ?? 0.99,
                           epsilon: epsilon ?? 1e-8, weightDecay: weightDecay,
                           momentum: try object.nonNegativeDouble("momentum").map(Float.init) ?? 0,
                           centered: try object.bool("centered") ?? false, decoupledWeightDecay: decoupled)
        default:
            return Adagrad(groups: groups, learningRate: learningRate,
                           learningRateDecay: try object.nonNegativeDouble("learning_rate_decay").map(Float.init) ?? 0,
                           weightDecay: weightDecay, epsilon: epsilon ?? 1e-10, decoupledWeightDecay: decoupled)
        }
    }
}

/// The `schedule` section: how the learning rate changes during training.
///
/// ```json
/// {"name": "cosine", "interval": "batch"}
/// {"name": "step", "step_size": 10, "gamma": 0.1}
/// {"name": "one_cycle", "max_learning_rate": 0.01}
/// {"name": "reduce_on_plateau", "monitor": "val_loss", "factor": 0.5, "patience": 2}
/// ```
/// Step counts (`step_size`, `period`, `milestones`, `warmup_steps`) are in epochs or in
/// batches as `interval` says; `period` and one-cycle's length default to the whole run.
public struct ScheduleConfig {
    /// The schedules understood.
    public static let names = ["constant", "step", "multistep", "exponential", "cosine", "cosine_restarts", "one_cycle", "reduce_on_plateau"]
    static let fields: [String: [String]] = [
        "constant": [], "step": ["step_size", "gamma"], "multistep": ["milestones", "gamma"], "exponential": ["gamma"],
        "cosine": ["period", "minimum_learning_rate"], "cosine_restarts": ["period", "period_multiplier", "minimum_learning_rate"],
        "one_cycle": ["max_learning_rate", "percent_start"],
        "reduce_on_plateau": ["monitor", "mode", "factor", "patience", "threshold", "cooldown", "minimum_learning_rate"],
    ]

    let object: ConfigObject
    /// The schedule's name.
    public let name: String
    /// When the schedule steps.
    public let interval: LearningRateScheduleCallback.Interval
    /// What reduce-on-plateau may monitor: the epoch record's names for the run's task
    /// (`val_loss`, `val_accuracy`, `val_macro_f1`, `val_roc_auc`, `val_rmse`, …).
    let monitorNames: [String]

    /// Reads and checks the section; `objective` says which metrics a plateau can be watched on.
    public init(_ value: JSONValue, path: String, objective: Trainer.Objective = .classification) throws {
        object = try ConfigObject(value, path: path)
        monitorNames = EpochRecord.monitorNames(
            metrics: Trainer.metricNames(for: objective), validationMetrics: Trainer.validationMetricNames(for: objective))
        guard let name = try object.choice("name", Self.names) else { throw ConfigError.missingField(path: object.fieldPath("name")) }
        self.name = name
        try object.checkNoUnknownFields(allowed: ["name", "interval", "warmup_steps"] + Self.fields[name]!)
        interval = try object.choice("interval", ["epoch", "batch"]).flatMap(LearningRateScheduleCallback.Interval.init(rawValue:)) ?? .epoch
        if name == "reduce_on_plateau" && interval == .batch {
            throw ConfigError.invalidValue(path: object.fieldPath("interval"), message: "reduce_on_plateau steps once per epoch")
        }
        _ = try makeCallback(optimizer: nil, learningRate: 0.1, epochs: 1, batchesPerEpoch: 1)
    }

    /// The callback that drives `optimizer` (nil only checks the settings).
    func makeCallback(optimizer: Optimizer?, learningRate: Float, epochs: Int, batchesPerEpoch: Int) throws -> TrainingCallback? {
        let totalSteps = interval == .batch ? epochs * batchesPerEpoch : epochs
        let gamma = try object.double("gamma", in: 0...1).map(Float.init) ?? 0.1
        let minimum = try object.nonNegativeDouble("minimum_learning_rate").map(Float.init) ?? 0
        var schedule: any LearningRateSchedule
        switch name {
        case "constant": schedule = ConstantSchedule(learningRate)
        case "step": schedule = StepDecay(initialLearningRate: learningRate, stepSize: try object.int("step_size", atLeast: 1) ?? max(totalSteps / 3, 1), gamma: gamma)
        case "multistep": schedule = MultiStepDecay(initialLearningRate: learningRate, milestones: try object.intArray("milestones") ?? [], gamma: gamma)
        case "exponential": schedule = ExponentialDecay(initialLearningRate: learningRate, gamma: try object.double("gamma", in: 0...1).map(Float.init) ?? 0.9)
        case "cosine":
            schedule = CosineAnnealing(initialLearningRate: learningRate, period: try object.int("period", atLeast: 1) ?? max(totalSteps, 1), minimumLearningRate: minimum)
        case "cosine_restarts":
            schedule = CosineAnnealingWarmRestarts(
                initialLearningRate: learningRate, firstPeriod: try object.int("period", atLeast: 1) ?? max(totalSteps / 4, 1),
                periodMultiplier: try object.int("period_multiplier", atLeast: 1) ?? 1, minimumLearningRate: minimum)
        case "one_cycle":
            let maximum = try object.positiveDouble("max_learning_rate").map(Float.init) ?? learningRate * 10
            schedule = OneCycle(maximumLearningRate: maximum, totalSteps: max(totalSteps, 1),
                                percentStart: try object.double("percent_start", in: 0.01...0.99) ?? 0.3)
        default:
            let monitor = try object.string("monitor") ?? "val_loss"
            let valid = monitorNames
            guard valid.contains(monitor) else {
                let hint = closestMatch(to: monitor, in: valid).map { "; did you mean '\($0)'?" } ?? ""
                throw ConfigError.invalidValue(path: object.fieldPath("monitor"), message: "'\(monitor)' is not measured\(hint)")
            }
            let mode = try object.choice("mode", ["min", "max"]).flatMap(ReduceOnPlateau.Mode.init(rawValue:)) ?? (MonitorMode.inferred(for: monitor) == .max ? .max : .min)
            let factor = try object.double("factor", in: 0.001...0.999).map(Float.init) ?? 0.1
            let plateau = ReduceOnPlateau(
                learningRate: learningRate, mode: mode, factor: factor, patience: try object.int("patience", atLeast: 0) ?? 10,
                threshold: try object.nonNegativeDouble("threshold").map(Float.init) ?? 1e-4,
                cooldown: try object.int("cooldown", atLeast: 0) ?? 0, minimumLearningRate: minimum)
            return optimizer.map { _ in ReduceOnPlateauCallback(monitor: monitor, plateau: plateau) }
        }
        if let warmup = try object.int("warmup_steps", atLeast: 1) {
            schedule = LinearWarmup(warmupSteps: warmup, then: AnySchedule(schedule))
        }
        return optimizer.map { LearningRateScheduleCallback(optimizer: $0, schedule: schedule, interval: interval) }
    }
}

/// A schedule of any type behind one type, so a warm-up can wrap a schedule chosen at run time.
struct AnySchedule: LearningRateSchedule {
    let base: any LearningRateSchedule
    init(_ base: any LearningRateSchedule) { self.base = base }
    func learningRate(at step: Int) -> Float { base.learningRate(at: step) }
}
