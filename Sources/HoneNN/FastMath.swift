/// Row kernels shared by the fused layers: a branch-free exponential the compiler can
/// vectorize, a numerically safe in-place softmax built on it, and reductions over eight
/// lanes (the compiler keeps a plain `+=` loop serial to preserve Float rounding order).
enum FastMath {
    /// Σ p[i].
    @inline(__always)
    static func sum(_ p: UnsafePointer<Float>, _ count: Int) -> Float {
        var lanes = SIMD8<Float>(repeating: 0)
        var i = 0
        while i + 8 <= count {
            lanes += UnsafeRawPointer(p + i).loadUnaligned(as: SIMD8<Float>.self)
            i += 8
        }
        var total = lanes.sum()
        while i < count { total += p[i]; i += 1 }
        return total
    }

    /// Σ a[i]·b[i].
    @inline(__always)
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ count: Int) -> Float {
        var lanes = SIMD8<Float>(repeating: 0)
        var i = 0
        while i + 8 <= count {
            lanes += UnsafeRawPointer(a + i).loadUnaligned(as: SIMD8<Float>.self)
                * UnsafeRawPointer(b + i).loadUnaligned(as: SIMD8<Float>.self)
            i += 8
        }
        var total = lanes.sum()
        while i < count { total += a[i] * b[i]; i += 1 }
        return total
    }

    /// target[i] = a[i] + b[i]; `target` may be `a` or `b`.
    @inline(__always)
    static func add(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, into target: UnsafeMutablePointer<Float>, _ count: Int) {
        var i = 0
        while i + 8 <= count {
            let sum = UnsafeRawPointer(a + i).loadUnaligned(as: SIMD8<Float>.self) + UnsafeRawPointer(b + i).loadUnaligned(as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(target + i).storeBytes(of: sum, as: SIMD8<Float>.self)
            i += 8
        }
        while i < count { target[i] = a[i] + b[i]; i += 1 }
    }

    /// target[i] = ((x[i] − mean)·inverse)·scale[i] + shift[i] (either factor optional),
    /// eight lanes at a time, rounded as the scalar expression; `target` may be `x`.
    /// Written out because the compiler keeps the scalar loop scalar when it cannot
    /// rule out that `target` overlaps `x` at an offset.
    @inline(__always)
    static func normalize(
        _ x: UnsafePointer<Float>, into target: UnsafeMutablePointer<Float>, _ count: Int, mean: Float, inverse: Float,
        scale: UnsafePointer<Float>?, shift: UnsafePointer<Float>?
    ) {
        let center = SIMD8<Float>(repeating: mean), factor = SIMD8<Float>(repeating: inverse)
        var i = 0
        while i + 8 <= count {
            var value = (UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self) - center) * factor
            if let scale { value = value * UnsafeRawPointer(scale + i).loadUnaligned(as: SIMD8<Float>.self) }
            if let shift { value = value + UnsafeRawPointer(shift + i).loadUnaligned(as: SIMD8<Float>.self) }
            UnsafeMutableRawPointer(target + i).storeBytes(of: value, as: SIMD8<Float>.self)
            i += 8
        }
        while i < count {
            var value = (x[i] - mean) * inverse
            if let scale { value = value * scale[i] }
            if let shift { value = value + shift[i] }
            target[i] = value
            i += 1
        }
    }

    /// p[i] = max(p[i], 0), eight lanes at a time (NaN gives 0, as `Tensor.relu`).
    @inline(__always)
    static func reluInPlace(_ p: UnsafeMutablePointer<Float>, _ count: Int) {
        var i = 0
        while i + 8 <= count {
            let values = UnsafeRawPointer(p + i).loadUnaligned(as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(p + i).storeBytes(of: values.replacing(with: 0, where: .!(values .> 0)), as: SIMD8<Float>.self)
            i += 8
        }
        while i < count {
            p[i] = p[i] > 0 ? p[i] : 0
            i += 1
        }
    }

    /// The largest of p[0..<count] (−∞ for none).
    @inline(__always)
    static func maximum(_ p: UnsafePointer<Float>, _ count: Int) -> Float {
        var lanes = SIMD8<Float>(repeating: -.infinity)
        var i = 0
        while i + 8 <= count {
            // A compare and a blend; `pointwiseMax` lowers to one scalar compare per lane.
            let values = UnsafeRawPointer(p + i).loadUnaligned(as: SIMD8<Float>.self)
            lanes.replace(with: values, where: values .> lanes)
            i += 8
        }
        // Halving by hand: `SIMD.max()` is a generic, unspecialized call here.
        let half = lanes.lowHalf.replacing(with: lanes.highHalf, where: lanes.highHalf .> lanes.lowHalf)
        let quarter = half.lowHalf.replacing(with: half.highHalf, where: half.highHalf .> half.lowHalf)
        var result = Swift.max(quarter[0], quarter[1])
        while i < count { result = Swift.max(result, p[i]); i += 1 }
        return result
    }

    /// Σ (p[i] − mean)².
    @inline(__always)
    static func squaredDeviationSum(_ p: UnsafePointer<Float>, _ count: Int, mean: Float) -> Float {
        var lanes = SIMD8<Float>(repeating: 0)
        let center = SIMD8<Float>(repeating: mean)
        var i = 0
        while i + 8 <= count {
            let d = UnsafeRawPointer(p + i).loadUnaligned(as: SIMD8<Float>.self) - center
            lanes += d * d
            i += 8
        }
        var total = lanes.sum()
        while i < count { let d = p[i] - mean; total += d * d; i += 1 }
        return total
    }

    /// (Σ g[i], Σ g[i]·(x[i] − mean)): the two sums of a normalization backward pass.
    @inline(__always)
    static func gradientSums(_ g: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ count: Int, mean: Float) -> (Float, Float) {
        var sumLanes = SIMD8<Float>(repeating: 0), productLanes = SIMD8<Float>(repeating: 0)
        let center = SIMD8<Float>(repeating: mean)
        var i = 0
        while i + 8 <= count {
            let gradient = UnsafeRawPointer(g + i).loadUnaligned(as: SIMD8<Float>.self)
            sumLanes += gradient
            productLanes += gradient * (UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self) - center)
            i += 8
        }
        var total = sumLanes.sum(), product = productLanes.sum()
        while i < count { total += g[i]; product += g[i] * (x[i] - mean); i += 1 }
        return (total, product)
    }

    /// eˣ to about 2 ulp, branch-free (clamped to [−87, 88], so −∞ gives ≈ 1.6e−38): one
    /// lane of the vector version, so scalar tails round exactly as the vector body.
    @inline(__always)
    static func exp(_ x: Float) -> Float { exp(SIMD8<Float>(repeating: x))[0] }

    /// Replaces `row[0..<count]` by its softmax; entries at −∞ get exactly 0, and a row
    /// that is −∞ everywhere becomes all zeros.
    @inline(__always)
    static func softmaxInPlace(_ row: UnsafeMutablePointer<Float>, count: Int) {
        let total = exponentiateShifted(row, count: count)
        guard total > 0 else { return }
        let inverse = 1 / total
        for k in 0..<count { row[k] *= inverse }
    }

    /// Replaces `row[0..<count]` by e^(row − max) and returns the sum: the softmax before
    /// its division. Entries at −∞ get exactly 0; a row that is −∞ everywhere becomes all
    /// zeros and gives 0.
    ///
    /// One pass writes each exponential and adds it to eight running sums, eight lanes at
    /// a time; the tail goes through the scalar ``exp(_:)``, which rounds as the lanes do,
    /// and the lanes are added in a fixed order, so the result does not depend on `count`
    /// modulo 8 or on the vector width the compiler picks.
    @inline(__always)
    static func exponentiateShifted(_ row: UnsafeMutablePointer<Float>, count: Int) -> Float {
        let largest = maximum(row, count)
        guard largest > -.infinity else {
            row.initialize(repeating: 0, count: count)
            return 0
        }
        let shift = SIMD8<Float>(repeating: largest)
        var sums = SIMD8<Float>(repeating: 0)
        var j = 0
        while j + 8 <= count {
            let values = UnsafeRawPointer(row + j).loadUnaligned(as: SIMD8<Float>.self)
            let e = exp(nonPositive: values - shift).replacing(with: 0, where: values .== -.infinity)
            UnsafeMutableRawPointer(row + j).storeBytes(of: e, as: SIMD8<Float>.self)
            sums += e
            j += 8
        }
        var total = ((sums[0] + sums[1]) + (sums[2] + sums[3])) + ((sums[4] + sums[5]) + (sums[6] + sums[7]))
        while j < count {
            let value = row[j]
            let e = value == -.infinity ? 0 : exp(value - largest)
            row[j] = e
            total += e
            j += 1
        }
        return total
    }

    /// eˣ lane by lane, to about 2 ulp, branch-free (clamped to [−87, 88]; NaN stays NaN).
    ///
    /// Cephes' `expf`: x = n·ln2 + r with n = round(x/ln2) and ln2 split in two parts
    /// for an exact reduction, a degree-6 polynomial for eʳ, and 2ⁿ built in the
    /// exponent bits. Rounding uses the 1.5·2²³ trick, so no conversion can trap.
    @inline(__always)
    static func exp(_ x: SIMD8<Float>) -> SIMD8<Float> {
        let high = SIMD8<Float>(repeating: 88)
        return exp(nonPositive: x.replacing(with: high, where: x .> high))
    }

    /// ``exp(_:)`` for lanes known to be at most 88 (a softmax's shifted scores are at
    /// most 0): the same bits, one clamp fewer.
    @inline(__always)
    static func exp(nonPositive x: SIMD8<Float>) -> SIMD8<Float> {
        let low = SIMD8<Float>(repeating: -87)
        let clamped = x.replacing(with: low, where: x .< low)
        let magic = SIMD8<Float>(repeating: 12_582_912)  // 1.5 · 2²³
        let shifted = clamped * 1.442_695_04 + magic
        let n = shifted - magic
        let r = clamped - n * 0.693_359_375 + n * 2.121_944_4e-4
        var p = SIMD8<Float>(repeating: 1.987_569_15e-4)
        p = p * r + 1.398_199_95e-3
        p = p * r + 8.333_451_9e-3
        p = p * r + 4.166_579_59e-2
        p = p * r + 1.666_666_55e-1
        p = p * r + 5.000_000_12e-1
        let polynomial = p * r * r + r + 1
        let bits = unsafeBitCast(shifted, to: SIMD8<UInt32>.self) &- magic[0].bitPattern &+ 127
        return polynomial * unsafeBitCast(bits &<< 23, to: SIMD8<Float>.self)
    }
}
