import Foundation
import HoneCore

/// Special functions shared by the model-based samplers (TPE, GP, genetic), written for
/// numerical stability in the tails.
enum SamplerMath {
    static let sqrt2 = 2.0.squareRoot()
    static let invSqrt2 = 1.0 / 2.0.squareRoot()
    static let invSqrt2Pi = 1.0 / (2.0 * Double.pi).squareRoot()
    static let logSqrt2Pi = 0.5 * Foundation.log(2.0 * Double.pi)
    static let sqrtHalfPi = (0.5 * Double.pi).squareRoot()
    static let sqrtPi = Double.pi.squareRoot()

    /// Standard normal density.
    @inline(__always)
    static func normalPDF(_ z: Double) -> Double { invSqrt2Pi * Foundation.exp(-0.5 * z * z) }

    /// Standard normal distribution function, accurate in both tails.
    @inline(__always)
    static func normalCDF(_ z: Double) -> Double { 0.5 * Foundation.erfc(-z * invSqrt2) }

    /// Scaled complementary error function `exp(x²)·erfc(x)`, finite for every x ≥ −26.
    static func erfcx(_ x: Double) -> Double {
        if x < 25 { return Foundation.exp(x * x) * Foundation.erfc(x) }
        // Asymptotic series 1/(x√π)·(1 − 1/(2x²) + 3/(4x⁴) − 15/(8x⁶) + 105/(16x⁸)).
        let t = 1.0 / (x * x)
        let series = 1.0 - 0.5 * t * (1.0 - 1.5 * t * (1.0 - 2.5 * t * (1.0 - 3.5 * t)))
        return series / (x * sqrtPi)
    }

    /// log Φ(z), finite for every finite z.
    static func logNormalCDF(_ z: Double) -> Double {
        if z > -5 { return Foundation.log(normalCDF(z)) }
        // Φ(z) = ½·exp(−z²/2)·erfcx(−z/√2).
        return -0.5 * z * z + Foundation.log(0.5 * erfcx(-z * invSqrt2))
    }

    /// log(Φ(b) − Φ(a)) for a ≤ b, stable when both lie in the same tail.
    static func logGaussMass(_ a: Double, _ b: Double) -> Double {
        if b <= a { return -Double.infinity }
        if a > 0 { return logGaussMass(-b, -a) }  // symmetric: move to the lower tail
        if b < 0 {
            let lb = logNormalCDF(b)
            let la = logNormalCDF(a)
            return lb + log1mexp(la - lb)
        }
        // a ≤ 0 ≤ b: the mass is at least a sizeable fraction, compute directly.
        let mass = 1.0 - normalCDF(a) - normalCDF(-b)
        return Foundation.log(max(mass, Double.leastNonzeroMagnitude))
    }

    /// log(1 − exp(x)) for x ≤ 0.
    @inline(__always)
    static func log1mexp(_ x: Double) -> Double {
        if x > -0.6931471805599453 { return Foundation.log(-Foundation.expm1(x)) }
        return Foundation.log1p(-Foundation.exp(x))
    }

    /// Inverse of the standard normal distribution function (Acklam's rational
    /// approximation refined by one Halley step; relative error ≈ 1e-15).
    static func normalQuantile(_ p: Double) -> Double {
        var x = StandardNormal.quantile(p)
        guard x.isFinite else { return x }
        // One Halley refinement step.
        let e = 0.5 * Foundation.erfc(-x * invSqrt2) - p
        let u = e * (2 * Double.pi).squareRoot() * Foundation.exp(0.5 * x * x)
        x = x - u / (1 + 0.5 * x * u)
        return x
    }

    /// A draw from N(mu, sigma²) truncated to [low, high] (inverse-CDF method, with the
    /// upper tail mirrored so both tails keep their precision).
    static func truncatedNormalSample(
        mu: Double, sigma: Double, low: Double, high: Double, u: Double
    ) -> Double {
        let a = (low - mu) / sigma
        let b = (high - mu) / sigma
        var z: Double
        if a > 0 {
            let pa = normalCDF(-b), pb = normalCDF(-a)
            z = -normalQuantile(pa + u * (pb - pa))
        } else {
            let pa = normalCDF(a), pb = normalCDF(b)
            z = normalQuantile(pa + u * (pb - pa))
        }
        if !z.isFinite { z = a.isFinite ? max(a, min(b, 0)) : 0 }
        return min(max(mu + sigma * z, low), high)
    }

