import Foundation

/// How much a finding matters.
public enum Severity: String, Codable, Comparable, Sendable, CaseIterable {
    /// Worth knowing; training works.
    case info
    /// Training works worse than it could.
    case warning
    /// Training failed or cannot work as configured.
    case error

    private var rank: Int { Self.allCases.firstIndex(of: self)! }

    public static func < (a: Severity, b: Severity) -> Bool { a.rank < b.rank }
}

/// One thing the doctor found wrong with a run: which rule, how bad, where, the numbers
/// that triggered it, what to do, and the config change that does it (when one can).
public struct Finding: Equatable, Sendable, Encodable {
    /// The rule's identifier (`vanishing_gradients`).
    public var rule: String
    /// How much it matters.
    public var severity: Severity
    /// One sentence saying what is wrong.
    public var summary: String
    /// The layer or parameter it is about, if one.
    public var layer: String?
    /// The epoch it was seen at (counting from 1), if one.
    public var epoch: Int?
    /// The optimizer step it was seen at, if one.
    public var step: Int?
    /// The measured values and the thresholds they crossed, by name.
    public var evidence: [String: Double]
    /// What to change, in the toolkit's terms.
    public var remedy: String
    /// The config changes `hone doctor --fix` applies for it.
    public var fixes: [ConfigFix]

    /// A finding with the given values.
    public init(rule: String, severity: Severity, summary: String, layer: String? = nil, epoch: Int? = nil, step: Int? = nil,
                evidence: [String: Double], remedy: String, fixes: [ConfigFix] = []) {
        self.rule = rule
        self.severity = severity
        self.summary = summary
        self.layer = layer
        self.epoch = epoch
        self.step = step
        self.evidence = evidence
        self.remedy = remedy
        self.fixes = fixes
    }

    enum CodingKeys: String, CodingKey {
        case rule, severity, summary, layer, epoch, step, evidence, remedy, fixes
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(rule, forKey: .rule)
        try container.encode(severity, forKey: .severity)
        try container.encode(summary, forKey: .summary)
        try container.encodeIfPresent(layer, forKey: .layer)
        try container.encodeIfPresent(epoch, forKey: .epoch)
        try container.encodeIfPresent(step, forKey: .step)
        try container.encode(evidence, forKey: .evidence)
        try container.encode(remedy, forKey: .remedy)
        try container.encode(fixes.map(\.description), forKey: .fixes)
    }

    /// The finding as text: a first line with severity, rule and summary, then evidence,
    /// remedy and fix lines indented.
    public var text: String {
        var where_: [String] = []
        if let layer { where_.append("layer \(layer)") }
        if let epoch { where_.append("epoch \(epoch)") }
        if let step { where_.append("step \(step)") }
        var lines = ["\(severity.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0))[\(rule)] \(summary)"]
        let numbers = evidence.sorted { $0.key < $1.key }.map { "\($0.key) \(Self.format($0.value))" }
        lines.append("        evidence: " + (where_ + numbers).joined(separator: ", "))
        lines.append("        remedy: \(remedy)")
        if !fixes.isEmpty { lines.append("        --fix: " + fixes.map(\.description).joined(separator: "; ")) }
        return lines.joined(separator: "\n")
    }

    /// A number in a few significant digits.
    static func format(_ value: Double) -> String {
        guard value.isFinite else { return "\(value)" }
        if value == value.rounded() && abs(value) < 1e6 { return String(Int(value)) }
        return String(format: "%.3g", value)
    }
}
