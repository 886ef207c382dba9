import Foundation
import HoneTune

/// The charts and tables of one study's report.
struct StudyCharts {
    let study: StudyRecord
    /// The study's name as an `id` fragment, so several studies on one page keep distinct ids.
    let key: String

    private var complete: [FrozenTrial] {
        study.trials.filter { $0.state == .complete && ($0.values?.count ?? 0) == study.directions.count }
    }

    /// Parameter names in the order they first appear among the trials.
    private var parameterNames: [String] {
        var seen: [String] = []
        for trial in study.trials {
            for name in trial.params.keys.sorted() where !seen.contains(name) { seen.append(name) }
        }
        return seen
    }

    private func objectiveName(_ index: Int) -> String {
        study.directions.count == 1 ? "objective" : "objective \(index)"
    }

    private func describe(_ trial: FrozenTrial) -> String {
        let values = trial.values.map { $0.map(Markup.value).joined(separator: ", ") } ?? "—"
        let params = trial.typedParams.sorted { $0.key < $1.key }.map { "\($0.key)=\(Self.text($0.value))" }.joined(separator: " ")
        return "trial \(trial.number): \(values)  \(params)"
    }

    /// A parameter value for people: floats to four significant digits (the table and
    /// tooltips need not show the 17 digits a float parameter is stored with).
    static func text(_ value: ParameterValue) -> String {
        if case .float(let number) = value { return Markup.value(number) }
        return value.description
    }

    /// Best value(s) and the trial counts.
    func summaryTable() -> String {
        var rows: [[String]] = []
        if study.directions.count == 1 {
            let best = complete.min { a, b in
                study.directions[0] == .minimize ? a.values![0] < b.values![0] : a.values![0] > b.values![0]
            }
            if let best {
                rows.append(["best trial", String(best.number)])
                rows.append(["best value", Markup.value(best.values![0])])
                for (name, value) in best.typedParams.sorted(by: { $0.key < $1.key }) { rows.append([name, Self.text(value)]) }
            }
        } else {
            rows.append(["Pareto-optimal trials", String(paretoFrontTrials().count)])
        }
        rows.append(["complete trials", String(complete.count)])
        return HTML.table(id: "table-summary-\(key)", headers: ["", ""], rows: rows)
    }

    /// One scatter of each objective by trial number, with the running best as a step line.
    func history() -> [String] {
        study.directions.enumerated().map { index, direction in
            var points: [ChartPoint] = []
            var best: [ChartPoint] = []
            var current: Double?
            for trial in complete.sorted(by: { $0.number < $1.number }) {
                let value = trial.values![index]
                let x = Double(trial.number)
                points.append(ChartPoint(x: x, y: value, note: describe(trial)))
                guard value.isFinite else { continue }
                if let previous = current { best.append(ChartPoint(x: x, y: previous)) }
                if current == nil || (direction == .minimize ? value < current! : value > current!) { current = value }
                best.append(ChartPoint(x: x, y: current!))
            }
            let series = [
                ChartSeries(name: "trial", points: points, style: .markers),
                ChartSeries(name: "best so far (\(direction.rawValue))", points: best, style: .line, color: ChartStyle.color(3)),
            ]
            return XYChart(
                id: "chart-history-\(key)-\(index)", title: "Optimization history" + (study.directions.count > 1 ? " (objective \(index))" : ""),
                xLabel: "trial", yLabel: objectiveName(index), series: series, kind: "history").svg()
        }
    }

    /// The complete trials no other complete trial dominates.
    func paretoFrontTrials() -> [FrozenTrial] {
        let signs = study.directions.map { $0 == .minimize ? 1.0 : -1.0 }
        let points = complete.map { trial in zip(trial.values!, signs).map { $0 * $1 } }
        func dominates(_ a: [Double], _ b: [Double]) -> Bool {
            zip(a, b).allSatisfy { $0 <= $1 } && zip(a, b).contains { $0 < $1 }
        }
        return complete.indices.filter { i in
            points[i].allSatisfy(\.isFinite) && !points.indices.contains { points[$0].allSatisfy(\.isFinite) && dominates(points[$0], points[i]) }
        }.map { complete[$0] }
    }

