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
}
