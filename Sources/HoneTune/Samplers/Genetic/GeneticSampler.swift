import Foundation
import HoneCore

/// A genetic algorithm over the study's trials, NSGA-II style (Deb et al. 2002).
///
/// The state is read from the study itself: the first `populationSize` completed trials
/// are random; after that the parents are the elitist NSGA-II survivors (nondominated
/// fronts, the last front cut by crowding distance; with one objective simply the best
/// `populationSize`). By default the population is updated steady-state, with every
/// completed trial ((μ + 1) selection, Durillo et al. 2009), which suits the small trial
/// budgets of hyperparameter tuning; `steadyState: false` gives the classic generational
/// scheme, completed trials in trial order forming generations of `populationSize`. A child takes
/// two parents by binary tournament (rank, then crowding distance), mixes them with
/// probability `crossoverProbability` — simulated binary crossover (SBX) for numerical
/// parameters, uniform swapping for categorical ones — and mutates each parameter with
/// probability `mutationProbability` (default 1/number of parameters): polynomial
/// mutation for numerical parameters, a random choice for categorical ones. Values are
/// worked on in the normalized unit scale (log where asked) and rounded to valid values.
/// Parameters outside the shared search space are sampled at random.
///
/// ### References
/// Deb, Pratap, Agarwal & Meyarivan, IEEE TEC 6(2), 2002; Durillo, Nebro, Luna & Alba,
/// "On the effect of the steady-state selection scheme in multi-objective genetic
/// algorithms", EMO 2009; Deb & Agrawal, "Simulated
/// binary crossover for continuous search space", Complex Systems 9, 1995.
public final class GeneticSampler: Sampler {
    public let populationSize: Int
    public let crossoverProbability: Double
    public let mutationProbability: Double?
    public let crossoverEta: Double
    public let mutationEta: Double
    public let swappingProbability: Double
    /// Replace the population one child at a time ((μ + 1) NSGA-II) instead of in
    /// generations of `populationSize`: every completed trial can be a parent at once,
    /// which uses a small trial budget far better.
    public let steadyState: Bool
    private let relative: RelativeSearch
    // Parent populations after each complete generation, as indices into the completed trials.
    private var populations: [[Int]] = []
    private var populationKey: [String] = []
    private var steadyPopulation: [Int] = []
    /// Completed trials with every parameter of the space: minimized objectives and point.
    private var store: [Int: (obj: [Double], x: [Double])] = [:]
    private var storeSeen: [Bool] = []

    public init(
        seed: UInt64? = nil, populationSize: Int = 10, crossoverProbability: Double = 0.9,
        mutationProbability: Double? = nil, crossoverEta: Double = 20, mutationEta: Double = 20,
        swappingProbability: Double = 0.5, steadyState: Bool = true
    ) {
        self.steadyState = steadyState
        precondition(populationSize >= 2, "populationSize must be at least 2")
        self.populationSize = populationSize
        self.crossoverProbability = crossoverProbability
        self.mutationProbability = mutationProbability
        self.crossoverEta = crossoverEta
        self.mutationEta = mutationEta
        self.swappingProbability = swappingProbability
        self.relative = RelativeSearch(seed: seed)
    }

    public func inferRelativeSearchSpace(study: StudyView, trial: FrozenTrial) -> [String: ParameterDistribution] {
        relative.searchSpace(study: study, trial: trial)
    }

    public func sampleIndependent(
        study: StudyView, trial: FrozenTrial, name: String, distribution: ParameterDistribution
    ) -> Double {
        relative.randomValue(distribution)
    }

    /// NSGA-II survival: the best `k` of `indices` by front, the last front cut by crowding.
    static func survive(_ indices: [Int], objectives: [[Double]], k: Int) -> [Int] {
        if indices.count <= k { return indices }
        let pts = indices.map { objectives[$0] }
        let ranks = Pareto.nondominatedRanks(pts)
        var out: [Int] = []
        var r = 0
        while out.count < k {
            let front = indices.indices.filter { ranks[$0] == r }
            if out.count + front.count <= k {
                out += front.map { indices[$0] }
            } else {
                let cd = Pareto.crowdingDistances(front.map { pts[$0] })
                let order = front.indices.sorted { cd[$0] > cd[$1] || (cd[$0] == cd[$1] && front[$0] < front[$1]) }
                out += order.prefix(k - out.count).map { indices[front[$0]] }
            }
            r += 1
        }
        return out
    }

