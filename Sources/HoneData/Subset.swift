/// A view of some samples of another dataset, optionally renaming class labels.
///
/// ```swift
/// let firstFive = try train.filteringClasses([0, 1, 2, 3, 4])   // labels stay 0…4
/// let shoes = try train.filteringClasses([5, 7, 9])             // remapped to 0, 1, 2
/// ```
public struct Subset<Base: Dataset>: Dataset {
    /// The dataset the samples come from.
    public let base: Base
    /// The base indices, in the order this subset presents them.
    public let indices: [Int]
    /// Maps a base class index to the class index this subset reports; nil keeps labels.
    public let labelMap: [Int: Int]?

    /// The samples of `base` at `indices` (in that order).
    ///
    /// - Throws: ``DataError/invalidParameter(name:detail:)`` when an index is out of range.
    public init(_ base: Base, indices: [Int], labelMap: [Int: Int]? = nil) throws {
        if let bad = indices.first(where: { $0 < 0 || $0 >= base.count }) {
            throw DataError.invalidParameter(name: "subset indices", detail: "index \(bad) is outside 0..<\(base.count)")
        }
        self.base = base
        self.indices = indices
        self.labelMap = labelMap
    }

    /// The number of samples in the subset.
    public var count: Int { indices.count }
    /// The base's sample shape.
    public var sampleShape: [Int] { base.sampleShape }

    /// The (possibly remapped) label of sample `index`.
    public func label(at index: Int) -> Label {
        let label = base.label(at: indices[index])
        if let labelMap, case .classIndex(let original) = label, let mapped = labelMap[original] {
            return .classIndex(mapped)
        }
        return label
    }

    /// Copies the base sample's input.
    public func copyInput(at index: Int, into destination: UnsafeMutableBufferPointer<Float>) {
        base.copyInput(at: indices[index], into: destination)
    }
}

extension Dataset {
    /// The samples at `indices`, in that order.
    public func subset(_ indices: [Int]) throws -> Subset<Self> {
        try Subset(self, indices: indices)
    }

    /// The samples whose class is in `classes`, relabelled `0..<classes.count` in the
    /// order given (for transfer learning on a subset of classes).
    ///
    /// - Throws: ``DataError/invalidParameter(name:detail:)`` when `classes` is empty or
    ///   repeats a class, or the dataset has regression targets.
    public func filteringClasses(_ classes: [Int]) throws -> Subset<Self> {
        guard !classes.isEmpty, Set(classes).count == classes.count else {
            throw DataError.invalidParameter(name: "classes", detail: "need distinct classes, got \(classes)")
        }
        guard let labels = classLabels else {
            throw DataError.invalidParameter(name: "classes", detail: "the dataset has regression targets, not classes")
        }
        let labelMap = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($0.element, $0.offset) })
        let kept = labels.indices.filter { labelMap[labels[$0]] != nil }
        return try Subset(self, indices: kept, labelMap: labelMap)
    }
}

/// A dataset of any concrete type behind one type, for code that stores loaders over
/// different datasets side by side (a trainer's training and validation sets).
///
/// ```swift
/// let sets: [AnyDataset] = [AnyDataset(trainSubset), AnyDataset(testSet)]
/// ```
public struct AnyDataset: Dataset {
    private let countValue: Int
    private let shape: [Int]
    private let labelAt: (Int) -> Label
    private let copyInputAt: (Int, UnsafeMutableBufferPointer<Float>) -> Void

    /// Wraps `base`.
    public init<D: Dataset>(_ base: D) {
        countValue = base.count
        shape = base.sampleShape
        labelAt = { base.label(at: $0) }
        copyInputAt = { base.copyInput(at: $0, into: $1) }
    }

    /// The wrapped dataset's sample count.
    public var count: Int { countValue }
    /// The wrapped dataset's sample shape.
    public var sampleShape: [Int] { shape }
    /// The wrapped dataset's label of sample `index`.
    public func label(at index: Int) -> Label { labelAt(index) }
    /// Copies the wrapped dataset's input of sample `index`.
    public func copyInput(at index: Int, into destination: UnsafeMutableBufferPointer<Float>) {
        copyInputAt(index, destination)
    }
}
