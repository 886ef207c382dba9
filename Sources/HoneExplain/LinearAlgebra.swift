/// Small dense linear algebra in Double for the explainers' least-squares fits.
enum LinearAlgebra {
    /// Solves `a · x = b` for a square `n × n` row-major `a` by Gaussian elimination with
    /// partial pivoting; a pivot below `1e-300` (a singular system) gives `nil`.
    static func solve(_ a: [Double], _ b: [Double], size n: Int) -> [Double]? {
        var m = a
        var x = b
        for column in 0..<n {
            var pivot = column
            for row in (column + 1)..<max(n, column + 1) where abs(m[row * n + column]) > abs(m[pivot * n + column]) { pivot = row }
            guard abs(m[pivot * n + column]) > 1e-300 else { return nil }
            if pivot != column {
                for j in 0..<n { m.swapAt(pivot * n + j, column * n + j) }
                x.swapAt(pivot, column)
            }
            let diagonal = m[column * n + column]
            for row in (column + 1)..<max(n, column + 1) {
                let factor = m[row * n + column] / diagonal
                if factor == 0 { continue }
                for j in column..<n { m[row * n + j] -= factor * m[column * n + j] }
                x[row] -= factor * x[column]
            }
        }
        for row in stride(from: n - 1, through: 0, by: -1) {
            var sum = x[row]
            for j in (row + 1)..<max(n, row + 1) { sum -= m[row * n + j] * x[j] }
            x[row] = sum / m[row * n + row]
        }
        return x
    }

    /// A weighted ridge regression with an unpenalized intercept (scikit-learn's `Ridge`
    /// with `sample_weight`): minimizes Σ wᵢ (yᵢ − b − xᵢ·β)² + α‖β‖².
    ///
    /// - Parameters:
    ///   - x: `rowCount × columns.count` values, read through `columns` from a wider row-major matrix of `stride` columns.
    /// - Returns: intercept, coefficients (one per entry of `columns`) and the weighted R².
    static func weightedRidge(
        _ x: [Double], stride: Int, columns: [Int], y: [Double], weights: [Double], alpha: Double
    ) -> (intercept: Double, coefficients: [Double], score: Double) {
        let rows = y.count
        let p = columns.count
        let totalWeight = weights.reduce(0, +)
        var xMean = [Double](repeating: 0, count: p)
        var yMean = 0.0
        for r in 0..<rows {
            yMean += weights[r] * y[r]
            for (c, column) in columns.enumerated() { xMean[c] += weights[r] * x[r * stride + column] }
        }
        yMean /= totalWeight
        for c in 0..<p { xMean[c] /= totalWeight }
        var gram = [Double](repeating: 0, count: p * p)
        var moment = [Double](repeating: 0, count: p)
        var centred = [Double](repeating: 0, count: p)
        for r in 0..<rows {
            let w = weights[r]
            for (c, column) in columns.enumerated() { centred[c] = x[r * stride + column] - xMean[c] }
            let yc = y[r] - yMean
            for i in 0..<p {
                let wi = w * centred[i]
                moment[i] += wi * yc
                for j in i..<p { gram[i * p + j] += wi * centred[j] }
            }
        }
        for i in 0..<p {
            gram[i * p + i] += alpha
            for j in 0..<i { gram[i * p + j] = gram[j * p + i] }
        }
        let coefficients = p == 0 ? [] : (solve(gram, moment, size: p) ?? [Double](repeating: 0, count: p))
        var intercept = yMean
        for c in 0..<p { intercept -= coefficients[c] * xMean[c] }
        var residual = 0.0, total = 0.0
        for r in 0..<rows {
            var prediction = intercept
            for (c, column) in columns.enumerated() { prediction += coefficients[c] * x[r * stride + column] }
            residual += weights[r] * (y[r] - prediction) * (y[r] - prediction)
            total += weights[r] * (y[r] - yMean) * (y[r] - yMean)
        }
        return (intercept, coefficients, total > 0 ? 1 - residual / total : 1)
    }
}