    /// log Σ exp(xs), with −∞ entries allowed.
    ///
    /// Bit for bit the plain sum of every `exp(x − max)` in order, but without calling
    /// `exp` where the term cannot change the sum: below −746 it underflows to +0, and once
    /// the first maximum's term 1 is in (the sum is then ≥ 1, so half its ulp is ≥ 2⁻⁵³), a
    /// term below e⁻³⁷ ≈ 8.5·10⁻¹⁷ < 2⁻⁵³ rounds away. With narrow bandwidths most kernels
    /// of g(x) are that far from a candidate, and `exp` was the largest cost of a sample.
    static func logSumExp(_ xs: UnsafeBufferPointer<Double>) -> Double {
        // No limit: the sum never stops early.
        logSumExp(xs, unlessAbove: .infinity)!
    }

    /// ``logSumExp(_:)``, or `nil` once a partial sum shows the result is above `limit`:
    /// terms are added in the same order, all positive, so every partial sum is at most
    /// the full one, also after rounding. `limit` should already hold any margin for the
    /// rounding of the caller's own arithmetic; NaN or +∞ never stops the sum.
    static func logSumExp(_ xs: UnsafeBufferPointer<Double>, unlessAbove limit: Double) -> Double? {
        var m = -Double.infinity
        var first = 0
        for i in xs.indices where xs[i] > m {
            m = xs[i]
            first = i
        }
        if !m.isFinite { return m }
        // Above this sum the result exceeds `limit`; 1e-12 relative covers exp's and log's rounding.
        let stop = Foundation.exp(limit - m) * (1 + 1e-12)
        var s = 0.0
        // NaN differences fail neither test and go through exp, as in the plain sum.
        for i in 0..<first where !(xs[i] - m < underflowExponent) {
            s += Foundation.exp(xs[i] - m)
            if s > stop { return nil }
        }
        s += 1
        if s > stop { return nil }
        for i in (first + 1)..<xs.count where !(xs[i] - m < negligibleExponent) {
            s += Foundation.exp(xs[i] - m)
            if s > stop { return nil }
        }
        return m + Foundation.log(s)
    }

    /// `exp` of anything below this is +0 (its smallest subnormal result is at −745.13).
    static let underflowExponent = -746.0
    /// `exp` of anything below this is under half an ulp of any sum ≥ 1.
    static let negligibleExponent = -37.0

    /// log E[max(0, Z + z)] for Z ~ N(0, 1): the standardized log expected improvement
    /// (Ament et al. 2023, eq. 9), finite for every finite z.
    static func standardLogEI(_ z: Double) -> Double {
        if z > -1 {
            // z·Φ(z) + φ(z) without cancellation trouble for z > −1.
            return Foundation.log(z * normalCDF(z) + normalPDF(z))
        }
        // z·Φ(z) + φ(z) = φ(z)·(1 + z·√(π/2)·erfcx(−z/√2)).
        let logPhi = -0.5 * z * z - logSqrt2Pi
        if z < -40 {
            // 1 − |z|√(π/2)·erfcx(|z|/√2) = 1/z² − 3/z⁴ + 15/z⁶ − 105/z⁸ + …
            let t = 1.0 / (z * z)
            let r = t * (1 - 3 * t * (1 - 5 * t * (1 - 7 * t)))
            return logPhi + Foundation.log(r)
        }
        let r = 1 + z * sqrtHalfPi * erfcx(-z * invSqrt2)
        return logPhi + Foundation.log(max(r, Double.leastNonzeroMagnitude))
    }

    /// d/dz of ``standardLogEI(_:)``: Φ(z) / (z·Φ(z) + φ(z)).
    static func standardLogEIDerivative(_ z: Double) -> Double {
        Foundation.exp(logNormalCDF(z) - standardLogEI(z))
    }
}
