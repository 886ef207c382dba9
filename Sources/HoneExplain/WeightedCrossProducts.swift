/// The weighted, centred cross-products of a design matrix and a target: everything a
/// weighted ridge regression on any subset of the matrix's columns needs.
///
/// LIME fits one or many ridges (forward selection tries every column at every step) on
/// the same samples; with the Gram matrix computed once, each fit costs O(p³) for its p
/// columns instead of a pass over every sample.
struct WeightedCrossProducts {
    /// The number of columns of the design.
    let columnCount: Int
    /// The weighted mean of each column, and of the target.
    let columnMeans: [Double], targetMean: Double
    /// Σ wᵣ (xᵣ − x̄)(xᵣ − x̄)ᵀ, `columnCount × columnCount`, row-major.
    let gram: [Double]
    /// Σ wᵣ (xᵣ − x̄)(yᵣ − ȳ).
    let moment: [Double]
    /// Σ wᵣ (yᵣ − ȳ)², the total sum of squares of the weighted R².
    let targetSumOfSquares: Double

    /// Samples per pass of the Gram kernel: one block of every column (30 columns × 256
    /// doubles, 60 KB) stays in cache while all column pairs are multiplied.
    private static let blockLength = 256

    /// The cross-products of the columns of `columns` (`columnCount` columns of `y.count`
    /// values each, one after the other) with `y`, weighted by `weights`.
    init(columns x: [Double], columnCount p: Int, y: [Double], weights: [Double]) {
        let n = y.count
        precondition(x.count == n * p && weights.count == n, "a design of \(x.count) values for \(n) rows of \(p) columns and \(weights.count) weights")
        let totalWeight = weights.reduce(0, +)
        var means = [Double](repeating: 0, count: p)
        var yMean = 0.0
        for r in 0..<n { yMean += weights[r] * y[r] }
        for c in 0..<p {
            for r in 0..<n { means[c] += weights[r] * x[c * n + r] }
        }
        yMean /= totalWeight
        for c in 0..<p { means[c] /= totalWeight }
        // Columns of √w·(x − x̄), contiguous, so every Gram entry is one vectorized dot product.
        let roots = weights.map { $0.squareRoot() }
        let scaledTarget = (0..<n).map { roots[$0] * (y[$0] - yMean) }
        var scaled = [Double](repeating: 0, count: p * n)
        for c in 0..<p {
            for r in 0..<n { scaled[c * n + r] = roots[r] * (x[c * n + r] - means[c]) }
        }
        var gram = [Double](repeating: 0, count: p * p)
        var moment = [Double](repeating: 0, count: p)
        scaled.withUnsafeBufferPointer { columns in
            scaledTarget.withUnsafeBufferPointer { target in
                var start = 0
                while start < n {
                    let length = min(Self.blockLength, n - start)
                    for i in 0..<p {
                        let a = columns.baseAddress! + i * n + start
                        moment[i] += Self.dot(a, target.baseAddress! + start, length)
                        for j in i..<p { gram[i * p + j] += Self.dot(a, columns.baseAddress! + j * n + start, length) }
                    }
                    start += length
                }
            }
        }
        for i in 0..<p { for j in 0..<i { gram[i * p + j] = gram[j * p + i] } }
        columnCount = p
        columnMeans = means
        targetMean = yMean
        self.gram = gram
        self.moment = moment
        targetSumOfSquares = scaledTarget.reduce(0) { $0 + $1 * $1 }
    }

