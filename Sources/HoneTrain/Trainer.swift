import Foundation
import HoneCore

/// Trains a model on batches from a ``DataLoader``: epochs of forward, loss, backward and
/// optimizer step, a validation pass after each epoch, and ``TrainingCallback`` hooks for
/// everything else (early stopping, checkpoints, schedules, clipping, progress, logs).
///
/// A non-finite loss stops training with ``TrainingError/nonFiniteLoss(epoch:batch:value:)``
/// and a non-finite gradient (checked after the `gradientsReady` hooks, so after any
/// clipping) with ``TrainingError/nonFiniteGradient(parameter:epoch:batch:value:)``, both
/// before the optimizer step, so the weights and the last checkpoint stay as they were.
///
/// ```swift
/// let trainer = Trainer(model: LeNet(seed: 0), optimizer: Adam(parameters: model.parameters()),
///                       callbacks: [EarlyStopping(monitor: "val_loss", patience: 3)])
/// let history = try trainer.fit(training: trainLoader, validation: validationLoader, epochs: 10)
/// ```
public final class Trainer {
    /// What the model predicts, which sets the loss and the metrics.
    public enum Objective: String, Codable, Sendable {
        /// Class scores `[B, C]` against class indices: cross-entropy, accuracy.
        case classification
        /// Values `[B, K]` against targets: mean squared error, MAE.
        case regression
    }

    /// The model trained.
    public let model: any UnaryLayer
    /// The optimizer stepping the model's parameters.
    public let optimizer: Optimizer
    /// Classification or regression.
    public let objective: Objective
    /// The hooks, run in this order.
    public var callbacks: [TrainingCallback]
    /// The strength of an L1 penalty on the trainable parameters (0 for none).
    public var l1Strength: Float
    /// Label smoothing for the cross-entropy loss.
    public var labelSmoothing: Float
    /// The standardization the regression targets were trained in: metrics (not the loss)
    /// are reported in the original units. Nil when targets are used as they are.
    public var targetScaling: TargetScaling?

    /// The number of epochs completed (the next epoch to run, counting from 0).
    public internal(set) var epoch = 0
    /// The number of optimizer steps taken.
    public internal(set) var globalStep = 0
    /// One record per completed epoch.
    public internal(set) var history: [EpochRecord] = []
    /// Set by a callback to end training after the current epoch.
    public var stopRequested = false
    /// The inputs of the current epoch's first batch, kept for monitors that probe the model.
    public internal(set) var probeInputs: Tensor?
    /// The inputs of the current batch, as the model sees them.
    public internal(set) var currentInputs: Tensor?
    /// The class labels of the current batch (empty for regression).
    public internal(set) var currentLabels: [Int] = []
    /// The batches in the current epoch.
    public internal(set) var batchesPerEpoch = 0
    /// The samples in the current batch.
    public internal(set) var currentBatchSize = 0
    /// The global gradient norm a `gradientsReady` hook measured at the current step (norm
    /// clipping does); when finite, every gradient is, and they need not be read again.
    var measuredGradientNorm: Float?
    /// The ranks this trainer trains with, when data-parallel: ``fit(training:validation:epochs:)``
    /// gives each rank its part of every batch, starts all from rank 0's weights, and
    /// averages the gradients before the `gradientsReady` hooks (so clipping and monitors
    /// see the global gradient). Nil trains in this process alone.
    public var dataParallel: DataParallel?

    /// A trainer for `model` with `optimizer`.
    public init(
        model: any UnaryLayer, optimizer: Optimizer, objective: Objective = .classification,
        callbacks: [TrainingCallback] = [], l1Strength: Float = 0, labelSmoothing: Float = 0
    ) {
        self.model = model
        self.optimizer = optimizer
        self.objective = objective
        self.callbacks = callbacks
        self.l1Strength = l1Strength
        self.labelSmoothing = labelSmoothing
    }

    /// The names of the metrics measured each epoch for this objective.
    public var metricNames: [String] { Self.metricNames(for: objective) }

    /// The training metrics measured each epoch (on the batches as they are trained).
    public static func metricNames(for objective: Objective) -> [String] {
        objective == .classification ? ["accuracy"] : ["mae"]
    }

    /// The validation metrics measured each epoch, each monitorable as `val_NAME`:
    /// accuracy, macro F1 and ROC-AUC (binary, or one-vs-rest macro) for classification;
    /// MAE, RMSE and R² for regression.
    public static func validationMetricNames(for objective: Objective) -> [String] {
        objective == .classification ? ["accuracy", "macro_f1", "roc_auc"] : ["mae", "rmse", "r2"]
    }

