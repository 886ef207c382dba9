import Foundation
import Testing

@testable import HoneData

/// A `[C, H, W]` tensor whose value at (c, y, x) is `value(c, y, x)`.
func image(channels: Int, height: Int, width: Int, _ value: (Int, Int, Int) -> Float) -> Tensor {
    var scalars = [Float]()
    for c in 0..<channels { for y in 0..<height { for x in 0..<width { scalars.append(value(c, y, x)) } } }
    return Tensor(shape: [channels, height, width], scalars: scalars)
}

@Suite struct FlipTests {
    // An arrow pointing right: its tip is in the last column.
    let arrow = Tensor(shape: [1, 3, 4], scalars: [
        0, 0, 1, 0,
        1, 1, 1, 1,
        0, 0, 1, 0,
    ])

    @Test func horizontalFlipMakesTheArrowPointLeft() {
        let flipped = RandomHorizontalFlip(probability: 1).applied(to: arrow, seed: 0)
        #expect(flipped.scalars == [0, 1, 0, 0, 1, 1, 1, 1, 0, 1, 0, 0])
        #expect(RandomHorizontalFlip(probability: 0).applied(to: arrow, seed: 0).scalars == arrow.scalars)
    }

    @Test func verticalFlipReversesRowsOfEveryChannel() {
        let input = image(channels: 2, height: 3, width: 2) { c, y, x in Float(100 * c + 10 * y + x) }
        let flipped = RandomVerticalFlip(probability: 1).applied(to: input, seed: 0)
        let expected = image(channels: 2, height: 3, width: 2) { c, y, x in Float(100 * c + 10 * (2 - y) + x) }
        #expect(flipped.scalars == expected.scalars)
    }

    @Test func flipProbabilityIsRespected() {
        var flips = 0
        for seed in 0..<2000 {
            if RandomHorizontalFlip(probability: 0.3).applied(to: arrow, seed: UInt64(seed)).scalars != arrow.scalars { flips += 1 }
        }
        #expect(abs(Double(flips) / 2000 - 0.3) < 0.04)
    }
}

@Suite struct GeometricTests {
    @Test func rotationByNinetyDegreesIsTransposeThenVerticalFlip() throws {
        let input = image(channels: 2, height: 5, width: 5) { c, y, x in Float(c * 100 + y * 5 + x) }
        let rotated = try RandomRotation(degrees: 90...90).applied(to: input, seed: 1)
        // Counter-clockwise: out[c][y][x] = in[c][x][W − 1 − y] (numpy's rot90).
        let expected = image(channels: 2, height: 5, width: 5) { c, y, x in input[c, x, 4 - y] }
        expectClose(rotated.scalars, expected.scalars, tolerance: 1e-4)
    }

    @Test func rotationByZeroIsIdentityAndCornersFillOnFortyFive() throws {
        let input = image(channels: 1, height: 7, width: 7) { _, y, x in Float(y * 7 + x + 1) }
        expectClose(try RandomRotation(degrees: 0...0).applied(to: input, seed: 3).scalars, input.scalars)
        let rotated = try RandomRotation(degrees: 45...45, fill: -1).applied(to: input, seed: 3)
        // A corner lies 3√2 ≈ 4.24 from the centre; rotated back onto an axis it lands
        // more than one pixel outside, so both bilinear neighbours read the fill.
        #expect(rotated[0, 0, 0] == -1 && rotated[0, 6, 6] == -1 && rotated[0, 0, 6] == -1)
        #expect(rotated[0, 3, 3] == input[0, 3, 3])
    }

    @Test func randomAnglesStayWithinTheRangeAndDependOnlyOnTheSeed() throws {
        let input = image(channels: 1, height: 7, width: 7) { _, y, x in Float(y * 7 + x) }
        let rotation = try RandomRotation(maximumDegrees: 30)
        #expect(rotation.applied(to: input, seed: 5).scalars == rotation.applied(to: input, seed: 5).scalars)
        #expect(rotation.applied(to: input, seed: 5).scalars != rotation.applied(to: input, seed: 6).scalars)
        #expect(throws: DataError.self) { try RandomRotation(maximumDegrees: .nan) }
    }

