import Foundation
import HoneTestSupport
import Testing

@testable import HoneNN

@Suite struct FastMathTests {
    @Test func exponentialMatchesTheLibraryToAFewUlp() {
        var worst: Float = 0
        for i in 0...200_000 {
            let x = -87 + Float(i) * (175 / 200_000)
            let exact = Foundation.exp(Double(x))
            worst = max(worst, Float(abs(Double(FastMath.exp(x)) - exact) / exact))
        }
        #expect(worst < 5e-7, "largest relative error \(worst)")
        #expect(FastMath.exp(0) == 1)
        #expect(FastMath.exp(-.infinity) < 1e-37 && FastMath.exp(-200) >= 0)
    }

    @Test func vectorExponentialIsAccurateInEveryLaneIncludingTheEdges() {
        // Lanes are independent: each matches the library to a few ulp whatever its neighbours hold.
        var inputs: [Float] = [-.infinity, .nan, -200, -87, -86.9, 0, -0.0, 1e-8, 88, 88.5, 1000, -1]
        for i in 0...40_000 { inputs.append(-87 + Float(i) * (175 / 40_000)) }
        while inputs.count % 8 != 0 { inputs.append(0.5) }
        for start in stride(from: 0, to: inputs.count, by: 8) {
            let lanes = FastMath.exp(SIMD8<Float>(inputs[start..<start + 8]))
            for lane in 0..<8 {
                let x = inputs[start + lane], value = lanes[lane]
                if x.isNaN {
                    #expect(value.isNaN)
                } else if x <= -87 {
                    #expect(value >= 0 && value < 1.7e-38, "x = \(x)")
                } else {
                    let exact = Foundation.exp(Double(Swift.min(x, 88)))
                    #expect(abs(Double(value) - exact) / exact < 5e-7, "x = \(x)")
                }
            }
        }
    }

    @Test func exponentialWithoutTheUpperClampGivesTheSameBitsUpTo88() {
        var inputs: [Float] = [-.infinity, .nan, -1000, -87, -86.99, -0.0, 0, 1e-30, 87.9, 88]
        for i in 0...16_000 { inputs.append(-100 + Float(i) * (188 / 16_000)) }
        while inputs.count % 8 != 0 { inputs.append(-0.25) }
        for start in stride(from: 0, to: inputs.count, by: 8) {
            let x = SIMD8<Float>(inputs[start..<start + 8])
            let full = FastMath.exp(x), short = FastMath.exp(nonPositive: x)
            for lane in 0..<8 {
                #expect(full[lane].bitPattern == short[lane].bitPattern || (full[lane].isNaN && short[lane].isNaN), "x = \(x[lane])")
            }
        }
    }

    @Test func rowNormalizationAndSumMatchTheScalarExpressionsBitForBit() {
        // Every width around the eight-lane body, each optional factor, in place and not.
        for width in [0, 1, 7, 8, 9, 16, 23, 64, 67] {
            let x = randomTensor([max(width, 1)], low: -4, high: 4, seed: UInt64(100 + width)).scalars
            let other = randomTensor([max(width, 1)], low: -4, high: 4, seed: UInt64(200 + width)).scalars
            let scale = randomTensor([max(width, 1)], low: 0.5, high: 1.5, seed: UInt64(300 + width)).scalars
            let shift = randomTensor([max(width, 1)], seed: UInt64(400 + width)).scalars
            let mean: Float = 0.3125, inverse: Float = 1.7
            for (useScale, useShift) in [(true, true), (true, false), (false, true), (false, false)] {
                let expected = (0..<width).map { i -> Float in
                    var value = (x[i] - mean) * inverse
                    if useScale { value = value * scale[i] }
                    if useShift { value = value + shift[i] }
                    return value
                }
                for inPlace in [false, true] {
                    var source = x, target = [Float](repeating: .nan, count: max(width, 1))
                    source.withUnsafeMutableBufferPointer { s in
                        target.withUnsafeMutableBufferPointer { t in
                            scale.withUnsafeBufferPointer { g in
                                shift.withUnsafeBufferPointer { b in
                                    FastMath.normalize(
                                        s.baseAddress!, into: inPlace ? s.baseAddress! : t.baseAddress!, width, mean: mean, inverse: inverse,
                                        scale: useScale ? g.baseAddress! : nil, shift: useShift ? b.baseAddress! : nil)
                                }
                            }
                        }
                    }
                    let written = Array((inPlace ? source : target).prefix(width))
                    #expect(written.map(\.bitPattern) == expected.map(\.bitPattern), "width \(width), scale \(useScale), shift \(useShift), in place \(inPlace)")
                }
            }
            var sum = [Float](repeating: .nan, count: max(width, 1))
            x.withUnsafeBufferPointer { a in
                other.withUnsafeBufferPointer { b in
                    sum.withUnsafeMutableBufferPointer { FastMath.add(a.baseAddress!, b.baseAddress!, into: $0.baseAddress!, width) }
                }
            }
            #expect(Array(sum.prefix(width)) == (0..<width).map { x[$0] + other[$0] }, "width \(width)")
        }
    }

