import Foundation
import HoneCore

/// The `model` section of a training config: a zoo model by name with its settings, or a
/// list of layers whose input sizes are inferred from the data.
///
/// ```json
/// {"zoo": "lenet"}
/// {"zoo": "resnet", "stages": [16, 32, 64], "blocks": 1}
/// {"zoo": "mlp", "hidden": [256, 128]}
/// {"zoo": "mlp", "layers": 3, "width": 64}
/// {"zoo": "transformer", "vocabulary": 50, "dimensions": 32, "layers": 2, "heads": 4}
/// [{"conv2d": {"out_channels": 32, "kernel_size": 3, "padding": 1}}, {"relu": {}}, {"max_pool2d": {"kernel_size": 2}},
///  {"flatten": {}}, {"linear": {"out_features": 10}}]
/// ```
public struct ModelConfig {
    /// The zoo models.
    public static let zooModels = ["lenet", "mlp", "resnet", "transformer"]
    /// The layer types of a layer list, with their settings.
    public static let layerFields: [String: [String]] = [
        "conv2d": ["out_channels", "kernel_size", "stride", "padding", "bias"],
        "linear": ["out_features", "bias"],
        "relu": [], "leaky_relu": ["negative_slope"], "prelu": [], "sigmoid": [], "tanh": [], "gelu": [],
        "max_pool2d": ["kernel_size", "stride", "padding"], "avg_pool2d": ["kernel_size", "stride", "padding"],
        "global_avg_pool2d": [], "flatten": [], "dropout": ["probability"],
        "batch_norm2d": [], "batch_norm1d": [], "layer_norm": [],
        "residual": ["out_channels", "stride", "batch_norm"],
    ]
    static let zooFields: [String: [String]] = [
        "lenet": ["zoo", "channels", "hidden"],
        "mlp": ["zoo", "hidden", "layers", "width"],
        "resnet": ["zoo", "stages", "blocks", "batch_norm"],
        "transformer": transformerFields,
    ]

    /// The JSON of the section, checked.
    public let value: JSONValue
    /// The path of the section in errors.
    public let path: String
    /// The tree model the section describes instead of a net (`{"gbdt": {…}}`, …), if it does.
    public private(set) var trees: TreeModelConfig?
    /// The stack of models the section describes instead (`{"stacking": {…}}`), if it does.
    public private(set) var stacking: StackingConfig?

    /// Checks the section's names and types; the model itself is built by ``build(sampleShape:outputCount:dropout:seed:)``.
    public init(_ value: JSONValue, path: String) throws {
        self.value = value
        self.path = path
        if TreeModelConfig.describesTrees(value) {
            trees = try TreeModelConfig(value, path: path)
            return
        }
        if StackingConfig.describesStacking(value) {
            stacking = try StackingConfig(value, path: path)
            return
        }
        if case .array(let layers) = value {
            guard !layers.isEmpty else { throw ConfigError.invalidValue(path: path, message: "the layer list is empty") }
            for (index, layer) in layers.enumerated() {
                let (name, settings) = try namedEntry(layer, path: "\(path)[\(index)]", valid: Self.layerFields.keys.sorted())
                try settings.checkNoUnknownFields(allowed: Self.layerFields[name]!)
            }
            return
        }
        let object = try ConfigObject(value, path: path)
        guard let zoo = try object.choice("zoo", Self.zooModels) else {
            throw ConfigError.wrongType(path: path, expected: "{\"zoo\": NAME, …} or a list of layers", found: "an object without 'zoo'")
        }
        try object.checkNoUnknownFields(allowed: Self.zooFields[zoo]!)
        if zoo == "transformer" { try Self.checkTransformer(object); return }
        _ = try object.intArray("channels")
        if zoo == "lenet" { _ = try object.int("hidden", atLeast: 1) } else { _ = try Self.hiddenSizes(object) }
        _ = try object.intArray("stages")
        _ = try object.int("blocks", atLeast: 1)
        _ = try object.bool("batch_norm")
    }