    @Test func zoomResamplesALinearRampExactly() throws {
        // Bilinear interpolation reproduces a linear function wherever the source is inside the image.
        let input = image(channels: 1, height: 6, width: 6) { _, y, x in Float(x) + 10 * Float(y) }
        let zoomed = try RandomScale(factors: 2...2).applied(to: input, seed: 0)
        let centre: Float = 2.5
        let expected = image(channels: 1, height: 6, width: 6) { _, y, x in
            (centre + (Float(x) - centre) / 2) + 10 * (centre + (Float(y) - centre) / 2)
        }
        expectClose(zoomed.scalars, expected.scalars, tolerance: 1e-4)

        let shrunk = try RandomScale(factors: 0.5...0.5, fill: 7).applied(to: input, seed: 0)
        // Output (0, 0) samples the source at 2.5 − 2·2.5 = −2.5: outside, so the fill.
        #expect(shrunk[0, 0, 0] == 7)
        #expect(abs(shrunk[0, 2, 3] - ((2.5 + 2 * 0.5) + 10 * (2.5 - 2 * 0.5))) < 1e-4)
        #expect(throws: DataError.self) { try RandomScale(factors: 0...1) }
    }

    @Test func shiftMovesContentAndFillsTheUncoveredBorder() {
        let input = image(channels: 2, height: 3, width: 4) { c, y, x in Float(c * 100 + y * 4 + x + 1) }
        let output = input.copy()
        let scratch = TensorStorage(uninitializedCount: input.count)
        RandomCrop.shift(SampleBuffer(values: output.storage.buffer, scratch: scratch.buffer, shape: input.shape),
                         down: 1, right: -2, fill: 0)
        let expected = image(channels: 2, height: 3, width: 4) { c, y, x in
            let (sourceY, sourceX) = (y - 1, x + 2)
            return sourceY >= 0 && sourceX < 4 ? input[c, sourceY, sourceX] : 0
        }
        #expect(output.scalars == expected.scalars)
    }

    @Test func randomCropWithPaddingIsAShiftOfAtMostThePadding() throws {
        let input = image(channels: 1, height: 6, width: 6) { _, y, x in Float(y * 6 + x + 1) }
        let crop = try RandomCrop(padding: 2)
        var shifts = Set<[Int]>()
        for seed in 0..<200 {
            let output = crop.applied(to: input, seed: UInt64(seed))
            var matched: [Int]?
            for down in -2...2 {
                for right in -2...2 {
                    let shifted = image(channels: 1, height: 6, width: 6) { _, y, x in
                        let (sourceY, sourceX) = (y - down, x - right)
                        return (0..<6).contains(sourceY) && (0..<6).contains(sourceX) ? input[0, sourceY, sourceX] : 0
                    }
                    if shifted.scalars == output.scalars { matched = [down, right] }
                }
            }
            guard let matched else { Issue.record("seed \(seed): output is not a padded shift"); return }
            shifts.insert(matched)
        }
        #expect(shifts.count == 25)  // every offset in the 5 × 5 window occurs
        #expect(throws: DataError.self) { try RandomCrop(padding: -1) }
    }
}

@Suite struct ColourAndNoiseTests {
    @Test func brightnessAndContrastFollowTheirFormulasOnOneChannel() throws {
        let input = image(channels: 1, height: 4, width: 4) { _, y, x in Float(y * 4 + x) / 20 }
        let jitter = try ColorJitter(brightness: 0.4, contrast: 0.5, clampsToUnitRange: false)
        var replica = SeededGenerator(seed: 9)
        let brightness = 0.6 + 0.8 * replica.nextFloat()
        let contrast = 0.5 + 1.0 * replica.nextFloat()
        let brightened = input.scalars.map { $0 * brightness }
        let mean = brightened.reduce(0, +) / Float(brightened.count)
        let expected = brightened.map { contrast * $0 + (1 - contrast) * mean }
        expectClose(jitter.applied(to: input, seed: 9).scalars, expected, tolerance: 1e-5)
    }

    @Test func saturationBlendsTowardsLuminanceAndClamps() throws {
        let input = image(channels: 3, height: 2, width: 2) { c, y, x in Float(c + 1) * 0.2 + Float(y * 2 + x) * 0.05 }
        let jitter = try ColorJitter(saturation: 0.9)
        var replica = SeededGenerator(seed: 4)
        _ = replica.nextFloat()
        _ = replica.nextFloat()
        let factor = 0.1 + 1.8 * replica.nextFloat()
        let output = jitter.applied(to: input, seed: 4)
        for y in 0..<2 {
            for x in 0..<2 {
                let grey = 0.299 * input[0, y, x] + 0.587 * input[1, y, x] + 0.114 * input[2, y, x]
                for c in 0..<3 {
                    let expected = min(max(factor * input[c, y, x] + (1 - factor) * grey, 0), 1)
                    #expect(abs(output[c, y, x] - expected) < 1e-5)
                }
            }
        }
        let bright = try ColorJitter(brightness: 5).applied(to: Tensor.full([1, 2, 2], value: 0.9), seed: 1)
        #expect(bright.scalars.allSatisfy { $0 >= 0 && $0 <= 1 })
    }

