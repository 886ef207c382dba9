import Foundation
import HoneCore

/// Samples every parameter independently and uniformly (log-uniformly on a log scale,
/// uniformly over the grid points of a stepped range, uniformly over the choices).
///
/// The baseline every other sampler must beat, and the default of ``Study``. Seeded, it
/// repeats exactly: the same seed and the same trial order give the same parameters.
/// Mirrors Optuna's `RandomSampler`.
public final class RandomSampler: Sampler {
    private var rng: SeededGenerator
    private let lock = NSLock()

    /// - Parameter seed: fixes the stream; `nil` draws one from the system generator.
    public init(seed: UInt64? = nil) {
        var system = SystemRandomNumberGenerator()
        rng = SeededGenerator(seed: seed ?? system.next())
    }

    public func sampleIndependent(
        study: StudyView, trial: FrozenTrial, name: String, distribution: ParameterDistribution
    ) -> Double {
        lock.lock()
        defer { lock.unlock() }
        switch distribution {
        case .float(let low, let high, let log, let step):
            if let step, step > 0 {
                let points = Int(((high - low) / step).rounded(.down)) + 1
                return min(low + Double(rng.nextInt(below: points)) * step, high)
            }
            let u = rng.nextDouble()
            if log { return min(exp(Foundation.log(low) + u * (Foundation.log(high) - Foundation.log(low))), high) }
            return low + u * (high - low)
        case .int(let low, let high, let log, let step):
            if log {
                // Log-uniform over [low − ½, high + ½], rounded: each integer gets its log-width.
                let a = Foundation.log(Double(low) - 0.5), b = Foundation.log(Double(high) + 0.5)
                let v = exp(a + rng.nextDouble() * (b - a)).rounded()
                return min(max(v, Double(low)), Double(high))
            }
            return Double(low + step * rng.nextInt(below: (high - low) / step + 1))
        case .categorical(let choices):
            return Double(rng.nextInt(below: choices.count))
        }
    }
}
