import Foundation
import HoneCore
import HoneTrain

/// Diagnoses training runs: runs the rules over a run's statistics and builds the config
/// that applies their remedies. As a ``TrainingCallback`` it watches a run live and
/// prints one warning line the moment a rule fires.
///
/// ```swift
/// let findings = Doctor.diagnose(try RunStatistics.read(runDirectory: runURL))
/// for finding in findings { print(finding.text) }
/// let fixed = try Doctor.fixedConfig(run.config, findings: findings)
/// ```
public final class Doctor: TrainingCallback {
    /// Every rule, in the order their findings are listed at equal severity.
    public static let standardRules: [any DiagnosisRule] = [
        NonFiniteRule(), LearningRateTooHighRule(), ExplodingGradientsRule(), VanishingGradientsRule(), DeadUnitsRule(),
        SaturationRule(), UnscaledInputsRule(), LearningRateTooLowRule(), OverfittingRule(), UnderfittingRule(),
        ClassImbalanceRule(),
    ]

    /// The findings of `rules` over `run`, most severe first.
    public static func diagnose(_ run: RunStatistics, rules: [any DiagnosisRule] = standardRules) -> [Finding] {
        let findings = rules.flatMap { $0.findings(in: run) }
        return findings.enumerated().sorted { a, b in
            a.element.severity != b.element.severity ? a.element.severity > b.element.severity : a.offset < b.offset
        }.map(\.element)
    }

    /// `config` with the fixes of `findings` applied, most severe finding first; a later
    /// fix of a field an earlier one already changed is skipped, so the strongest remedy
    /// for each field wins.
    public static func fixedConfig(_ config: JSONValue, findings: [Finding]) throws -> JSONValue {
        var result = config
        var touched: Set<String> = []
        for finding in findings {
            for fix in finding.fixes {
                let key: String
                switch fix {
                case .scale(let path, _, _), .set(let path, _), .setIfAbsent(let path, _): key = path
                default: key = fix.description
                }
                guard touched.insert(key).inserted else { continue }
                result = try fix.apply(to: result)
            }
        }
        return result
    }

    // MARK: - Live diagnosis

    /// The lowest severity printed live.
    public let minimumSeverity: Severity
    private let config: JSONValue
    private let output: (String) -> Void
    private var reported: Set<String> = []
    private weak var monitor: StatisticsMonitor?

    /// A live doctor for a run of `config` that passes each new finding of at least
    /// `minimumSeverity` to `output` as one line (standard output by default).
    public init(config: JSONValue, minimumSeverity: Severity = .warning,
                output: @escaping (String) -> Void = { FileHandle.standardOutput.write(Data(($0 + "\n").utf8)) }) {
        self.config = config
        self.minimumSeverity = minimumSeverity
        self.output = output
    }

    public func fitWillBegin(_ trainer: Trainer) throws {
        monitor = trainer.callbacks.lazy.compactMap { $0 as? StatisticsMonitor }.first
    }

    public func epochDidEnd(_ trainer: Trainer, record: inout EpochRecord) throws {
        examine(trainer, epochs: trainer.history + [record])
    }

    public func trainingDidFail(_ trainer: Trainer, error: TrainingError) throws {
        examine(trainer, epochs: trainer.history)
    }

    private func examine(_ trainer: Trainer, epochs: [EpochRecord]) {
        let monitors = MonitorLog(records: monitor?.records ?? [])
        for finding in Self.diagnose(RunStatistics(config: config, epochs: epochs, monitors: monitors))
        where finding.severity >= minimumSeverity {
            guard reported.insert(finding.rule + "|" + (finding.layer ?? "")).inserted else { continue }
            output("doctor: \(finding.severity.rawValue) [\(finding.rule)] \(finding.summary) — \(finding.remedy)")
        }
    }
}
