import Foundation

/// What `hone tune` optimizes: anything that, given a trial and the configured search
/// space, returns one value per direction. Benchmark functions are built in; a training
/// objective registers itself with ``TuneObjectives/register(_:extraTopLevelFields:factory:)``
/// and reads its own fields from the configuration.
public protocol TuneObjective: AnyObject {
    /// One direction per value returned.
    var directions: [StudyDirection] { get }
    /// A short name for tables and summaries ("branin", "training").
    var name: String { get }
    /// Runs one trial: suggest (usually `searchSpace.suggestAll(trial)`), evaluate, return.
    func evaluate(_ trial: Trial, searchSpace: SearchSpace) throws -> [Double]
    /// Extra entries for the summary JSON (a known optimum, the regret, …).
    func summary(best: FrozenTrial?) -> [String: Any]
}

extension TuneObjective {
    public func summary(best: FrozenTrial?) -> [String: Any] { [:] }
}

/// What an objective factory gets: its `"objective"` field, the whole configuration (for
/// objectives that read more top-level fields), the search space, and the directory of the
/// configuration file (to resolve relative paths).
public struct ObjectiveContext {
    /// The `"objective"` value: a name string or an object.
    public var spec: JSONValue
    public var config: ConfigObject
    public var searchSpace: SearchSpace
    public var configDirectory: URL
}

/// The registry of objectives `hone tune` knows, by name.
public enum TuneObjectives {
    public typealias Factory = (ObjectiveContext) throws -> TuneObjective

    private static let lock = NSLock()
    nonisolated(unsafe) private static var factories: [String: Factory] = {
        var f: [String: Factory] = [:]
        for b in BenchmarkFunction.allCases { f[b.rawValue] = { try BenchmarkObjective(function: b, context: $0) } }
        return f
    }()
    nonisolated(unsafe) private static var extraFields: Set<String> = []

    /// Registers (or replaces) an objective. `extraTopLevelFields` are configuration fields
    /// it reads beside the common ones, so they are not rejected as unknown.
    public static func register(_ name: String, extraTopLevelFields: [String] = [], factory: @escaping Factory) {
        lock.lock()
        defer { lock.unlock() }
        factories[name] = factory
        extraFields.formUnion(extraTopLevelFields)
    }

    public static var names: [String] {
        lock.lock()
        defer { lock.unlock() }
        return factories.keys.sorted()
    }

    static var extraTopLevelFields: Set<String> {
        lock.lock()
        defer { lock.unlock() }
        return extraFields
    }

    static func factory(_ name: String) -> Factory? {
        lock.lock()
        defer { lock.unlock() }
        return factories[name]
    }
}

/// A benchmark function as an objective; its numeric (float and int) parameters, in the
/// order of the search space, are its inputs; categorical parameters are suggested and
/// ignored. Options (object form): `sleep_seconds` (a slow objective, for demos and
/// crash tests) and `steps` (report a decreasing curve `f + 10/(step+1)` for pruners).
public final class BenchmarkObjective: TuneObjective {
    public let function: BenchmarkFunction
    public let sleepSeconds: Double
    public let steps: Int
    /// The number of inputs: the search space's numeric parameters.
    public let dimension: Int
    public var directions: [StudyDirection] { [.minimize] }
    public var name: String { function.rawValue }

    init(function: BenchmarkFunction, context: ObjectiveContext) throws {
        self.function = function
        if case .object = context.spec {
            let o = try ConfigObject(context.spec, path: "objective")
            try o.checkNoUnknownFields(allowed: ["function", "sleep_seconds", "steps"])
            sleepSeconds = try o.double("sleep_seconds") ?? 0
            steps = try o.int("steps", atLeast: 0) ?? 0
        } else {
            sleepSeconds = 0
            steps = 0
        }
        let numeric = context.searchSpace.parameters.filter {
            if case .categorical = $0.distribution { return false }
            return true
        }
        if let n = function.dimension, numeric.count != n {
            throw ConfigError.invalidValue(
                path: "search_space",
                message: "\(function.rawValue) takes \(n) numeric parameters, the search space has \(numeric.count)"
                    + (numeric.isEmpty ? "" : " (" + numeric.map(\.name).joined(separator: ", ") + ")"))
        }
        if numeric.isEmpty {
            throw ConfigError.invalidValue(path: "search_space", message: "\(function.rawValue) needs numeric parameters")
        }
        dimension = numeric.count
    }

