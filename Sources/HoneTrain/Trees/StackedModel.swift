import Foundation
import HoneCore
import HoneData
import HoneNN
import HoneOptim
import HoneTrees

/// A fitted stack from a `{"stacking": …}` config: members refitted on all training rows
/// and a meta-learner fitted on their out-of-fold class probabilities
/// (``HoneTrees/Stacking/outOfFoldPredictions(_:labels:members:folds:seed:)``).
///
/// Saved in the run directory's `stack/` folder:
/// - `stack.json`: `format` (`"hone-stack"`), `version` (1), `feature_count`, `class_count`,
///   `members` (in config order: `name`, `file`, and for a net the per-feature `mean` and
///   `scale` it standardizes its inputs with) and `meta` (`kind` `logistic_regression` with
///   its `weights`, `(inputs + 1) × classes` row-major, intercepts last; or `kind` `gbdt`
///   with its `file`);
/// - `member-K.hntree` (a tree member, the ``HoneTrees/TreeModel`` file format) or
///   `member-K.safetensors` (a net member's weights), and `meta.hntree` for a GBDT meta-learner.
///
/// Reading checks the manifest against the config (member count and kinds) and every file;
/// a missing or corrupt one is a named error.
public final class StackedModel {
    /// A fitted member.
    enum Member {
        case trees(TreeModel)
        /// A net and the standardization (mean, 1/std per feature) of its inputs.
        case network(any UnaryLayer, mean: [Double], inverseScale: [Double])
    }

    /// A fitted meta-learner.
    enum Meta {
        case logisticRegression(SoftmaxRegression)
        case gbdt(TreeModel)
    }

    /// The member names, in config order (`gbdt`, `random_forest`, `decision_tree` or `net`).
    public let memberNames: [String]
    let members: [Member]
    let meta: Meta
    /// The number of input features.
    public let featureCount: Int
    /// The number of classes.
    public let classCount: Int

    init(memberNames: [String], members: [Member], meta: Meta, featureCount: Int, classCount: Int) {
        self.memberNames = memberNames
        self.members = members
        self.meta = meta
        self.featureCount = featureCount
        self.classCount = classCount
    }

    /// The stack's manifest in a run directory.
    public static func manifestURL(_ directory: URL) -> URL {
        directory.appendingPathComponent("stack").appendingPathComponent("stack.json")
    }

    // MARK: Fitting

    /// Fits the stack `stacking` of `config` on `x` and class labels 0 … classCount − 1.
    static func fit(
        _ stacking: StackingConfig, config: TrainingConfig, x: FeatureMatrix, labels: [Double], classCount: Int
    ) throws -> StackedModel {
        let seed = config.seed
        let ensembleMembers = stacking.members.enumerated().map { index, section in
            EnsembleMember(name: memberName(section)) { x, labels in
                let member = try fitMember(section, config: config, x: x, labels: labels, classCount: classCount, seed: seed &+ UInt64(index))
                return { try member.predict($0) }
            }
        }
        let outOfFold = try Stacking.outOfFoldPredictions(x, labels: labels, members: ensembleMembers, folds: stacking.folds, seed: seed)
        let metaX = try Stacking.metaFeatures(outOfFold)
        let meta: Meta
        switch stacking.meta {
        case .logisticRegression(let l2):
            meta = .logisticRegression(try SoftmaxRegression.fit(metaX, labels: labels, classCount: classCount, l2: l2))
        case .gbdt(let section):
            let options = try section.boostingOptions(classCount: classCount, seed: seed)
            meta = .gbdt(try GradientBoosting.fit(metaX, labels: labels, options: options))
        }
        let members = try stacking.members.enumerated().map { index, section in
            try fitMember(section, config: config, x: x, labels: labels, classCount: classCount, seed: seed &+ UInt64(index))
        }
        return StackedModel(
            memberNames: stacking.members.map(memberName), members: members, meta: meta, featureCount: x.featureCount, classCount: classCount)
    }

    static func memberName(_ section: ModelConfig) -> String { section.trees?.kind ?? "net" }

