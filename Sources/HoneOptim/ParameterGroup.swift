/// A set of parameters that share a learning rate and weight decay, like a PyTorch
/// parameter group (for example a pretrained body at a tenth of the head's learning rate).
///
/// ```swift
/// let optimizer = SGD(
///     groups: [
///         ParameterGroup(parameters: body.namedParameters(), learningRate: 0.001),
///         ParameterGroup(parameters: head.namedParameters()),
///     ],
///     learningRate: 0.01, momentum: 0.9)
/// ```
public struct ParameterGroup {
    /// The parameters with the names their optimizer state is stored under.
    public var parameters: [(name: String, tensor: Tensor)]
    /// This group's learning rate; `nil` until the optimizer fills in its default.
    public var learningRate: Float?
    /// This group's weight decay; `nil` until the optimizer fills in its default.
    public var weightDecay: Float?
    /// Whether the names were given; unnamed groups are keyed by position in saved state.
    public let isNamed: Bool

    /// A group of named parameters (as a module's `namedParameters()` returns them).
    ///
    /// - Parameters:
    ///   - parameters: the parameters and their names, unique across all groups.
    ///   - learningRate: this group's learning rate, or `nil` for the optimizer's.
    ///   - weightDecay: this group's weight decay, or `nil` for the optimizer's.
    public init(parameters: [(String, Tensor)], learningRate: Float? = nil, weightDecay: Float? = nil) {
        self.parameters = parameters.map { (name: $0.0, tensor: $0.1) }
        self.learningRate = learningRate
        self.weightDecay = weightDecay
        isNamed = true
    }

    /// A group of unnamed parameters; saved state keys them by their position.
    public init(parameters: [Tensor], learningRate: Float? = nil, weightDecay: Float? = nil) {
        self.parameters = parameters.map { (name: "", tensor: $0) }
        self.learningRate = learningRate
        self.weightDecay = weightDecay
        isNamed = false
    }
}
