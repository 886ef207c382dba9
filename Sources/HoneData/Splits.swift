/// A partition of sample indices into a training part and a validation part.
public struct Fold: Equatable, Codable, Sendable {
    /// Indices to train on, ascending.
    public var train: [Int]
    /// Indices to validate on, ascending.
    public var validation: [Int]
}

/// Seeded index splits: hold-out, stratified hold-out, k-fold and stratified k-fold.
///
/// Indices come back ascending within each part, so a subset built from them reads
/// its base in storage order. The same seed always gives the same split.
///
/// ```swift
/// let fold = try Splits.stratified(labels: train.classLabels!, validationFraction: 0.1, seed: 0)
/// let (fit, check) = (try train.subset(fold.train), try train.subset(fold.validation))
/// ```
public enum Splits {
    /// A random hold-out split of `0..<count`, `validationFraction` of it (rounded) for validation.
    ///
    /// - Throws: ``DataError/invalidParameter(name:detail:)`` when the fraction is outside [0, 1).
    public static func trainValidation(count: Int, validationFraction: Double, seed: UInt64) throws -> Fold {
        try checkFraction(validationFraction)
        var generator = SeededGenerator(seed: seed)
        let order = shuffled(Array(0..<count), using: &generator)
        let validationCount = Int((Double(count) * validationFraction).rounded())
        return Fold(train: order[validationCount...].sorted(), validation: order[..<validationCount].sorted())
    }

    /// A hold-out split that keeps each class's share in both parts: every class
    /// contributes `validationFraction` of its samples (rounded) to validation.
    public static func stratified(labels: [Int], validationFraction: Double, seed: UInt64) throws -> Fold {
        try checkFraction(validationFraction)
        var generator = SeededGenerator(seed: seed)
        var fold = Fold(train: [], validation: [])
        for members in groupedByClass(labels) {
            let order = shuffled(members, using: &generator)
            let validationCount = Int((Double(order.count) * validationFraction).rounded())
            fold.validation += order[..<validationCount]
            fold.train += order[validationCount...]
        }
        fold.train.sort()
        fold.validation.sort()
        return fold
    }

    /// `folds` partitions of `0..<count` for cross-validation: the validation parts are
    /// disjoint, cover every index exactly once, and differ in size by at most one.
    ///
    /// - Throws: ``DataError/invalidParameter(name:detail:)`` when `folds` is not in `2...count`.
    public static func kFold(count: Int, folds: Int, seed: UInt64) throws -> [Fold] {
        try checkFolds(folds, count: count)
        var generator = SeededGenerator(seed: seed)
        let order = shuffled(Array(0..<count), using: &generator)
        var assignment = [Int](repeating: 0, count: count)
        // Like scikit-learn's KFold: the first count % folds parts take one extra index.
        var start = 0
        for part in 0..<folds {
            let size = count / folds + (part < count % folds ? 1 : 0)
            for position in start..<(start + size) { assignment[order[position]] = part }
            start += size
        }
        return partition(assignment, partCount: folds)
    }

    /// K-fold partitions whose validation parts each keep the class proportions: each
    /// class's (shuffled) samples are dealt round-robin over the folds, continuing
    /// where the previous class stopped so the fold sizes stay within one of each other.
    public static func stratifiedKFold(labels: [Int], folds: Int, seed: UInt64) throws -> [Fold] {
        try checkFolds(folds, count: labels.count)
        var generator = SeededGenerator(seed: seed)
        var assignment = [Int](repeating: 0, count: labels.count)
        var dealer = 0
        for members in groupedByClass(labels) {
            for index in shuffled(members, using: &generator) {
                assignment[index] = dealer % folds
                dealer += 1
            }
        }
        return partition(assignment, partCount: folds)
    }

    private static func partition(_ assignment: [Int], partCount: Int) -> [Fold] {
        (0..<partCount).map { part in
            var fold = Fold(train: [], validation: [])
            for (index, owner) in assignment.enumerated() {
                if owner == part { fold.validation.append(index) } else { fold.train.append(index) }
            }
            return fold
        }
    }

    /// Indices grouped by class, classes in ascending order (so the result is deterministic).
    private static func groupedByClass(_ labels: [Int]) -> [[Int]] {
        var groups = [Int: [Int]]()
        for (index, label) in labels.enumerated() { groups[label, default: []].append(index) }
        return groups.keys.sorted().map { groups[$0]! }
    }

    /// A Fisher–Yates shuffle driven by `generator` (the standard library's shuffle
    /// algorithm is not guaranteed stable across releases).
    static func shuffled(_ values: [Int], using generator: inout SeededGenerator) -> [Int] {
        var result = values
        guard result.count > 1 else { return result }
        for i in stride(from: result.count - 1, to: 0, by: -1) {
            result.swapAt(i, generator.nextInt(below: i + 1))
        }
        return result
    }

    private static func checkFraction(_ fraction: Double) throws {
        guard fraction >= 0, fraction < 1 else {
            throw DataError.invalidParameter(name: "validationFraction", detail: "must be in [0, 1), got \(fraction)")
        }
    }

    private static func checkFolds(_ folds: Int, count: Int) throws {
        guard folds >= 2, folds <= count else {
            throw DataError.invalidParameter(name: "folds", detail: "must be in 2...\(count) (the sample count), got \(folds)")
        }
    }
}