    /// The cross-products of a design whose column `c` takes only two values, `offsets[c]`
    /// where a sample's indicator bit `c` is 0 and `offsets[c] + steps[c]` where it is 1, as
    /// LIME's quartile surrogate does ("in the explained row's bin or not").
    ///
    /// The Gram matrix is then δᵢδⱼ(Σ w bᵢbⱼ − Σ w bᵢ · Σ w bⱼ / Σ w), and Σ w bᵢbⱼ needs only
    /// the pairs of set bits of each sample: a quarter of a sample's features share the
    /// row's quartile, so a sixteenth of the pairs a dense pass multiplies.
    ///
    /// - Parameter indicators: `wordsPerSample` words per sample, bit `c % 64` of word
    ///   `c / 64` set where column `c` takes its second value.
    init(indicators: [UInt64], wordsPerSample: Int, offsets: [Double], steps: [Double], y: [Double], weights: [Double]) {
        let n = y.count, p = offsets.count
        precondition(steps.count == p && weights.count == n && indicators.count == n * wordsPerSample && wordsPerSample * 64 >= p,
                     "an indicator design of \(indicators.count) words for \(n) samples of \(p) columns")
        let totalWeight = weights.reduce(0, +)
        var yMean = 0.0
        for r in 0..<n { yMean += weights[r] * y[r] }
        yMean /= totalWeight
        var pairWeights = [Double](repeating: 0, count: p * p)  // Σ w bᵢbⱼ, upper triangle
        var counts = [Double](repeating: 0, count: p)  // Σ w bᵢ
        var targetProducts = [Double](repeating: 0, count: p)  // Σ w bᵢ (y − ȳ)
        var targetSumOfSquares = 0.0
        var setBits = [Int](repeating: 0, count: p)
        pairWeights.withUnsafeMutableBufferPointer { pairs in
            for r in 0..<n {
                let weight = weights[r], centred = y[r] - yMean
                targetSumOfSquares += weight * centred * centred
                var setCount = 0
                for word in 0..<wordsPerSample {
                    var bits = indicators[r * wordsPerSample + word]
                    while bits != 0 {
                        setBits[setCount] = word * 64 + bits.trailingZeroBitCount
                        setCount += 1
                        bits &= bits - 1
                    }
                }
                for a in 0..<setCount {
                    let i = setBits[a]
                    counts[i] += weight
                    targetProducts[i] += weight * centred
                    for b in a..<setCount { pairs[i * p + setBits[b]] += weight }
                }
            }
        }
        var gram = [Double](repeating: 0, count: p * p)
        for i in 0..<p {
            for j in i..<p {
                let value = steps[i] * steps[j] * (pairWeights[i * p + j] - counts[i] * counts[j] / totalWeight)
                gram[i * p + j] = value
                gram[j * p + i] = value
            }
        }
        columnCount = p
        columnMeans = (0..<p).map { offsets[$0] + steps[$0] * counts[$0] / totalWeight }
        targetMean = yMean
        self.gram = gram
        moment = (0..<p).map { steps[$0] * targetProducts[$0] }
        self.targetSumOfSquares = targetSumOfSquares
    }

    /// A weighted ridge regression on `columns` with an unpenalized intercept (scikit-learn's
    /// `Ridge` with `sample_weight`): minimizes Σ wᵢ (yᵢ − b − xᵢ·β)² + α‖β‖².
    ///
    /// - Returns: intercept, coefficients (one per entry of `columns`) and the weighted R²,
    ///   1 − Σ w (y − ŷ)² / Σ w (y − ȳ)², its residual expanded as Σ w ỹ² − 2β·m + βᵀGβ.
    func ridge(columns: [Int], alpha: Double) -> (intercept: Double, coefficients: [Double], score: Double) {
        let p = columns.count
        guard p > 0 else { return (targetMean, [], targetSumOfSquares > 0 ? 0 : 1) }
        var subGram = [Double](repeating: 0, count: p * p)
        for (i, a) in columns.enumerated() {
            for (j, b) in columns.enumerated() { subGram[i * p + j] = gram[a * columnCount + b] }
        }
        let subMoment = columns.map { moment[$0] }
        var regularized = subGram
        for i in 0..<p { regularized[i * p + i] += alpha }
        let coefficients = LinearAlgebra.solve(regularized, subMoment, size: p) ?? [Double](repeating: 0, count: p)
        var intercept = targetMean
        var residual = targetSumOfSquares
        for i in 0..<p {
            intercept -= coefficients[i] * columnMeans[columns[i]]
            var fitted = 0.0
            for j in 0..<p { fitted += subGram[i * p + j] * coefficients[j] }
            residual += coefficients[i] * (fitted - 2 * subMoment[i])
        }
        return (intercept, coefficients, targetSumOfSquares > 0 ? 1 - max(residual, 0) / targetSumOfSquares : 1)
    }

    /// Σ a[k]·b[k] over `length` doubles, four SIMD lanes by two accumulators.
    @inline(__always)
    private static func dot(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, _ length: Int) -> Double {
        var even = SIMD4<Double>(), odd = SIMD4<Double>()
        var k = 0
        while k + 8 <= length {
            even += UnsafeRawPointer(a + k).loadUnaligned(as: SIMD4<Double>.self) * UnsafeRawPointer(b + k).loadUnaligned(as: SIMD4<Double>.self)
            odd += UnsafeRawPointer(a + k + 4).loadUnaligned(as: SIMD4<Double>.self) * UnsafeRawPointer(b + k + 4).loadUnaligned(as: SIMD4<Double>.self)
            k += 8
        }
        var sum = (even + odd).sum()
        while k < length {
            sum += a[k] * b[k]
            k += 1
        }
        return sum
    }
}