    /// Fits one member: a tree model as a tree run would, a net with the config's optimizer,
    /// epochs and batch size on inputs standardized by these rows' mean and deviation.
    static func fitMember(
        _ section: ModelConfig, config: TrainingConfig, x: FeatureMatrix, labels: [Double], classCount: Int, seed: UInt64
    ) throws -> Member {
        if let trees = section.trees {
            return .trees(try TreeTrainingRun.fit(trees, x: x, labels: labels, validation: nil, classCount: classCount, seed: seed))
        }
        let (n, d) = (x.rowCount, x.featureCount)
        var mean = [Double](repeating: 0, count: d), inverseScale = [Double](repeating: 1, count: d)
        for f in 0..<d {
            var sum = 0.0, squares = 0.0
            for r in 0..<n { sum += x[r, f] }
            mean[f] = sum / Double(max(n, 1))
            for r in 0..<n { squares += (x[r, f] - mean[f]) * (x[r, f] - mean[f]) }
            let deviation = (squares / Double(max(n, 1))).squareRoot()
            inverseScale[f] = deviation > 0 ? 1 / deviation : 1
        }
        let layer = try section.build(sampleShape: [d], outputCount: classCount, dropout: config.dropout, seed: seed)
        let groups = [ParameterGroup(parameters: layer.namedParameters().map { ($0.name, $0.tensor) })]
        let trainer = Trainer(
            model: layer, optimizer: try config.optimizer.makeOptimizer(groups: groups, weightDecay: config.weightDecay), objective: .classification)
        let inputs = standardized(x, mean: mean, inverseScale: inverseScale)
        let loader = try DataLoader(
            dataset: TensorDataset(inputs: inputs, labels: labels.map { Int($0) }), batchSize: config.batchSize, shuffle: true, seed: seed)
        try trainer.fit(training: loader, validation: DataLoader<TensorDataset>?.none, epochs: config.epochs)
        layer.eval()
        return .network(layer, mean: mean, inverseScale: inverseScale)
    }

    fileprivate static func standardized(_ x: FeatureMatrix, mean: [Double], inverseScale: [Double]) -> Tensor {
        let d = x.featureCount
        var values = [Float](repeating: 0, count: x.rowCount * d)
        for r in 0..<x.rowCount {
            for f in 0..<d { values[r * d + f] = Float((x[r, f] - mean[f]) * inverseScale[f]) }
        }
        return Tensor(shape: [x.rowCount, d], scalars: values)
    }

    // MARK: Predicting

    /// Each member's class probabilities for every row of `x`: `[member][row][class]`.
    public func memberPredictions(_ x: FeatureMatrix) throws -> [[[Double]]] {
        try members.map { try $0.predict(x) }
    }

    /// The stack's class probabilities for every row of `x`.
    public func predict(_ x: FeatureMatrix) throws -> [[Double]] {
        let metaX = try Stacking.metaFeatures(try memberPredictions(x))
        switch meta {
        case .logisticRegression(let model): return model.predict(metaX)
        case .gbdt(let model): return try model.predict(metaX)
        }
    }

    // MARK: Files

    struct Manifest: Codable {
        struct MemberEntry: Codable {
            var name: String
            var file: String
            var mean: [Double]?
            var scale: [Double]?
        }
        struct MetaEntry: Codable {
            var kind: String
            var weights: [Double]?
            var file: String?
        }
        var format: String
        var version: Int
        var featureCount: Int
        var classCount: Int
        var members: [MemberEntry]
        var meta: MetaEntry

        enum CodingKeys: String, CodingKey {
            case format, version, members, meta
            case featureCount = "feature_count", classCount = "class_count"
        }
    }

    static let format = "hone-stack"
    static let version = 1

    /// Writes `stack/` into `directory` (see the type's documentation for the layout).
    func save(directory: URL) throws {
        let folder = directory.appendingPathComponent("stack")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var entries: [Manifest.MemberEntry] = []
        for (index, member) in members.enumerated() {
            switch member {
            case .trees(let model):
                let file = "member-\(index).hntree"
                try AtomicFile.write(model.encoded(), to: folder.appendingPathComponent(file))
                entries.append(.init(name: memberNames[index], file: file))
            case .network(let layer, let mean, let inverseScale):
                let file = "member-\(index).safetensors"
                try layer.save(to: folder.appendingPathComponent(file))
                entries.append(.init(name: memberNames[index], file: file, mean: mean, scale: inverseScale))
            }
        }
        let metaEntry: Manifest.MetaEntry
        switch meta {
        case .logisticRegression(let model): metaEntry = .init(kind: "logistic_regression", weights: model.weights)
        case .gbdt(let model):
            try AtomicFile.write(model.encoded(), to: folder.appendingPathComponent("meta.hntree"))
            metaEntry = .init(kind: "gbdt", file: "meta.hntree")
        }
        let manifest = Manifest(
            format: Self.format, version: Self.version, featureCount: featureCount, classCount: classCount, members: entries, meta: metaEntry)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        // The manifest last: a stack folder without it is an unfinished run.
        try AtomicFile.write(try encoder.encode(manifest), to: Self.manifestURL(directory))
    }