    /// Trains until `epochs` epochs are complete (counting those done before a resume)
    /// or a callback requests a stop, and returns the history.
    ///
    /// - Throws: ``TrainingError/nonFiniteLoss(epoch:batch:value:)``,
    ///   ``TrainingError/nonFiniteGradient(parameter:epoch:batch:value:)``, or what a callback throws.
    @discardableResult
    public func fit<Training: Dataset, Validation: Dataset>(
        training: DataLoader<Training>, validation: DataLoader<Validation>?, epochs: Int
    ) throws -> [EpochRecord] {
        stopRequested = false
        if let dataParallel {
            training.shard = dataParallel.shard
            dataParallel.broadcastWeights(of: model)
        }
        for callback in callbacks { try callback.fitWillBegin(self) }
        while epoch < epochs && !stopRequested {
            for callback in callbacks { try callback.epochWillBegin(self, epoch: epoch) }
            var record: EpochRecord
            do {
                record = try trainOneEpoch(training)
            } catch let error as TrainingError {
                for callback in callbacks { try callback.trainingDidFail(self, error: error) }
                throw error
            }
            if let validation {
                let evaluation = evaluate(validation)
                record.validationLoss = evaluation.loss
                record.validationMetrics = evaluation.epochMetrics
            }
            if let (metric, value) = record.firstNonFinite {
                for callback in callbacks { try callback.epochDidDiverge(self, record: record) }
                throw TrainingError.nonFiniteMetric(epoch: record.epoch, metric: metric, value: value)
            }
            epoch += 1
            for callback in callbacks { try callback.epochDidEnd(self, record: &record) }
            history.append(record)
        }
        for callback in callbacks { try callback.fitDidEnd(self) }
        return history
    }

