import Foundation
import Testing
@testable import HoneTrees

struct ModelFileTests {
    private func model() throws -> TreeModel {
        let (x, y) = TestData.binary(rows: 300)
        var options = GradientBoostingOptions()
        options.rounds = 5
        options.categoricalFeatures = [4]
        var values = x.values
        for r in 0..<300 { values[r * 5 + 4] = Double(r % 5) }
        return try GradientBoosting.fit(try FeatureMatrix(rowCount: 300, featureCount: 5, values: values), labels: y, options: options)
    }

    @Test func savedModelLoadsWithIdenticalPredictions() throws {
        let original = try model()
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("hone-trees-\(UUID().uuidString).hntree")
        defer { try? FileManager.default.removeItem(at: url) }
        try original.save(to: url)
        let loaded = try TreeModel.load(from: url)
        let (x, _) = TestData.binary(rows: 50, seed: 7)
        #expect(try loaded.predictRaw(x) == original.predictRaw(x))
        #expect(loaded.trees == original.trees)
        #expect(loaded.encoded() == original.encoded())
    }

    @Test func truncatedFileIsACorruptModelError() throws {
        let data = try model().encoded()
        for length in [0, 5, 20, data.count / 2, data.count - 1] {
            #expect(throws: TreesError.self) { try TreeModel.decode(data.prefix(length), file: "m.hntree") }
        }
        do {
            _ = try TreeModel.decode(data.prefix(data.count - 1), file: "m.hntree")
        } catch let error as TreesError {
            guard case .corruptModelFile(let file, let detail) = error else { throw error }
            #expect(file == "m.hntree" && detail.contains("truncated"))
        }
    }

    @Test func flippedByteFailsTheChecksum() throws {
        var data = try model().encoded()
        data[data.count - 10] ^= 0x40
        #expect(throws: TreesError.corruptModelFile(file: "m.hntree", detail: "checksum mismatch")) {
            try TreeModel.decode(data, file: "m.hntree")
        }
    }

    @Test func otherFormatVersionIsNamed() throws {
        var data = try model().encoded()
        data[8] = 2
        #expect(throws: TreesError.unsupportedVersion(file: "m.hntree", found: 2, supported: 1)) {
            try TreeModel.decode(data, file: "m.hntree")
        }
    }

    @Test func dataWithAnotherFeatureCountNamesBothCounts() throws {
        let wrong = try FeatureMatrix(rows: [[1, 2, 3]])
        #expect(throws: TreesError.featureCountMismatch(expected: 5, got: 3)) { try model().predict(wrong) }
        #expect(TreesError.featureCountMismatch(expected: 5, got: 3).description.contains("5 features but the data has 3"))
    }
}