    public func evaluate(_ trial: Trial, searchSpace: SearchSpace) throws -> [Double] {
        let values = try searchSpace.suggestAll(trial)
        let x = values.compactMap { entry -> Double? in
            guard let d = entry.value.doubleValue, entry.value.boolValue == nil else { return nil }
            if case .categorical = searchSpace.distributions[entry.name]! { return nil }
            return d
        }
        let y = function.evaluate(x)
        if steps > 0 {
            for step in 0..<steps {
                if sleepSeconds > 0 { Thread.sleep(forTimeInterval: sleepSeconds / Double(steps)) }
                try trial.report(y + 10 / Double(step + 1), step: step)
                if try trial.shouldPrune() { throw TrialPruned() }
            }
        } else if sleepSeconds > 0 {
            Thread.sleep(forTimeInterval: sleepSeconds)
        }
        return [y]
    }

    public func summary(best: FrozenTrial?) -> [String: Any] {
        let minimum = function.globalMinimum(dimension: dimension)
        var out: [String: Any] = ["global_minimum": minimum]
        if let v = best?.value { out["regret"] = v - minimum }
        return out
    }
}

/// The samplers `hone tune` knows by name: random, grid and the model-based ones (TPE,
/// GP, CMA-ES, genetic) are built in; others register here
/// (`TuneSamplers.register("name") { options in … }`).
public enum TuneSamplers {
    /// What a sampler factory gets: the sampler's configuration object (`"type"` and its
    /// options; check its fields with `checkNoUnknownFields`), the seed, and the space.
    public struct Options {
        public var config: ConfigObject
        public var seed: UInt64?
        public var searchSpace: SearchSpace
        /// Which worker process builds this sampler (0 in a single process). Samplers that
        /// draw random numbers should mix it into the seed (``workerSeed``) so that seeded
        /// worker processes do not all propose the same points.
        public var workerIndex: Int
        /// How many trials the study had when this run started (0 for a new study): mixed
        /// into ``workerSeed`` so a resumed seeded study does not replay its first run.
        public var stream: Int

        /// `seed` made distinct per worker process and per run (the seed itself for worker 0
        /// of a new study, so a single-process seeded run repeats exactly).
        public var workerSeed: UInt64? {
            seed.map { $0 &+ UInt64(workerIndex) &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(stream) &* 0xD1B5_4A32_D192_ED03 }
        }
    }

    public typealias Factory = (Options) throws -> Sampler

    private static let lock = NSLock()
    nonisolated(unsafe) private static var factories: [String: Factory] = [
        "random": { o in
            try o.config.checkNoUnknownFields(allowed: ["type", "seed"])
            return RandomSampler(seed: o.workerSeed)
        },
        "grid": { o in
            try o.config.checkNoUnknownFields(allowed: ["type", "seed", "float_points"])
            do {
                return try GridSampler(distributions: o.searchSpace.distributions,
                                       floatPoints: try o.config.int("float_points", atLeast: 1), seed: o.seed)
            } catch TuneError.invalidDistribution(let name, let reason) {
                throw ConfigError.invalidValue(path: "search_space.\(name)", message: reason + " (sampler \"grid\")")
            }
        },
    ]

    /// Registers the model-based samplers once, on first use of the registry, so user
    /// registrations made later replace them rather than the other way round.
    private static let builtInsRegistered: Void = registerModelBasedSamplers()

    public static func register(_ name: String, factory: @escaping Factory) {
        _ = builtInsRegistered
        store(name, factory)
    }

    /// Adds a factory without touching ``builtInsRegistered`` (which is being initialized
    /// while the built-ins are stored).
    static func store(_ name: String, _ factory: @escaping Factory) {
        lock.lock()
        defer { lock.unlock() }
        factories[name] = factory
    }

