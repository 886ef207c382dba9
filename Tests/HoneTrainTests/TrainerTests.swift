import Foundation
import HoneTestSupport
import Testing

@testable import HoneTrain

/// Replaces each epoch's validation loss with the next value of a script, so early
/// stopping sees a known sequence; remembers the weights at the end of every epoch.
final class ScriptedValidation: TrainingCallback {
    let losses: [Double]
    var weightsByEpoch: [Int: [String: [UInt32]]] = [:]

    init(_ losses: [Double]) { self.losses = losses }

    func epochDidEnd(_ trainer: Trainer, record: inout EpochRecord) throws {
        record.validationLoss = losses[record.epoch - 1]
        weightsByEpoch[record.epoch] = weightBits(trainer.model)
    }
}

@Suite struct TrainerTests {
    func makeTrainer(seed: UInt64 = 1, learningRate: Float = 0.05, callbacks: [TrainingCallback] = []) -> Trainer {
        let model = MLP(inputDimensions: 4, hiddenDimensions: [8], classCount: 2, seed: seed)
        return Trainer(model: model, optimizer: SGD(parameters: model.parameters(), learningRate: learningRate), callbacks: callbacks)
    }

    @Test func trainingLearnsSeparableBlobs() throws {
        let trainer = makeTrainer()
        let loader = try DataLoader(dataset: blobs(count: 128, seed: 1), batchSize: 16, shuffle: true, seed: 0)
        let validation = try DataLoader(dataset: blobs(count: 64, seed: 2), batchSize: 64)
        let history = try trainer.fit(training: loader, validation: validation, epochs: 5)
        #expect(history.count == 5)
        #expect(history.last!.trainLoss < history.first!.trainLoss)
        #expect(history.last!.validationMetrics["accuracy"]! > 0.85)
        #expect(history.allSatisfy { $0.dataWaitSeconds >= 0 && $0.dataWaitSeconds <= $0.seconds + 1e-3 })
    }

    @Test func earlyStoppingStopsAfterPatienceAndRestoresBestWeights() throws {
        // Best at epoch 3 (0.5); epochs 4 and 5 do not improve by more than 0.01 → stop after epoch 5 with patience 2.
        let script = ScriptedValidation([1.0, 0.8, 0.5, 0.495, 0.6, 0.3, 0.2])
        let stopping = EarlyStopping(monitor: "val_loss", patience: 2, minimumDelta: 0.01, restoreBestWeights: true)
        let trainer = makeTrainer(callbacks: [script, stopping])
        let loader = try DataLoader(dataset: blobs(count: 64, seed: 1), batchSize: 16, shuffle: true, seed: 0)
        let validation = try DataLoader(dataset: blobs(count: 16, seed: 2), batchSize: 16)
        let history = try trainer.fit(training: loader, validation: validation, epochs: 7)
        #expect(history.count == 5)
        #expect(stopping.stoppedEpoch == 5)
        #expect(stopping.bestEpoch == 3)
        #expect(script.weightsByEpoch[5] != script.weightsByEpoch[3])
        #expect(weightBits(trainer.model) == script.weightsByEpoch[3])
    }

    @Test func earlyStoppingOnAccuracyMaximizes() throws {
        final class ScriptedAccuracy: TrainingCallback {
            func epochDidEnd(_ trainer: Trainer, record: inout EpochRecord) throws {
                record.validationMetrics["accuracy"] = [0.5, 0.7, 0.6, 0.65, 0.9][record.epoch - 1]
            }
        }
        let stopping = EarlyStopping(monitor: "val_accuracy", patience: 2, restoreBestWeights: false)
        #expect(stopping.mode == .max)
        let trainer = makeTrainer(callbacks: [ScriptedAccuracy(), stopping])
        let loader = try DataLoader(dataset: blobs(count: 32, seed: 1), batchSize: 16)
        try trainer.fit(training: loader, validation: loader, epochs: 5)
        #expect(stopping.bestEpoch == 2)
        #expect(stopping.stoppedEpoch == 4)
    }