    /// Builds the model for inputs of `sampleShape` (no batch axis) and `outputCount`
    /// outputs; `dropout` > 0 adds dropout before each hidden linear layer of an MLP.
    public func build(sampleShape: [Int], outputCount: Int, dropout: Float, seed: UInt64) throws -> any UnaryLayer {
        if case .array(let layers) = value {
            return try buildLayers(layers, sampleShape: sampleShape, outputCount: outputCount, seed: seed)
        }
        let object = try ConfigObject(value, path: path)
        let zoo = try object.string("zoo")!
        if dropout > 0 && zoo != "mlp" && zoo != "transformer" {
            throw ConfigError.invalidValue(
                path: "regularization.dropout", message: "zoo model '\(zoo)' has no dropout; use 'mlp', 'transformer' or a layer list with dropout layers")
        }
        switch zoo {
        case "transformer":
            return try buildTransformer(object, sampleShape: sampleShape, outputCount: outputCount, dropout: dropout, seed: seed)
        case "lenet":
            guard sampleShape.count == 3, sampleShape[1] == sampleShape[2], sampleShape[1] % 4 == 0 else {
                throw ConfigError.invalidValue(path: path, message: "lenet needs square images with a side divisible by 4, the data has samples of shape \(sampleShape)")
            }
            let channels = try object.intArray("channels") ?? [32, 64]
            guard channels.count == 2, channels.allSatisfy({ $0 > 0 }) else {
                throw ConfigError.invalidValue(path: object.fieldPath("channels"), message: "must be two positive channel counts, got \(channels)")
            }
            return LeNet(inputChannels: sampleShape[0], imageSize: sampleShape[1], channels: (channels[0], channels[1]),
                         hiddenDimensions: try object.int("hidden", atLeast: 1) ?? 128, classCount: outputCount, seed: seed)
        case "mlp":
            let hidden = try Self.hiddenSizes(object) ?? [256, 128]
            var generator = SeededGenerator(seed: seed)
            var layers: [any UnaryLayer] = [Flatten()]
            var width = sampleShape.reduce(1, *)
            for size in hidden {
                layers.append(Linear(width, size, seed: generator.next()))
                layers.append(ReLU())
                if dropout > 0 { layers.append(Dropout(probability: dropout, seed: generator.next())) }
                width = size
            }
            layers.append(Linear(width, outputCount, seed: generator.next()))
            return Sequential(layers)
        default:
            guard sampleShape.count == 3 else {
                throw ConfigError.invalidValue(path: path, message: "resnet needs images [C, H, W], the data has samples of shape \(sampleShape)")
            }
            let stages = try object.intArray("stages") ?? [16, 32, 64]
            guard !stages.isEmpty, stages.allSatisfy({ $0 > 0 }) else {
                throw ConfigError.invalidValue(path: object.fieldPath("stages"), message: "must be positive channel counts, got \(stages)")
            }
            return ResNet(inputChannels: sampleShape[0], stageChannels: stages, blocksPerStage: try object.int("blocks", atLeast: 1) ?? 1,
                          classCount: outputCount, batchNorm: try object.bool("batch_norm") ?? true, seed: seed)
        }
    }

    /// An MLP's hidden sizes: a list, one integer for a single hidden layer, or `layers`
    /// hidden layers of `width` units each (two integers a study can tune: depth and width).
    private static func hiddenSizes(_ object: ConfigObject) throws -> [Int]? {
        let layers = try object.int("layers", atLeast: 0), width = try object.int("width", atLeast: 1)
        if layers != nil || width != nil {
            guard object["hidden"] == nil else {
                throw ConfigError.invalidValue(path: object.fieldPath("hidden"), message: "give either 'hidden' or 'layers' and 'width', not both")
            }
            return Array(repeating: width ?? 128, count: layers ?? 2)
        }
        if case .number = object["hidden"] { return [try object.int("hidden", atLeast: 1)!] }
        let sizes = try object.intArray("hidden")
        if let sizes, sizes.contains(where: { $0 < 1 }) {
            throw ConfigError.invalidValue(path: object.fieldPath("hidden"), message: "sizes must be positive, got \(sizes)")
        }
        return sizes
    }

    /// Builds a layer list, inferring each layer's input size by running a zero sample
    /// through the layers built so far. Each layer's settings are checked against the shape
    /// it gets before it runs (a kernel larger than its input would stop the process), and
    /// the last layer must give one output per class (one value for regression).
    private func buildLayers(_ entries: [JSONValue], sampleShape: [Int], outputCount: Int, seed: UInt64) throws -> any UnaryLayer {
        var generator = SeededGenerator(seed: seed)
        var layers: [any UnaryLayer] = []
        var shape = [1] + sampleShape
        for (index, entry) in entries.enumerated() {
            let entryPath = "\(path)[\(index)]"
            let (name, settings) = try namedEntry(entry, path: entryPath, valid: Self.layerFields.keys.sorted())
            let layer = try makeLayer(name, settings, inputShape: shape, path: "\(entryPath).\(name)", seed: generator.next())
            layer.eval()
            shape = withNoGrad { layer(Tensor.zeros(shape)).shape }
            layer.train()
            layers.append(layer)
        }
        try checkOutputs(shape, outputCount: outputCount, entries: entries)
        return Sequential(layers)
    }