    @Test func shiftedExponentialsAndTheirSumMatchADoubleReferenceAtEveryLength() {
        for count in [1, 5, 8, 13, 16, 64, 71] {
            var row = randomTensor([count], low: -30, high: 10, seed: UInt64(count)).scalars
            if count > 3 { row[2] = -.infinity }
            // The reference takes the same Float difference x − max (its rounding is not the exponential's error).
            let largest = row.max()!
            let expected = row.map { $0 == -.infinity ? 0 : Foundation.exp(Double($0 - largest)) }
            let total = row.withUnsafeMutableBufferPointer { FastMath.exponentiateShifted($0.baseAddress!, count: count) }
            #expect(abs(Double(total) - expected.reduce(0, +)) < 1e-5 * expected.reduce(0, +))
            for (value, reference) in zip(row, expected) { #expect(abs(Double(value) - reference) <= 5e-7 * max(reference, 1e-30)) }
            if count > 3 { #expect(row[2] == 0) }
        }
    }

    @Test func softmaxInPlaceHandlesMaskedEntriesAndFullyMaskedRows() {
        var row: [Float] = [1, -.infinity, 3, 0.5, -.infinity, 2, 2, 2, 1, 0]
        row.withUnsafeMutableBufferPointer { FastMath.softmaxInPlace($0.baseAddress!, count: $0.count) }
        let finite: [Double] = [1, 3, 0.5, 2, 2, 2, 1, 0]
        let total = finite.map { exp($0) }.reduce(0, +)
        #expect(row[1] == 0 && row[4] == 0)
        #expect(abs(Double(row[0]) - exp(1) / total) < 1e-6 && abs(Double(row[2]) - exp(3) / total) < 1e-6)
        #expect(abs(row.reduce(0, +) - 1) < 1e-6)
        var blocked: [Float] = [-.infinity, -.infinity, -.infinity]
        blocked.withUnsafeMutableBufferPointer { FastMath.softmaxInPlace($0.baseAddress!, count: 3) }
        #expect(blocked == [0, 0, 0])
    }
}

@Suite struct FastMathReductionTests {
    @Test func laneReductionsMatchDoubleSums() {
        for count in [0, 1, 7, 8, 9, 64, 203] {
            let x = randomTensor([max(count, 1)], low: -2, high: 3, seed: UInt64(count + 1))
            let g = randomTensor([max(count, 1)], seed: UInt64(count + 100))
            let xs = x.scalars.prefix(count).map(Double.init), gs = g.scalars.prefix(count).map(Double.init)
            let mean = 0.25
            let sum = xs.reduce(0, +)
            let squares = xs.map { ($0 - mean) * ($0 - mean) }.reduce(0, +)
            let product = zip(gs, xs).map { $0 * ($1 - mean) }.reduce(0, +)
            x.withUnsafeBufferPointer { px in
                g.withUnsafeBufferPointer { pg in
                    #expect(abs(Double(FastMath.sum(px.baseAddress!, count)) - sum) < 1e-4)
                    #expect(abs(Double(FastMath.squaredDeviationSum(px.baseAddress!, count, mean: 0.25)) - squares) < 1e-4)
                    let (total, dot) = FastMath.gradientSums(pg.baseAddress!, px.baseAddress!, count, mean: 0.25)
                    #expect(abs(Double(total) - gs.reduce(0, +)) < 1e-4 && abs(Double(dot) - product) < 1e-4)
                    let plainDot = zip(gs, xs).map { $0 * $1 }.reduce(0, +)
                    #expect(abs(Double(FastMath.dot(pg.baseAddress!, px.baseAddress!, count)) - plainDot) < 1e-4)
                    #expect(FastMath.maximum(px.baseAddress!, count) == Float(xs.max() ?? -.infinity))
                }
            }
        }
    }
}