    @Test func nonFiniteLossStopsWithErrorBeforeTheStep() throws {
        let trainer = makeTrainer(learningRate: 0.1)
        // An infinite feature overflows the logits, as a diverging run does.
        let inputs = Tensor(shape: [4, 4], scalars: [1, 2, 3, .infinity, 1, 1, 1, 1, 0, 0, 0, 0, 2, 2, 2, 2])
        let loader = try DataLoader(dataset: TensorDataset(inputs: inputs, labels: [0, 1, 0, 1]), batchSize: 4)
        let before = weightBits(trainer.model)
        #expect(throws: TrainingError.self) { try trainer.fit(training: loader, validation: nil as DataLoader<TensorDataset>?, epochs: 1) }
        do {
            try trainer.fit(training: loader, validation: nil as DataLoader<TensorDataset>?, epochs: 1)
        } catch let error as TrainingError {
            guard case .nonFiniteLoss(let epoch, let batch, _) = error else { Issue.record("wrong error \(error)"); return }
            #expect(epoch == 1 && batch == 1)
            #expect(error.description.contains("lower the learning rate, enable gradient clipping or add a learning-rate warm-up"))
        }
        #expect(weightBits(trainer.model) == before)
    }

    @Test func nonFiniteGradientWithFiniteLossStopsNamingTheParameterBeforeTheStep() throws {
        // d√s/ds is infinite at s = 0: the output and the loss stay finite, the gradient of
        // `shift` does not, and the linear layer's gradients (earlier in order) stay finite.
        final class SquareRootShift: Module, UnaryLayer {
            let linear = Linear(4, 2, seed: 5)
            let shift = Tensor(shape: [1], scalars: [0], requiresGrad: true)
            func forward(_ x: Tensor) -> Tensor { linear(x) + shift.sqrt() }
        }
        let model = SquareRootShift()
        let trainer = Trainer(model: model, optimizer: SGD(parameters: model.parameters(), learningRate: 0.1))
        let loader = try DataLoader(dataset: blobs(count: 8, seed: 1), batchSize: 4)
        let before = weightBits(model)
        let error = try nonFiniteGradientError(trainer, loader, epochs: 1)
        #expect(error?.parameter == "shift" && error?.epoch == 1 && error?.batch == 1 && error?.value.isFinite == false)
        #expect(model.linear.weight.grad.map { $0.scalars.allSatisfy(\.isFinite) } == true)
        #expect(weightBits(model) == before)
        #expect(trainer.globalStep == 0)
    }

    /// Writes NaN into one gradient at a chosen batch of a chosen epoch (both from 0), and
    /// remembers the weights after every optimizer step and at the end of every epoch.
    final class GradientPoison: TrainingCallback {
        let parameterName: String, epoch: Int, batch: Int
        var weightsAfterLastStep: [String: [UInt32]] = [:]
        var weightsByEpoch: [Int: [String: [UInt32]]] = [:]
        private var currentBatch = 0

        init(parameterName: String, epoch: Int, batch: Int) {
            (self.parameterName, self.epoch, self.batch) = (parameterName, epoch, batch)
        }

        func batchWillBegin(_ trainer: Trainer, batch: Int) throws { currentBatch = batch }
        func gradientsReady(_ trainer: Trainer) throws {
            guard trainer.epoch == epoch, currentBatch == batch else { return }
            let parameter = trainer.model.namedParameters().first { $0.name == parameterName }!.tensor
            parameter.grad!.withUnsafeMutableBufferPointer { $0[$0.count - 1] = .nan }
        }
        func batchDidEnd(_ trainer: Trainer, batch: Int, loss: Double) throws { weightsAfterLastStep = weightBits(trainer.model) }
        func epochDidEnd(_ trainer: Trainer, record: inout EpochRecord) throws { weightsByEpoch[record.epoch] = weightBits(trainer.model) }
    }

