import Foundation
import HoneCore
import HoneDoctor
import HoneTrain

extension ReportFinding {
    /// A doctor's finding as the report shows it: the summary as title; the layer, epoch,
    /// step and measured numbers as evidence; the remedy with the config changes
    /// `hone doctor --fix` would make.
    public init(_ finding: Finding) {
        var evidence: [String] = []
        if let layer = finding.layer { evidence.append("layer \(layer)") }
        if let epoch = finding.epoch { evidence.append("epoch \(epoch)") }
        if let step = finding.step { evidence.append("step \(step)") }
        evidence += finding.evidence.sorted { $0.key < $1.key }.map { "\($0.key.replacingOccurrences(of: "_", with: " ")) \(Markup.value($0.value))" }
        var remedy = finding.remedy
        if !finding.fixes.isEmpty { remedy += " (hone doctor --fix: " + finding.fixes.map(\.description).joined(separator: "; ") + ")" }
        let severity: Severity
        switch finding.severity {
        case .info: severity = .info
        case .warning: severity = .warning
        case .error: severity = .error
        }
        self.init(severity: severity, title: finding.summary, evidence: evidence.joined(separator: ", "), remedy: remedy)
    }
}

extension RunReport {
    /// The doctor's standard rules over the records already read for the report.
    public static func diagnose(_ records: RunRecords) -> [ReportFinding] {
        let statistics = RunStatistics(config: records.config ?? .object([]), epochs: records.epochs, monitors: records.monitors ?? MonitorLog())
        return Doctor.diagnose(statistics).map(ReportFinding.init)
    }
}
