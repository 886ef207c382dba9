import Foundation

/// The standard normal distribution's functions, for samplers that draw by inverting it.
///
/// ```swift
/// let z = StandardNormal.quantile(0.975)   // 1.95996…
/// let p = StandardNormal.cdf(z)            // 0.975
/// ```
public enum StandardNormal {
    /// Φ(z), accurate in both tails (through `erfc`).
    @inlinable
    public static func cdf(_ z: Double) -> Double { 0.5 * erfc(-z * 0.5.squareRoot()) }

    /// Φ⁻¹(p) by Acklam's rational approximation, relative error below 1.15·10⁻⁹: ample for
    /// a draw (a Float32 holds 6·10⁻⁸); one Halley step on ``cdf(_:)`` makes it exact to
    /// rounding. The central 95% of p costs one rational function, the tails a logarithm.
    /// Returns −∞ for p ≤ 0 and +∞ for p ≥ 1.
    @inlinable
    public static func quantile(_ p: Double) -> Double {
        if p <= 0 { return -.infinity }
        if p >= 1 { return .infinity }
        let tail = 0.02425
        if p < tail { return lowerTailQuantile(p) }
        if p > 1 - tail { return -lowerTailQuantile(1 - p) }
        let q = p - 0.5
        let r = q * q
        return (((((-3.969683028665376e+01 * r + 2.209460984245205e+02) * r - 2.759285104469687e+02) * r
            + 1.383577518672690e+02) * r - 3.066479806614716e+01) * r + 2.506628277459239e+00) * q
            / (((((-5.447609879822406e+01 * r + 1.615858368580409e+02) * r - 1.556989798598866e+02) * r
                + 6.680131188771972e+01) * r - 1.328068155288572e+01) * r + 1)
    }

    /// Acklam's approximation of Φ⁻¹(p) for 0 < p < 0.02425.
    @usableFromInline
    static func lowerTailQuantile(_ p: Double) -> Double {
        let q = (-2 * log(p)).squareRoot()
        return (((((-7.784894002430293e-03 * q - 3.223964580411365e-01) * q - 2.400758277161838e+00) * q
            - 2.549732539343734e+00) * q + 4.374664141464968e+00) * q + 2.938163982698783e+00)
            / ((((7.784695709041462e-03 * q + 3.224671290700398e-01) * q + 2.445134137142996e+00) * q
                + 3.754408661907416e+00) * q + 1)
    }
}
