import Foundation

/// The report's sections for a run's `hone explain` results: per method, global
/// importance as bars and, for per-row methods, the attributions as a beeswarm.
enum ExplanationSections {
    /// At most this many features get a bar, the most important ones.
    static let maximumBars = 20

    /// One section per explanation, in the order given.
    static func html(_ explanations: [RecordedExplanation]) -> [String] {
        explanations.map(section)
    }

    /// The bars of `explanation`'s importance chart, largest |value| first.
    static func importanceBars(_ explanation: RecordedExplanation) -> [(label: String, value: Double)] {
        Array(explanation.globalImportance.sorted { abs($0.value) > abs($1.value) }.prefix(maximumBars).map { ($0.feature, $0.value) })
    }

    private static func section(_ explanation: RecordedExplanation) -> String {
        let method = explanation.method
        let name = HTML.identifier(method)
        let isPermutation = explanation.rows == nil
        let importanceTitle = isPermutation
            ? "Drop in \(explanation.score ?? "score") when shuffled" : "Mean |attribution| per feature"
        var cards = [HTML.card(BarChart(
            id: "chart-explain-\(name)-importance", title: importanceTitle,
            valueLabel: isPermutation ? "score drop" : "mean |attribution|", bars: importanceBars(explanation)).svg())]
        if let rows = explanation.rows {
            let withInputs = rows.allSatisfy { $0.featureValues != nil }
            cards.append(HTML.card(BeeswarmChart(
                id: "chart-explain-\(name)-beeswarm", title: "Attributions of \(rows.count) row\(rows.count == 1 ? "" : "s")",
                valueLabel: "attribution" + (explanation.outputScale.map { " (\($0.replacingOccurrences(of: "_", with: " ")))" } ?? ""),
                featureNames: explanation.featureNames, values: rows.map(\.values),
                featureValues: withInputs ? rows.map { $0.featureValues! } : nil).svg()))
        }
        var note = isPermutation
            ? "From hone explain --method \(method): how much \(explanation.score ?? "the score") drops when a feature's column is shuffled."
            : "From hone explain --method \(method), model output \(explanation.output)."
        if explanation.rows != nil && explanation.rows!.contains(where: { $0.featureValues == nil }) {
            note += " The file records no feature values, so the dots are not coloured."
        }
        return HTML.section(id: "explain-\(name)", title: "Explanation: \(method)", note: note, cards: cards)
    }
}
