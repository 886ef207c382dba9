/// An n-dimensional array of `Float` values that records the operations applied to it,
/// so gradients can flow back through them (reverse-mode automatic differentiation).
///
/// Storage is contiguous and row-major. Operations return new tensors; the only
/// in-place updates are the explicit `withUnsafeMutableBufferPointer` and `assign`,
/// meant for optimizers, so nothing changes under a user's feet.
///
/// ```swift
/// let w = Tensor.normal([3, 2], seed: 0).requiringGrad()
/// let x = Tensor([[1, 2, 3]])
/// let loss = matmul(x, w).relu().sum()
/// loss.backward()
/// print(w.grad!)
/// ```
public final class Tensor {
    /// The size of each axis; `[]` for a scalar.
    public let shape: [Int]
    /// The values, shared with tensors reshaped from this one.
    public let storage: TensorStorage
    /// Whether gradients are computed for this tensor by ``backward(_:)``.
    public var requiresGrad: Bool
    /// The accumulated gradient of a leaf tensor after ``backward(_:)``.
    public var grad: Tensor?
    /// The operation that produced this tensor, while its graph is alive.
    public internal(set) var gradNode: GradNode?

    /// Wraps `storage` (not copied) with `shape`.
    public init(shape: [Int], storage: TensorStorage, requiresGrad: Bool = false) {
        precondition(shape.allSatisfy { $0 >= 0 }, "Tensor: negative size in shape \(shape)")
        precondition(
            Shape.count(shape) == storage.count,
            "Tensor: shape \(shape) holds \(Shape.count(shape)) values, storage has \(storage.count)")
        self.shape = shape
        self.storage = storage
        self.requiresGrad = requiresGrad
    }

    /// A tensor of `shape` whose values are not yet set; for kernels that fill every element.
    public convenience init(uninitializedShape shape: [Int]) {
        self.init(shape: shape, storage: TensorStorage(uninitializedCount: Shape.count(shape)))
    }

    /// A tensor of `shape` holding `scalars` in row-major order.
    public convenience init(shape: [Int], scalars: [Float], requiresGrad: Bool = false) {
        precondition(
            scalars.count == Shape.count(shape),
            "Tensor: shape \(shape) needs \(Shape.count(shape)) values, got \(scalars.count)")
        let storage = TensorStorage(uninitializedCount: scalars.count)
        scalars.withUnsafeBufferPointer { src in
            if let base = src.baseAddress { storage.pointer.initialize(from: base, count: scalars.count) }
        }
        self.init(shape: shape, storage: storage, requiresGrad: requiresGrad)
    }

    /// A 0-dimensional tensor.
    public convenience init(_ scalar: Float) {
        self.init(shape: [], scalars: [scalar])
    }

    /// A 1-D tensor.
    public convenience init(_ scalars: [Float]) {
        self.init(shape: [scalars.count], scalars: scalars)
    }

    /// A 2-D tensor from rows of equal length.
    public convenience init(_ rows: [[Float]]) {
        let columns = rows.first?.count ?? 0
        precondition(rows.allSatisfy { $0.count == columns }, "Tensor: rows of unequal length")
        self.init(shape: [rows.count, columns], scalars: rows.flatMap { $0 })
    }

    /// The number of elements.
    @inlinable public var count: Int { storage.count }
    /// The number of axes.
    @inlinable public var rank: Int { shape.count }
    /// Whether this tensor was created by the user rather than by an operation.
    public var isLeaf: Bool { gradNode == nil }

    /// The values in row-major order (a copy).
    public var scalars: [Float] { Array(storage.buffer) }

    /// The single value of a one-element tensor.
    public var item: Float {
        precondition(count == 1, "item: tensor of shape \(shape) has \(count) values, expected 1")
        return storage.pointer[0]
    }

    /// The value at a full multi-index (for inspection and tests, not hot loops).
    public subscript(indices: Int...) -> Float {
        precondition(indices.count == rank, "subscript: \(indices.count) indices for shape \(shape)")
        var offset = 0
        for (axis, i) in indices.enumerated() {
            precondition(i >= 0 && i < shape[axis], "subscript: index \(i) out of range for axis \(axis) of \(shape)")
            offset = offset * shape[axis] + i
        }
        return storage.pointer[offset]
    }

    /// Reads the values without copying.
    @inlinable
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try body(UnsafeBufferPointer(storage.buffer))
    }

    /// Changes the values in place — for optimizers and initializers, outside any graph.
    @inlinable
    public func withUnsafeMutableBufferPointer<R>(
        _ body: (UnsafeMutableBufferPointer<Float>) throws -> R
    ) rethrows -> R {
        try body(storage.buffer)
    }

    /// Copies `other`'s values into this tensor in place (same element count).
    public func assign(_ other: Tensor) {
        precondition(other.count == count, "assign: shapes \(other.shape) and \(shape) differ in size")
        storage.pointer.update(from: other.storage.pointer, count: count)
    }

    /// Marks this tensor as one whose gradient ``backward(_:)`` computes, and returns it.
    @discardableResult
    public func requiringGrad(_ flag: Bool = true) -> Tensor {
        requiresGrad = flag
        return self
    }

    /// A tensor sharing these values but cut from the graph: no gradient flows through it.
    public func detached() -> Tensor {
        Tensor(shape: shape, storage: storage)
    }

    /// An independent copy of the values (not connected to the graph).
    public func copy() -> Tensor {
        let out = Tensor(uninitializedShape: shape)
        out.storage.pointer.initialize(from: storage.pointer, count: count)
        return out
    }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        let shown = scalars.prefix(8).map { String($0) }.joined(separator: ", ")
        let more = count > 8 ? ", …" : ""
        return "Tensor(shape: \(shape), [\(shown)\(more)]\(requiresGrad ? ", requiresGrad" : ""))"
    }
}