    private func trainOneEpoch<Training: Dataset>(_ loader: DataLoader<Training>) throws -> EpochRecord {
        model.train()
        loader.setEpoch(epoch)
        batchesPerEpoch = loader.batchCount
        let start = DispatchTime.now().uptimeNanoseconds
        var lossSum = 0.0, samples = 0
        var tally = MetricTally(objective: objective, targetScale: targetScaling?.standardDeviation ?? 1)
        let trainable = dataParallel == nil ? [] : optimizer.parameterGroups.flatMap { $0.parameters.map(\.tensor) }.filter(\.requiresGrad)
        for (batchIndex, batch) in loader.enumerated() {
            if batchIndex == 0 { probeInputs = batch.inputs }
            currentInputs = batch.inputs
            currentLabels = batch.labels
            currentBatchSize = batch.indices.count
            for callback in callbacks { try callback.batchWillBegin(self, batch: batchIndex) }
            optimizer.zeroGrad()
            // A rank's part of a short last batch may be empty: it only joins the all-reduce.
            var value = 0.0
            var output: Tensor?
            if !batch.indices.isEmpty {
                let batchOutput = model(batch.inputs)
                let dataLoss = loss(batchOutput, batch)
                value = Double(dataLoss.item)
                guard value.isFinite else { throw TrainingError.nonFiniteLoss(epoch: epoch + 1, batch: batchIndex + 1, value: value) }
                let total = l1Strength > 0 ? dataLoss + l1Penalty(model.trainableParameters(), strength: l1Strength) : dataLoss
                total.backward()
                output = batchOutput
            }
            let localValue = value
            if let dataParallel { value = dataParallel.averageGradients(trainable, localSamples: batch.indices.count, localLoss: value) }
            measuredGradientNorm = nil
            for callback in callbacks { try callback.gradientsReady(self) }
            try checkGradientsAreFinite(batch: batchIndex)
            optimizer.step()
            globalStep += 1
            lossSum += localValue * Double(batch.indices.count)
            samples += batch.indices.count
            if let output { withNoGrad { tally.add(output: output.detached(), batch: batch) } }
            for callback in callbacks { try callback.batchDidEnd(self, batch: batchIndex, loss: value) }
        }
        if let dataParallel {
            let sums = dataParallel.sum([lossSum, Double(samples)] + tally.sums)
            lossSum = sums[0]
            samples = Int(sums[1])
            tally.sums = Array(sums[2...])
            dataParallel.averageBuffers(of: model)
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return EpochRecord(
            epoch: epoch + 1, trainLoss: samples > 0 ? lossSum / Double(samples) : 0, trainMetrics: tally.metrics,
            learningRate: Double(optimizer.learningRate), seconds: seconds,
            samplesPerSecond: seconds > 0 ? Double(samples) / seconds : 0, dataWaitSeconds: loader.waitSeconds)
    }

    /// Throws ``TrainingError/nonFiniteGradient(parameter:epoch:batch:value:)`` for the
    /// first parameter the optimizer would update whose gradient holds NaN or infinity:
    /// one pass over the gradients, none when a hook measured a finite norm this step.
    private func checkGradientsAreFinite(batch: Int) throws {
        if let norm = measuredGradientNorm, norm.isFinite { return }
        for group in optimizer.parameterGroups {
            for (name, parameter) in group.parameters {
                guard parameter.requiresGrad, let gradient = parameter.grad,
                    gradient.withUnsafeBufferPointer(Self.containsNonFinite)
                else { continue }
                let bad = gradient.withUnsafeBufferPointer { $0.first { !$0.isFinite } }!
                throw TrainingError.nonFiniteGradient(
                    parameter: parameterName(parameter, given: name), epoch: epoch + 1, batch: batch + 1, value: Double(bad))
            }
        }
    }

    /// Whether `values` hold NaN or infinity, whose exponent bits are all set. An integer
    /// maximum over the exponents has no early exit, so it vectorizes: about twice as
    /// fast as searching for the first non-finite value.
    private static func containsNonFinite(_ values: UnsafeBufferPointer<Float>) -> Bool {
        values.withMemoryRebound(to: UInt32.self) { bits in
            var largestExponent: UInt32 = 0
            for pattern in bits { largestExponent = max(largestExponent, pattern & 0x7F80_0000) }
            return largestExponent == 0x7F80_0000
        }
    }

    /// The model's name for `parameter` (its checkpoint key), else the optimizer's name for it.
    private func parameterName(_ parameter: Tensor, given: String) -> String {
        model.namedParameters().first { $0.tensor === parameter }?.name ?? given
    }

    /// The loss of `output` on `batch` for this trainer's objective.
    public func loss(_ output: Tensor, _ batch: Batch) -> Tensor {
        switch objective {
        case .classification:
            return crossEntropy(logits: output, targets: batch.labels, labelSmoothing: labelSmoothing)
        case .regression:
            return meanSquaredError(output, batch.targets!.reshaped(output.shape))
        }
    }

    /// Runs the model in evaluation mode over `loader` (one pass in dataset order) and
    /// returns the mean loss, the metrics and every output.
    public func evaluate<Base: Dataset>(_ loader: DataLoader<Base>) -> Evaluation {
        let wasTraining = model.isTraining
        model.eval()
        defer { model.train(wasTraining) }
        var lossSum = 0.0, samples = 0
        var tally = MetricTally(objective: objective, targetScale: targetScaling?.standardDeviation ?? 1)
        var outputs: [Tensor] = []
        var labels: [Int] = [], targets: [Tensor] = []
        loader.setEpoch(0)
        withNoGrad {
            for batch in loader {
                let output = model(batch.inputs)
                lossSum += Double(loss(output, batch).item) * Double(batch.indices.count)
                samples += batch.indices.count
                tally.add(output: output, batch: batch)
                outputs.append(output)
                labels += batch.labels
                if let batchTargets = batch.targets { targets.append(batchTargets.reshaped(output.shape)) }
            }
        }
        var allOutputs = outputs.isEmpty ? Tensor.zeros([0]) : Tensor.concat(outputs, axis: 0)
        var allTargets = targets.isEmpty ? nil : Tensor.concat(targets, axis: 0)
        if let targetScaling {
            allOutputs = Tensor(shape: allOutputs.shape, scalars: allOutputs.scalars.map(targetScaling.unscale))
            allTargets = allTargets.map { Tensor(shape: $0.shape, scalars: $0.scalars.map(targetScaling.unscale)) }
        }
        return Evaluation(
            objective: objective, loss: samples > 0 ? lossSum / Double(samples) : 0, metrics: tally.metrics,
            outputs: allOutputs, labels: labels, targets: allTargets)
    }
}

/// Running sums for the per-epoch metrics, so no outputs are kept during training.
struct MetricTally {
    let objective: Trainer.Objective
    /// The factor turning an error in trained (standardized) units into original units.
    let targetScale: Float
    private var correct = 0, count = 0, absoluteErrorSum = 0.0, valueCount = 0

    init(objective: Trainer.Objective, targetScale: Float = 1) {
        self.objective = objective
        self.targetScale = targetScale
    }

    mutating func add(output: Tensor, batch: Batch) {
        switch objective {
        case .classification:
            correct += zip(output.argmax(axis: 1), batch.labels).filter { $0 == $1 }.count
            count += batch.labels.count
        case .regression:
            guard let targets = batch.targets else { return }
            for (predicted, actual) in zip(output.scalars, targets.scalars) { absoluteErrorSum += Double(abs(predicted - actual) * targetScale) }
            valueCount += targets.count
        }
    }

    /// The running sums, as numbers that add up over the ranks of a data-parallel training.
    var sums: [Double] {
        get { [Double(correct), Double(count), absoluteErrorSum, Double(valueCount)] }
        set {
            correct = Int(newValue[0])
            count = Int(newValue[1])
            absoluteErrorSum = newValue[2]
            valueCount = Int(newValue[3])
        }
    }

    var metrics: [String: Double] {
        switch objective {
        case .classification: return ["accuracy": count > 0 ? Double(correct) / Double(count) : 0]
        case .regression: return ["mae": valueCount > 0 ? absoluteErrorSum / Double(valueCount) : 0]
        }
    }
}
