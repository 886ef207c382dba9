import Foundation

/// One tick of an axis: where it sits, what it says, and whether it is a major tick
/// (labelled, with a grid line) or a minor one (a short mark only).
public struct AxisTick: Equatable, Sendable {
    /// The data value at the tick.
    public var value: Double
    /// The label (empty for minor ticks).
    public var label: String
    /// Major ticks are labelled and get a grid line.
    public var isMajor: Bool

    /// A tick at `value`.
    public init(value: Double, label: String, isMajor: Bool = true) {
        self.value = value
        self.label = label
        self.isMajor = isMajor
    }
}

/// "Nice" axis ticks: linear steps of 1, 2 or 5 times a power of ten, and logarithmic
/// decades with minor ticks at 2…9.
///
/// The linear rule is Heckbert's ("Nice numbers for graph labels", Graphics Gems, 1990):
/// the raw step span/count is rounded up to the next of 1, 2, 5, 10 times its power of
/// ten, and the domain widens to the multiples of the step around the data.
public enum Ticks {
    /// The smallest step of the form {1, 2, 5} × 10^k not below `span / targetCount`.
    public static func niceStep(span: Double, targetCount: Int) -> Double {
        precondition(span > 0 && span.isFinite && targetCount >= 1, "Ticks.niceStep: span \(span), count \(targetCount)")
        let raw = span / Double(targetCount)
        let magnitude = pow(10, floor(log10(raw)))
        let residual = raw / magnitude
        // A residual a rounding error above 1, 2 or 5 keeps that step.
        let tolerance = 1e-9
        let factor: Double = residual <= 1 + tolerance ? 1 : residual <= 2 + tolerance ? 2 : residual <= 5 + tolerance ? 5 : 10
        return factor * magnitude
    }

    /// A domain covering `lower…upper` widened to whole steps, and its ticks, about
    /// `targetCount` intervals. An empty span widens around the value (±1 around zero,
    /// ±50 % otherwise).
    public static func linear(from lower: Double, to upper: Double, targetCount: Int = 5) -> (domain: ClosedRange<Double>, ticks: [AxisTick]) {
        var low = min(lower, upper), high = max(lower, upper)
        if high - low <= abs(high) * 1e-12 {
            let pad = low == 0 ? 1 : abs(low) * 0.5
            low -= pad
            high += pad
        }
        let step = niceStep(span: high - low, targetCount: targetCount)
        let first = floor(low / step + 1e-9), last = ceil(high / step - 1e-9)
        let decimals = max(0, -Int(floor(log10(step) + 1e-9)))
        let scientific = step < 1e-3 || max(abs(first * step), abs(last * step)) >= 1e6
        var ticks: [AxisTick] = []
        for index in Int(first)...Int(last) {
            // Multiplying, not accumulating, keeps 0.1 × 3 from printing as 0.30000000000000004.
            let value = Double(index) * step
            ticks.append(AxisTick(value: value, label: label(value, decimals: decimals, scientific: scientific)))
        }
        return (first * step...last * step, ticks)
    }

    /// A logarithmic domain covering the positive `lower…upper`, widened to whole decades,
    /// with a major tick at each power of ten and minor ticks at 2…9 times it. When the
    /// domain spans at most two decades, the minor ticks at 2 and 5 are labelled too;
    /// beyond ten decades only every second (or third, …) decade is labelled.
    public static func logarithmic(from lower: Double, to upper: Double) -> (domain: ClosedRange<Double>, ticks: [AxisTick]) {
        precondition(lower > 0 && upper > 0, "Ticks.logarithmic: bounds \(lower), \(upper) must be positive")
        let low = min(lower, upper), high = max(lower, upper)
        var firstDecade = Int(floor(log10(low) + 1e-9))
        var lastDecade = Int(ceil(log10(high) - 1e-9))
        if lastDecade == firstDecade {
            firstDecade -= low == high ? 1 : 0
            lastDecade += 1
        }
        let decades = lastDecade - firstDecade
        let labelEvery = max(1, Int((Double(decades) / 10).rounded(.up)))
        var ticks: [AxisTick] = []
        for decade in firstDecade...lastDecade {
            let base = pow(10, Double(decade))
            let labelled = (decade - firstDecade) % labelEvery == 0
            ticks.append(AxisTick(value: base, label: labelled ? powerLabel(decade) : "", isMajor: true))
            guard decade < lastDecade else { break }
            for multiple in 2...9 {
                let value = Double(multiple) * base
                let shown = decades <= 2 && (multiple == 2 || multiple == 5)
                ticks.append(AxisTick(value: value, label: shown ? Markup.value(value) : "", isMajor: false))
            }
        }
        return (pow(10, Double(firstDecade))...pow(10, Double(lastDecade)), ticks)
    }

    /// `10^decade` as `0.001` … `1000` when short, `1e-4`, `1e5` beyond.
    static func powerLabel(_ decade: Int) -> String {
        if decade >= 0 && decade <= 3 { return String(Int(pow(10, Double(decade)))) }
        if decade < 0 && decade >= -3 { return "0." + String(repeating: "0", count: -decade - 1) + "1" }
        return "1e\(decade)"
    }

    static func label(_ value: Double, decimals: Int, scientific: Bool) -> String {
        if value == 0 { return "0" }
        if scientific {
            var text = String(format: "%.1e", value)
            // 2.0e-04 → 2e-4: the short form reads better under a tick.
            text = text.replacingOccurrences(of: ".0e", with: "e")
            text = text.replacingOccurrences(of: "e-0", with: "e-").replacingOccurrences(of: "e+0", with: "e").replacingOccurrences(of: "e+", with: "e")
            return text
        }
        return String(format: "%.\(decimals)f", value)
    }
}
