import Foundation
import HoneCore

/// Everything a run needs to continue exactly where it stopped, beside the weights: the
/// JSON sidecar of a checkpoint (`last.json` next to `last.safetensors`).
///
/// Model weights and buffers go to `NAME.safetensors`, the optimizer's buffers (momenta,
/// second moments) to `NAME.optimizer.safetensors` as one Float32 tensor per parameter
/// and buffer, named `PARAMETER_KEY/BUFFER`; this holds the optimizer's step counts and
/// settings, the epoch and step counters, the history, each callback's state and the
/// generators of the model's dropout layers, so a resumed run gives bit-identical weights.
/// Version 1 sidecars, with the optimizer buffers inline in base64, are still read.
public struct TrainingCheckpoint: Codable {
    /// The sidecar format version.
    public static let currentVersion = 2
    /// The format version.
    public var version: Int
    /// Epochs completed.
    public var epoch: Int
    /// Optimizer steps taken.
    public var globalStep: Int
    /// One record per completed epoch.
    public var history: [EpochRecord]
    /// The optimizer's step counts and settings; from version 2 each buffer keeps only its
    /// count here, its values being in the optimizer-state file.
    public var optimizer: OptimizerState
    /// Callback state by ``TrainingCallback/stateKey``.
    public var callbackStates: [String: Data]
    /// The generator of each module that draws random masks, by module path.
    public var moduleGenerators: [String: SeededGenerator]
    /// A digest of the weights file written with this sidecar, to detect a mismatched pair.
    public var weightsDigest: UInt64
    /// A digest of the optimizer-state file written with this sidecar (version 2).
    public var optimizerDigest: UInt64?
    /// A digest of early stopping's best-weights file written with this sidecar, when it
    /// holds best weights (older sidecars kept them inside the early-stopping state).
    public var bestWeightsDigest: UInt64?
}

/// Reads and writes checkpoints as three files, `NAME.safetensors` (weights),
/// `NAME.optimizer.safetensors` (optimizer buffers) and `NAME.json` (the sidecar), each
/// replaced atomically.
///
/// The tensors are written first and the sidecar records their digests, so a crash between
/// the writes is detected on load instead of resuming from a mismatched set.
public enum CheckpointStore {
    /// The weights file of checkpoint `name` in `directory`.
    public static func weightsURL(_ directory: URL, _ name: String) -> URL {
        directory.appendingPathComponent("\(name).safetensors")
    }

    /// The optimizer-state file of checkpoint `name` in `directory`.
    public static func optimizerURL(_ directory: URL, _ name: String) -> URL {
        directory.appendingPathComponent("\(name).optimizer.safetensors")
    }

    /// Early stopping's best weights saved with checkpoint `name` in `directory`.
    public static func bestWeightsURL(_ directory: URL, _ name: String) -> URL {
        directory.appendingPathComponent("\(name).best_weights.safetensors")
    }

    /// The sidecar file of checkpoint `name` in `directory`.
    public static func sidecarURL(_ directory: URL, _ name: String) -> URL {
        directory.appendingPathComponent("\(name).json")
    }

    /// Writes `trainer`'s full state as checkpoint `name`.
    ///
    /// - Parameter beforeCommit: runs before each file replaces the old one (tests use it
    ///   to fail mid-write); a throw leaves the old files in place.
    public static func save(_ trainer: Trainer, to directory: URL, name: String, beforeCommit: () throws -> Void = {}) throws {
        var tensors: [String: Tensor] = [:]
        for (key, tensor) in trainer.model.stateDictionary() { tensors[key] = tensor }
        let weights = Safetensors.encode(tensors, metadata: ["epoch": String(trainer.epoch)])
        var callbackStates: [String: Data] = [:]
        // Best weights are tensors: a safetensors file of their own, not base64 in the sidecar.
        var bestWeights: Data?
        for callback in trainer.callbacks {
            if let stopping = callback as? EarlyStopping, let key = stopping.stateKey {
                bestWeights = stopping.state.bestWeights
                callbackStates[key] = try stopping.encodeStateWithoutWeights()
            } else if let key = callback.stateKey, let state = try callback.encodeState() {
                callbackStates[key] = state
            }
        }
        var optimizerState = trainer.optimizer.stateDictionary()
        var optimizerTensors: [String: Tensor] = [:]
        for (key, parameter) in optimizerState.parameters {
            for (bufferName, buffer) in parameter.buffers {
                optimizerTensors[optimizerTensorName(key, bufferName)] = tensor(of: buffer)
                optimizerState.parameters[key]!.buffers[bufferName]!.bytes = Data()
            }
        }
        let optimizerFile = Safetensors.encode(optimizerTensors, metadata: ["optimizer": optimizerState.optimizer])
        let checkpoint = TrainingCheckpoint(
            version: TrainingCheckpoint.currentVersion, epoch: trainer.epoch, globalStep: trainer.globalStep,
            history: trainer.history, optimizer: optimizerState, callbackStates: callbackStates,
            moduleGenerators: moduleGenerators(of: trainer.model), weightsDigest: digest(weights),
            optimizerDigest: digest(optimizerFile), bestWeightsDigest: bestWeights.map(digest))
        let sidecar = try NonFiniteJSON.encoder().encode(checkpoint)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try AtomicFile.write(weights, to: weightsURL(directory, name), beforeRename: beforeCommit)
        try AtomicFile.write(optimizerFile, to: optimizerURL(directory, name), beforeRename: beforeCommit)
        if let bestWeights { try AtomicFile.write(bestWeights, to: bestWeightsURL(directory, name), beforeRename: beforeCommit) }
        try AtomicFile.write(sidecar, to: sidecarURL(directory, name), beforeRename: beforeCommit)
    }