    /// Runs `trainer.fit` and returns the non-finite-gradient error it stops with.
    func nonFiniteGradientError(
        _ trainer: Trainer, _ loader: DataLoader<TensorDataset>, epochs: Int
    ) throws -> (parameter: String, epoch: Int, batch: Int, value: Double)? {
        do {
            try trainer.fit(training: loader, validation: nil as DataLoader<TensorDataset>?, epochs: epochs)
            Issue.record("training went on with a non-finite gradient")
        } catch let error as TrainingError {
            guard case .nonFiniteGradient(let parameter, let epoch, let batch, let value) = error else {
                Issue.record("wrong error \(error)")
                return nil
            }
            #expect(error.description.contains("'\(parameter)'") && error.description.contains("lower the learning rate"))
            return (parameter, epoch, batch, value)
        }
        return nil
    }

    @Test func nonFiniteGradientLeavesTheLastCheckpointIntact() throws {
        let directory = try TemporaryDirectory()
        let poison = GradientPoison(parameterName: "layers.1.bias", epoch: 1, batch: 2)
        let trainer = makeTrainer(callbacks: [poison, ModelCheckpoint(directory: directory.url, monitor: nil)])
        let loader = try DataLoader(dataset: blobs(count: 32, seed: 1), batchSize: 8)
        let error = try nonFiniteGradientError(trainer, loader, epochs: 3)
        #expect(error?.parameter == "layers.1.bias" && error?.epoch == 2 && error?.batch == 3 && error?.value.isNaN == true)
        // The poisoned step was not taken: the weights are those after the batch before it.
        #expect(weightBits(trainer.model) == poison.weightsAfterLastStep)
        #expect(trainer.epoch == 1 && trainer.globalStep == 4 + 2)
        // The checkpoint of epoch 1 still loads, with the weights epoch 1 ended with.
        let resumed = makeTrainer(seed: 9)
        try CheckpointStore.restore(resumed, from: directory.url, name: "last")
        #expect(resumed.epoch == 1 && resumed.globalStep == 4)
        #expect(weightBits(resumed.model) == poison.weightsByEpoch[1])
        #expect(weightBits(resumed.model) != weightBits(trainer.model))
    }

    @Test func normClippingLeavesANonFiniteGradientForTheTrainerToName() throws {
        // Clipping runs after the poison: the norm is NaN, so clipping leaves the gradients
        // as they are and the trainer names the poisoned parameter, not the first one.
        let poison = GradientPoison(parameterName: "layers.1.weight", epoch: 0, batch: 1)
        let clipping = GradientClippingCallback(.norm(maxNorm: 1))
        let trainer = makeTrainer(callbacks: [poison, clipping])
        let loader = try DataLoader(dataset: blobs(count: 16, seed: 1), batchSize: 8)
        let error = try nonFiniteGradientError(trainer, loader, epochs: 1)
        #expect(error?.parameter == "layers.1.weight" && error?.epoch == 1 && error?.batch == 2 && error?.value.isNaN == true)
        #expect(clipping.lastNorm!.isNaN)
        let first = trainer.model.namedParameters()[0]
        #expect(first.name == "layers.0.weight" && first.tensor.grad!.scalars.allSatisfy(\.isFinite))
        #expect(weightBits(trainer.model) == poison.weightsAfterLastStep)
    }

    @Test func hooksFireInDocumentedOrder() throws {
        final class Recorder: TrainingCallback {
            var events: [String] = []
            func fitWillBegin(_ trainer: Trainer) throws { events.append("fit") }
            func epochWillBegin(_ trainer: Trainer, epoch: Int) throws { events.append("epoch\(epoch)") }
            func batchWillBegin(_ trainer: Trainer, batch: Int) throws { events.append("batch\(batch)") }
            func gradientsReady(_ trainer: Trainer) throws {
                #expect(trainer.model.parameters().allSatisfy { $0.grad != nil })
                events.append("grads")
            }
            func batchDidEnd(_ trainer: Trainer, batch: Int, loss: Double) throws { events.append("end\(batch)") }
            func epochDidEnd(_ trainer: Trainer, record: inout EpochRecord) throws { events.append("epochEnd\(record.epoch)") }
            func fitDidEnd(_ trainer: Trainer) throws { events.append("fitEnd") }
        }
        let recorder = Recorder()
        let trainer = makeTrainer(callbacks: [recorder])
        let loader = try DataLoader(dataset: blobs(count: 8, seed: 1), batchSize: 4)
        try trainer.fit(training: loader, validation: nil as DataLoader<TensorDataset>?, epochs: 1)
        #expect(recorder.events == ["fit", "epoch0", "batch0", "grads", "end0", "batch1", "grads", "end1", "epochEnd1", "fitEnd"])
    }