    /// Refuses a layer list whose output is not `[outputCount]` per sample, naming the field that sets it.
    private func checkOutputs(_ shape: [Int], outputCount: Int, entries: [JSONValue]) throws {
        let perSample = Array(shape.dropFirst())
        guard perSample != [outputCount] else { return }
        let lastIndex = entries.count - 1
        let what = outputCount == 1 ? "1 value (regression)" : "\(outputCount) outputs, one per class"
        guard perSample.count == 1 else {
            throw ConfigError.invalidValue(
                path: "\(path)[\(lastIndex)]",
                message: "the model ends with shape \(perSample) per sample but the data needs \(what); end with flatten and a linear layer")
        }
        let linear = entries.indices.last { index in
            if case .object(let fields) = entries[index], fields.first?.key == "linear" { return true }
            return false
        }
        let field = linear.map { "\(path)[\($0)].linear.out_features" } ?? "\(path)[\(lastIndex)]"
        throw ConfigError.invalidValue(
            path: field, message: "the model gives \(perSample[0]) outputs per sample but the data needs \(what)")
    }

    /// Refuses a convolution or pooling window that does not fit its input: the layer would
    /// have no output (the kernels stop the process on such shapes).
    private func checkWindow(_ settings: ConfigObject, inputShape: [Int], kernel: Int, padding: Int, pooling: Bool) throws {
        let height = inputShape[2], width = inputShape[3]
        if pooling && padding * 2 > kernel {
            throw ConfigError.invalidValue(
                path: settings.fieldPath("padding"), message: "padding \(padding) is more than half the kernel size \(kernel)")
        }
        guard height + 2 * padding >= kernel && width + 2 * padding >= kernel else {
            throw ConfigError.invalidValue(
                path: settings.fieldPath("kernel_size"),
                message: "kernel size \(kernel) is larger than the layer's input \(height)×\(width)"
                    + (padding > 0 ? " padded by \(padding)" : "") + "; use a kernel of at most \(min(height, width) + 2 * padding)")
        }
    }

    private func makeLayer(_ name: String, _ settings: ConfigObject, inputShape: [Int], path: String, seed: UInt64) throws -> any UnaryLayer {
        func requireRank(_ rank: Int, _ what: String) throws {
            guard inputShape.count == rank else {
                throw ConfigError.invalidValue(path: path, message: "\(name) needs \(what) input, gets shape \(Array(inputShape.dropFirst())) per sample")
            }
        }
        func positive(_ key: String, default value: Int? = nil) throws -> Int {
            guard let found = try settings.int(key, atLeast: 1) ?? value else { throw ConfigError.missingField(path: settings.fieldPath(key)) }
            return found
        }
        switch name {
        case "conv2d":
            try requireRank(4, "[C, H, W]")
            let kernel = try positive("kernel_size"), stride = try positive("stride", default: 1)
            let padding = try settings.int("padding", atLeast: 0) ?? 0
            try checkWindow(settings, inputShape: inputShape, kernel: kernel, padding: padding, pooling: false)
            return Conv2d(inputShape[1], try positive("out_channels"), kernelSize: kernel, stride: stride, padding: padding,
                          bias: try settings.bool("bias") ?? true, seed: seed)
        case "linear":
            try requireRank(2, "[F] (add a flatten layer)")
            return Linear(inputShape[1], try positive("out_features"), bias: try settings.bool("bias") ?? true, seed: seed)
        case "relu": return ReLU()
        case "leaky_relu": return LeakyReLU(negativeSlope: try settings.float("negative_slope") ?? 0.01)
        case "prelu": return PReLU()
        case "sigmoid": return Sigmoid()
        case "tanh": return Tanh()
        case "gelu": return GELU()
        case "max_pool2d", "avg_pool2d":
            try requireRank(4, "[C, H, W]")
            let kernel = try positive("kernel_size"), stride = try settings.int("stride", atLeast: 1)
            let padding = try settings.int("padding", atLeast: 0) ?? 0
            try checkWindow(settings, inputShape: inputShape, kernel: kernel, padding: padding, pooling: true)
            return name == "max_pool2d"
                ? MaxPool2d(kernelSize: kernel, stride: stride, padding: padding)
                : AvgPool2d(kernelSize: kernel, stride: stride, padding: padding)
        case "global_avg_pool2d":
            try requireRank(4, "[C, H, W]")
            return GlobalAvgPool2d()
        case "flatten": return Flatten()
        case "dropout":
            let probability = try settings.double("probability", in: 0...0.99) ?? 0.5
            return Dropout(probability: Float(probability), seed: seed)
        case "batch_norm2d":
            try requireRank(4, "[C, H, W]")
            return BatchNorm2d(featureCount: inputShape[1])
        case "batch_norm1d":
            try requireRank(2, "[F]")
            return BatchNorm1d(featureCount: inputShape[1])
        case "layer_norm": return LayerNorm(inputShape.last!)
        default:
            try requireRank(4, "[C, H, W]")
            return ResidualBlock(inputChannels: inputShape[1], outputChannels: try positive("out_channels"),
                                 stride: try positive("stride", default: 1), batchNorm: try settings.bool("batch_norm") ?? true, seed: seed)
        }
    }
}
