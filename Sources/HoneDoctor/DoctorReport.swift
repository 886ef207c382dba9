import Foundation
import HoneCore
import HoneTrain

/// What `hone doctor` prints: the run, its findings and, with `--fix`, where the
/// corrected config went.
public struct DoctorReport: Encodable {
    /// The run directory.
    public var run: String
    /// The findings, most severe first.
    public var findings: [Finding]
    /// The corrected config's path, when one was written.
    public var fixedConfig: String?

    enum CodingKeys: String, CodingKey {
        case run, findings
        case fixedConfig = "fixed_config"
    }

    /// Diagnoses the run in `runDirectory`; with `fixOutput`, writes its config with the
    /// remedies applied there (atomically, after checking it is a valid training config).
    ///
    /// - Throws: ``DoctorError`` for a missing, foreign or damaged run; the config error
    ///   when the fixed config does not load. Nothing is written when it throws.
    public static func examine(runDirectory: URL, fixOutput: URL? = nil) throws -> DoctorReport {
        let statistics = try RunStatistics.read(runDirectory: runDirectory)
        let findings = Doctor.diagnose(statistics)
        var report = DoctorReport(run: runDirectory.path, findings: findings)
        if let fixOutput {
            let fixed = try Doctor.fixedConfig(statistics.config, findings: findings)
            _ = try TrainingConfig(json: fixed, baseDirectory: fixOutput.deletingLastPathComponent())
            try AtomicFile.write(Data((fixed.serialized() + "\n").utf8), to: fixOutput)
            report.fixedConfig = fixOutput.path
        }
        return report
    }

    /// The report as text: a headline, then each finding.
    public var text: String {
        let counts = Severity.allCases.reversed().compactMap { severity -> String? in
            let count = findings.filter { $0.severity == severity }.count
            return count > 0 ? "\(count) \(severity.rawValue)\(count == 1 || severity == .info ? "" : "s")" : nil
        }
        var lines = ["\(run): " + (findings.isEmpty ? "no findings" : counts.joined(separator: ", "))]
        lines += findings.map(\.text)
        if let fixedConfig { lines.append("fixed config written to \(fixedConfig)") }
        return lines.joined(separator: "\n")
    }

    /// The report as one JSON object (non-finite evidence as strings, as in the run's records).
    public func json() throws -> String {
        let encoder = JSONLines.encoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}