    public func sampleRelative(
        study: StudyView, trial: FrozenTrial, searchSpace space: [String: ParameterDistribution]
    ) -> [String: Double] {
        guard let layout = relative.layout(study: study, trial: trial, space: space) else { return [:] }
        let transforms = layout.transforms
        let names = layout.names
        if names != populationKey {
            populations = []; steadyPopulation = []; store = [:]; storeSeen = []; populationKey = names
        }
        // Completed trials are read once: their objective vector and unit-cube point are kept.
        let signs = minimizationSigns(study.directions)
        var newNumbers: [Int] = []
        for t in layout.trials where t.number >= storeSeen.count || !storeSeen[t.number] {
            if t.number >= storeSeen.count {
                storeSeen += [Bool](repeating: false, count: max(t.number + 1 - storeSeen.count, storeSeen.count))
            }
            storeSeen[t.number] = true
            guard let values = t.values else { continue }
            let obj = zip(values, signs).map { v, s in v.isNaN ? Double.infinity : v * s }
            store[t.number] = (obj, transforms.map { $0.normalize(t.params[$0.name]!) })
            newNumbers.append(t.number)
        }
        if steadyState && !newNumbers.isEmpty {
            // Steady state: the parents are the NSGA-II survivors of every completed trial,
            // updated with each new one.
            let union = steadyPopulation + newNumbers
            steadyPopulation = GeneticSampler.survive(
                Array(union.indices), objectives: union.map { store[$0]!.obj }, k: populationSize
            ).map { union[$0] }
        }
        if store.count < populationSize { return [:] }
        let parents: [Int]  // trial numbers
        if steadyState {
            parents = steadyPopulation
        } else {
            let nGenerations = store.count / populationSize
            if populations.count < nGenerations {
                let ordered = store.keys.sorted()
                while populations.count < nGenerations {
                    let g = populations.count
                    let union = (populations.last ?? []) + ordered[(g * populationSize)..<((g + 1) * populationSize)]
                    populations.append(
                        GeneticSampler.survive(Array(union.indices), objectives: union.map { store[$0]!.obj }, k: populationSize)
                            .map { union[$0] })
                }
            }
            parents = populations[nGenerations - 1]
        }
        // Rank and crowding distance of each parent, for the tournaments.
        let pts = parents.map { store[$0]!.obj }
        let ranks = Pareto.nondominatedRanks(pts)
        var crowd = [Double](repeating: 0, count: parents.count)
        for r in Set(ranks).sorted() {
            let front = parents.indices.filter { ranks[$0] == r }
            let cd = Pareto.crowdingDistances(front.map { pts[$0] })
            for (i, p) in front.enumerated() { crowd[p] = cd[i] }
        }
        func tournament() -> Int {
            let a = relative.rng.nextInt(below: parents.count), b = relative.rng.nextInt(below: parents.count)
            if ranks[a] != ranks[b] { return ranks[a] < ranks[b] ? a : b }
            return crowd[a] >= crowd[b] ? a : b
        }
        var child = store[parents[tournament()]]!.x
        let other = store[parents[tournament()]]!.x
        if relative.rng.nextDouble() < crossoverProbability {
            for (d, t) in transforms.enumerated() {
                if t.kind == .categorical {
                    if relative.rng.nextDouble() < swappingProbability { child[d] = other[d] }
                } else if relative.rng.nextDouble() < 0.5 {
                    child[d] = sbx(child[d], other[d])
                }
            }
        }
        let pm = mutationProbability ?? 1 / Double(transforms.count)
        for (d, t) in transforms.enumerated() where relative.rng.nextDouble() < pm {
            if t.kind == .categorical {
                child[d] = Double(relative.rng.nextInt(below: t.nChoices))
            } else {
                child[d] = polynomialMutation(child[d])
            }
        }
        var out: [String: Double] = [:]
        for (d, t) in transforms.enumerated() { out[t.name] = t.denormalize(child[d]) }
        return out
    }

    /// Bounded simulated binary crossover on [0, 1]; returns one of the two children.
    private func sbx(_ x1: Double, _ x2: Double) -> Double {
        if abs(x1 - x2) < 1e-14 { return x1 }
        let y1 = min(x1, x2), y2 = max(x1, x2)
        let eta = crossoverEta
        let u = relative.rng.nextDouble()
        func betaq(_ beta: Double) -> Double {
            let alpha = 2 - pow(beta, -(eta + 1))
            return u <= 1 / alpha ? pow(u * alpha, 1 / (eta + 1)) : pow(1 / (2 - u * alpha), 1 / (eta + 1))
        }
        let c1 = 0.5 * ((y1 + y2) - betaq(1 + 2 * y1 / (y2 - y1)) * (y2 - y1))
        let c2 = 0.5 * ((y1 + y2) + betaq(1 + 2 * (1 - y2) / (y2 - y1)) * (y2 - y1))
        let c = relative.rng.nextDouble() < 0.5 ? c1 : c2
        return min(max(c, 0), 1)
    }

    /// Deb's bounded polynomial mutation on [0, 1].
    private func polynomialMutation(_ y: Double) -> Double {
        let eta = mutationEta
        let r = relative.rng.nextDouble()
        let p = 1 / (eta + 1)
        let deltaq: Double
        if r < 0.5 {
            let v = 2 * r + (1 - 2 * r) * pow(1 - y, eta + 1)
            deltaq = pow(v, p) - 1
        } else {
            let v = 2 * (1 - r) + 2 * (r - 0.5) * pow(y, eta + 1)
            deltaq = 1 - pow(v, p)
        }
        return min(max(y + deltaq, 0), 1)
    }
}
