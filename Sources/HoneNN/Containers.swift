import HoneCore

/// Layers applied one after another; children are named by index (`0.weight`,
/// `1.weight`) as in PyTorch's `nn.Sequential`.
///
/// ```swift
/// let model = Sequential {
///     Linear(784, 256)
///     ReLU()
///     Linear(256, 10)
/// }
/// ```
public final class Sequential: Module, UnaryLayer {
    /// The layers in order.
    public let layers: [any UnaryLayer]

    /// A sequence from an array.
    public init(_ layers: [any UnaryLayer]) {
        self.layers = layers
        super.init()
    }

    /// A sequence from a builder block (`if` and `for` allowed).
    public convenience init(@LayerBuilder _ build: () -> [any UnaryLayer]) {
        self.init(build())
    }

    public override func namedMembers() -> [(key: String, member: Module.Member)] {
        layers.enumerated().map { (String($0.offset), .module($0.element)) }
    }

    public func forward(_ x: Tensor) -> Tensor {
        var output = x
        var index = 0
        while index < layers.count {
            // In evaluation, a convolution with the BatchNorm and ReLU after it runs as one
            // convolution pass (BatchNorm folded into its weights, ReLU fused into it).
            if let convolution = layers[index] as? Conv2d, convolution.runsFused {
                let norm = index + 1 < layers.count ? layers[index + 1] as? BatchNorm2d : nil
                if norm == nil || norm!.isFoldable {
                    let next = index + (norm == nil ? 1 : 2)
                    let relu = next < layers.count && layers[next] is ReLU
                    if norm != nil || relu {
                        output = convolution.fusedForward(output, norm: norm, relu: relu)
                        index = next + (relu ? 1 : 0)
                        continue
                    }
                }
            }
            // A linear layer and the ReLU after it run as one product with the ReLU in its
            // epilogue when no gradient is recorded.
            if let dense = layers[index] as? Linear, dense.runsFused, index + 1 < layers.count, layers[index + 1] is ReLU {
                output = dense.forwardWithRelu(output)
                index += 2
                continue
            }
            // BatchNorm followed by ReLU runs as one fused pass (unless a layer observer
            // wants to see the two outputs apart).
            if let norm = layers[index] as? BatchNorm, index + 1 < layers.count, let activation = layers[index + 1] as? ReLU {
                output = norm.forwardWithRelu(output, activation: activation)
                index += 2
                continue
            }
            output = layers[index](output)
            index += 1
        }
        return output
    }

    /// The number of layers.
    public var count: Int { layers.count }

    /// The layer at `index`.
    public subscript(index: Int) -> any UnaryLayer { layers[index] }
}

/// Builds the layer list of a ``Sequential`` from a block of layer expressions.
@resultBuilder
public enum LayerBuilder {
    /// One layer.
    public static func buildExpression(_ layer: any UnaryLayer) -> [any UnaryLayer] { [layer] }
    /// An array of layers, spliced in.
    public static func buildExpression(_ layers: [any UnaryLayer]) -> [any UnaryLayer] { layers }
    /// The statements of a block, in order.
    public static func buildBlock(_ parts: [any UnaryLayer]...) -> [any UnaryLayer] { parts.flatMap { $0 } }
    /// An `if` without `else`.
    public static func buildOptional(_ part: [any UnaryLayer]?) -> [any UnaryLayer] { part ?? [] }
    /// The first branch of an `if`/`else`.
    public static func buildEither(first part: [any UnaryLayer]) -> [any UnaryLayer] { part }
    /// The second branch of an `if`/`else`.
    public static func buildEither(second part: [any UnaryLayer]) -> [any UnaryLayer] { part }
    /// The iterations of a `for` loop.
    public static func buildArray(_ parts: [[any UnaryLayer]]) -> [any UnaryLayer] { parts.flatMap { $0 } }
}