    public static var names: [String] {
        _ = builtInsRegistered
        lock.lock()
        defer { lock.unlock() }
        return factories.keys.sorted()
    }

    static func factory(_ name: String) -> Factory? {
        _ = builtInsRegistered
        lock.lock()
        defer { lock.unlock() }
        return factories[name]
    }
}

/// The pruners `hone tune` knows by name, with their options in snake case.
public enum TunePruners {
    public static let names = ["none", "median", "successive_halving", "hyperband"]

    static func make(_ config: ConfigObject, type: String) throws -> Pruner? {
        switch type {
        case "none":
            try config.checkNoUnknownFields(allowed: ["type"])
            return nil
        case "median":
            try config.checkNoUnknownFields(allowed: ["type", "startup_trials", "warmup_steps", "interval_steps", "min_trials"])
            return MedianPruner(
                startupTrials: try config.int("startup_trials", atLeast: 0) ?? 5,
                warmupSteps: try config.int("warmup_steps", atLeast: 0) ?? 0,
                intervalSteps: try config.int("interval_steps", atLeast: 1) ?? 1,
                minTrials: try config.int("min_trials", atLeast: 1) ?? 1)
        case "successive_halving":
            try config.checkNoUnknownFields(
                allowed: ["type", "min_resource", "reduction_factor", "min_early_stopping_rate", "bootstrap_count"])
            return SuccessiveHalvingPruner(
                minResource: try config.int("min_resource", atLeast: 1),
                reductionFactor: try config.int("reduction_factor", atLeast: 2) ?? 4,
                minEarlyStoppingRate: try config.int("min_early_stopping_rate", atLeast: 0) ?? 0,
                bootstrapCount: try config.int("bootstrap_count", atLeast: 0) ?? 0)
        default:
            try config.checkNoUnknownFields(
                allowed: ["type", "min_resource", "max_resource", "reduction_factor", "bootstrap_count"])
            let minResource = try config.int("min_resource", atLeast: 1) ?? 1
            let maxResource = try config.int("max_resource", atLeast: minResource)
            return HyperbandPruner(
                minResource: minResource, maxResource: maxResource,
                reductionFactor: try config.int("reduction_factor", atLeast: 2) ?? 3,
                bootstrapCount: try config.int("bootstrap_count", atLeast: 0) ?? 0)
        }
    }
}

/// A `hone tune` configuration file:
///
/// ```json
/// {
///   "study_name": "branin-demo",
///   "objective": "branin",
///   "search_space": {"x1": {"float": [-5, 10]}, "x2": {"float": [0, 15]}},
///   "sampler": {"type": "random", "seed": 1},
///   "pruner": "median",
///   "trials": 100,
///   "timeout_seconds": 600,
///   "storage": "branin.db"
/// }
/// ```
/// Optional: `"direction"` (`"minimize"`/`"maximize"`, for objectives that let you choose),
/// `"seed"` (the sampler's seed), `"trial_timeout_seconds"`, `"workers"`, `"summary"`
/// (the summary JSON's path), `"heartbeat": {"interval_seconds": 10, "grace_seconds": 60}`
/// (workers that stop heartbeating lose their trials to others). Relative paths are
/// relative to the configuration file. `"storage"` is a SQLite file or a
/// `postgresql://user@host:port/database` URL (``StorageLocation``).
public struct TuneConfig {
    public static let fields = [
        "study_name", "objective", "search_space", "sampler", "pruner", "trials", "timeout_seconds",
        "trial_timeout_seconds", "storage", "summary", "seed", "workers", "direction", "directions", "heartbeat",
    ]

    public var studyName: String
    public var searchSpace: SearchSpace
    public var objective: TuneObjective
    public var directions: [StudyDirection]
    public var samplerName: String
    public var trials: Int?
    public var timeoutSeconds: Double?
    public var trialTimeoutSeconds: Double?
    /// The study's storage as written (a file path resolved against the configuration's
    /// directory, or a URL that may hold a password: print ``storage`` instead).
    public var storagePath: String
    /// Where the study lives.
    public var storage: StorageLocation {
        didSet { storagePath = storage.path }
    }
    /// Heartbeats of the workers, when configured.
    public var heartbeat: Heartbeat?
    public var summaryPath: String
    public var workers: Int?
    /// The raw configuration, for objectives and later readers.
    public var root: ConfigObject
    private var samplerConfig: ConfigObject
    private var seed: UInt64?
    private var prunerConfig: ConfigObject?
    private var prunerType: String

