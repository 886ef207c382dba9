import Foundation

// Arithmetic with NumPy broadcasting. Each operator states its forward kernel and its
// backward rule side by side; gradients of broadcast operands are summed back to
// their own shape with `sum(toShape:)`.

extension Tensor {
    public static func + (a: Tensor, b: Tensor) -> Tensor {
        let out = arithmetic(a, b, .add)
        return record("add", output: out, inputs: [a, b]) { g in
            [a.requiresGrad ? g.sum(toShape: a.shape) : nil, b.requiresGrad ? g.sum(toShape: b.shape) : nil]
        }
    }

    public static func - (a: Tensor, b: Tensor) -> Tensor {
        let out = arithmetic(a, b, .subtract)
        return record("subtract", output: out, inputs: [a, b]) { g in
            [a.requiresGrad ? g.sum(toShape: a.shape) : nil, b.requiresGrad ? (-g).sum(toShape: b.shape) : nil]
        }
    }

    public static func * (a: Tensor, b: Tensor) -> Tensor {
        let out = arithmetic(a, b, .multiply)
        return record("multiply", output: out, inputs: [a, b]) { g in
            [a.requiresGrad ? (g * b).sum(toShape: a.shape) : nil, b.requiresGrad ? (g * a).sum(toShape: b.shape) : nil]
        }
    }

    public static func / (a: Tensor, b: Tensor) -> Tensor {
        let out = arithmetic(a, b, .divide)
        let quotient = out.detached()
        return record("divide", output: out, inputs: [a, b]) { g in
            [
                a.requiresGrad ? (g / b).sum(toShape: a.shape) : nil,
                b.requiresGrad ? (-(g * quotient) / b).sum(toShape: b.shape) : nil,
            ]
        }
    }

    public static prefix func - (a: Tensor) -> Tensor {
        let out = a.map { -$0 }
        return record("negate", output: out, inputs: [a]) { g in [-g] }
    }

    // MARK: Scalar operands (no broadcasting bookkeeping, one fused pass)

    public static func + (a: Tensor, s: Float) -> Tensor {
        record("add scalar", output: arithmetic(a, s, .add), inputs: [a]) { g in [g] }
    }

    public static func + (s: Float, a: Tensor) -> Tensor { a + s }

    public static func - (a: Tensor, s: Float) -> Tensor { a + (-s) }

    public static func - (s: Float, a: Tensor) -> Tensor {
        record("scalar minus", output: a.map { s - $0 }, inputs: [a]) { g in [-g] }
    }

    public static func * (a: Tensor, s: Float) -> Tensor {
        record("multiply scalar", output: arithmetic(a, s, .multiply), inputs: [a]) { g in [g * s] }
    }

    public static func * (s: Float, a: Tensor) -> Tensor { a * s }

    public static func / (a: Tensor, s: Float) -> Tensor { a * (1 / s) }

    public static func / (s: Float, a: Tensor) -> Tensor {
        let out = a.map { s / $0 }
        let quotient = out.detached()
        return record("scalar divide", output: out, inputs: [a]) { g in
            [zipMap(g, quotient, a) { gv, y, x in -gv * y / x }]
        }
    }

    // MARK: Unary math

    /// Applies `f` elementwise, with `derivative(x, y)` (input, output) as the local slope.
    ///
    /// Backward rules that need the output capture a detached view of it: capturing the
    /// output itself would make a reference cycle (output → node → rule → output) that
    /// leaks whenever `backward()` never runs.
    @inline(__always)
    func unary(_ op: String, cost: Int = 1, _ f: (Float) -> Float, derivative: @escaping (Float, Float) -> Float) -> Tensor {
        let out = map(cost: cost, f)
        let result = out.detached()
        return Tensor.record(op, output: out, inputs: [self]) { g in
            [Tensor.zipMap(g, self, result) { gv, x, y in gv * derivative(x, y) }]
        }
    }

    /// eˣ elementwise.
    public func exp() -> Tensor { unary("exp", cost: 10, { Foundation.exp($0) }, derivative: { _, y in y }) }

    /// Natural logarithm elementwise.
    public func log() -> Tensor { unary("log", cost: 10, { Foundation.log($0) }, derivative: { x, _ in 1 / x }) }

    /// Square root elementwise.
    public func sqrt() -> Tensor { unary("sqrt", { $0.squareRoot() }, derivative: { _, y in 0.5 / y }) }

    /// xᵖ elementwise for a constant exponent.
    public func pow(_ exponent: Float) -> Tensor {
        if exponent == 2 { return unary("square", { $0 * $0 }, derivative: { x, _ in 2 * x }) }
        return unary(
            "pow", cost: 20, { Foundation.pow($0, exponent) },
            derivative: { x, _ in exponent * Foundation.pow(x, exponent - 1) })
    }

