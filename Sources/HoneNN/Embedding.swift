import HoneCore

/// A lookup table of learned vectors, PyTorch's `nn.Embedding`: integer indices
/// (stored as Float values) of any shape `S` give vectors of shape `S + [dimensions]`.
/// The table starts as N(0, 1).
///
/// ```swift
/// let embedding = Embedding(count: 1000, dimensions: 64)
/// let vectors = embedding(Tensor([[3, 1, 4]]))   // [1, 3, 64]
/// ```
public final class Embedding: Module, UnaryLayer {
    /// `[count, dimensions]`.
    public let weight: Tensor

    /// A table of `count` vectors of `dimensions` values.
    public init(count: Int, dimensions: Int, seed: UInt64? = nil) {
        var generator = ParameterSeeds.generator(seed)
        weight = Initializer.normal(mean: 0, standardDeviation: 1).makeTensor([count, dimensions], generator: &generator).requiringGrad()
        super.init()
    }

    /// The number of vectors.
    public var count: Int { weight.shape[0] }
    /// The length of each vector.
    public var dimensions: Int { weight.shape[1] }

    public override var settingsDescription: String { "count: \(count), dimensions: \(dimensions)" }

    /// Looks up the rows named by `indices` (whole numbers in `0..<count`).
    public func forward(_ indices: Tensor) -> Tensor {
        let rows = indices.withUnsafeBufferPointer { values in
            values.map { value -> Int in
                let index = Int(value)
                precondition(Float(index) == value && index >= 0 && index < count,
                             "Embedding: index \(value) is not a whole number in 0..<\(count)")
                return index
            }
        }
        return embeddingLookup(weight, rows: rows, shape: indices.shape)
    }
}

/// Rows `rows` of `table` `[count, dimensions]`, shaped `shape + [dimensions]`; the
/// backward pass adds each gradient row back into its table row.
public func embeddingLookup(_ table: Tensor, rows: [Int], shape: [Int]) -> Tensor {
    let dimensions = table.shape[1]
    let out = Tensor(uninitializedShape: shape + [dimensions])
    let source = table.storage.pointer, target = out.storage.pointer
    rows.withUnsafeBufferPointer { indices in
        for (position, row) in indices.enumerated() {
            (target + position * dimensions).update(from: source + row * dimensions, count: dimensions)
        }
    }
    return Tensor.record("embedding", output: out, inputs: [table]) { g in
        let gradient = Tensor.zeros(table.shape)
        let destination = gradient.storage.pointer, upstream = g.storage.pointer
        for (position, row) in rows.enumerated() {
            let from = upstream + position * dimensions, to = destination + row * dimensions
            for i in 0..<dimensions { to[i] += from[i] }
        }
        return [gradient]
    }
}

/// Learned position vectors added to a sequence `[batch, length, dimensions]`:
/// position `t` gets row `t` of `weight` (PyTorch models use an `nn.Embedding` over
/// `arange(length)` for the same thing). Starts as N(0, 1).
public final class LearnedPositionalEmbedding: Module, UnaryLayer {
    /// `[maximumLength, dimensions]`.
    public let weight: Tensor

    /// Positions `0..<maximumLength`, each a vector of `dimensions` values.
    public init(maximumLength: Int, dimensions: Int, seed: UInt64? = nil) {
        var generator = ParameterSeeds.generator(seed)
        weight = Initializer.normal(mean: 0, standardDeviation: 1).makeTensor([maximumLength, dimensions], generator: &generator).requiringGrad()
        super.init()
    }

    /// Adds the first `length` position vectors to `x` `[batch, length, dimensions]`.
    public func forward(_ x: Tensor) -> Tensor {
        precondition(x.rank == 3 && x.shape[2] == weight.shape[1] && x.shape[1] <= weight.shape[0],
                     "LearnedPositionalEmbedding: input \(x.shape) should be [batch, ≤\(weight.shape[0]), \(weight.shape[1])]")
        let length = x.shape[1]
        let positions = length == weight.shape[0] ? weight : embeddingLookup(weight, rows: Array(0..<length), shape: [length])
        return x + positions
    }
}
