import Foundation
import HoneCore
import HoneTrees

/// The fitted model of a finished run directory, whichever kind the run trained: a net
/// (`model.safetensors`, built from the config's layers), a tree model (`model.hntree`)
/// or a stack (`stack/stack.json` and its member files). ``SavedRun`` and ``TrainedModel`` read it through
/// ``load(directory:config:data:)`` so every command sees the same model.
public enum RunModel {
    /// A net with the run's final weights, in evaluation mode.
    case network(any UnaryLayer)
    /// A tree model (decision tree, random forest or gradient boosting).
    case trees(TreeModel)
    /// A stack: members and a meta-learner.
    case stack(StackedModel)

    /// The file that holds the model of a run of `config`, to tell whether the run finished.
    public static func modelFile(directory: URL, config: TrainingConfig) -> URL {
        if config.model.trees != nil { return TreeTrainingRun.modelURL(directory) }
        if config.model.stacking != nil { return StackedModel.manifestURL(directory) }
        return directory.appendingPathComponent("model.safetensors")
    }

    /// Reads the model of the run in `directory`, trained with `config` on `data`.
    /// - Throws: ``PredictionError/notARun(directory:detail:)`` when the model file is
    ///   missing; the tree file format's named errors for a corrupt or truncated file.
    public static func load(directory: URL, config: TrainingConfig, data: PreparedData) throws -> RunModel {
        let file = modelFile(directory: directory, config: config)
        guard FileManager.default.fileExists(atPath: file.path) else {
            throw PredictionError.notARun(
                directory: directory.path,
                detail: "it has no \(file.lastPathComponent) (the run did not finish" + (config.model.trees == nil && config.model.stacking == nil ? "; resume it with hone train --resume)" : ")"))
        }
        if config.model.trees != nil { return .trees(try TreeModel.load(from: file)) }
        if config.model.stacking != nil { return .stack(try StackedModel.load(directory: directory, config: config, data: data)) }
        let model = try config.model.build(
            sampleShape: data.training.sampleShape, outputCount: data.outputCount, dropout: config.dropout, seed: config.seed)
        try model.load(from: file)
        model.eval()
        return .network(model)
    }

    /// What the model is, for messages (`"a neural net"`, `"a gbdt tree model"`).
    public var kindDescription: String {
        switch self {
        case .network: return "a neural net"
        case .trees(let model): return "a \(model.kind.rawValue) tree model"
        case .stack(let stack): return "a stack of \(stack.memberNames.joined(separator: ", "))"
        }
    }

    /// Outputs of a tree model or a stack for raw rows (one value per input feature,
    /// unscaled): class probabilities for a classifier, the value for a regressor.
    /// Nets are run by their owners, which apply the run's scaling first.
    func rowOutputs(_ x: FeatureMatrix) throws -> [[Double]] {
        switch self {
        case .network: preconditionFailure("nets are evaluated through their layers")
        case .trees(let model): return try model.predict(x)
        case .stack(let stack): return try stack.predict(x)
        }
    }
}

extension FeatureMatrix {
    /// A row-major batch of floats as a feature matrix (widened to Double, as training widened them).
    init(floats: [Float], rowCount: Int, featureCount: Int) throws {
        try self.init(rowCount: rowCount, featureCount: featureCount, values: floats.map(Double.init))
    }
}