    /// Reads and checks a configuration file; every error names it.
    public static func load(path: String) throws -> TuneConfig {
        let url = URL(fileURLWithPath: path)
        let json = try ConfigFile.read(url)
        return try ConfigFile.checking(url) {
            try TuneConfig(json: json, directory: url.deletingLastPathComponent(), defaultName: url.deletingPathExtension().lastPathComponent)
        }
    }

    public init(json: JSONValue, directory: URL, defaultName: String = "study") throws {
        let root = try ConfigObject(json, path: "")
        self.root = root
        try root.checkNoUnknownFields(allowed: Self.fields + TuneObjectives.extraTopLevelFields.sorted())
        studyName = try root.string("study_name") ?? defaultName
        guard !studyName.isEmpty else { throw ConfigError.invalidValue(path: "study_name", message: "is empty") }
        searchSpace = try SearchSpace(json: try root.required("search_space"), path: "search_space")

        // Objective: "name" or {"function": "name", …} / {"type": "name", …}.
        let spec = try root.required("objective")
        let objectiveName: String
        switch spec {
        case .string(let s): objectiveName = s
        case .object:
            let o = try ConfigObject(spec, path: "objective")
            guard let n = try o.string("function") ?? o.string("type") else {
                throw ConfigError.missingField(path: "objective.function")
            }
            objectiveName = n
        default:
            throw ConfigError.wrongType(path: "objective", expected: "a name or an object", found: spec.kindDescription)
        }
        guard let factory = TuneObjectives.factory(objectiveName) else {
            throw Self.unknownName(objectiveName, path: "objective", valid: TuneObjectives.names)
        }
        objective = try factory(ObjectiveContext(spec: spec, config: root, searchSpace: searchSpace,
                                                 configDirectory: directory))
        directions = objective.directions
        if let d = try root.string("direction") {
            guard let dir = StudyDirection(rawValue: d) else {
                throw Self.unknownName(d, path: "direction", valid: ["minimize", "maximize"])
            }
            guard directions.count == 1 else {
                throw ConfigError.invalidValue(path: "direction", message: "the objective has several values")
            }
            if objective is BenchmarkObjective && dir != .minimize {
                throw ConfigError.invalidValue(path: "direction", message: "benchmark functions are minimized")
            }
            directions = [dir]
        }
        if let list = root["directions"] {
            directions = try Self.directions(list, root: root, objectiveCount: directions.count)
        }

        // Sampler: "name" or {"type": "name", …}.
        (samplerName, samplerConfig) = try Self.named(root, "sampler", default: "tpe", valid: TuneSamplers.names)
        guard TuneSamplers.factory(samplerName) != nil else {
            throw Self.unknownName(samplerName, path: "sampler", valid: TuneSamplers.names)
        }
        let seedValue = try samplerConfig.int("seed") ?? root.int("seed")
        if let s = seedValue, s < 0 { throw ConfigError.invalidValue(path: "seed", message: "must be ≥ 0") }
        seed = seedValue.map(UInt64.init)

        (prunerType, prunerConfig) = try Self.named(root, "pruner", default: "none", valid: TunePruners.names)
        guard TunePruners.names.contains(prunerType) else {
            throw Self.unknownName(prunerType, path: "pruner", valid: TunePruners.names)
        }

        trials = try root.int("trials", atLeast: 1)
        timeoutSeconds = try root.positiveDouble("timeout_seconds")
        trialTimeoutSeconds = try root.positiveDouble("trial_timeout_seconds")
        workers = try root.int("workers", atLeast: 1)
        if trials == nil && timeoutSeconds == nil && samplerName != "grid" {
            throw ConfigError.invalidValue(path: "trials", message: "give \"trials\" or \"timeout_seconds\" (or both)")
        }
        func resolve(_ p: String) -> String {
            p.hasPrefix("/") ? p : directory.appendingPathComponent(p).standardizedFileURL.path
        }
        storage = StorageLocation(try root.string("storage") ?? "\(studyName).db", relativeTo: directory)
        storagePath = storage.path
        var base = resolve(studyName)
        if case .sqlite(let path) = storage { base = path.hasSuffix(".db") ? String(path.dropLast(3)) : path }
        summaryPath = try root.string("summary").map(resolve) ?? base + "-summary.json"
        if let beat = try root.object("heartbeat") {
            try beat.checkNoUnknownFields(allowed: ["interval_seconds", "grace_seconds"])
            guard let interval = try beat.positiveDouble("interval_seconds"),
                  let grace = try beat.positiveDouble("grace_seconds"), grace > interval
            else {
                throw ConfigError.invalidValue(
                    path: "heartbeat", message: "needs \"interval_seconds\" and a larger \"grace_seconds\", both positive")
            }
            heartbeat = try Heartbeat(interval: interval, grace: grace)
        }
        _ = try makePruner()
        _ = try makeSampler()
    }

