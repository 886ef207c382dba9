import Foundation
import HoneCore
import HoneTrain
import Testing

@testable import HoneDoctor

@Suite struct RuleTests {
    let rule = VanishingGradientsRule()

    @Test func vanishingGradientsFireWhenTheFirstLayerLearnsAHundredTimesSlower() {
        let vanishing = Synthetic.run(samples: [Synthetic.sample(relativeGradients: [1e-6, 1e-4, 1e-2, 1e-1])])
        let findings = VanishingGradientsRule().findings(in: vanishing)
        #expect(ruleIDs(findings) == ["vanishing_gradients"])
        #expect(findings[0].layer == "0.weight" && findings[0].evidence["first_to_last_relative_gradient"]! < 1e-4)
        #expect(VanishingGradientsRule().findings(in: Synthetic.run(samples: [Synthetic.sample(relativeGradients: [0.005, 0.01, 0.02])])).isEmpty)
        // Two weight layers are too shallow for the rule to judge.
        #expect(VanishingGradientsRule().findings(in: Synthetic.run(samples: [Synthetic.sample(relativeGradients: [1e-6, 1])])).isEmpty)
    }

    @Test func explodingGradientsFireOnAHundredfoldGrowth() {
        let growing = (0..<12).map { pow(2, Double($0)) }
        #expect(ruleIDs(ExplodingGradientsRule().findings(in: Synthetic.run(steps: Synthetic.steps([1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1], gradientNorms: growing))))
                == ["exploding_gradients"])
        let steady = [Double](repeating: 3, count: 12)
        #expect(ExplodingGradientsRule().findings(in: Synthetic.run(steps: Synthetic.steps(steady, gradientNorms: steady))).isEmpty)
        #expect(ruleIDs(ExplodingGradientsRule().findings(in: Synthetic.run(samples: [Synthetic.sample(relativeGradients: [10, 0.5, 0.01])])))
                == ["exploding_gradients"])
    }

    @Test func nonFiniteValuesAreErrors() {
        let failure = FailureRecord(step: 7, epoch: 1, message: "loss became nan at epoch 1, batch 7", value: .nan)
        let failed = NonFiniteRule().findings(in: Synthetic.run(failure: failure))
        #expect(failed.map(\.severity) == [.error] && failed[0].step == 7)
        #expect(ruleIDs(NonFiniteRule().findings(in: Synthetic.run(steps: Synthetic.steps([1, .infinity]))), atLeast: .error) == ["non_finite"])
        #expect(NonFiniteRule().findings(in: Synthetic.run(steps: Synthetic.steps([1, 0.5]), epochs: Synthetic.epochs(train: [1]))).isEmpty)
    }

    @Test func deadReLUsFireWhenHalfALayerNeverFires() {
        let dead = DeadUnitsRule().findings(in: Synthetic.run(samples: [Synthetic.sample(deadCount: 40)]))
        #expect(dead.map(\.severity) == [.warning, .warning] && dead[0].layer == "1")
        #expect(dead[0].fixes == [.replaceActivations(["relu"], by: "leaky_relu")])
        #expect(DeadUnitsRule().findings(in: Synthetic.run(samples: [Synthetic.sample(deadCount: 5)])).isEmpty)
        // LeakyReLU units still pass gradient: reported, but only as info.
        let leaky = DeadUnitsRule().findings(in: Synthetic.run(samples: [Synthetic.sample(activation: "LeakyReLU", deadCount: 40)]))
        #expect(!leaky.isEmpty && leaky.allSatisfy { $0.severity == .info })
    }

    @Test func saturatedSigmoidsFireWhenHalfTheOutputsAreAtTheEnds() {
        let saturated = SaturationRule().findings(in: Synthetic.run(samples: [Synthetic.sample(activation: "Sigmoid", saturatedFraction: 0.7)]))
        #expect(saturated.count == 2 && saturated.allSatisfy { $0.severity == .warning })
        #expect(SaturationRule().findings(in: Synthetic.run(samples: [Synthetic.sample(activation: "Tanh", saturatedFraction: 0.1)])).isEmpty)
    }

    @Test func learningRateTooHighFiresOnDivergenceOscillationAndNonFiniteLoss() {
        let rising = Synthetic.run(steps: Synthetic.steps([2, 1.5, 1, 0.8, 0.9, 1.2, 1.6, 2.0, 2.4]))
        #expect(ruleIDs(LearningRateTooHighRule().findings(in: rising)) == ["learning_rate_too_high"])
        let oscillating = Synthetic.run(steps: Synthetic.steps([2, 1, 0.4, 1.6, 0.4, 1.6, 0.4, 1.6, 0.4, 1.6, 0.4, 1.6]))
        #expect(ruleIDs(LearningRateTooHighRule().findings(in: oscillating)) == ["learning_rate_too_high"])
        let failed = Synthetic.run(failure: FailureRecord(step: 3, epoch: 1, message: "loss became inf", value: .infinity))
        let finding = LearningRateTooHighRule().findings(in: failed)
        #expect(finding.map(\.severity) == [.error] && finding[0].fixes == [.scale(path: "optimizer.learning_rate", factor: 0.01, default: 0.01)])
        // Stuck at chance (ln 10 ≈ 2.30) while the weights move 5% a step.
        let stuck = Synthetic.run(steps: Synthetic.steps([2.31, 2.30, 2.32, 2.30, 2.31, 2.30]), samples: [Synthetic.sample(updateRatio: 0.05)])
        #expect(ruleIDs(LearningRateTooHighRule().findings(in: stuck)) == ["learning_rate_too_high"])
        let healthy = Synthetic.run(
            steps: Synthetic.steps([2.3, 1.6, 1.1, 0.9, 0.8, 0.7, 0.65, 0.6, 0.58, 0.55, 0.53, 0.52]), samples: [Synthetic.sample()])
        #expect(LearningRateTooHighRule().findings(in: healthy).isEmpty)
    }

    @Test func learningRateTooLowFiresOnAFlatLossWithTinyUpdates() {
        let flat = [Double](repeating: 2.3, count: 10)
        #expect(ruleIDs(LearningRateTooLowRule().findings(in: Synthetic.run(steps: Synthetic.steps(flat), samples: [Synthetic.sample(updateRatio: 1e-6)])))
                == ["learning_rate_too_low"])
        #expect(LearningRateTooLowRule().findings(in: Synthetic.run(steps: Synthetic.steps(flat), samples: [Synthetic.sample(updateRatio: 1e-3)])).isEmpty)
        let falling = (0..<10).map { 2.3 * pow(0.8, Double($0)) }
        #expect(LearningRateTooLowRule().findings(in: Synthetic.run(steps: Synthetic.steps(falling), samples: [Synthetic.sample(updateRatio: 1e-6)])).isEmpty)
    }

    @Test func overfittingFiresWhenValidationRisesWhileTrainingFalls() {
        let overfit = Synthetic.run(epochs: Synthetic.epochs(train: [1.0, 0.6, 0.3, 0.1], validation: [1.0, 0.8, 0.9, 1.1]))
        let findings = OverfittingRule().findings(in: overfit)
        #expect(ruleIDs(findings) == ["overfitting"])
        #expect(abs(findings[0].evidence["generalization_loss"]! - 1.1 / 0.8 + 1) < 1e-12)
        #expect(OverfittingRule().findings(in: Synthetic.run(epochs: Synthetic.epochs(train: [1.0, 0.6, 0.4, 0.3], validation: [1.0, 0.8, 0.7, 0.65]))).isEmpty)
        // Validation rising together with training is not overfitting (that is divergence).
        #expect(OverfittingRule().findings(in: Synthetic.run(epochs: Synthetic.epochs(train: [1.0, 0.6, 0.8, 1.2], validation: [1.0, 0.8, 0.9, 1.3]))).isEmpty)
        // One epoch 12.9% above the best (a warm-up jump) is not enough; two in a row are.
        let spike = Synthetic.epochs(train: [1.0, 0.6, 0.5, 0.4], validation: [1.0, 0.8, 0.7, 0.79])
        #expect(OverfittingRule().findings(in: Synthetic.run(epochs: spike)).isEmpty)
        let sustained = Synthetic.epochs(train: [1.0, 0.6, 0.5, 0.4, 0.3], validation: [1.0, 0.8, 0.7, 0.79, 0.8])
        #expect(ruleIDs(OverfittingRule().findings(in: Synthetic.run(epochs: sustained))) == ["overfitting"])
        // The epoch before must be above the best before it: a jump after a new best is one epoch.
        let recovered = Synthetic.epochs(train: [1.0, 0.6, 0.5, 0.4, 0.3], validation: [1.0, 0.8, 0.95, 0.7, 0.79])
        #expect(OverfittingRule().findings(in: Synthetic.run(epochs: recovered)).isEmpty)
    }

    @Test func overfittingFixAddsReduceOnPlateauAndStopsOnAccuracyWhenRecorded() throws {
        var epochs = Synthetic.epochs(train: [1.0, 0.6, 0.3, 0.1], validation: [1.0, 0.8, 0.9, 1.1])
        let lossOnly = OverfittingRule().findings(in: Synthetic.run(epochs: epochs))
        for index in epochs.indices { epochs[index].validationMetrics["accuracy"] = 0.7 }
        let withAccuracy = OverfittingRule().findings(in: Synthetic.run(epochs: epochs))
        let plateau = JSONValue.object([
            ("name", .string("reduce_on_plateau")), ("monitor", .string("val_loss")), ("patience", .number(1, text: "1")),
            ("factor", .number(0.5, text: "0.5")),
        ])
        let mlp = try TrainingConfig.applying(["model": try JSONValue.parse(#"{"zoo": "mlp", "hidden": [64]}"#)], to: Synthetic.config)
        for (findings, monitor) in [(lossOnly, "val_loss"), (withAccuracy, "val_accuracy")] {
            let fixed = try Doctor.fixedConfig(mlp, findings: findings)
            #expect(ConfigFix.value(at: "schedule", in: fixed) == plateau, "\(fixed.serialized())")
            #expect(ConfigFix.value(at: "callbacks.early_stopping.monitor", in: fixed) == .string(monitor))
            #expect(ConfigFix.value(at: "callbacks.early_stopping.restore_best_weights", in: fixed) == .bool(true))
            // What --fix writes trains: the schedule and the monitor are valid for the run.
            let config = try TrainingConfig(json: fixed, baseDirectory: URL(fileURLWithPath: "."))
            #expect(config.schedule?.name == "reduce_on_plateau")
        }
        // A config that already has a schedule keeps it.
        let scheduled = try TrainingConfig.applying(["schedule": .object([("name", .string("cosine"))])], to: mlp)
        let kept = try Doctor.fixedConfig(scheduled, findings: withAccuracy)
        #expect(ConfigFix.value(at: "schedule", in: kept) == .object([("name", .string("cosine"))]))
    }

    @Test func underfittingFiresWhenTrainingLossStaysNearChance() {
        let high = Synthetic.run(samples: [Synthetic.sample()], epochs: Synthetic.epochs(train: [2.3, 2.2, 2.0], validation: [2.3, 2.2, 2.0]))
        let findings = UnderfittingRule().findings(in: high)
        #expect(ruleIDs(findings) == ["underfitting"] && findings[0].fixes == [.scale(path: "epochs", factor: 2, default: 10)])
        #expect(UnderfittingRule().findings(in: Synthetic.run(samples: [Synthetic.sample()], epochs: Synthetic.epochs(train: [1.2, 0.9, 0.4]))).isEmpty)
        // Two epochs are too early to judge.
        #expect(UnderfittingRule().findings(in: Synthetic.run(samples: [Synthetic.sample()], epochs: Synthetic.epochs(train: [2.3, 2.2]))).isEmpty)
    }

    @Test func unscaledInputsFireForRawPixelsButNotForUnitRanges() {
        let raw = Synthetic.run(samples: [Synthetic.sample(input: Synthetic.histogram(mean: 73, deviation: 90))])
        #expect(ruleIDs(UnscaledInputsRule().findings(in: raw)) == ["unscaled_inputs"])
        let unit = Synthetic.run(samples: [Synthetic.sample(input: Synthetic.histogram(mean: 0.29, deviation: 0.35))])
        #expect(UnscaledInputsRule().findings(in: unit).isEmpty)
        #expect(UnscaledInputsRule().findings(in: Synthetic.run(samples: [Synthetic.sample()])).isEmpty)
    }

    @Test func classImbalanceFiresBeyondThreeToOne() {
        let skewed = (0..<5).map { Synthetic.sample(step: 10 * $0, labelCounts: [50, 10], classes: 2) }
        #expect(ruleIDs(ClassImbalanceRule().findings(in: Synthetic.run(samples: skewed))) == ["class_imbalance"])
        let balanced = (0..<5).map { Synthetic.sample(step: 10 * $0, labelCounts: [32, 28], classes: 2) }
        #expect(ClassImbalanceRule().findings(in: Synthetic.run(samples: balanced)).isEmpty)
    }

    @Test func healthyStatisticsGiveNoWarnings() {
        let run = Synthetic.run(
            steps: Synthetic.steps([2.3, 1.6, 1.1, 0.9, 0.8, 0.7, 0.65, 0.6, 0.58, 0.55, 0.53, 0.52]),
            samples: [Synthetic.sample(deadCount: 3, labelCounts: [6, 7, 6, 7, 6, 7, 6, 7, 6, 6]),
                      Synthetic.sample(step: 100, deadCount: 4, labelCounts: [7, 6, 7, 6, 7, 6, 7, 6, 6, 6])],
            epochs: Synthetic.epochs(train: [0.9, 0.6, 0.5], validation: [0.8, 0.6, 0.55]))
        #expect(ruleIDs(Doctor.diagnose(run), atLeast: .warning) == [])
    }
}