    /// The first two objectives of every complete trial, the front highlighted and joined.
    func paretoFront() -> String {
        let front = paretoFrontTrials().sorted { $0.values![0] < $1.values![0] }
        let numbers = Set(front.map(\.number))
        let others = complete.filter { !numbers.contains($0.number) }
        let series = [
            ChartSeries(name: "dominated", points: others.map { ChartPoint(x: $0.values![0], y: $0.values![1], note: describe($0)) },
                        style: .markers, color: "#9aa3ad"),
            ChartSeries(name: "Pareto front", points: front.map { ChartPoint(x: $0.values![0], y: $0.values![1], note: describe($0)) },
                        style: .lineAndMarkers, color: ChartStyle.color(3)),
        ]
        return XYChart(
            id: "chart-pareto-\(key)", title: "Pareto front", xLabel: "objective 0 (\(study.directions[0].rawValue))",
            yLabel: "objective 1 (\(study.directions[1].rawValue))", series: series, kind: "pareto").svg()
    }

    /// Parameters and the first objective as parallel axes; returns the SVG and its width.
    func parallelCoordinates() -> (svg: String, width: Double) {
        let trials = complete
        var axes: [ParallelAxis] = parameterNames.map { name in
            let distribution = trials.lazy.compactMap { $0.distributions[name] }.first
            let values = trials.map { $0.params[name] }
            switch distribution {
            case .categorical(let choices)?:
                return ParallelAxis(name: name, kind: .categorical(choices.map(\.description)), values: values)
            case .float(_, _, let log, _)?, .int(_, _, let log, _)?:
                return ParallelAxis(name: name, kind: .numeric(log ? .logarithmic : .linear), values: values)
            case nil:
                return ParallelAxis(name: name, kind: .numeric(.linear), values: values)
            }
        }
        let objective = trials.map { $0.values![0] }
        axes.append(ParallelAxis(name: objectiveName(0), kind: .numeric(.linear), values: objective))
        let chart = ParallelCoordinatesChart(
            id: "chart-parallel-\(key)", title: "Parallel coordinates", axes: axes, colorValues: objective,
            colorLabel: objectiveName(0))
        let width = max(ChartStyle.width, 52 + ParallelCoordinatesChart.minimumSpacing * Double(max(axes.count - 1, 1)) + 40)
        return (chart.svg(), width)
    }

    /// One bar chart of importances per objective.
    func importances() -> [String] {
        study.importances.enumerated().map { index, importances in
            BarChart(
                id: "chart-importance-\(key)-\(index)",
                title: "Parameter importance" + (study.directions.count > 1 ? " (objective \(index))" : ""),
                valueLabel: "fANOVA importance", bars: importances.map { ($0.name, $0.importance) }, minimumUpperBound: 1).svg()
        }
    }

    /// The first objective against each parameter, log x for log-scaled parameters and
    /// the choices' names for categorical ones.
    func slices() -> [String] {
        parameterNames.map { name in
            let trials = complete.filter { $0.params[name] != nil }
            let distribution = trials.lazy.compactMap { $0.distributions[name] }.first
            var categories: [String]?
            var scale = ScaleKind.linear
            switch distribution {
            case .categorical(let choices)?: categories = choices.map(\.description)
            case .float(_, _, true, _)?, .int(_, _, true, _)?: scale = .logarithmic
            default: break
            }
            let points = trials.map { ChartPoint(x: $0.params[name]!, y: $0.values![0], note: describe($0)) }
            return XYChart(
                id: "chart-slice-\(key)-\(HTML.identifier(name))", title: "Slice: \(name)", xLabel: name, yLabel: objectiveName(0),
                series: [ChartSeries(name: name, points: points, style: .markers)], xScale: scale, kind: "slice",
                xCategories: categories).svg()
        }
    }

    /// Every trial: number, state, values, parameters, duration and why it ended early.
    func trialTable() -> String {
        let names = parameterNames
        let objectiveHeaders = study.directions.indices.map(objectiveName)
        let headers = ["#", "state"] + objectiveHeaders + names + ["duration (s)", "note"]
        var rows: [[String]] = []
        var classes: [String] = []
        for trial in study.trials {
            var row = [String(trial.number), trial.state.rawValue]
            row += study.directions.indices.map { index in trial.values.flatMap { index < $0.count ? Markup.value($0[index]) : nil } ?? "" }
            let typed = trial.typedParams
            row += names.map { typed[$0].map(Self.text) ?? "" }
            if let start = trial.startDate, let end = trial.completeDate {
                row.append(String(format: "%.2f", end.timeIntervalSince(start)))
            } else {
                row.append("")
            }
            var note = trial.failReason ?? ""
            if trial.state == .pruned, let step = trial.lastStep { note = "pruned after step \(step)" }
            row.append(note)
            rows.append(row)
            classes.append("state-\(trial.state.rawValue)")
        }
        return HTML.table(id: "table-trials-\(key)", headers: headers, rows: rows, rowClasses: classes)
    }
}
