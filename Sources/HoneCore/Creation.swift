extension Tensor {
    /// A tensor of `shape` filled with `value`.
    public static func full(_ shape: [Int], value: Float) -> Tensor {
        Tensor(shape: shape, storage: TensorStorage(count: Shape.count(shape), repeating: value))
    }

    /// A tensor of zeros.
    public static func zeros(_ shape: [Int]) -> Tensor { full(shape, value: 0) }

    /// A tensor of ones.
    public static func ones(_ shape: [Int]) -> Tensor { full(shape, value: 1) }

    /// A tensor of zeros with `other`'s shape.
    public static func zeros(like other: Tensor) -> Tensor { full(other.shape, value: 0) }

    /// `[start, start + step, …]` up to but excluding `end`, as a 1-D tensor.
    public static func arange(_ start: Float = 0, _ end: Float, step: Float = 1) -> Tensor {
        precondition(step != 0, "arange: step must not be zero")
        let n = Swift.max(0, Int(((end - start) / step).rounded(.up)))
        return Tensor(shape: [n], scalars: (0..<n).map { start + Float($0) * step })
    }

    /// Values drawn uniformly from `[low, high)`.
    public static func uniform(
        _ shape: [Int], low: Float = 0, high: Float = 1, using generator: inout SeededGenerator
    ) -> Tensor {
        let out = Tensor(uninitializedShape: shape)
        let width = high - low
        out.withUnsafeMutableBufferPointer { p in
            for i in 0..<p.count { p[i] = low + width * generator.nextFloat() }
        }
        return out
    }

    /// Values drawn uniformly from `[low, high)` by a generator seeded with `seed`.
    public static func uniform(_ shape: [Int], low: Float = 0, high: Float = 1, seed: UInt64) -> Tensor {
        var generator = SeededGenerator(seed: seed)
        return uniform(shape, low: low, high: high, using: &generator)
    }

    /// Values drawn from a normal distribution.
    public static func normal(
        _ shape: [Int], mean: Float = 0, standardDeviation: Float = 1, using generator: inout SeededGenerator
    ) -> Tensor {
        let out = Tensor(uninitializedShape: shape)
        out.withUnsafeMutableBufferPointer { p in
            for i in 0..<p.count { p[i] = mean + standardDeviation * Float(generator.nextGaussian()) }
        }
        return out
    }

    /// Values drawn from a normal distribution by a generator seeded with `seed`.
    public static func normal(_ shape: [Int], mean: Float = 0, standardDeviation: Float = 1, seed: UInt64) -> Tensor {
        var generator = SeededGenerator(seed: seed)
        return normal(shape, mean: mean, standardDeviation: standardDeviation, using: &generator)
    }

    /// Ones with probability `probability`, zeros otherwise (dropout masks).
    public static func bernoulli(_ shape: [Int], probability: Float, using generator: inout SeededGenerator) -> Tensor {
        let out = Tensor(uninitializedShape: shape)
        out.withUnsafeMutableBufferPointer { p in
            for i in 0..<p.count { p[i] = generator.nextFloat() < probability ? 1 : 0 }
        }
        return out
    }
}
