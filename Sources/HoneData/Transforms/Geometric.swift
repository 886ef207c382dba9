import Foundation

/// Rotates an image by a random angle drawn uniformly from `degrees`, counter-clockwise
/// for positive angles, about its centre, with bilinear interpolation; pixels
/// rotated in from outside read `fill` (torchvision's RandomRotation with bilinear
/// interpolation). The image keeps its size.
public struct RandomRotation: Transform {
    /// The range the angle is drawn from, in degrees.
    public let degrees: ClosedRange<Float>
    /// The value of pixels that come from outside the source image.
    public let fill: Float

    /// Rotations by an angle uniform in `-maximumDegrees...maximumDegrees`.
    ///
    /// - Throws: ``DataError/invalidParameter(name:detail:)`` when the angle is negative or not finite.
    public init(maximumDegrees: Float, fill: Float = 0) throws {
        guard maximumDegrees.isFinite, maximumDegrees >= 0 else {
            throw DataError.invalidParameter(name: "RandomRotation.maximumDegrees", detail: "must be finite and >= 0, got \(maximumDegrees)")
        }
        try self.init(degrees: -maximumDegrees...maximumDegrees, fill: fill)
    }

    /// Rotations by an angle uniform in `degrees`.
    public init(degrees: ClosedRange<Float>, fill: Float = 0) throws {
        guard degrees.lowerBound.isFinite, degrees.upperBound.isFinite else {
            throw DataError.invalidParameter(name: "RandomRotation.degrees", detail: "must be finite, got \(degrees)")
        }
        self.degrees = degrees
        self.fill = fill
    }

    /// Resamples every channel through the inverse rotation.
    public func apply(to sample: SampleBuffer, using generator: inout SeededGenerator) {
        let radians = generator.uniformFloat(in: degrees) * .pi / 180
        let (cosine, sine) = (Float(cos(Double(radians))), Float(sin(Double(radians))))
        // With y pointing down, a counter-clockwise turn by θ sends (dx, dy) to
        // (cos θ·dx + sin θ·dy, −sin θ·dx + cos θ·dy); the output samples the source
        // through the inverse map.
        Resampling.affine(sample, m00: cosine, m01: -sine, m10: sine, m11: cosine, fill: fill)
    }
}

/// Zooms an image in or out by a random factor drawn uniformly from `factors`, about
/// its centre, with bilinear interpolation; the image keeps its size (factors above
/// 1 crop into a magnified centre, below 1 shrink the content and surround it with `fill`).
public struct RandomScale: Transform {
    /// The range the zoom factor is drawn from.
    public let factors: ClosedRange<Float>
    /// The value of pixels that come from outside the source image.
    public let fill: Float

    /// Zooms by a factor uniform in `factors`.
    ///
    /// - Throws: ``DataError/invalidParameter(name:detail:)`` unless both bounds are finite and positive.
    public init(factors: ClosedRange<Float>, fill: Float = 0) throws {
        guard factors.lowerBound > 0, factors.upperBound.isFinite else {
            throw DataError.invalidParameter(name: "RandomScale.factors", detail: "must be finite and positive, got \(factors)")
        }
        self.factors = factors
        self.fill = fill
    }

    /// Resamples every channel at the source position (p − centre) / factor + centre.
    public func apply(to sample: SampleBuffer, using generator: inout SeededGenerator) {
        let inverse = 1 / generator.uniformFloat(in: factors)
        Resampling.affine(sample, m00: inverse, m01: 0, m10: 0, m11: inverse, fill: fill)
    }
}

/// Pads an image by `padding` pixels of `fill` on every side, then cuts a window of
/// the original size at a random position (torchvision's `RandomCrop(size, padding:)`
/// with the size equal to the input size): the content shifts by up to `padding`
/// pixels in each direction and the uncovered border reads `fill`.
public struct RandomCrop: Transform {
    /// The padding on each side, in pixels.
    public let padding: Int
    /// The value of padded pixels.
    public let fill: Float

    /// Shifts by up to `padding` pixels.
    ///
    /// - Throws: ``DataError/invalidParameter(name:detail:)`` when `padding` is negative.
    public init(padding: Int, fill: Float = 0) throws {
        guard padding >= 0 else {
            throw DataError.invalidParameter(name: "RandomCrop.padding", detail: "must be >= 0, got \(padding)")
        }
        self.padding = padding
        self.fill = fill
    }

    /// Draws the window's top-left corner in the padded image, then copies the window.
    public func apply(to sample: SampleBuffer, using generator: inout SeededGenerator) {
        let top = generator.nextInt(below: 2 * padding + 1)
        let left = generator.nextInt(below: 2 * padding + 1)
        Self.shift(sample, down: padding - top, right: padding - left, fill: fill)
    }

    /// Moves the content of every channel `down` rows and `right` columns (negative
    /// values move up/left); uncovered pixels read `fill`. Rows are copied whole.
    static func shift(_ sample: SampleBuffer, down: Int, right: Int, fill: Float) {
        sample.copyValuesToScratch()
        let (height, width) = (sample.height, sample.width)
        let source = sample.scratch.baseAddress!, output = sample.values.baseAddress!
        output.update(repeating: fill, count: sample.values.count)
        let firstColumn = max(0, right), lastColumn = min(width, width + right)
        let firstRow = max(0, down), lastRow = min(height, height + down)
        guard firstColumn < lastColumn, firstRow < lastRow else { return }
        for channel in 0..<sample.channels {
            let offset = channel * sample.planeSize
            for y in firstRow..<lastRow {
                (output + offset + y * width + firstColumn).update(
                    from: source + offset + (y - down) * width + (firstColumn - right), count: lastColumn - firstColumn)
            }
        }
    }
}
