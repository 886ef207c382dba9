import Testing

@testable import HoneCore

/// The inline copies im2col uses for row runs and padding: every length from 0 to 40,
/// at every alignment within a vector, writes exactly the run and nothing around it.
@Suite struct ShortRunTests {
    @Test func copiesAndZerosExactlyTheRunAtEveryLengthAndOffset() {
        let guardValue: Float = -7
        for count in 0...40 {
            for offset in 0..<8 {
                let source = (0..<(count + 16)).map { Float($0 + 1) }
                var copied = [Float](repeating: guardValue, count: count + 24)
                var zeroed = [Float](repeating: guardValue, count: count + 24)
                source.withUnsafeBufferPointer { from in
                    copied.withUnsafeMutableBufferPointer { copyShortRun($0.baseAddress! + offset, from.baseAddress! + 3, count) }
                }
                zeroed.withUnsafeMutableBufferPointer { zeroShortRun($0.baseAddress! + offset, count) }
                for i in 0..<copied.count {
                    let inside = i >= offset && i < offset + count
                    #expect(copied[i] == (inside ? source[i - offset + 3] : guardValue), "copy count \(count) offset \(offset) index \(i)")
                    #expect(zeroed[i] == (inside ? 0 : guardValue), "zero count \(count) offset \(offset) index \(i)")
                }
            }
        }
    }
}
