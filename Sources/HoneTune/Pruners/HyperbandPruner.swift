import Foundation

/// Hyperband: several successive-halving brackets that trade the number of trials against
/// the steps each may run, hedging against a badly chosen minimum resource.
///
/// Bracket `b` (0 ≤ b < n) is an ASHA pruner with minimum early-stopping rate `b`, where
/// n = ⌊log_η(maxResource / minResource)⌋ + 1. Each trial belongs to one bracket, chosen
/// deterministically from a CRC-32 of "studyname_number" (so every process agrees) in
/// proportion to the bracket's budget ⌈n·η^s/(s+1)⌉ with s = n − 1 − b, and competes only
/// with the trials of its bracket. Mirrors Optuna's `HyperbandPruner`.
///
/// ### References
/// Li, Jamieson, DeSalvo, Rostamizadeh, Talwalkar, "Hyperband: A Novel Bandit-Based
/// Approach to Hyperparameter Optimization", JMLR 18(185):1–52, 2018.
/// Li et al., "A System for Massively Parallel Hyperparameter Tuning", arXiv:1810.05934, 2018.
public final class HyperbandPruner: Pruner {
    public let minResource: Int
    /// The steps of a full trial; `nil` takes the longest complete trial's last step + 1.
    public private(set) var maxResource: Int?
    public let reductionFactor: Int
    public let bootstrapCount: Int
    private var brackets: [SuccessiveHalvingPruner] = []
    private var budgets: [Int] = []
    private let lock = NSLock()

    public init(minResource: Int = 1, maxResource: Int? = nil, reductionFactor: Int = 3, bootstrapCount: Int = 0) {
        precondition(minResource >= 1, "minResource must be ≥ 1")
        precondition(maxResource.map { $0 >= minResource } ?? true, "maxResource must be ≥ minResource")
        precondition(reductionFactor >= 2, "reductionFactor must be ≥ 2")
        self.minResource = minResource
        self.maxResource = maxResource
        self.reductionFactor = reductionFactor
        self.bootstrapCount = bootstrapCount
    }

    /// The number of brackets, once known.
    public var bracketCount: Int? {
        lock.lock()
        defer { lock.unlock() }
        return brackets.isEmpty ? nil : brackets.count
    }

    public func shouldPrune(study: StudyView, trial: FrozenTrial) -> Bool {
        lock.lock()
        if brackets.isEmpty { initialize(study) }
        guard !brackets.isEmpty else {
            lock.unlock()
            return false
        }
        let id = bracket(studyName: study.studyName, number: trial.number)
        let pruner = brackets[id]
        lock.unlock()
        return pruner.shouldPrune(study: BracketStudyView(base: study, owner: self, bracket: id), trial: trial)
    }

    private func initialize(_ study: StudyView) {
        if maxResource == nil {
            let steps = study.trials(states: [.complete]).compactMap(\.lastStep)
            guard let longest = steps.max() else { return }
            maxResource = longest + 1
        }
        let ratio = Double(maxResource!) / Double(minResource)
        // Trials shorter than minResource (ratio < 1) leave one bracket, not a negative count.
        let n = max(1, Int((log(ratio) / log(Double(reductionFactor)) + 1e-9).rounded(.down)) + 1)
        for b in 0..<n {
            let s = n - 1 - b
            budgets.append(Int((Double(n) * pow(Double(reductionFactor), Double(s)) / Double(s + 1)).rounded(.up)))
            brackets.append(SuccessiveHalvingPruner(
                minResource: minResource, reductionFactor: reductionFactor, minEarlyStoppingRate: b,
                bootstrapCount: bootstrapCount))
        }
    }

    /// The bracket of trial `number` (call with the lock held, after initialization).
    func bracket(studyName: String, number: Int) -> Int {
        let total = budgets.reduce(0, +)
        var n = Int(CRC32.checksum(Array("\(studyName)_\(number)".utf8))) % total
        for (b, budget) in budgets.enumerated() {
            n -= budget
            if n < 0 { return b }
        }
        return budgets.count - 1
    }

    /// The bracket a trial of `study` falls in, or `nil` before the pruner is initialized.
    public func bracket(of number: Int, in study: StudyView) -> Int? {
        lock.lock()
        defer { lock.unlock() }
        if brackets.isEmpty { initialize(study) }
        return brackets.isEmpty ? nil : bracket(studyName: study.studyName, number: number)
    }

    /// The study as one bracket sees it: only that bracket's trials.
    private final class BracketStudyView: StudyWriter {
        let base: StudyView
        let owner: HyperbandPruner
        let bracket: Int
        init(base: StudyView, owner: HyperbandPruner, bracket: Int) {
            self.base = base
            self.owner = owner
            self.bracket = bracket
        }
        var directions: [StudyDirection] { base.directions }
        var studyName: String { base.studyName }
        func trials(states: Set<TrialState>?) -> [FrozenTrial] {
            let all = base.trials(states: states)
            owner.lock.lock()
            defer { owner.lock.unlock() }
            return all.filter { owner.bracket(studyName: base.studyName, number: $0.number) == bracket }
        }
        func setTrialSystemAttribute(number: Int, key: String, value: String) {
            (base as? StudyWriter)?.setTrialSystemAttribute(number: number, key: key, value: value)
        }
    }
}

/// CRC-32 (IEEE 802.3, as zlib and Python's `binascii.crc32`).
enum CRC32 {
    private static let table: [UInt32] = (0..<256).map { i in
        var c = UInt32(i)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    static func checksum(_ bytes: [UInt8]) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for b in bytes { c = table[Int((c ^ UInt32(b)) & 0xFF)] ^ (c >> 8) }
        return c ^ 0xFFFF_FFFF
    }
}