    /// aᵇ elementwise with broadcasting; the exponent's gradient needs a > 0.
    public static func pow(_ a: Tensor, _ b: Tensor) -> Tensor {
        let out = broadcastMap(a, b, op: "pow") { Foundation.pow($0, $1) }
        let power = out.detached()
        return record("pow", output: out, inputs: [a, b]) { g in
            let da: Tensor? = a.requiresGrad
                ? (g * b * broadcastMap(a, b, op: "pow") { Foundation.pow($0, $1 - 1) }).sum(toShape: a.shape) : nil
            let db: Tensor? = b.requiresGrad ? (g * power * a.log()).sum(toShape: b.shape) : nil
            return [da, db]
        }
    }

    /// |x| elementwise (gradient 0 at 0, as in PyTorch).
    public func abs() -> Tensor {
        unary("abs", { Swift.abs($0) }, derivative: { x, _ in x > 0 ? 1 : (x < 0 ? -1 : 0) })
    }

    /// x clamped into `[min, max]`; the gradient passes only where x is inside.
    public func clamped(min low: Float = -.infinity, max high: Float = .infinity) -> Tensor {
        precondition(low <= high, "clamped: min \(low) is above max \(high)")
        return unary("clamp", { Swift.min(Swift.max($0, low), high) }, derivative: { x, _ in x >= low && x <= high ? 1 : 0 })
    }

    /// The elementwise larger of two tensors (broadcast); ties send the gradient to `a`.
    public static func maximum(_ a: Tensor, _ b: Tensor) -> Tensor {
        let out = broadcastMap(a, b, op: "maximum") { Swift.max($0, $1) }
        return record("maximum", output: out, inputs: [a, b]) { g in
            let aWins = broadcastMap(a, b, op: "maximum") { $0 >= $1 ? 1 : 0 }
            return [
                a.requiresGrad ? (g * aWins).sum(toShape: a.shape) : nil,
                b.requiresGrad ? (g * (1 - aWins)).sum(toShape: b.shape) : nil,
            ]
        }
    }

    /// The elementwise smaller of two tensors (broadcast); ties send the gradient to `a`.
    public static func minimum(_ a: Tensor, _ b: Tensor) -> Tensor {
        let out = broadcastMap(a, b, op: "minimum") { Swift.min($0, $1) }
        return record("minimum", output: out, inputs: [a, b]) { g in
            let aWins = broadcastMap(a, b, op: "minimum") { $0 <= $1 ? 1 : 0 }
            return [
                a.requiresGrad ? (g * aWins).sum(toShape: a.shape) : nil,
                b.requiresGrad ? (g * (1 - aWins)).sum(toShape: b.shape) : nil,
            ]
        }
    }

    // MARK: Comparisons (masks of 0 and 1, outside the graph)

    /// 1 where a > b, else 0 (broadcast).
    public static func greater(_ a: Tensor, _ b: Tensor) -> Tensor {
        broadcastMap(a, b, op: "greater") { $0 > $1 ? 1 : 0 }
    }

    /// 1 where a == b, else 0 (broadcast).
    public static func equal(_ a: Tensor, _ b: Tensor) -> Tensor {
        broadcastMap(a, b, op: "equal") { $0 == $1 ? 1 : 0 }
    }

    /// Picks `a` where `condition` is non-zero and `b` elsewhere (all three broadcast).
    public static func `where`(_ condition: Tensor, _ a: Tensor, _ b: Tensor) -> Tensor {
        let shape = Shape.broadcast(Shape.broadcast(condition.shape, a.shape, op: "where"), b.shape, op: "where")
        let mask = broadcastMap(condition, zeros(shape), op: "where") { c, _ in c != 0 ? 1 : 0 }
        let out = zipMap(mask, a.broadcast(to: shape), b.broadcast(to: shape)) { m, x, y in m != 0 ? x : y }
        return record("where", output: out, inputs: [a, b]) { g in
            [
                a.requiresGrad ? (g * mask).sum(toShape: a.shape) : nil,
                b.requiresGrad ? (g * (1 - mask)).sum(toShape: b.shape) : nil,
            ]
        }
    }

    /// This tensor's values repeated to `shape` (a copy, outside the graph).
    func broadcast(to shape: [Int]) -> Tensor {
        if self.shape == shape { return self }
        return Tensor.broadcastMap(self, Tensor.zeros(shape), op: "broadcast") { x, _ in x }
    }
}