    /// A fresh sampler as configured (each worker process builds its own, with its index).
    public func makeSampler(workerIndex: Int = 0, stream: Int = 0) throws -> Sampler {
        try TuneSamplers.factory(samplerName)!(TuneSamplers.Options(
            config: samplerConfig, seed: seed, searchSpace: searchSpace, workerIndex: workerIndex, stream: stream))
    }

    /// A fresh pruner as configured, `nil` for none.
    public func makePruner() throws -> Pruner? {
        try TunePruners.make(prunerConfig ?? ConfigObject(.object([]), path: "pruner"), type: prunerType)
    }

    /// Runs one trial of the configured objective.
    public func evaluate(_ trial: Trial) throws -> [Double] {
        try objective.evaluate(trial, searchSpace: searchSpace)
    }

    /// Reads `"directions"`: one known direction per value the objective returns.
    private static func directions(_ list: JSONValue, root: ConfigObject, objectiveCount: Int) throws -> [StudyDirection] {
        guard root["direction"] == nil else {
            throw ConfigError.invalidValue(path: "directions", message: "give \"direction\" or \"directions\", not both")
        }
        guard case .array(let items) = list else {
            throw ConfigError.wrongType(path: "directions", expected: "a list of \"minimize\"/\"maximize\"", found: list.kindDescription)
        }
        let parsed = try items.enumerated().map { index, item -> StudyDirection in
            guard case .string(let text) = item else {
                throw ConfigError.wrongType(path: "directions[\(index)]", expected: "\"minimize\" or \"maximize\"", found: item.kindDescription)
            }
            guard let direction = StudyDirection(rawValue: text) else {
                throw unknownName(text, path: "directions[\(index)]", valid: ["minimize", "maximize"])
            }
            return direction
        }
        guard parsed.count == objectiveCount else {
            throw ConfigError.invalidValue(
                path: "directions", message: "gives \(parsed.count) directions for \(objectiveCount) objective values; give one per objective")
        }
        return parsed
    }

    private static func named(
        _ root: ConfigObject, _ key: String, default def: String, valid: [String]
    ) throws -> (String, ConfigObject) {
        guard let v = root[key] else { return (def, try ConfigObject(.object([]), path: key)) }
        switch v {
        case .string(let s): return (s, try ConfigObject(.object([]), path: key))
        case .object:
            let o = try ConfigObject(v, path: key)
            return (try o.string("type") ?? def, o)
        default:
            throw ConfigError.wrongType(path: key, expected: "a name (\(valid.joined(separator: ", "))) or an object with \"type\"",
                                        found: v.kindDescription)
        }
    }

    private static func unknownName(_ name: String, path: String, valid: [String]) -> ConfigError {
        var message = "unknown \(path) \"\(name)\""
        if let s = closestMatch(to: name, in: valid) { message += "; did you mean \"\(s)\"?" }
        message += " (known: \(valid.joined(separator: ", ")))"
        return .invalidValue(path: path, message: message)
    }
}
