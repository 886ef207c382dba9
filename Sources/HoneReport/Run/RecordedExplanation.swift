import Foundation

/// One `explain/METHOD/explanation.json` of a run, as `hone explain` writes it: global
/// importance per feature and, for per-row methods, each explained row's attributions.
///
/// Only the fields a report draws are read; others (spreads, LIME's fit scores, …) are
/// ignored, so newer explanation files still load.
public struct RecordedExplanation: Decodable, Equatable, Sendable {
    /// A feature's global importance: mean |attribution|, or permutation importance's score drop.
    public struct Importance: Decodable, Equatable, Sendable {
        /// The feature's name.
        public var feature: String
        /// The importance.
        public var value: Double
    }

    /// One explained row.
    public struct Row: Decodable, Equatable, Sendable {
        /// The row's index in the explained data.
        public var row: Int
        /// One attribution per feature, in ``RecordedExplanation/featureNames`` order.
        public var values: [Double]
        /// The row's inputs, one per feature (absent in files from before they were recorded).
        public var featureValues: [Double]?

        enum CodingKeys: String, CodingKey {
            case row, values
            case featureValues = "feature_values"
        }
    }

    /// The method (`kernelshap`, `treeshap`, `permutation`, …).
    public var method: String
    /// The model output explained.
    public var output: Int
    /// The feature names, in input order.
    public var featureNames: [String]
    /// Global importance, most important first.
    public var globalImportance: [Importance]
    /// The explained rows (nil for permutation importance, which has none).
    public var rows: [Row]?
    /// What permutation importance scored (`accuracy`, …).
    public var score: String?
    /// What TreeSHAP values add up to (`log_odds`, `probability`, …).
    public var outputScale: String?

    enum CodingKeys: String, CodingKey {
        case method, output, rows, score
        case featureNames = "feature_names", globalImportance = "global_importance", outputScale = "output_scale"
    }

    /// The explanations under `runDirectory/explain/*/explanation.json`, by folder name;
    /// none when the run was never explained.
    ///
    /// - Throws: ``ReportError/malformedFile(file:detail:)`` naming a file that is not an
    ///   explanation or whose rows do not match its feature names.
    public static func loadAll(from runDirectory: URL) throws -> [RecordedExplanation] {
        let folder = runDirectory.appendingPathComponent("explain")
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else { return [] }
        var explanations: [RecordedExplanation] = []
        for name in names.sorted() {
            let file = folder.appendingPathComponent(name).appendingPathComponent("explanation.json")
            guard FileManager.default.fileExists(atPath: file.path) else { continue }
            explanations.append(try load(file))
        }
        return explanations
    }

    private static func load(_ file: URL) throws -> RecordedExplanation {
        guard let data = FileManager.default.contents(atPath: file.path) else {
            throw ReportError.malformedFile(file: file.path, detail: "cannot be read")
        }
        let explanation: RecordedExplanation
        do {
            explanation = try JSONDecoder().decode(RecordedExplanation.self, from: data)
        } catch let error as DecodingError {
            throw ReportError.malformedFile(file: file.path, detail: "not an explanation from `hone explain`: \(describe(error))")
        } catch {
            throw ReportError.malformedFile(file: file.path, detail: "\(error)")
        }
        let width = explanation.featureNames.count
        if let bad = explanation.rows?.first(where: { $0.values.count != width || ($0.featureValues.map { $0.count != width } ?? false) }) {
            throw ReportError.malformedFile(
                file: file.path, detail: "row \(bad.row) does not hold one value per feature (\(width) feature names)")
        }
        return explanation
    }

    /// A decoding error in one line: what was wrong and at which field.
    private static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let keys = context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }
            return keys.isEmpty ? "" : " at '\(keys.joined(separator: "."))'"
        }
        switch error {
        case .keyNotFound(let key, let context): return "field '\(key.stringValue)' is missing" + path(context)
        case .typeMismatch(_, let context), .valueNotFound(_, let context): return context.debugDescription + path(context)
        case .dataCorrupted(let context): return context.codingPath.isEmpty ? "not valid JSON" : context.debugDescription + path(context)
        @unknown default: return "\(error)"
        }
    }
}