    /// Restores checkpoint `name` from `directory` into `trainer` (model, optimizer,
    /// counters, history, callbacks, generators). Files are checked before anything is
    /// changed; a model or optimizer that does not fit throws (use a fresh trainer then).
    public static func restore(_ trainer: Trainer, from directory: URL, name: String) throws {
        let weightsFile = weightsURL(directory, name), sidecarFile = sidecarURL(directory, name)
        guard let weights = FileManager.default.contents(atPath: weightsFile.path) else {
            throw TrainingError.invalidCheckpoint(file: weightsFile.path, detail: "file not found")
        }
        guard let sidecar = FileManager.default.contents(atPath: sidecarFile.path) else {
            throw TrainingError.invalidCheckpoint(file: sidecarFile.path, detail: "file not found")
        }
        let checkpoint: TrainingCheckpoint
        do {
            checkpoint = try NonFiniteJSON.decoder().decode(TrainingCheckpoint.self, from: sidecar)
        } catch {
            throw TrainingError.invalidCheckpoint(file: sidecarFile.path, detail: "not a training checkpoint (\(error))")
        }
        guard (1...TrainingCheckpoint.currentVersion).contains(checkpoint.version) else {
            throw TrainingError.invalidCheckpoint(file: sidecarFile.path, detail: "unsupported version \(checkpoint.version)")
        }
        guard checkpoint.weightsDigest == digest(weights) else {
            throw TrainingError.invalidCheckpoint(
                file: weightsFile.path, detail: "does not match its sidecar \(sidecarFile.lastPathComponent) (interrupted write?)")
        }
        let archive = try Safetensors.decode(weights, file: weightsFile.path)
        let optimizerState = checkpoint.version >= 2
            ? try readOptimizerBuffers(into: checkpoint.optimizer, from: optimizerURL(directory, name), digest: checkpoint.optimizerDigest)
            : checkpoint.optimizer
        let bestWeights = try checkpoint.bestWeightsDigest.map { try readBestWeights(bestWeightsURL(directory, name), digest: $0) }
        try trainer.model.load(archive.tensors, strict: true, source: weightsFile.path)
        try trainer.optimizer.loadStateDictionary(optimizerState)
        for callback in trainer.callbacks {
            if let key = callback.stateKey, let state = checkpoint.callbackStates[key] { try callback.restoreState(state) }
            if let bestWeights, let stopping = callback as? EarlyStopping { stopping.restoreBestWeights(bestWeights) }
        }
        for (path, module) in trainer.model.namedModules() {
            guard let generator = checkpoint.moduleGenerators[path] else { continue }
            if let dropout = module as? Dropout { dropout.generator = generator }
            if let attention = module as? MultiHeadAttention { attention.generator = generator }
        }
        trainer.epoch = checkpoint.epoch
        trainer.globalStep = checkpoint.globalStep
        trainer.history = checkpoint.history
    }

    /// The best-weights file at `url`, checked against the sidecar's digest and as safetensors.
    private static func readBestWeights(_ url: URL, digest expected: UInt64) throws -> Data {
        guard let bytes = FileManager.default.contents(atPath: url.path) else {
            throw TrainingError.invalidCheckpoint(file: url.path, detail: "file not found")
        }
        guard digest(bytes) == expected else {
            throw TrainingError.invalidCheckpoint(file: url.path, detail: "does not match its sidecar (interrupted write?)")
        }
        _ = try Safetensors.decode(bytes, file: url.path)
        return bytes
    }

    /// `state` with every buffer's values read from the optimizer-state file at `url`.
    private static func readOptimizerBuffers(into state: OptimizerState, from url: URL, digest expected: UInt64?) throws -> OptimizerState {
        guard let bytes = FileManager.default.contents(atPath: url.path) else {
            throw TrainingError.invalidCheckpoint(file: url.path, detail: "file not found")
        }
        guard digest(bytes) == expected else {
            throw TrainingError.invalidCheckpoint(file: url.path, detail: "does not match its sidecar (interrupted write?)")
        }
        let tensors = try Safetensors.decode(bytes, file: url.path).tensors
        var result = state
        for (key, parameter) in state.parameters {
            for (bufferName, buffer) in parameter.buffers {
                let name = optimizerTensorName(key, bufferName)
                guard let tensor = tensors[name], tensor.count == buffer.count else {
                    throw TrainingError.invalidCheckpoint(file: url.path, detail: "lacks \(buffer.count) values for '\(name)'")
                }
                result.parameters[key]!.buffers[bufferName] = tensor.withUnsafeBufferPointer { OptimizerState.Buffer($0) }
            }
        }
        return result
    }

    /// The tensor name of one optimizer buffer in the optimizer-state file.
    static func optimizerTensorName(_ parameterKey: String, _ bufferName: String) -> String { "\(parameterKey)/\(bufferName)" }

    /// A buffer's values (little-endian Float32 bits) as a rank-1 tensor, bit for bit.
    private static func tensor(of buffer: OptimizerState.Buffer) -> Tensor {
        let values = buffer.bytes.withUnsafeBytes { raw in
            (0..<buffer.count).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
        }
        return Tensor(shape: [buffer.count], scalars: values)
    }

    private static func moduleGenerators(of model: Module) -> [String: SeededGenerator] {
        var result: [String: SeededGenerator] = [:]
        for (path, module) in model.namedModules() {
            if let dropout = module as? Dropout { result[path] = dropout.generator }
            if let attention = module as? MultiHeadAttention { result[path] = attention.generator }
        }
        return result
    }

    /// FNV-1a over the bytes: cheap, and enough to tell two different files apart.
    static func digest(_ data: Data) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        data.withUnsafeBytes { bytes in
            for byte in bytes {
                hash ^= UInt64(byte)
                hash &*= 0x100_0000_01b3
            }
        }
        return hash
    }
}
