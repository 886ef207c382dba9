import Foundation

// The split of finished trials into TPE's "good" and "bad" groups, and the weights of
// the good group: static, so tests can check them on hand-made tables and trials.
extension TPESampler {
    /// Rank weights of the good group's rows, in the rows' order: the best of k by 1, the
    /// next by (k−1)/k, … the worst by 1/k. Complete rows rank by their objective (ties:
    /// earlier row first); pruned rows rank after every complete one.
    static func rankWeights(_ table: TrialTable, rows: [Int]) -> [Double] {
        let k = rows.count
        func key(_ i: Int) -> Double { table.objectives[rows[i]].first ?? .infinity }
        let order = rows.indices.sorted { (key($0), $0) < (key($1), $1) }
        var weights = [Double](repeating: 0, count: k)
        for (rank, i) in order.enumerated() { weights[i] = Double(k - rank) / Double(k) }
        return weights
    }

    /// The split of ``splitTrials(_:directions:gamma:)`` on a ``TrialTable``: which rows are "below".
    static func belowMask(_ table: TrialTable, directions: [StudyDirection], gamma: ((Int) -> Int)?) -> [Bool] {
        let n = table.count
        let multi = directions.count > 1
        var nBelow = gamma?(n) ?? (multi ? (n + 9) / 10 : defaultGamma(n))
        var mask = [Bool](repeating: false, count: n)
        let complete = table.completeByValue
        let nc = min(nBelow, complete.count)
        if !multi || nc == complete.count {
            for r in complete.prefix(nc) { mask[r] = true }
        } else if nc > 0 {
            let pts = complete.map { table.objectives[$0] }
            let ranks = Pareto.nondominatedRanks(pts)
            var chosen = 0
            var r = 0
            while chosen < nc {
                let front = (0..<complete.count).filter { ranks[$0] == r }
                if chosen + front.count <= nc {
                    for i in front { mask[complete[i]] = true }
                    chosen += front.count
                } else {
                    let pick = Pareto.selectSubset(front.map { pts[$0] }, k: nc - chosen)
                    for p in pick { mask[complete[front[p]]] = true }
                    chosen = nc
                }
                r += 1
            }
        }
        nBelow = max(0, nBelow - nc)
        if nBelow > 0 && !table.prunedRows.isEmpty {
            let sign = table.signs.first ?? 1
            func score(_ r: Int) -> (Double, Double) {
                guard let (step, v) = table.intermediate[r].max(by: { $0.key < $1.key }) else { return (1, 0) }
                if v.isNaN { return (-Double(step), .infinity) }
                return (-Double(step), multi ? 0 : sign * v)
            }
            let sorted = table.prunedRows.sorted {
                let a = score($0), b = score($1)
                return (a.0, a.1, table.numbers[$0]) < (b.0, b.1, table.numbers[$1])
            }
            for r in sorted.prefix(nBelow) { mask[r] = true }
        }
        return mask
    }

    /// Optuna's split: the best γ(n) complete trials (nondominated ranks for several
    /// objectives), then pruned trials by how far and how well they got; running trials
    /// always go above. Both groups come back ordered by trial number.
    static func splitTrials(
        _ trials: [FrozenTrial], directions: [StudyDirection], gamma: ((Int) -> Int)?
    ) -> (below: [FrozenTrial], above: [FrozenTrial]) {
        var complete: [FrozenTrial] = [], pruned: [FrozenTrial] = [], running: [FrozenTrial] = []
        for t in trials {
            switch t.state {
            case .complete where t.values != nil: complete.append(t)
            case .pruned: pruned.append(t)
            case .running: running.append(t)
            default: break
            }
        }
        let n = complete.count + pruned.count
        let multi = directions.count > 1
        var nBelow = gamma?(n) ?? (multi ? (n + 9) / 10 : defaultGamma(n))
        let signs = minimizationSigns(directions)
        var below: [FrozenTrial] = [], above: [FrozenTrial] = []
        let nc = min(nBelow, complete.count)
        if !multi {
            let sign = signs.first ?? 1
            let sorted = complete.sorted { sign * $0.values![0] < sign * $1.values![0] }
            below += sorted[..<nc]
            above += sorted[nc...]
        } else if nc == 0 {
            above += complete
        } else if nc == complete.count {
            below += complete
        } else {
            let pts = complete.map { t in zip(t.values!, signs).map { $0 * $1 } }
            let ranks = Pareto.nondominatedRanks(pts)
            var chosen = Set<Int>()
            var r = 0
            while chosen.count < nc {
                let front = (0..<complete.count).filter { ranks[$0] == r }
                if chosen.count + front.count <= nc {
                    chosen.formUnion(front)
                } else {
                    let pick = Pareto.selectSubset(front.map { pts[$0] }, k: nc - chosen.count)
                    for p in pick { chosen.insert(front[p]) }
                }
                r += 1
            }
            for (i, t) in complete.enumerated() { if chosen.contains(i) { below.append(t) } else { above.append(t) } }
        }
        nBelow = max(0, nBelow - nc)
        if !pruned.isEmpty {
            let sign = signs.first ?? 1
            func score(_ t: FrozenTrial) -> (Double, Double) {
                guard let (step, v) = t.intermediateValues.max(by: { $0.key < $1.key }) else { return (1, 0) }
                if v.isNaN { return (-Double(step), .infinity) }
                return (-Double(step), multi ? 0 : sign * v)
            }
            let sorted = pruned.sorted { score($0) < score($1) }
            let np = min(nBelow, sorted.count)
            below += sorted[..<np]
            above += sorted[np...]
        }
        above += running
        below.sort { $0.number < $1.number }
        above.sort { $0.number < $1.number }
        return (below, above)
    }
}
