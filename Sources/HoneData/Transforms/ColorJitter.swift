/// Random brightness, contrast and saturation changes (torchvision's ColorJitter,
/// applied in that fixed order).
///
/// Each strength s draws a factor f uniform in [max(0, 1 − s), 1 + s]:
/// - brightness: x ← f·x
/// - contrast: x ← f·x + (1 − f)·m, with m the mean grey level of the image
///   (for RGB, grey = 0.299 R + 0.587 G + 0.114 B; for one channel, the pixel itself)
/// - saturation (RGB only): x ← f·x + (1 − f)·grey(pixel)
///
/// Results are clamped to [0, 1] like torchvision's float images when
/// `clampsToUnitRange` is set, so apply it before standardization.
public struct ColorJitter: Transform {
    /// The brightness strength (0 disables it).
    public let brightness: Float
    /// The contrast strength (0 disables it).
    public let contrast: Float
    /// The saturation strength (0 disables it; ignored for images that are not RGB).
    public let saturation: Float
    /// Whether results are clamped to [0, 1].
    public let clampsToUnitRange: Bool

    /// A jitter with the given strengths.
    ///
    /// - Throws: ``DataError/invalidParameter(name:detail:)`` when a strength is negative or not finite.
    public init(brightness: Float = 0, contrast: Float = 0, saturation: Float = 0, clampsToUnitRange: Bool = true) throws {
        for (name, value) in [("brightness", brightness), ("contrast", contrast), ("saturation", saturation)]
        where !(value.isFinite && value >= 0) {
            throw DataError.invalidParameter(name: "ColorJitter.\(name)", detail: "must be finite and >= 0, got \(value)")
        }
        self.brightness = brightness
        self.contrast = contrast
        self.saturation = saturation
        self.clampsToUnitRange = clampsToUnitRange
    }

    /// Draws the three factors (always, so the stream does not depend on the image) and applies them.
    public func apply(to sample: SampleBuffer, using generator: inout SeededGenerator) {
        let brightnessFactor = Self.factor(strength: brightness, using: &generator)
        let contrastFactor = Self.factor(strength: contrast, using: &generator)
        let saturationFactor = Self.factor(strength: saturation, using: &generator)
        let values = sample.values
        if brightness > 0 {
            for i in values.indices { values[i] = clamp(values[i] * brightnessFactor) }
        }
        if contrast > 0 {
            let mean = meanGrey(sample)
            for i in values.indices { values[i] = clamp(contrastFactor * values[i] + (1 - contrastFactor) * mean) }
        }
        if saturation > 0, sample.channels == 3 {
            let plane = sample.planeSize
            for p in 0..<plane {
                let grey = 0.299 * values[p] + 0.587 * values[plane + p] + 0.114 * values[2 * plane + p]
                for channel in 0..<3 {
                    let i = channel * plane + p
                    values[i] = clamp(saturationFactor * values[i] + (1 - saturationFactor) * grey)
                }
            }
        }
    }

    private static func factor(strength: Float, using generator: inout SeededGenerator) -> Float {
        generator.uniformFloat(in: max(0, 1 - strength)...(1 + strength))
    }

    @inline(__always)
    private func clamp(_ value: Float) -> Float {
        clampsToUnitRange ? min(max(value, 0), 1) : value
    }

    /// The mean grey level: luminance for RGB, the plain mean otherwise.
    private func meanGrey(_ sample: SampleBuffer) -> Float {
        let values = sample.values
        var total = 0.0
        if sample.channels == 3 {
            let plane = sample.planeSize
            for p in 0..<plane {
                total += 0.299 * Double(values[p]) + 0.587 * Double(values[plane + p]) + 0.114 * Double(values[2 * plane + p])
            }
            return Float(total / Double(plane))
        }
        for value in values { total += Double(value) }
        return Float(total / Double(values.count))
    }
}
