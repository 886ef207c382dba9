import Foundation

/// Standard test functions of global optimization, with their known minima, for judging
/// samplers (regret = best found − global minimum) and for `hone tune` demos.
///
/// ### References
/// Dixon & Szegő, "The global optimization problem: an introduction", in *Towards Global
/// Optimisation 2*, 1978 (Branin, Hartmann 3-D and 6-D); Forrester, Sóbester & Keane,
/// *Engineering design via surrogate modelling*, 2008 (Forrester). Surjanovic & Bingham, *Virtual Library of
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
    /// (6x − 2)² sin(12x − 4) on [0, 1]: one input, a local minimum near 0.14 and the
    /// global one, −6.020740, at 0.757249.
    case forrester
    /// Six-hump camel on x1 ∈ [−3, 3], x2 ∈ [−2, 2]: six local minima, the global one,
    /// −1.031628, at (0.0898, −0.7126) and (−0.0898, 0.7126).
    case sixHumpCamel = "six_hump_camel"
    /// Hartmann 3-D on [0, 1]³; minimum −3.86278 at (0.114614, 0.555649, 0.852547).
    case hartmann3
    /// Levy in any dimension on [−10, 10]: many local minima; minimum 0 at (1, …, 1).
    case levy
    /// Ackley in any dimension on [−32.768, 32.768]: a nearly flat outer region dotted with
    /// local minima around one deep well; minimum 0 at the origin.
    case ackley
    /// Styblinski–Tang, ½ Σ (xᵢ⁴ − 16xᵢ² + 5xᵢ), in any dimension on [−5, 5]: 2ᵈ local
    /// minima; the global one, −39.16617·d, at xᵢ = −2.903534.
    case styblinskiTang = "styblinski_tang"
    /// Rosenbrock in any dimension on [−5, 10]: a long curved valley; minimum 0 at (1, …, 1).
    case rosenbrock

    /// The number of inputs, `nil` for any.
    public var dimension: Int? {
        switch self {
        case .branin: return 2
        case .hartmann6: return 6
        case .sphere, .levy, .ackley, .styblinskiTang, .rosenbrock: return nil
        case .forrester: return 1
        case .sixHumpCamel: return 2
        case .hartmann3: return 3
        }
    }

    /// The known global minimum (`dimension` inputs, for the functions of any dimension).
    public func globalMinimum(dimension n: Int) -> Double {
        switch self {
        case .styblinskiTang: return -39.16616570377142 * Double(n)
        default: return globalMinimum
        }
    }

    /// The known global minimum; for Styblinski–Tang, the minimum per input.
    public var globalMinimum: Double {
        switch self {
        case .branin: return 0.397887
        case .hartmann6: return -3.32237
        case .sphere, .levy, .ackley, .rosenbrock: return 0
        case .forrester: return -6.0207400557670825
        case .sixHumpCamel: return -1.0316284534898774
        case .hartmann3: return -3.86278
        case .styblinskiTang: return -39.16616570377142
        }
    }

    /// Where the minimum is reached (one of the minimizers), for `dimension` inputs.
    public func minimizer(dimension n: Int = 2) -> [Double] {
        switch self {
        case .branin: return [Double.pi, 2.275]
        case .hartmann6: return [0.20169, 0.150011, 0.476874, 0.275332, 0.311652, 0.6573]
        case .sphere, .ackley: return Array(repeating: 0, count: n)
        case .forrester: return [0.7572487584492194]
        case .sixHumpCamel: return [0.08984201368301331, -0.7126564032704135]
        case .hartmann3: return [0.114614, 0.555649, 0.852547]
        case .levy, .rosenbrock: return Array(repeating: 1, count: n)
        case .styblinskiTang: return Array(repeating: -2.903534, count: n)
        }
    }

    /// The usual search box.
    public func bounds(dimension n: Int = 2) -> [ClosedRange<Double>] {
        switch self {
        case .branin: return [-5...10, 0...15]
        case .hartmann6: return Array(repeating: 0...1, count: 6)
        case .sphere, .styblinskiTang: return Array(repeating: -5...5, count: n)
        case .forrester: return [0...1]
        case .sixHumpCamel: return [-3...3, -2...2]
        case .hartmann3: return Array(repeating: 0...1, count: 3)
        case .levy: return Array(repeating: -10...10, count: n)
        case .ackley: return Array(repeating: -32.768...32.768, count: n)
        case .rosenbrock: return Array(repeating: -5...10, count: n)
        }
    }

    public func evaluate(_ x: [Double]) -> Double {
        switch self {
        case .branin: return Self.branin(x[0], x[1])
        case .hartmann6: return Self.hartmann6(x)
        case .sphere: return x.reduce(0) { $0 + $1 * $1 }
        case .forrester:
            let u = 6 * x[0] - 2
            return u * u * sin(12 * x[0] - 4)
        case .sixHumpCamel:
            let (a, b) = (x[0], x[1])
            return (4 - 2.1 * a * a + a * a * a * a / 3) * a * a + a * b + (-4 + 4 * b * b) * b * b
        case .hartmann3: return Self.hartmann(x, a: Self.a3, p: Self.p3)
        case .levy: return Self.levy(x)
        case .ackley: return Self.ackley(x)
        case .styblinskiTang: return 0.5 * x.reduce(0) { $0 + $1 * $1 * $1 * $1 - 16 * $1 * $1 + 5 * $1 }
        case .rosenbrock:
            var sum = 0.0
            for i in 0..<max(x.count - 1, 0) {
                let u = x[i + 1] - x[i] * x[i], v = x[i] - 1
                sum += 100 * u * u + v * v
            }
            return sum
        }
    }

    static func levy(_ x: [Double]) -> Double {
        let w = x.map { 1 + ($0 - 1) / 4 }
        let first = sin(Double.pi * w[0])
        var sum = first * first
        for i in 0..<(w.count - 1) {
            let s = sin(Double.pi * w[i] + 1)
            sum += (w[i] - 1) * (w[i] - 1) * (1 + 10 * s * s)
        }
        let last = w[w.count - 1], s = sin(2 * Double.pi * last)
        return sum + (last - 1) * (last - 1) * (1 + s * s)
    }

    static func ackley(_ x: [Double]) -> Double {
        let n = Double(x.count)
        let squares = x.reduce(0) { $0 + $1 * $1 } / n
        let cosines = x.reduce(0) { $0 + cos(2 * Double.pi * $1) } / n
        return -20 * exp(-0.2 * squares.squareRoot()) - exp(cosines) + 20 + M_E
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

    private static let a3: [[Double]] = [[3, 10, 30], [0.1, 10, 35], [3, 10, 30], [0.1, 10, 35]]
    private static let p3: [[Double]] = [
        [3689, 1170, 2673], [4699, 4387, 7470], [1091, 8732, 5547], [381, 5743, 8828],
    ].map { $0.map { $0 * 1e-4 } }

    static func hartmann6(_ x: [Double]) -> Double { hartmann(x, a: a6, p: p6) }

    /// −Σᵢ αᵢ exp(−Σⱼ Aᵢⱼ (xⱼ − Pᵢⱼ)²), the Hartmann family.
    private static func hartmann(_ x: [Double], a: [[Double]], p: [[Double]]) -> Double {
        var sum = 0.0
        for i in 0..<4 {
            var inner = 0.0
            for j in 0..<x.count {
                let d = x[j] - p[i][j]
                inner += a[i][j] * d * d
            }
            sum += alpha6[i] * exp(-inner)
        }
        return -sum
    }
}
