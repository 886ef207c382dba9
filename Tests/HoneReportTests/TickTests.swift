import Foundation
import Testing

@testable import HoneReport

/// Axis ticks and scales against values worked out by hand.
struct TickTests {
    @Test func niceStepsAreOneTwoOrFiveTimesAPowerOfTen() {
        // span / count → raw step → next of 1, 2, 5, 10 × 10^k
        #expect(Ticks.niceStep(span: 1, targetCount: 5) == 0.2)  // 0.2 exactly
        #expect(Ticks.niceStep(span: 97, targetCount: 5) == 20)  // 19.4 → 20
        #expect(Ticks.niceStep(span: 3, targetCount: 5) == 1)  // 0.6 → 1
        #expect(Ticks.niceStep(span: 0.0042, targetCount: 5) == 0.001)  // 0.00084 → 0.001
        #expect(Ticks.niceStep(span: 260, targetCount: 5) == 100)  // 52 → 100
        #expect(Ticks.niceStep(span: 14, targetCount: 4) == 5)  // 3.5 → 5
    }

    @Test func linearTicksCoverTheDataOnWholeSteps() {
        let (domain, ticks) = Ticks.linear(from: 0.13, to: 0.92, targetCount: 5)
        // span 0.79 / 5 = 0.158 → step 0.2; 0.13 widens down to 0, 0.92 up to 1.
        #expect(domain == 0...1)
        #expect(ticks.map(\.label) == ["0", "0.2", "0.4", "0.6", "0.8", "1.0"])
        #expect(ticks.map(\.value) == [0, 0.2, 0.4, 0.6000000000000001, 0.8, 1])
        let (negativeDomain, negativeTicks) = Ticks.linear(from: -37, to: 58, targetCount: 5)
        // span 95 / 5 = 19 → step 20; −37 → −40, 58 → 60.
        #expect(negativeDomain == -40...60)
        #expect(negativeTicks.map(\.label) == ["-40", "-20", "0", "20", "40", "60"])
    }

    @Test func aFlatSeriesGetsARangeAroundItsValue() {
        // 3 ± 1.5 → 1.5…4.5, span 3 / 5 = 0.6 → step 1 → 1…5.
        let (domain, ticks) = Ticks.linear(from: 3, to: 3)
        #expect(domain == 1...5)
        #expect(ticks.map(\.label) == ["1", "2", "3", "4", "5"])
        #expect(Ticks.linear(from: 0, to: 0).domain == -1...1)
    }

    @Test func tinyAndHugeTicksUseScientificLabels() {
        let tiny = Ticks.linear(from: 0, to: 0.0004, targetCount: 4)
        // 0.0001 steps: 0, 1e-4, 2e-4, 3e-4, 4e-4.
        #expect(tiny.ticks.map(\.label) == ["0", "1e-4", "2e-4", "3e-4", "4e-4"])
        let huge = Ticks.linear(from: 0, to: 3e6, targetCount: 3)
        #expect(huge.ticks.map(\.label) == ["0", "1e6", "2e6", "3e6"])
    }

    @Test func logTicksAreDecadesWithMinorTicksBetween() {
        let (domain, ticks) = Ticks.logarithmic(from: 0.003, to: 42)
        #expect(domain == 0.001...100)
        let majors = ticks.filter(\.isMajor)
        #expect(majors.map(\.label) == ["0.001", "0.01", "0.1", "1", "10", "100"])
        // 8 minor ticks (2…9) in each of the 5 decades, unlabelled beyond two decades.
        let minors = ticks.filter { !$0.isMajor }
        #expect(minors.count == 40)
        #expect(minors.allSatisfy { $0.label.isEmpty })
        #expect(abs(minors[0].value - 0.002) < 1e-15 && abs(minors[7].value - 0.009) < 1e-15)
    }

    @Test func narrowLogRangesLabelTwoAndFive() {
        let (domain, ticks) = Ticks.logarithmic(from: 0.3, to: 0.8)
        #expect(domain == 0.1...1)
        #expect(ticks.filter { !$0.label.isEmpty }.map(\.label) == ["0.1", "0.2", "0.5", "1"])
        let wide = Ticks.logarithmic(from: 1e-12, to: 1e12)
        // 24 decades: every third labelled (1e-12, 1e-9, …), so labels do not collide.
        #expect(wide.ticks.filter(\.isMajor).filter { !$0.label.isEmpty }.map(\.label)
            == ["1e-12", "1e-9", "1e-6", "0.001", "1", "1000", "1e6", "1e9", "1e12"])
    }

    @Test func logScaleMapsEqualRatiosToEqualDistances() throws {
        // 0.01…100 on pixels 0…400: four decades of 100 px.
        let scale = AxisScale(kind: .logarithmic, covering: [0.02, 70], pixelStart: 0, pixelEnd: 400)
        #expect(scale.domain == 0.01...100)
        #expect(try #require(scale.position(of: 0.01)) == 0)
        #expect(abs(try #require(scale.position(of: 1)) - 200) < 1e-9)
        #expect(abs(try #require(scale.position(of: 10)) - 300) < 1e-9)
        // log10(5) = 0.69897 of a decade above 1.
        #expect(abs(try #require(scale.position(of: 5)) - (200 + 100 * log10(5.0))) < 1e-9)
        #expect(scale.position(of: 0) == nil)
        #expect(scale.position(of: -3) == nil)
        #expect(scale.position(of: .nan) == nil)
    }

    @Test func linearScaleRunsUpwardsOnAYAxis() throws {
        // A y axis: domain bottom at pixel 200, top at pixel 0; 0…10 in steps of 2.
        let scale = AxisScale(kind: .linear, covering: [1, 9.5], pixelStart: 200, pixelEnd: 0)
        #expect(scale.domain == 0...10)
        #expect(try #require(scale.position(of: 0)) == 200)
        #expect(try #require(scale.position(of: 2.5)) == 150)
        #expect(try #require(scale.position(of: 10)) == 0)
        #expect(scale.position(of: .infinity) == nil)
    }

    @Test func valuesReadWellInLabelsAndTables() {
        #expect(Markup.value(0.123456) == "0.1235")
        #expect(Markup.value(1234) == "1234")
        #expect(Markup.value(1.5e-5) == "1.5e-05")
        #expect(Markup.value(2.5e7) == "2.5e+07")
        #expect(Markup.value(.nan) == "NaN")
        #expect(Markup.coordinate(12.499) == "12.5")
        #expect(Markup.coordinate(-0.004) == "0")
        #expect(Markup.coordinate(3) == "3")
    }
}
