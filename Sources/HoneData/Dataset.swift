/// The target of one sample: a class index, or a vector of regression values.
public enum Label: Hashable, Sendable, Codable {
    /// A class index in `0..<classCount`.
    case classIndex(Int)
    /// Regression targets (one or more values).
    case values([Float])

    /// The class index, or nil for a regression target.
    public var classIndex: Int? {
        if case .classIndex(let index) = self { return index }
        return nil
    }
}

/// One sample: its input tensor (without a batch axis) and its label.
public struct Sample {
    /// The input, e.g. `[C, H, W]` for an image or `[F]` for a table row.
    public var input: Tensor
    /// The label.
    public var label: Label
}

/// A finite, indexable collection of samples of one shape — the source a
/// ``DataLoader`` batches.
///
/// The required method writes a sample's input straight into a batch buffer, so
/// datasets over contiguous storage copy with one `update(from:count:)` and build no
/// per-sample tensors. Implementations must be safe to read from several threads at
/// once (the loader's producers do), which read-only storage is.
///
/// ```swift
/// struct Squares: Dataset {
///     var count: Int { 100 }
///     var sampleShape: [Int] { [1] }
///     func label(at index: Int) -> Label { .values([Float(index * index)]) }
///     func copyInput(at index: Int, into destination: UnsafeMutableBufferPointer<Float>) {
///         destination[0] = Float(index)
///     }
/// }
/// ```
public protocol Dataset {
    /// The number of samples.
    var count: Int { get }
    /// The shape of one sample's input, without the batch axis.
    var sampleShape: [Int] { get }
    /// The label of sample `index`.
    func label(at index: Int) -> Label
    /// Writes the input of sample `index` into `destination`, which holds exactly
    /// `sampleShape`'s element count.
    func copyInput(at index: Int, into destination: UnsafeMutableBufferPointer<Float>)
}

extension Dataset {
    /// The number of values in one sample's input.
    public var sampleElementCount: Int { sampleShape.reduce(1, *) }

    /// Sample `index` as a tensor and its label.
    public func sample(at index: Int) -> Sample {
        precondition(index >= 0 && index < count, "sample(at:): index \(index) out of range 0..<\(count)")
        let input = Tensor(uninitializedShape: sampleShape)
        copyInput(at: index, into: input.storage.buffer)
        return Sample(input: input, label: label(at: index))
    }

    /// All labels as class indices, or nil when any sample has a regression target.
    public var classLabels: [Int]? {
        var labels = [Int]()
        labels.reserveCapacity(count)
        for index in 0..<count {
            guard let classIndex = label(at: index).classIndex else { return nil }
            labels.append(classIndex)
        }
        return labels
    }
}

/// A dataset over in-memory tensors: inputs `[N, ...]` and class labels or targets `[N, K]`.
///
/// ```swift
/// let data = TensorDataset(inputs: Tensor.uniform([100, 4], seed: 0), labels: labels)
/// ```
public struct TensorDataset: Dataset {
    /// All inputs, the first axis indexing samples.
    public let inputs: Tensor
    /// Class labels, when this is a classification set.
    public let labels: [Int]?
    /// Regression targets `[N, K]`, when this is a regression set.
    public let targets: Tensor?

    /// A classification set; `labels.count` must equal the first axis of `inputs`.
    public init(inputs: Tensor, labels: [Int]) {
        precondition(inputs.rank >= 1 && inputs.shape[0] == labels.count,
                     "TensorDataset: \(labels.count) labels for inputs of shape \(inputs.shape)")
        self.inputs = inputs.detached()
        self.labels = labels
        self.targets = nil
    }

    /// A regression set; `targets` is `[N]` or `[N, K]` with N the first axis of `inputs`.
    public init(inputs: Tensor, targets: Tensor) {
        precondition(inputs.rank >= 1 && targets.rank >= 1 && targets.shape[0] == inputs.shape[0],
                     "TensorDataset: targets \(targets.shape) do not match inputs \(inputs.shape)")
        self.inputs = inputs.detached()
        self.labels = nil
        self.targets = targets.rank == 1 ? targets.reshaped([targets.count, 1]).detached() : targets.detached()
    }

    /// The number of samples.
    public var count: Int { inputs.shape[0] }
    /// The shape of one input.
    public var sampleShape: [Int] { Array(inputs.shape.dropFirst()) }

    /// The label of sample `index`.
    public func label(at index: Int) -> Label {
        if let labels { return .classIndex(labels[index]) }
        let width = targets!.shape.dropFirst().reduce(1, *)
        let start = targets!.storage.pointer + index * width
        return .values(Array(UnsafeBufferPointer(start: start, count: width)))
    }

    /// Copies sample `index`'s input with one contiguous copy.
    public func copyInput(at index: Int, into destination: UnsafeMutableBufferPointer<Float>) {
        let width = destination.count
        destination.baseAddress!.update(from: inputs.storage.pointer + index * width, count: width)
    }
}
