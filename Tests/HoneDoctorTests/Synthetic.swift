import Foundation
import HoneCore
import HoneTrain

@testable import HoneDoctor

/// Builders of synthetic run statistics: each rule test states only the numbers it is about.
enum Synthetic {
    static let config = try! JSONValue.parse("""
        {"data": {"source": "fashion-mnist"}, "optimizer": {"name": "sgd", "learning_rate": 0.1}, "epochs": 4}
        """)

    /// A histogram of `count` values with the given mean and standard deviation.
    static func histogram(mean: Double = 0, deviation: Double = 1, count: Int = 1000) -> Histogram {
        let sum = mean * Double(count)
        let squares = (deviation * deviation + mean * mean) * Double(count)
        return Histogram(min: mean - 2 * deviation, max: mean + 2 * deviation, count: count, sum: sum, sumOfSquares: squares,
                         counts: [count / 2, count - count / 2])
    }

    /// Step records every 10 steps with these losses (and gradient norms, 1 by default).
    static func steps(_ losses: [Double], gradientNorms: [Double]? = nil) -> [StepRecord] {
        losses.enumerated().map { index, loss in
            let norm = gradientNorms?[index] ?? 1
            return StepRecord(step: 10 * (index + 1), epoch: 1, loss: loss, learningRate: 0.1, gradientNorm: norm,
                              clippedGradientNorm: norm, samplesPerSecond: 1000)
        }
    }

    /// A sample of a linear stack: weight layers "0", "2", … with the given relative
    /// gradients (‖∇W‖/‖W‖) and update ratios, activation layers of `activation` between them.
    static func sample(
        step: Int = 10, epoch: Int = 1, relativeGradients: [Double] = [0.01, 0.01, 0.01], updateRatio: Double = 1e-3,
        activation: String = "ReLU", deadCount: Int? = nil, saturatedFraction: Double? = nil, input: Histogram = histogram(),
        labelCounts: [Int]? = nil, classes: Int = 10
    ) -> SampleRecord {
        var layers: [LayerSample] = [], parameters: [ParameterSample] = []
        for (index, relative) in relativeGradients.enumerated() {
            let name = String(2 * index)
            let last = index == relativeGradients.count - 1
            layers.append(LayerSample(name: name, type: "Linear", histogram: histogram(), unitCount: last ? classes : 64))
            parameters.append(ParameterSample(
                name: name + ".weight", gradientNorm: relative * 2, gradientHistogram: histogram(), weightNorm: 2, updateRatio: updateRatio))
            if !last {
                let isReLU = activation.contains("ReLU")
                layers.insert(LayerSample(
                    name: String(2 * index + 1), type: activation, histogram: histogram(), unitCount: 64,
                    deadCount: isReLU ? (deadCount ?? 0) : nil, saturatedFraction: isReLU ? nil : (saturatedFraction ?? 0)),
                    at: layers.count)  // after its linear layer, in call order
            }
        }
        return SampleRecord(step: step, epoch: epoch, input: input, layers: layers, parameters: parameters, labelCounts: labelCounts)
    }

    /// Run statistics from these parts.
    static func run(steps: [StepRecord] = [], samples: [SampleRecord] = [], epochs: [EpochRecord] = [], failure: FailureRecord? = nil)
        -> RunStatistics
    {
        var log = MonitorLog()
        log.steps = steps
        log.samples = samples
        log.failure = failure
        return RunStatistics(config: config, epochs: epochs, monitors: log)
    }

    /// Epoch records with these training and validation losses.
    static func epochs(train: [Double], validation: [Double]? = nil) -> [EpochRecord] {
        train.enumerated().map { index, loss in
            EpochRecord(epoch: index + 1, trainLoss: loss, validationLoss: validation?[index], learningRate: 0.1)
        }
    }
}

/// The rule ids of `findings` at `severity` or above.
func ruleIDs(_ findings: [Finding], atLeast severity: Severity = .info) -> [String] {
    findings.filter { $0.severity >= severity }.map(\.rule)
}
