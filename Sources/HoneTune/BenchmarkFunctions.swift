import Foundation

/// Standard test functions of global optimization, with their known minima, for judging
/// samplers (regret = best found − global minimum) and for `hone tune` demos.
///
/// ### References
/// Dixon & Szegő, "The global optimization problem: an introduction", in *Towards Global
/// Optimisation 2*, 1978 (Branin, Hartmann 6-D). Surjanovic & Bingham, *Virtual Library of
/// Simulation Experiments* (sfu.ca/~ssurjano), for the constants used here.
public enum BenchmarkFunction: String, CaseIterable, Sendable {
    /// Branin–Hoo on x1 ∈ [−5, 10], x2 ∈ [0, 15]; minimum 0.397887 at (−π, 12.275),
    /// (π, 2.275) and (9.42478, 2.475).
    case branin
    /// Hartmann 6-D on [0, 1]⁶; minimum −3.32237 at
    /// (0.20169, 0.150011, 0.476874, 0.275332, 0.311652, 0.6573).
    case hartmann6
    /// Σ xᵢ² in any dimension; minimum 0 at the origin.
    case sphere

    /// The number of inputs, `nil` for any.
    public var dimension: Int? {
        switch self {
        case .branin: return 2
        case .hartmann6: return 6
        case .sphere: return nil
        }
    }

    /// The known global minimum.
    public var globalMinimum: Double {
        switch self {
        case .branin: return 0.397887
        case .hartmann6: return -3.32237
        case .sphere: return 0
        }
    }

    /// Where the minimum is reached (one of the minimizers), for `dimension` inputs.
    public func minimizer(dimension n: Int = 2) -> [Double] {
        switch self {
        case .branin: return [Double.pi, 2.275]
        case .hartmann6: return [0.20169, 0.150011, 0.476874, 0.275332, 0.311652, 0.6573]
        case .sphere: return Array(repeating: 0, count: n)
        }
    }

    /// The usual search box.
    public func bounds(dimension n: Int = 2) -> [ClosedRange<Double>] {
        switch self {
        case .branin: return [-5...10, 0...15]
        case .hartmann6: return Array(repeating: 0...1, count: 6)
        case .sphere: return Array(repeating: -5...5, count: n)
        }
    }

    public func evaluate(_ x: [Double]) -> Double {
        switch self {
        case .branin: return Self.branin(x[0], x[1])
        case .hartmann6: return Self.hartmann6(x)
        case .sphere: return x.reduce(0) { $0 + $1 * $1 }
        }
    }

    static func branin(_ x1: Double, _ x2: Double) -> Double {
        let a = 1.0, b = 5.1 / (4 * Double.pi * Double.pi), c = 5 / Double.pi
        let r = 6.0, s = 10.0, t = 1 / (8 * Double.pi)
        let u = x2 - b * x1 * x1 + c * x1 - r
        return a * u * u + s * (1 - t) * cos(x1) + s
    }

    private static let a6: [[Double]] = [
        [10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14],
        [3, 3.5, 1.7, 10, 17, 8], [17, 8, 0.05, 10, 0.1, 14],
    ]
    private static let p6: [[Double]] = [
        [1312, 1696, 5569, 124, 8283, 5886], [2329, 4135, 8307, 3736, 1004, 9991],
        [2348, 1451, 3522, 2883, 3047, 6650], [4047, 8828, 8732, 5743, 1091, 381],
    ].map { $0.map { $0 * 1e-4 } }
    private static let alpha6: [Double] = [1.0, 1.2, 3.0, 3.2]

    static func hartmann6(_ x: [Double]) -> Double {
        var sum = 0.0
        for i in 0..<4 {
            var inner = 0.0
            for j in 0..<6 {
                let d = x[j] - p6[i][j]
                inner += a6[i][j] * d * d
            }
            sum += alpha6[i] * exp(-inner)
        }
        return -sum
    }
}