    /// Reads the stack a run of `config` saved in `directory`; `data` gives the feature count.
    static func load(directory: URL, config: TrainingConfig, data: PreparedData) throws -> StackedModel {
        guard let stacking = config.model.stacking else { preconditionFailure("the config describes no stack") }
        let url = manifestURL(directory)
        func bad(_ detail: String) -> Error { TrainingError.invalidCheckpoint(file: url.path, detail: detail) }
        let manifest: Manifest
        do {
            manifest = try JSONDecoder().decode(Manifest.self, from: try Data(contentsOf: url))
        } catch {
            throw bad("not a readable stack manifest (\(error.localizedDescription))")
        }
        guard manifest.format == format, manifest.version == version else {
            throw bad("format \(manifest.format) version \(manifest.version), this build reads \(format) version \(version)")
        }
        let featureCount = data.training.sampleElementCount
        guard manifest.featureCount == featureCount, manifest.classCount == data.outputCount else {
            throw bad("a stack of \(manifest.featureCount) features and \(manifest.classCount) classes; the run's data has \(featureCount) and \(data.outputCount)")
        }
        guard manifest.members.count == stacking.members.count else {
            throw bad("\(manifest.members.count) members, the config names \(stacking.members.count)")
        }
        let folder = directory.appendingPathComponent("stack")
        var members: [Member] = []
        for (index, (entry, section)) in zip(manifest.members, stacking.members).enumerated() {
            guard entry.name == memberName(section) else { throw bad("member \(index) is \(entry.name), the config names \(memberName(section))") }
            let file = folder.appendingPathComponent(entry.file)
            if section.trees != nil {
                members.append(.trees(try TreeModel.load(from: file)))
                continue
            }
            guard let mean = entry.mean, let scale = entry.scale, mean.count == featureCount, scale.count == featureCount else {
                throw bad("member \(index) lacks the mean and scale of its \(featureCount) inputs")
            }
            let layer = try section.build(sampleShape: [featureCount], outputCount: manifest.classCount, dropout: config.dropout, seed: config.seed)
            do {
                try layer.load(from: file)
            } catch {
                throw TrainingError.invalidCheckpoint(file: file.path, detail: "\(error)")
            }
            layer.eval()
            members.append(.network(layer, mean: mean, inverseScale: scale))
        }
        let meta: Meta
        switch manifest.meta.kind {
        case "logistic_regression":
            guard let weights = manifest.meta.weights else { throw bad("the logistic-regression meta-learner has no weights") }
            do {
                meta = .logisticRegression(
                    try SoftmaxRegression(classCount: manifest.classCount, featureCount: members.count * manifest.classCount, weights: weights))
            } catch {
                throw bad("\(error)")
            }
        case "gbdt":
            meta = .gbdt(try TreeModel.load(from: folder.appendingPathComponent(manifest.meta.file ?? "meta.hntree")))
        default:
            throw bad("unknown meta-learner '\(manifest.meta.kind)'")
        }
        return StackedModel(
            memberNames: manifest.members.map(\.name), members: members, meta: meta, featureCount: featureCount, classCount: manifest.classCount)
    }
}

extension StackedModel.Member {
    /// Class probabilities for every row of `x`.
    func predict(_ x: FeatureMatrix) throws -> [[Double]] {
        switch self {
        case .trees(let model):
            return try model.predict(x)
        case .network(let layer, let mean, let inverseScale):
            let inputs = StackedModel.standardized(x, mean: mean, inverseScale: inverseScale)
            let probabilities = withNoGrad { layer(inputs).softmax(axis: 1) }
            let k = probabilities.shape[1]
            let scalars = probabilities.scalars
            return (0..<x.rowCount).map { r in (0..<k).map { Double(scalars[r * k + $0]) } }
        }
    }
}
