import Foundation

/// Pareto utilities for multi-objective sampling (all objectives minimized).
///
/// ### References
/// Deb, Pratap, Agarwal & Meyarivan, "A fast and elitist multiobjective genetic
/// algorithm: NSGA-II", IEEE TEC 6(2), 2002.
public enum Pareto {
    /// Whether `a` Pareto-dominates `b` (no worse everywhere, better somewhere; minimizing).
    @inline(__always)
    public static func dominates(_ a: [Double], _ b: [Double]) -> Bool {
        var better = false
        for i in 0..<a.count {
            if a[i] > b[i] { return false }
            if a[i] < b[i] { better = true }
        }
        return better
    }

    /// The nondomination rank of every point (0 = Pareto front), by Deb's fast
    /// nondominated sort. With one objective this is the rank of each distinct value.
    public static func nondominatedRanks(_ points: [[Double]]) -> [Int] {
        let n = points.count
        guard n > 0 else { return [] }
        if points[0].count == 1 {
            let order = (0..<n).sorted { points[$0][0] < points[$1][0] }
            var ranks = [Int](repeating: 0, count: n)
            var rank = 0
            for (k, i) in order.enumerated() {
                if k > 0 && points[i][0] > points[order[k - 1]][0] { rank += 1 }
                ranks[i] = rank
            }
            return ranks
        }
        var dominatedBy = [[Int]](repeating: [], count: n)  // S_p
        var count = [Int](repeating: 0, count: n)           // n_p
        for p in 0..<n {
            for q in (p + 1)..<max(n, p + 1) where q < n {
                if dominates(points[p], points[q]) {
                    dominatedBy[p].append(q); count[q] += 1
                } else if dominates(points[q], points[p]) {
                    dominatedBy[q].append(p); count[p] += 1
                }
            }
        }
        var ranks = [Int](repeating: -1, count: n)
        var front = (0..<n).filter { count[$0] == 0 }
        var rank = 0
        while !front.isEmpty {
            var next: [Int] = []
            for p in front {
                ranks[p] = rank
                for q in dominatedBy[p] {
                    count[q] -= 1
                    if count[q] == 0 { next.append(q) }
                }
            }
            front = next
            rank += 1
        }
        return ranks
    }

    /// Crowding distance of each point within one front (boundary points get +∞).
    public static func crowdingDistances(_ points: [[Double]]) -> [Double] {
        let n = points.count
        guard n > 0 else { return [] }
        if n <= 2 { return [Double](repeating: .infinity, count: n) }
        var dist = [Double](repeating: 0, count: n)
        for m in 0..<points[0].count {
            let order = (0..<n).sorted { points[$0][m] < points[$1][m] }
            let lo = points[order[0]][m], hi = points[order[n - 1]][m]
            dist[order[0]] = .infinity
            dist[order[n - 1]] = .infinity
            let range = hi - lo
            guard range > 0, range.isFinite else { continue }
            for k in 1..<(n - 1) {
                dist[order[k]] += (points[order[k + 1]][m] - points[order[k - 1]][m]) / range
            }
        }
        return dist
    }

    /// Hypervolume dominated by 2-D points (minimizing) up to `reference`.
    static func hypervolume2D(_ points: [[Double]], reference: [Double]) -> Double {
        let pts = points.filter { $0[0] < reference[0] && $0[1] < reference[1] }
            .sorted { $0[0] < $1[0] || ($0[0] == $1[0] && $0[1] < $1[1]) }
        var hv = 0.0
        var bestY = reference[1]
        for p in pts where p[1] < bestY {
            hv += (reference[0] - p[0]) * (bestY - p[1])
            bestY = p[1]
        }
        return hv
    }

    /// Picks `k` of `points` (one front) greedily by hypervolume contribution for two
    /// objectives, by crowding distance otherwise; returns indices into `points`.
    static func selectSubset(_ points: [[Double]], k: Int) -> [Int] {
        let n = points.count
        if k >= n { return Array(0..<n) }
        if k <= 0 { return [] }
        if points[0].count == 2 {
            var ref = [0.0, 0.0]
            for m in 0..<2 {
                let worst = points.map { $0[m] }.max()!
                ref[m] = max(1.1 * worst, 0.9 * worst)
                if ref[m] == 0 { ref[m] = 1e-12 }
            }
            var chosen: [Int] = []
            var remaining = Array(0..<n)
            var base = 0.0
            while chosen.count < k {
                var best = remaining[0], bestGain = -Double.infinity
                for i in remaining {
                    let hv = hypervolume2D(chosen.map { points[$0] } + [points[i]], reference: ref)
                    if hv - base > bestGain { bestGain = hv - base; best = i }
                }
                chosen.append(best)
                remaining.removeAll { $0 == best }
                base += bestGain
            }
            return chosen
        }
        let cd = crowdingDistances(points)
        return (0..<n).sorted { cd[$0] > cd[$1] || (cd[$0] == cd[$1] && $0 < $1) }.prefix(k).map { $0 }
    }
}
