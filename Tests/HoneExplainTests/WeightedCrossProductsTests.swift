import Foundation
import HoneCore
import Testing
@testable import HoneExplain

@Suite struct WeightedCrossProductsTests {
    /// A two-valued design (column c is offsets[c] or offsets[c] + steps[c]) with 70 columns,
    /// so the indicator bits span two words per sample.
    struct TwoValuedDesign {
        let sampleCount = 300, columnCount = 70
        var bits: [[Bool]] = [], offsets: [Double] = [], steps: [Double] = [], y: [Double] = [], weights: [Double] = []

        init(seed: UInt64) {
            var generator = SeededGenerator(seed: seed)
            offsets = (0..<columnCount).map { _ in generator.nextDouble() * 2 - 1 }
            steps = (0..<columnCount).map { _ in generator.nextDouble() + 0.5 }
            bits = (0..<sampleCount).map { _ in (0..<columnCount).map { _ in generator.nextDouble() < 0.3 } }
            y = (0..<sampleCount).map { _ in generator.nextDouble() * 4 }
            weights = (0..<sampleCount).map { _ in generator.nextDouble() + 0.1 }
        }

        func value(_ sample: Int, _ column: Int) -> Double { offsets[column] + (bits[sample][column] ? steps[column] : 0) }
    }

    @Test func indicatorCrossProductsEqualTheDenseOnesAndABruteForceSum() {
        let design = TwoValuedDesign(seed: 3)
        let n = design.sampleCount, p = design.columnCount
        let columns = (0..<p).flatMap { c in (0..<n).map { design.value($0, c) } }
        let dense = WeightedCrossProducts(columns: columns, columnCount: p, y: design.y, weights: design.weights)
        var indicators = [UInt64](repeating: 0, count: n * 2)
        for s in 0..<n { for c in 0..<p where design.bits[s][c] { indicators[s * 2 + c / 64] |= 1 << UInt64(c % 64) } }
        let sparse = WeightedCrossProducts(indicators: indicators, wordsPerSample: 2, offsets: design.offsets, steps: design.steps,
                                           y: design.y, weights: design.weights)
        // Brute force from the definitions: weighted means, then Σ w (xᵢ − x̄ᵢ)(xⱼ − x̄ⱼ) sample by sample.
        let total = design.weights.reduce(0, +)
        let means = (0..<p).map { c in (0..<n).reduce(0.0) { $0 + design.weights[$1] * design.value($1, c) } / total }
        let yMean = (0..<n).reduce(0.0) { $0 + design.weights[$1] * design.y[$1] } / total
        for i in 0..<p {
            #expect(abs(sparse.columnMeans[i] - means[i]) < 1e-12)
            let moment = (0..<n).reduce(0.0) { $0 + design.weights[$1] * (design.value($1, i) - means[i]) * (design.y[$1] - yMean) }
            #expect(abs(sparse.moment[i] - moment) < 1e-9 && abs(dense.moment[i] - moment) < 1e-9)
            for j in 0..<p {
                let gram = (0..<n).reduce(0.0) { $0 + design.weights[$1] * (design.value($1, i) - means[i]) * (design.value($1, j) - means[j]) }
                #expect(abs(sparse.gram[i * p + j] - gram) < 1e-9, "gram[\(i), \(j)]")
                #expect(abs(dense.gram[i * p + j] - gram) < 1e-9, "dense gram[\(i), \(j)]")
            }
        }
        #expect(abs(sparse.targetMean - yMean) < 1e-12)
        #expect(abs(sparse.targetSumOfSquares - dense.targetSumOfSquares) < 1e-9)
        let fits = (sparse.ridge(columns: [0, 5, 66], alpha: 1), dense.ridge(columns: [0, 5, 66], alpha: 1))
        #expect(abs(fits.0.intercept - fits.1.intercept) < 1e-9 && abs(fits.0.score - fits.1.score) < 1e-9)
        #expect(zip(fits.0.coefficients, fits.1.coefficients).allSatisfy { abs($0 - $1) < 1e-9 })
    }
}
