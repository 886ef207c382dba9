/// A dense table of feature values, one row per sample, stored row-major in one buffer.
///
/// Missing values are `Double.nan`. Categorical features hold category codes as whole
/// numbers (0, 1, 2, …).
public struct FeatureMatrix: Sendable {
    /// The number of samples.
    public let rowCount: Int
    /// The number of features per sample.
    public let featureCount: Int
    /// All values, row after row (`values[row * featureCount + feature]`).
    public let values: [Double]

    /// A matrix over `values`, which must hold `rowCount * featureCount` numbers row-major.
    public init(rowCount: Int, featureCount: Int, values: [Double]) throws {
        guard rowCount >= 0, featureCount > 0, values.count == rowCount * featureCount else {
            throw TreesError.shapeMismatch("\(values.count) values for \(rowCount) rows of \(featureCount) features")
        }
        self.rowCount = rowCount
        self.featureCount = featureCount
        self.values = values
    }

    /// A matrix from an array of rows, all of the same length.
    public init(rows: [[Double]]) throws {
        guard let width = rows.first?.count, width > 0 else {
            throw TreesError.shapeMismatch("a feature matrix needs at least one row with at least one feature")
        }
        if let bad = rows.firstIndex(where: { $0.count != width }) {
            throw TreesError.shapeMismatch("row \(bad) has \(rows[bad].count) features, row 0 has \(width)")
        }
        try self.init(rowCount: rows.count, featureCount: width, values: rows.flatMap { $0 })
    }

    /// The value of `feature` in `row`.
    @inlinable
    public subscript(row: Int, feature: Int) -> Double {
        values[row * featureCount + feature]
    }

    /// The rows at `indices`, in that order.
    public func rows(_ indices: [Int]) -> FeatureMatrix {
        var picked = [Double]()
        picked.reserveCapacity(indices.count * featureCount)
        for row in indices {
            picked.append(contentsOf: values[(row * featureCount)..<((row + 1) * featureCount)])
        }
        // The sizes agree by construction.
        return try! FeatureMatrix(rowCount: indices.count, featureCount: featureCount, values: picked)
    }
}
