import Foundation

/// Finished trials kept column by column for the model-based samplers, updated
/// incrementally: finished trials never change, so each trial is read once, and every
/// later sample costs O(n) array passes instead of O(n) dictionary look-ups and re-sorts.
final class TrialTable {
    /// Rows in order of arrival.
    private(set) var numbers: [Int] = []
    private(set) var states: [TrialState] = []
    /// Objective vectors turned to minimization (complete rows; empty otherwise).
    private(set) var objectives: [[Double]] = []
    private(set) var intermediate: [[Int: Double]] = []
    private var params: [[String: Double]] = []
    private var columns: [String: [Double]] = [:]
    /// How many rows lack each parameter of `columns` (NaN entries).
    private var missing: [String: Int] = [:]
    private var rowOfNumber: [Int: Int] = [:]
    /// Rows having each parameter, sorted by its value (ties: earlier row first), kept
    /// up to date once asked for, so g(x)'s kernels need no sort of their own.
    private var rowsByValue: [String: [Int]] = [:]
    /// Each row's index in `rowsByValue[name]` (−1 for rows without the parameter).
    private var positionByValue: [String: [Int]] = [:]
    /// Trial numbers already in the table (a bitmap for the per-trial scan).
    private var known: [Bool] = []
    /// Rows sorted by trial number.
    private(set) var rowsByNumber: [Int] = []
    /// Complete rows sorted by their (first) objective, best first.
    private(set) var completeByValue: [Int] = []
    private(set) var completeCount = 0
    private(set) var prunedRows: [Int] = []
    /// Complete or pruned trials seen, including complete ones without values (no row).
    private(set) var finishedCount = 0
    let signs: [Double]

    init(directions: [StudyDirection]) { signs = minimizationSigns(directions) }

    var count: Int { numbers.count }

    /// Adds the finished trials not seen before; returns whether anything changed.
    @discardableResult
    func update(_ trials: [FrozenTrial]) -> Bool {
        var changed = false
        for t in trials where t.number >= known.count || !known[t.number] {
            guard t.state == .complete || t.state == .pruned else { continue }
            if t.number >= known.count { known += [Bool](repeating: false, count: max(t.number + 1 - known.count, known.count)) }
            known[t.number] = true
            finishedCount += 1
            if t.state == .complete && t.values == nil { continue }
            let row = numbers.count
            rowOfNumber[t.number] = row
            numbers.append(t.number)
            states.append(t.state)
            intermediate.append(t.state == .pruned ? t.intermediateValues : [:])
            params.append(t.params)
            for (name, _) in columns {
                let value = t.params[name]
                columns[name]!.append(value ?? .nan)
                if value == nil { missing[name, default: 0] += 1 }
            }
            for (name, sorted) in rowsByValue {
                positionByValue[name]!.append(-1)
                guard let value = t.params[name] else { continue }
                let at = TrialTable.insertionIndex(of: value, in: sorted, columns[name]!)
                rowsByValue[name]!.insert(row, at: at)
                // The rows from `at` on moved up by one.
                let moved = rowsByValue[name]!
                positionByValue[name]!.withUnsafeMutableBufferPointer { position in
                    for j in at..<moved.count { position[moved[j]] = j }
                }
            }
            // Keep rowsByNumber sorted (trials usually arrive in order: O(1)).
            var pos = rowsByNumber.count
            while pos > 0 && numbers[rowsByNumber[pos - 1]] > t.number { pos -= 1 }
            rowsByNumber.insert(row, at: pos)
            if t.state == .complete {
                let obj = zip(t.values!, signs).map { v, s in v.isNaN ? Double.infinity : v * s }
                objectives.append(obj)
                completeCount += 1
                // Binary insertion by first objective (ties: earlier trial first).
                var lo = 0, hi = completeByValue.count
                while lo < hi {
                    let mid = (lo + hi) / 2
                    if objectives[completeByValue[mid]][0] <= obj[0] { lo = mid + 1 } else { hi = mid }
                }
                completeByValue.insert(row, at: lo)
            } else {
                objectives.append([])
                prunedRows.append(row)
            }
            changed = true
        }
        return changed
    }

