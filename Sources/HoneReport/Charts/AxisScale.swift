import Foundation

/// Whether an axis maps values linearly or by their logarithm.
public enum ScaleKind: String, Sendable {
    /// Equal differences take equal distances.
    case linear
    /// Base-10 logarithmic; values ≤ 0 cannot be placed and are left out (gaps in lines).
    case logarithmic
}

/// Maps data values on one axis to pixel positions, with the axis's ticks.
public struct AxisScale: Sendable {
    /// Linear or logarithmic.
    public let kind: ScaleKind
    /// The data range the axis shows (widened to nice ticks or whole decades).
    public let domain: ClosedRange<Double>
    /// The ticks, in increasing value.
    public let ticks: [AxisTick]
    /// The pixel position of the domain's lower end.
    public let pixelStart: Double
    /// The pixel position of the domain's upper end (smaller than the start for a y axis,
    /// whose pixels grow downwards).
    public let pixelEnd: Double

    /// A scale covering the finite `values` (the positive ones for a logarithmic scale).
    /// With nothing to place, the domain is 0…1 (1…10 on a log scale).
    public init(kind: ScaleKind, covering values: [Double], pixelStart: Double, pixelEnd: Double,
                targetTickCount: Int = 5, includingZero: Bool = false) {
        let usable = values.filter { $0.isFinite && (kind == .linear || $0 > 0) }
        self.kind = kind
        self.pixelStart = pixelStart
        self.pixelEnd = pixelEnd
        switch kind {
        case .linear:
            var low = usable.min() ?? 0, high = usable.max() ?? 1
            if includingZero {
                low = min(low, 0)
                high = max(high, 0)
            }
            (domain, ticks) = Ticks.linear(from: low, to: high, targetCount: targetTickCount)
        case .logarithmic:
            (domain, ticks) = Ticks.logarithmic(from: usable.min() ?? 1, to: usable.max() ?? 10)
        }
    }

    /// A scale of named categories at 0, 1, …, each in the middle of an equal slot, the
    /// names as tick labels (a categorical parameter's choices).
    public init(categories: [String], pixelStart: Double, pixelEnd: Double) {
        kind = .linear
        self.pixelStart = pixelStart
        self.pixelEnd = pixelEnd
        domain = -0.5...(Double(max(categories.count, 1)) - 0.5)
        ticks = categories.enumerated().map { AxisTick(value: Double($0.offset), label: Markup.truncated($0.element, to: 10)) }
    }

    /// The pixel position of `value`, or nil when it cannot be placed (NaN, ±inf, or ≤ 0 on
    /// a logarithmic scale).
    public func position(of value: Double) -> Double? {
        guard value.isFinite else { return nil }
        let fraction: Double
        switch kind {
        case .linear:
            fraction = (value - domain.lowerBound) / (domain.upperBound - domain.lowerBound)
        case .logarithmic:
            guard value > 0 else { return nil }
            let low = log10(domain.lowerBound), high = log10(domain.upperBound)
            fraction = (log10(value) - low) / (high - low)
        }
        return pixelStart + fraction * (pixelEnd - pixelStart)
    }

    /// Whether `value` can be placed on this scale.
    public func accepts(_ value: Double) -> Bool { position(of: value) != nil }
}