    @Test func gradientClippingByNormLimitsTheStep() throws {
        let clipping = GradientClippingCallback(.norm(maxNorm: 1e-3))
        final class NormCheck: TrainingCallback {
            var norms: [Double] = []
            func gradientsReady(_ trainer: Trainer) throws {
                norms.append(GradientClipping.totalNorm(trainer.model.parameters().compactMap(\.grad)))
            }
        }
        let check = NormCheck()
        let trainer = makeTrainer(callbacks: [clipping, check])
        let loader = try DataLoader(dataset: blobs(count: 32, seed: 1), batchSize: 8)
        try trainer.fit(training: loader, validation: nil as DataLoader<TensorDataset>?, epochs: 1)
        #expect(clipping.lastNorm! > 1e-3)
        #expect(check.norms.allSatisfy { $0 <= 1e-3 * 1.0001 })
    }

    @Test func scheduleStepsPerBatchAndReduceOnPlateauLowersRate() throws {
        let model = MLP(inputDimensions: 4, hiddenDimensions: [8], classCount: 2, seed: 1)
        let optimizer = SGD(parameters: model.parameters(), learningRate: 0.1)
        let schedule = LearningRateScheduleCallback(optimizer: optimizer, schedule: StepDecay(initialLearningRate: 0.1, stepSize: 4, gamma: 0.5), interval: .batch)
        let trainer = Trainer(model: model, optimizer: optimizer, callbacks: [schedule])
        let loader = try DataLoader(dataset: blobs(count: 32, seed: 1), batchSize: 8)
        try trainer.fit(training: loader, validation: nil as DataLoader<TensorDataset>?, epochs: 2)
        // 8 batches → 8 steps → 0.1 · 0.5².
        #expect(abs(optimizer.learningRate - 0.025) < 1e-7)

        final class FlatLoss: TrainingCallback {
            func epochDidEnd(_ trainer: Trainer, record: inout EpochRecord) throws { record.validationLoss = 1 }
        }
        let plateauOptimizer = SGD(parameters: model.parameters(), learningRate: 0.1)
        let plateau = ReduceOnPlateauCallback(monitor: "val_loss", plateau: ReduceOnPlateau(learningRate: 0.1, factor: 0.5, patience: 1))
        let plateauTrainer = Trainer(model: model, optimizer: plateauOptimizer, callbacks: [FlatLoss(), plateau])
        try plateauTrainer.fit(training: loader, validation: loader, epochs: 3)
        // Epoch 1 sets the best; epochs 2 and 3 are bad; the second bad epoch exceeds patience 1.
        #expect(abs(plateauOptimizer.learningRate - 0.05) < 1e-7)
    }

    @Test func progressBarWritesOneLinePerEpochWhenNotATerminal() throws {
        var output = ""
        let bar = ProgressBar(epochs: 2, live: false) { output += $0 }
        let trainer = makeTrainer(callbacks: [bar])
        let loader = try DataLoader(dataset: blobs(count: 16, seed: 1), batchSize: 8)
        try trainer.fit(training: loader, validation: loader, epochs: 2)
        let lines = output.split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines[0].hasPrefix("epoch 1/2  loss "))
        #expect(lines[1].contains("val_accuracy"))
        #expect(!output.contains("\r"))

        var live = ""
        let liveBar = ProgressBar(epochs: 1, live: true) { live += $0 }
        try makeTrainer(callbacks: [liveBar]).fit(training: loader, validation: nil as DataLoader<TensorDataset>?, epochs: 1)
        #expect(live.contains("\repoch 1/1 ["))
        #expect(live.contains("ETA"))
        #expect(live.contains("samples/s"))
    }
}
