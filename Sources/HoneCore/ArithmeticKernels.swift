/// The four arithmetic operators as loops the compiler can vectorize.
///
/// `map`/`zipMap`/`broadcastMap` take the operation as a closure; on a tensor large enough
/// to be split across cores the closure reaches the loop as a captured value and costs
/// one indirect call per element (the residual additions of a ResNet spent 12% of
/// inference there). Here the operation is an enum switched once per chunk, so each
/// loop body is a plain add, subtract, multiply or divide.
enum ArithmeticKernel {
    case add, subtract, multiply, divide

    /// The operator's name in shape errors.
    var name: String {
        switch self {
        case .add: "add"
        case .subtract: "subtract"
        case .multiply: "multiply"
        case .divide: "divide"
        }
    }

    /// The operation on one pair (the broadcasting path's element function).
    @inline(__always)
    func apply(_ x: Float, _ y: Float) -> Float {
        switch self {
        case .add: x + y
        case .subtract: x - y
        case .multiply: x * y
        case .divide: x / y
        }
    }
}

extension Tensor {
    /// `a ∘ b` for the operator `kernel`, with NumPy broadcasting.
    static func arithmetic(_ a: Tensor, _ b: Tensor, _ kernel: ArithmeticKernel) -> Tensor {
        guard a.shape == b.shape else { return broadcastMap(a, b, op: kernel.name) { kernel.apply($0, $1) } }
        let out = Tensor(uninitializedShape: a.shape)
        let pa = a.storage.pointer, pb = b.storage.pointer, target = out.storage.pointer
        Parallel.forEachChunk(a.count) { range in
            switch kernel {
            case .add: for i in range { target[i] = pa[i] + pb[i] }
            case .subtract: for i in range { target[i] = pa[i] - pb[i] }
            case .multiply: for i in range { target[i] = pa[i] * pb[i] }
            case .divide: for i in range { target[i] = pa[i] / pb[i] }
            }
        }
        return out
    }

    /// `a ∘ s` for the operator `kernel` and a scalar right operand.
    static func arithmetic(_ a: Tensor, _ s: Float, _ kernel: ArithmeticKernel) -> Tensor {
        let out = Tensor(uninitializedShape: a.shape)
        let pa = a.storage.pointer, target = out.storage.pointer
        Parallel.forEachChunk(a.count) { range in
            switch kernel {
            case .add: for i in range { target[i] = pa[i] + s }
            case .subtract: for i in range { target[i] = pa[i] - s }
            case .multiply: for i in range { target[i] = pa[i] * s }
            case .divide: for i in range { target[i] = pa[i] / s }
            }
        }
        return out
    }
}
