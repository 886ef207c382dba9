/// Shape arithmetic shared by the kernels: element counts, row-major strides and
/// NumPy broadcasting.
public enum Shape {
    /// The number of elements of a tensor of `shape` (1 for a scalar's empty shape).
    @inlinable
    public static func count(_ shape: [Int]) -> Int {
        var n = 1
        for d in shape { n *= d }
        return n
    }

    /// Row-major strides, in elements.
    public static func strides(_ shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        var running = 1
        for axis in stride(from: shape.count - 1, through: 0, by: -1) {
            strides[axis] = running
            running *= shape[axis]
        }
        return strides
    }

    /// The shape two operands broadcast to under NumPy's rules (trailing axes aligned;
    /// an axis of size 1 stretches). Stops with both shapes named when they don't match.
    public static func broadcast(_ a: [Int], _ b: [Int], op: String = "broadcast") -> [Int] {
        if a == b { return a }
        let rank = max(a.count, b.count)
        var out = [Int](repeating: 1, count: rank)
        for i in 0..<rank {
            let da = i < rank - a.count ? 1 : a[i - (rank - a.count)]
            let db = i < rank - b.count ? 1 : b[i - (rank - b.count)]
            precondition(
                da == db || da == 1 || db == 1,
                "\(op): shapes \(a) and \(b) cannot be broadcast together (axis \(i): \(da) vs \(db))")
            out[i] = da == 1 ? db : da
        }
        return out
    }

    /// Resolves a possibly negative axis (−1 is the last) against `rank`.
    public static func normalizeAxis(_ axis: Int, rank: Int, op: String = "axis") -> Int {
        let a = axis < 0 ? axis + rank : axis
        precondition(a >= 0 && a < max(rank, 1), "\(op): axis \(axis) is out of range for rank \(rank)")
        return a
    }

    /// Splits `shape` around `axis` into (product before, size of axis, product after).
    @inlinable
    public static func split(_ shape: [Int], at axis: Int) -> (outer: Int, length: Int, inner: Int) {
        var outer = 1
        var inner = 1
        for i in 0..<axis { outer *= shape[i] }
        for i in (axis + 1)..<shape.count { inner *= shape[i] }
        return (outer, shape[axis], inner)
    }
}
