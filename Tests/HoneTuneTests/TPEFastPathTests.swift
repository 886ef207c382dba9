import Foundation
import HoneCore
import Testing
@testable import HoneTune

/// The log-sum-exp behind every TPE density skips `exp` where a term cannot change the
/// sum; these tests hold it to the plain sum of every term, bit for bit, so TPE samples
/// exactly what it sampled before the shortcut.
@Suite struct TPELogSumExpTests {
    /// The plain definition: every term summed in order.
    private static func plainLogSumExp(_ xs: [Double]) -> Double {
        guard let m = xs.filter({ !$0.isNaN }).max(), m.isFinite else {
            return xs.filter { !$0.isNaN }.max() ?? -Double.infinity
        }
        var s = 0.0
        for x in xs { s += Foundation.exp(x - m) }
        return m + Foundation.log(s)
    }

    private static func fast(_ xs: [Double]) -> Double {
        xs.withUnsafeBufferPointer { SamplerMath.logSumExp($0) }
    }

    /// With a limit, the sum stops only when its result is above that limit, and otherwise
    /// returns exactly the unlimited result.
    @Test func limitedSumStopsOnlyAboveTheLimit() {
        var rng = SeededGenerator(seed: 8)
        for trial in 0..<3000 {
            let n = 1 + rng.nextInt(below: 200)
            let spread = [1.0, 10.0, 60.0][trial % 3]
            let xs = (0..<n).map { _ in spread * rng.nextGaussian() }
            let full = Self.fast(xs)
            // Limits around the result: far below, just below, equal, just above, far above.
            for offset in [-5.0, -1e-6, 0, 1e-6, 5.0, .infinity, .nan] {
                let limit = full + offset
                let got = xs.withUnsafeBufferPointer { SamplerMath.logSumExp($0, unlessAbove: limit) }
                if let got {
                    #expect(got.bitPattern == full.bitPattern, "trial \(trial) offset \(offset)")
                } else {
                    #expect(full > limit, "trial \(trial) offset \(offset): stopped though \(full) ≤ \(limit)")
                }
                if offset >= 0 || offset.isNaN { #expect(got != nil, "trial \(trial) offset \(offset)") }
                if offset <= -1e-6 { #expect(got == nil, "trial \(trial) offset \(offset)") }
            }
        }
    }

    @Test func matchesThePlainSumBitForBit() {
        var rng = SeededGenerator(seed: 7)
        for trial in 0..<3000 {
            let n = 1 + rng.nextInt(below: 300)
            // Spreads from narrow (every term counts) to far wider than exp's range, with
            // values crowding the thresholds −37 and −746 below the maximum.
            let spread = [1.0, 30.0, 40.0, 80.0, 800.0, 2000.0][trial % 6]
            var xs = (0..<n).map { _ in -spread * rng.nextDouble() + 5 }
            if trial % 5 == 0 && n > 3 {
                let top = xs.max()!
                xs[rng.nextInt(below: n)] = top - 37 + 1e-9 * (rng.nextDouble() - 0.5)
                xs[rng.nextInt(below: n)] = top - 746 + 1e-9 * (rng.nextDouble() - 0.5)
                xs[rng.nextInt(below: n)] = top  // a tied maximum
            }
            if trial % 7 == 0 { xs[rng.nextInt(below: n)] = -.infinity }
            let expected = Self.plainLogSumExp(xs)
            let got = Self.fast(xs)
            #expect(got.bitPattern == expected.bitPattern, "n \(n), spread \(spread): \(got) vs \(expected)")
        }
    }

    @Test func termsBeforeTheMaximumStillCount() {
        // Before the maximum's term is in, the running sum is below 1 and small terms
        // change it: a skip that ignored the order would drop these.
        let tiny = -40.0
        let xs = [Double](repeating: tiny, count: 1000) + [0.0]
        #expect(Self.fast(xs).bitPattern == Self.plainLogSumExp(xs).bitPattern)
        #expect(Self.fast(xs) > 0)
    }

    @Test func edgeCases() {
        #expect(Self.fast([]) == -.infinity)
        #expect(Self.fast([-.infinity, -.infinity]) == -.infinity)
        #expect(Self.fast([3.0]) == 3.0)
        #expect(Self.fast([0.0, 0.0]).bitPattern == Foundation.log(2.0).bitPattern)
        #expect(Self.fast([1.0, .nan]).isNaN)
        #expect(Self.fast([.nan, 1.0]).isNaN)
    }
}

/// The candidate choice skips candidates whose bound cannot beat the best score; it must
/// pick exactly what a plain scan over every candidate's full score picks.
@Suite struct TPECandidateChoiceTests {
    private static func plainChoice(_ below: [Double], _ terms: [Double], kernelCount: Int) -> Int {
        var best = 0
        var bestScore = -Double.infinity
        for c in below.indices {
            let row = Array(terms[(c * kernelCount)..<((c + 1) * kernelCount)])
            var s = 0.0
            let m = row.max()!
            for x in row { s += Foundation.exp(x - m) }
            let score = below[c] - (m.isFinite ? m + Foundation.log(s) : m)
            if score > bestScore { bestScore = score; best = c }
        }
        return best
    }

    @Test func picksWhatAPlainScanPicks() {
        var rng = SeededGenerator(seed: 11)
        for trial in 0..<2000 {
            let count = 1 + rng.nextInt(below: 40)
            let kernelCount = 1 + rng.nextInt(below: 60)
            let spread = [0.5, 5.0, 50.0][trial % 3]
            var below = (0..<count).map { _ in spread * rng.nextGaussian() }
            var terms = (0..<(count * kernelCount)).map { _ in spread * rng.nextGaussian() - 3 }
            if trial % 4 == 0 && count > 2 {
                // Exact ties between two candidates' scores.
                let a = rng.nextInt(below: count), b = rng.nextInt(below: count)
                below[b] = below[a]
                for k in 0..<kernelCount { terms[b * kernelCount + k] = terms[a * kernelCount + k] }
            }
            if trial % 9 == 0 { below[rng.nextInt(below: count)] = -.infinity }
            if trial % 11 == 0 { below = below.map { _ in -.infinity } }
            let got = TPESampler.bestCandidate(belowLogDensity: below, aboveLogTerms: terms, kernelCount: kernelCount)
            #expect(got == Self.plainChoice(below, terms, kernelCount: kernelCount), "trial \(trial)")
        }
    }

    @Test func tiesGoToTheFirstCandidate() {
        let terms = [0.0, -1.0, -2.0, 0.0, -1.0, -2.0, 5.0, 4.0, 3.0]
        #expect(TPESampler.bestCandidate(belowLogDensity: [1, 1, 1], aboveLogTerms: terms, kernelCount: 3) == 0)
        #expect(TPESampler.bestCandidate(belowLogDensity: [0, 1, 5], aboveLogTerms: terms, kernelCount: 3) == 1)
        #expect(TPESampler.bestCandidate(belowLogDensity: [-.infinity, -.infinity], aboveLogTerms: [0, 0], kernelCount: 1) == 0)
    }
}

/// g(x)'s bandwidths read off the table's value-sorted rows instead of sorted per
/// sample, and g capped to a subsample of kernels that keep their full-data bandwidths.
@Suite struct TPEKernelOrderTests {
    /// A table of `batches` updates; some trials lack x, every fifth has x = 0.5 (ties).
    private static func table(seed: UInt64, batches: [Int]) -> TrialTable {
        var rng = SeededGenerator(seed: seed)
        let table = TrialTable(directions: [.minimize])
        var number = 0
        for count in batches {
            table.update((0..<count).map { _ in
                var t = FrozenTrial(number: number, state: .complete)
                t.values = [rng.nextDouble()]
                if number % 7 != 3 { t.params = ["x": number % 5 == 0 ? 0.5 : 0.01 + 99.99 * rng.nextDouble()] }
                number += 1
                return t
            })
            _ = table.rowsSortedByValue("x")  // kept up to date from the first batch on
        }
        return table
    }

    @Test func tableKeepsRowsSortedByValueAcrossUpdates() {
        let table = TPEKernelOrderTests.table(seed: 5, batches: [20])
        #expect(table.rowsSortedByValue("x").count == 20 - 3)
        for extra in 1...5 {
            let grown = TPEKernelOrderTests.table(seed: 5, batches: [20] + [Int](repeating: 13, count: extra))
            let column = grown.column("x")
            let expected = column.indices.filter { !column[$0].isNaN }.sorted { (column[$0], $0) < (column[$1], $1) }
            #expect(grown.rowsSortedByValue("x") == expected)
        }
    }

    /// The table's neighbour gaps are the sort's: for a random subset of member rows, on a
    /// log scale and a linear one, with and without the endpoints, after several updates.
    @Test func tableNeighbourGapsMatchASortOfTheMembers() {
        let table = TPEKernelOrderTests.table(seed: 11, batches: [30, 1, 17, 40])
        let column = table.column("x")
        var rng = SeededGenerator(seed: 3)
        for log in [false, true] {
            let t = ParamTransform(name: "x", distribution: .float(low: 0.01, high: 100, log: log, step: nil))
            for endpoints in [false, true] {
                for _ in 0..<5 {
                    let members = column.indices.filter { !column[$0].isNaN && rng.nextDouble() < 0.7 }
                    var member = [Bool](repeating: false, count: table.count)
                    for r in members { member[r] = true }
                    let kernels = members.filter { _ in rng.nextDouble() < 0.5 }
                    let all = ParzenEstimator.neighbourGaps(members.map { t.normalize(column[$0]) }, considerEndpoints: endpoints)
                    let expected = kernels.map { all[members.firstIndex(of: $0)!] }
                    let got = table.neighbourGaps("x", transform: t, rows: kernels, member: member, considerEndpoints: endpoints)
                    #expect(got == expected)
                }
            }
        }
        // One member: its gap is the larger distance to a bound.
        let one = column.indices.first { !column[$0].isNaN }!
        var member = [Bool](repeating: false, count: table.count)
        member[one] = true
        let t = ParamTransform(name: "x", distribution: .float(low: 0.01, high: 100, log: false, step: nil))
        let x = t.normalize(column[one])
        #expect(table.neighbourGaps("x", transform: t, rows: [one], member: member, considerEndpoints: false) == [max(x, 1 - x)])
    }

    @Test func neighbourGapsFollowOptunasRule() {
        // Sorted: 0.1, 0.4, 0.4, 0.9 (indices 1, 0, 2, 3).
        let mu = [0.4, 0.1, 0.4, 0.9]
        let gaps = ParzenEstimator.neighbourGaps(mu, considerEndpoints: false)
        #expect(gaps[1] == 0.4 - 0.1)  // smallest: its one neighbour
        #expect(gaps[0] == max(0.4 - 0.1, 0.4 - 0.4))
        #expect(gaps[2] == max(0.4 - 0.4, 0.9 - 0.4))
        #expect(gaps[3] == 0.9 - 0.4)  // largest: its one neighbour
        let withEnds = ParzenEstimator.neighbourGaps(mu, considerEndpoints: true)
        #expect(withEnds[1] == max(0.1 - 0, 0.4 - 0.1) && withEnds[3] == max(0.9 - 0.4, 1 - 0.9))
    }

    /// Kernels of a subsample, given their gaps among all observations and that count, get
    /// exactly the bandwidths they have in the estimator of all observations.
    @Test func aSubsampleKeepsTheFullBandwidths() {
        let transform = ParamTransform(name: "x", distribution: .float(low: 0, high: 1, log: false, step: nil))
        var rng = SeededGenerator(seed: 9)
        let values = (0..<60).map { _ in rng.nextDouble() }
        let weights = (0..<60).map { Double($0 + 1) }
        let full = ParzenEstimator(
            transforms: [transform], observations: [values], obsWeights: weights, parameters: ParzenParameters())
        let gaps = ParzenEstimator.neighbourGaps(values, considerEndpoints: false)
        let keep = TPESampler.aboveKernels(count: 60, cap: 20)!
        let sub = ParzenEstimator(
            transforms: [transform], observations: [keep.map { values[$0] }], obsWeights: keep.map { weights[$0] },
            parameters: ParzenParameters(), neighbourGaps: [keep.map { gaps[$0] }], bandwidthCount: 60)
        #expect(sub.sigmas[0] == keep.map { full.sigmas[0][$0] } + [1])
        #expect(sub.mus[0] == keep.map { full.mus[0][$0] } + [0.5])
        // Without the gaps the subsample's own neighbours are farther apart: wider kernels.
        let own = ParzenEstimator(
            transforms: [transform], observations: [keep.map { values[$0] }], obsWeights: keep.map { weights[$0] },
            parameters: ParzenParameters())
        #expect(own.sigmas[0].dropLast().reduce(0, +) > sub.sigmas[0].dropLast().reduce(0, +))
        // Gaps given for the observations themselves change nothing.
        let same = ParzenEstimator(
            transforms: [transform], observations: [values], obsWeights: weights, parameters: ParzenParameters(),
            neighbourGaps: [gaps], bandwidthCount: 60)
        #expect(same.sigmas == full.sigmas)
    }

    @Test func aboveKernelsKeepTheNewestHalfAndSpreadTheRest() {
        #expect(TPESampler.aboveKernels(count: 100, cap: 100) == nil)
        for (n, cap) in [(101, 100), (1000, 100), (250, 7), (12, 1), (3, 2)] {
            let picks = TPESampler.aboveKernels(count: n, cap: cap)!
            #expect(picks.count == cap)
            #expect(zip(picks, picks.dropFirst()).allSatisfy { $0 < $1 })
            #expect(Array(picks.suffix(cap / 2)) == Array((n - cap / 2)..<n))
            let older = picks.dropLast(cap / 2)
            #expect(older.last == n - cap / 2 - 1)
            if older.count > 1 { #expect(older.first == 0) }
        }
    }
}