    @Test func gaussianNoiseHasTheRequestedStandardDeviation() throws {
        let output = try GaussianNoise(standardDeviation: 0.3).applied(to: Tensor.full([1, 200, 200], value: 2), seed: 21)
        let values = output.scalars.map { Double($0) - 2 }
        let mean = values.reduce(0, +) / Double(values.count)
        let deviation = (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count)).squareRoot()
        #expect(abs(mean) < 0.005)
        #expect(abs(deviation - 0.3) < 0.005)
        // Normal tails: about 4.55% of draws lie beyond two standard deviations.
        let beyondTwo = Double(values.filter { abs($0) > 0.6 }.count) / Double(values.count)
        #expect(abs(beyondTwo - 0.0455) < 0.005)
        // Odd sizes use half of the last pair.
        let odd = try GaussianNoise(standardDeviation: 1).applied(to: Tensor.zeros([1, 1, 3]), seed: 2)
        #expect(odd.scalars.allSatisfy { $0 != 0 && $0.isFinite })
    }

    @Test func randomErasingWritesOneRectangleOfTheValueInsideTheImage() throws {
        let erasing = try RandomErasing(probability: 1, areaScale: 0.05...0.3, value: -3)
        var erasedCount = 0
        for seed in 0..<100 {
            let output = erasing.applied(to: Tensor.ones([2, 10, 12]), seed: UInt64(seed))
            var erased = [(Int, Int)]()
            for y in 0..<10 { for x in 0..<12 where output[0, y, x] == -3 { erased.append((y, x)) } }
            guard !erased.isEmpty else { continue }
            erasedCount += 1
            let (top, bottom) = (erased.map(\.0).min()!, erased.map(\.0).max()!)
            let (left, right) = (erased.map(\.1).min()!, erased.map(\.1).max()!)
            // A full rectangle, the same in every channel, every other pixel untouched.
            #expect(erased.count == (bottom - top + 1) * (right - left + 1))
            for y in 0..<10 {
                for x in 0..<12 {
                    let inside = (top...bottom).contains(y) && (left...right).contains(x)
                    #expect(output[0, y, x] == (inside ? -3 : 1) && output[1, y, x] == output[0, y, x])
                }
            }
            let fraction = Double(erased.count) / 120
            #expect(fraction > 0.02 && fraction < 0.45)
        }
        #expect(erasedCount > 90)
        let never = try RandomErasing(probability: 0).applied(to: Tensor.ones([1, 8, 8]), seed: 0)
        #expect(never.scalars == [Float](repeating: 1, count: 64))
    }

    @Test func composedAugmentationIsDeterministicBySeed() throws {
        let augment = Compose([
            RandomHorizontalFlip(), try RandomRotation(maximumDegrees: 15), try RandomCrop(padding: 2),
            try ColorJitter(brightness: 0.2, contrast: 0.2, saturation: 0.2), try GaussianNoise(standardDeviation: 0.05),
            try RandomErasing(),
        ])
        let input = image(channels: 3, height: 8, width: 8) { c, y, x in Float((c * 64 + y * 8 + x) % 17) / 17 }
        #expect(augment.applied(to: input, seed: 77).scalars == augment.applied(to: input, seed: 77).scalars)
        #expect(augment.applied(to: input, seed: 77).scalars != augment.applied(to: input, seed: 78).scalars)
    }

    @Test func composeAppliesInOrder() throws {
        // Standardizing then dividing by 4 is not dividing by 4 then standardizing:
        // (v − 1)/2/4 = v/8 − 1/8, against (v/4 − 1)/2 = v/8 − 1/2.
        let input = image(channels: 1, height: 2, width: 3) { _, y, x in Float(y * 3 + x) }
        let standardize = Standardizer(mean: [1], standardDeviation: [2])
        let quarter = MinMaxNormalizer(minimum: [0], maximum: [4])
        #expect(Compose([standardize, quarter]).applied(to: input, seed: 0).scalars == [-0.125, 0, 0.125, 0.25, 0.375, 0.5])
        #expect(Compose([quarter, standardize]).applied(to: input, seed: 0).scalars == [-0.5, -0.375, -0.25, -0.125, 0, 0.125])
    }
}
