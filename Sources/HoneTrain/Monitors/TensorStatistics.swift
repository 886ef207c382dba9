import Foundation
import HoneCore

/// The statistics monitors take of tensors: histograms, norms, dead and saturated units.
public enum TensorStatistics {
    /// The histogram of `tensor`'s finite values in `bins` equal-width buckets between their
    /// minimum and maximum, accumulated in Double.
    public static func histogram(of tensor: Tensor, bins: Int) -> Histogram {
        tensor.withUnsafeBufferPointer { histogram(of: $0, bins: bins) }
    }

    /// The histogram of the finite `values` (see ``histogram(of:bins:)``).
    public static func histogram(of values: UnsafeBufferPointer<Float>, bins: Int) -> Histogram {
        precondition(bins >= 1, "TensorStatistics.histogram: \(bins) bins; need at least 1")
        var low = Float.infinity, high = -Float.infinity
        var sum = 0.0, squares = 0.0, finite = 0
        for value in values where value.isFinite {
            low = min(low, value)
            high = max(high, value)
            sum += Double(value)
            squares += Double(value) * Double(value)
            finite += 1
        }
        var counts = [Int](repeating: 0, count: bins)
        guard finite > 0 else {
            return Histogram(min: 0, max: 0, count: 0, sum: 0, sumOfSquares: 0, counts: counts, nonFiniteCount: values.count)
        }
        let scale = high > low ? Double(bins) / (Double(high) - Double(low)) : 0
        for value in values where value.isFinite {
            counts[min(Int((Double(value) - Double(low)) * scale), bins - 1)] += 1
        }
        return Histogram(
            min: Double(low), max: Double(high), count: finite, sum: sum, sumOfSquares: squares, counts: counts,
            nonFiniteCount: values.count - finite)
    }

    /// The sum of the squares of every value of `tensors`, in Double.
    public static func sumOfSquares(_ tensors: [Tensor]) -> Double {
        var total = 0.0
        for tensor in tensors {
            tensor.withUnsafeBufferPointer { values in
                // Float partial sums over short runs vectorize; Double keeps the total exact enough.
                var index = 0
                while index < values.count {
                    let end = min(index + 1024, values.count)
                    var partial: Float = 0
                    for position in index..<end { partial += values[position] * values[position] }
                    total += Double(partial)
                    index = end
                }
            }
        }
        return total
    }

    /// The number of units of an output: channels of `[B, C, H, W]`, the last axis otherwise.
    public static func unitCount(of output: Tensor) -> Int {
        guard output.rank >= 2 else { return 1 }
        return output.rank == 4 ? output.shape[1] : output.shape[output.rank - 1]
    }

    /// Marks in `alive` (one flag per unit, see ``unitCount(of:)``) each unit of `output`
    /// with a positive value for some sample (and position).
    public static func markPositiveUnits(_ output: Tensor, alive: inout [Bool]) {
        let units = unitCount(of: output)
        precondition(alive.count == units, "TensorStatistics.markPositiveUnits: \(alive.count) flags for \(units) units")
        output.withUnsafeBufferPointer { values in
            if output.rank == 4 {
                let plane = output.shape[2] * output.shape[3]
                for index in values.indices where values[index] > 0 { alive[(index / plane) % units] = true }
            } else {
                for index in values.indices where values[index] > 0 { alive[index % units] = true }
            }
        }
    }

    /// The fraction of `output`'s values within `margin` of the ends of `range`: how many
    /// Sigmoid (`0...1`) or Tanh (`-1...1`) outputs sit where the derivative is nearly zero.
    public static func saturatedFraction(_ output: Tensor, range: ClosedRange<Float>, margin: Float) -> Double {
        guard output.count > 0 else { return 0 }
        let low = range.lowerBound + margin, high = range.upperBound - margin
        var saturated = 0
        output.withUnsafeBufferPointer { values in
            for value in values where value <= low || value >= high { saturated += 1 }
        }
        return Double(saturated) / Double(output.count)
    }
}
