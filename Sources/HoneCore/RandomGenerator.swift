import Foundation

/// A fast, seedable, serializable pseudo-random generator (xoshiro256**).
///
/// Every random choice in Hone takes one of these (or a seed to build one), so the
/// same seed gives the same run. The state is `Codable`, which lets a training run or
/// a study save its generator with a checkpoint and resume exactly.
///
/// ```swift
/// var rng = SeededGenerator(seed: 42)
/// let u = rng.nextDouble()        // uniform in [0, 1)
/// let z = rng.nextGaussian()      // standard normal
/// ```
///
/// ### References
/// Blackman & Vigna, "Scrambled linear pseudorandom number generators", 2018
/// (xoshiro256**; SplitMix64 expands the seed).
public struct SeededGenerator: RandomNumberGenerator, Codable, Hashable, Sendable {
    @usableFromInline var s0: UInt64
    @usableFromInline var s1: UInt64
    @usableFromInline var s2: UInt64
    @usableFromInline var s3: UInt64

    /// Creates a generator whose whole stream is determined by `seed`.
    public init(seed: UInt64) {
        var sm = seed
        func splitMix() -> UInt64 {
            sm &+= 0x9E37_79B9_7F4A_7C15
            var z = sm
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s0 = splitMix()
        s1 = splitMix()
        s2 = splitMix()
        s3 = splitMix()
    }

    /// The next 64 random bits.
    ///
    /// Inlinable, as are the uniform draws built on it: samplers in other modules draw
    /// hundreds of thousands per call, and a call across modules costs more than the draw.
    @inlinable
    public mutating func next() -> UInt64 {
        // Rotations written out: a helper call here was not inlined into other modules.
        let product = s1 &* 5
        let result = (product << 7 | product >> 57) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = s3 << 45 | s3 >> 19
        return result
    }

    /// A uniform `Double` in [0, 1) with 53 random bits.
    @inlinable
    public mutating func nextDouble() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// A uniform `Float` in [0, 1) with 24 random bits.
    public mutating func nextFloat() -> Float {
        Float(next() >> 40) * 0x1.0p-24
    }

    /// A uniform integer in `0..<upperBound` (unbiased, Lemire's method).
    public mutating func nextInt(below upperBound: Int) -> Int {
        precondition(upperBound > 0, "nextInt(below:) needs a positive bound, got \(upperBound)")
        return Int(next(upperBound: UInt64(upperBound)))
    }

    /// A standard normal sample (Box–Muller; one value per call keeps the stream simple).
    public mutating func nextGaussian() -> Double {
        // 1 - u keeps the logarithm's argument in (0, 1].
        let u1 = 1.0 - nextDouble()
        let u2 = nextDouble()
        return (-2.0 * log(u1)).squareRoot() * cos(2.0 * Double.pi * u2)
    }

    /// A new generator derived from this one, for a parallel worker or a sub-task;
    /// advances this generator so two forks differ.
    public mutating func fork() -> SeededGenerator {
        SeededGenerator(seed: next())
    }
}
