import Foundation

/// One diagnosis shown in a report: what is wrong, the numbers that show it, and what to
/// change. Whatever diagnoses a run (the doctor's rules) hands its findings over as these.
public struct ReportFinding: Equatable, Sendable {
    /// How much a finding matters.
    public enum Severity: String, Comparable, Sendable {
        /// Worth knowing; nothing to fix.
        case info
        /// Training works but worse than it could.
        case warning
        /// Training is broken (diverged, NaN, nothing learned).
        case error

        private var rank: Int { self == .info ? 0 : self == .warning ? 1 : 2 }

        public static func < (a: Severity, b: Severity) -> Bool { a.rank < b.rank }
    }

    /// How much it matters.
    public var severity: Severity
    /// What is wrong, in a few words ("Vanishing gradients").
    public var title: String
    /// The numbers that show it: layer, epoch or step, the statistic and its threshold.
    public var evidence: String
    /// What to change, in the toolkit's terms ("add BatchNorm after each Linear").
    public var remedy: String

    /// A finding.
    public init(severity: Severity, title: String, evidence: String, remedy: String) {
        self.severity = severity
        self.title = title
        self.evidence = evidence
        self.remedy = remedy
    }
}

/// The findings section of a run report, most severe first.
public enum FindingsSection {
    /// The section's HTML: one block per finding with its severity, evidence and remedy,
    /// or a line saying nothing was found.
    public static func html(_ findings: [ReportFinding]) -> String {
        guard !findings.isEmpty else {
            return HTML.section(id: "findings", title: "Findings", note: "No findings: nothing in this run's records looks wrong.", cards: [])
        }
        let ordered = findings.enumerated().sorted { a, b in
            a.element.severity != b.element.severity ? a.element.severity > b.element.severity : a.offset < b.offset
        }.map(\.element)
        var out = "<section id=\"findings\"><h2>Findings</h2>"
        for finding in ordered {
            out += "<div class=\"finding severity-\(finding.severity.rawValue)\" data-severity=\"\(finding.severity.rawValue)\">"
            out += "<h3><span class=\"badge\">\(finding.severity.rawValue)</span>\(Markup.escaped(finding.title))</h3>"
            out += "<p><strong>Evidence:</strong> \(Markup.escaped(finding.evidence))</p>"
            out += "<p><strong>Remedy:</strong> \(Markup.escaped(finding.remedy))</p></div>"
        }
        return out + "</section>"
    }
}
