import Testing
@testable import HoneExplain

@Suite struct BackgroundTests {
    @Test func kMeansFindsSeparatedClustersWeightedBySize() {
        // Three tight blobs of 5, 10 and 15 rows around (0,0), (10,10) and (−10,5).
        let centres: [(Float, Float, Int)] = [(0, 0, 5), (10, 10, 10), (-10, 5, 15)]
        var values: [Float] = []
        for (x, y, count) in centres {
            for i in 0..<count { values += [x + Float(i % 3) * 0.01, y - Float(i % 2) * 0.01] }
        }
        let background = WeightedBackground.kMeans(FeatureRows(values: values, featureCount: 2), clusterCount: 3, seed: 1)
        #expect(background.rows.rowCount == 3)
        let found = (0..<3).map { (background.rows[row: $0], background.weights[$0]) }.sorted { $0.0[0] < $1.0[0] }
        #expect(abs(found[0].0[0] + 10) < 0.05 && abs(found[0].1 - 0.5) < 1e-12)
        #expect(abs(found[1].0[0]) < 0.05 && abs(found[1].1 - 5.0 / 30) < 1e-12)
        #expect(abs(found[2].0[1] - 10) < 0.05 && abs(found[2].1 - 1.0 / 3) < 1e-12)
        // Every centre value is a value its feature takes in the data.
        #expect(background.rows.values.allSatisfy { values.contains($0) })
        #expect(WeightedBackground.kMeans(FeatureRows(values: values, featureCount: 2), clusterCount: 3, seed: 1) == background)
    }
}
