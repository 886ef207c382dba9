import Foundation
import Testing

@testable import HoneTune

@Suite struct DistributionTests {
    @Test func linearAndLogRangesMapToTheUnitIntervalAndBack() {
        let linear = ParameterDistribution.float(low: 2, high: 10, log: false, step: nil)
        #expect(linear.toUnit(4) == 0.25)
        #expect(linear.fromUnit(0.25) == 4)
        // 10⁻³ lies a third of the way from 10⁻⁴ to 10⁻¹ on a log scale.
        let logarithmic = ParameterDistribution.float(low: 1e-4, high: 1e-1, log: true, step: nil)
        #expect(Swift.abs(logarithmic.toUnit(1e-3) - 1.0 / 3) < 1e-12)
        #expect(Swift.abs(logarithmic.fromUnit(2.0 / 3) - 1e-2) < 1e-15)
        // Points outside [0, 1] are clamped to the ends.
        #expect(linear.fromUnit(-0.5) == 2 && linear.fromUnit(1.5) == 10)
        let logInt = ParameterDistribution.int(low: 1, high: 1000, log: true, step: 1)
        #expect(logInt.fromUnit(0.5) == 32)  // 1000^0.5 = 31.62…, rounded
    }

    @Test func steppedValuesRoundToTheNearestGridPointWithinTheRange() {
        let quarter = ParameterDistribution.float(low: 0, high: 1, log: false, step: 0.25)
        #expect(quarter.fromUnit(0.3) == 0.25)
        #expect(quarter.fromUnit(0.4) == 0.5)
        #expect(quarter.fromUnit(1) == 1)
        // 0.3 does not divide 1: the last grid point below the top is 0.9.
        let uneven = ParameterDistribution.float(low: 0, high: 1, log: false, step: 0.3)
        #expect(Swift.abs(uneven.fromUnit(1) - 0.9) < 1e-12)
        let integers = ParameterDistribution.int(low: 1, high: 10, log: false, step: 3)
        #expect(integers.fromUnit(0.5) == 7)  // 5.5 → 1.5 steps, rounded away from zero to 2 → 7
        #expect(integers.fromUnit(0.1) == 1)  // 1.9 → 0.3 steps → 1
        #expect(integers.contains(4) && !integers.contains(4.5))
    }

    @Test func categoricalIndicesSitAtTheirBinCentres() {
        let choices = ParameterDistribution.categorical([.string("a"), .string("b"), .string("c")])
        #expect(choices.toUnit(1) == 0.5)
        #expect(choices.fromUnit(0.33) == 0)
        #expect(choices.fromUnit(0.34) == 1)
        #expect(choices.fromUnit(1) == 2)
        for index in 0..<3 { #expect(choices.fromUnit(choices.toUnit(Double(index))) == Double(index)) }
    }

    /// The Kolmogorov–Smirnov statistic of `values` against the uniform distribution on [0, 1].
    static func kolmogorovSmirnovUniform(_ values: [Double]) -> Double {
        let sorted = values.sorted(), n = Double(values.count)
        var statistic = 0.0
        for (index, value) in sorted.enumerated() {
            statistic = max(statistic, Double(index + 1) / n - value, value - Double(index) / n)
        }
        return statistic
    }

    /// The values a seeded random sampler suggests for `suggest` in `count` trials.
    static func draws(_ count: Int, seed: UInt64, _ suggest: @escaping (Trial) throws -> Double) throws -> [Double] {
        var values: [Double] = []
        let study = try Study.create(sampler: RandomSampler(seed: seed))
        try study.optimize(trials: count) { trial in
            let value = try suggest(trial)
            values.append(value)
            return value
        }
        return values
    }

    // With n = 2,000 draws, the KS critical value at α = 0.01 is 1.628 / √n = 0.0364
    // (asymptotic Kolmogorov distribution): a correct sampler exceeds it one time in a hundred.
    static let sampleCount = 2_000
    static let criticalValue = 1.628 / Double(sampleCount).squareRoot()

    @Test func uniformDrawsPassTheKolmogorovSmirnovTest() throws {
        let values = try Self.draws(Self.sampleCount, seed: 11) { try $0.suggestFloat("x", in: -3...5) }
        let statistic = Self.kolmogorovSmirnovUniform(values.map { ($0 + 3) / 8 })
        #expect(statistic < Self.criticalValue, "D = \(statistic), critical \(Self.criticalValue)")
    }

    @Test func logUniformDrawsAreUniformInTheLogarithmAndNotInTheValue() throws {
        let values = try Self.draws(Self.sampleCount, seed: 12) { try $0.suggestFloat("lr", in: 1e-5...1e-1, log: true) }
        let logScale = values.map { (log($0) - log(1e-5)) / (log(1e-1) - log(1e-5)) }
        let statistic = Self.kolmogorovSmirnovUniform(logScale)
        #expect(statistic < Self.criticalValue, "D = \(statistic), critical \(Self.criticalValue)")
        // The same draws on a linear scale are far from uniform: the test can tell them apart.
        let linearStatistic = Self.kolmogorovSmirnovUniform(values.map { ($0 - 1e-5) / (1e-1 - 1e-5) })
        #expect(linearStatistic > 10 * Self.criticalValue)
    }

    @Test func logIntegersFollowTheirLogWidths() throws {
        // Over [1 − ½, 4 + ½] log-uniformly, integer k gets log((k + ½) / (k − ½)) / log(9): 1 → 0.5, 2 → 0.231, 3 → 0.153, 4 → 0.114.
        let values = try Self.draws(Self.sampleCount, seed: 13) { Double(try $0.suggestInt("k", in: 1...4, log: true)) }
        let expected = (1...4).map { log((Double($0) + 0.5) / (Double($0) - 0.5)) / log(9) }
        var chiSquare = 0.0
        for k in 1...4 {
            let observed = Double(values.filter { $0 == Double(k) }.count)
            let predicted = expected[k - 1] * Double(Self.sampleCount)
            chiSquare += (observed - predicted) * (observed - predicted) / predicted
        }
        // χ² with 3 degrees of freedom: 11.34 at α = 0.01.
        #expect(chiSquare < 11.34, "χ² = \(chiSquare)")
    }
}