    /// The values of parameter `name` by row (NaN where a trial lacks it).
    func column(_ name: String) -> [Double] {
        if let c = columns[name] { return c }
        let c = params.map { $0[name] ?? .nan }
        columns[name] = c
        missing[name] = c.reduce(0) { $0 + ($1.isNaN ? 1 : 0) }
        return c
    }

    /// The rows, in trial-number order, whose `mask` entry is `side` and that have every
    /// parameter in `names`: one pass over the mask, plus one per parameter that some
    /// trial lacks.
    func rows(where mask: [Bool], is side: Bool, having names: [String]) -> [Int] {
        var selected: [Int] = []
        selected.reserveCapacity(count)
        mask.withUnsafeBufferPointer { m in
            for r in rowsByNumber where m[r] == side { selected.append(r) }
        }
        return keeping(selected, having: names)
    }

    /// `rows` without those lacking a parameter in `names`: no pass at all where no trial
    /// lacks one.
    func keeping(_ rows: [Int], having names: [String]) -> [Int] {
        var selected = rows
        for name in names {
            let c = column(name)
            if missing[name, default: 0] > 0 { selected.removeAll { c[$0].isNaN } }
        }
        return selected
    }

    func row(ofNumber n: Int) -> Int? { rowOfNumber[n] }

    /// The rows having parameter `name`, sorted by its value (ties: earlier row first).
    func rowsSortedByValue(_ name: String) -> [Int] {
        if let sorted = rowsByValue[name] { return sorted }
        let c = column(name)
        let sorted = c.indices.filter { !c[$0].isNaN }.sorted { (c[$0], $0) < (c[$1], $1) }
        rowsByValue[name] = sorted
        var position = [Int](repeating: -1, count: c.count)
        for (j, row) in sorted.enumerated() { position[row] = j }
        positionByValue[name] = position
        return sorted
    }

    /// The neighbour gaps (``ParzenEstimator/neighbourGaps(_:considerEndpoints:)``) of
    /// parameter `name` at `rows`, in normalized coordinates, among the rows marked in
    /// `member` (which holds `rows` and only rows having `name`). Each row's neighbours are
    /// found by walking the value-sorted rows past unmarked ones, so the cost grows with
    /// `rows` and the unmarked rows near them, not with the table: the same gaps as
    /// sorting every member, without the sort.
    func neighbourGaps(
        _ name: String, transform t: ParamTransform, rows: [Int], member: [Bool], considerEndpoints: Bool
    ) -> [Double] {
        let sorted = rowsSortedByValue(name)
        let column = column(name)
        let position = positionByValue[name]!
        return sorted.withUnsafeBufferPointer { s in
            column.withUnsafeBufferPointer { c in
                member.withUnsafeBufferPointer { m in
                    rows.map { row in
                        let v = c[row]
                        let lo = position[row]
                        precondition(lo >= 0, "neighbour gaps asked for a row without \(name)")
                        var left = lo - 1
                        while left >= 0 && !m[s[left]] { left -= 1 }
                        var right = lo + 1
                        while right < s.count && !m[s[right]] { right += 1 }
                        return ParzenEstimator.neighbourGap(
                            t.normalize(v), left: left >= 0 ? t.normalize(c[s[left]]) : nil,
                            right: right < s.count ? t.normalize(c[s[right]]) : nil, considerEndpoints: considerEndpoints)
                    }
                }
            }
        }
    }

    /// Where a new (last) row with `value` goes in `sorted`: after every row not above it.
    private static func insertionIndex(of value: Double, in sorted: [Int], _ column: [Double]) -> Int {
        var lo = 0, hi = sorted.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if column[sorted[mid]] <= value { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }
}
