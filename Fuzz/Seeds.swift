// Writes the seed corpora of the fuzz harnesses: small valid files made by Hone's own
// writers (IDX, gzip, CIFAR-10, safetensors, SQLite study, optimizer state, tree model,
// monitor log) and small configurations, one folder per harness. Built and run by Fuzz/build.sh.
//
// Usage: fuzz-seeds <corpus-directory> <repository-root>
import CSQLite
import Foundation
import HoneCore
import HoneData
import HoneNN
import HoneOptim
import HoneTrain
import HoneTrees
import HoneTune

@main
enum SeedWriter {
    static var corpus = URL(fileURLWithPath: ".")

    static func write(_ harness: String, _ name: String, _ bytes: [UInt8]) throws {
        let folder = corpus.appendingPathComponent(harness)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Data(bytes).write(to: folder.appendingPathComponent(name), options: .atomic)
    }

    static func write(_ harness: String, _ name: String, _ text: String) throws {
        try write(harness, name, Array(text.utf8))
    }

    static func main() throws {
        let arguments = CommandLine.arguments
        guard arguments.count == 3 else {
            FileHandle.standardError.write(Data("usage: fuzz-seeds <corpus-directory> <repository-root>\n".utf8))
            exit(2)
        }
        corpus = URL(fileURLWithPath: arguments[1])
        let root = URL(fileURLWithPath: arguments[2])
        try binaryFormats()
        try tables()
        try checkpoints(fixtures: root.appendingPathComponent("Tests/HoneNNTests/Fixtures"))
        try configurations()
        try study()
        try optimizerState()
        try trainingConfigurations(examples: root.appendingPathComponent("examples"))
        try treeModels()
        try monitorLogs()
    }

    static func binaryFormats() throws {
        let images = try IDXArray(unsignedBytes: (0..<18).map { UInt8($0 * 13 % 256) }, dimensions: [2, 3, 3])
        let labels = try IDXArray(unsignedBytes: [3, 9, 0], dimensions: [3])
        let floats = try IDXArray(floats: [0.5, -1, .infinity, 3e9], dimensions: [2, 2])
        let shorts = try IDXArray(dataType: .short, dimensions: [2], payload: [0xFF, 0xFE, 0x01, 0x00])
        let doubles = try IDXArray(dataType: .double, dimensions: [1], payload: [0x40, 0x09, 0x21, 0xFB, 0x54, 0x44, 0x2D, 0x18])
        for (name, array) in [("images", images), ("labels", labels), ("floats", floats), ("shorts", shorts), ("doubles", doubles)] {
            try write("fuzz-idx", name + ".idx", array.encoded)
            try write("fuzz-gzip", name + ".idx.gz", try Gzip.compress(array.encoded))
        }
        // Two gzip members back to back, as `cat a.gz b.gz` makes.
        let halves = (Array(labels.encoded.prefix(5)), Array(labels.encoded.dropFirst(5)))
        try write("fuzz-gzip", "two-members.gz", try Gzip.compress(halves.0) + Gzip.compress(halves.1))

        var record = [UInt8](repeating: 0, count: CIFAR10.recordSize)
        record[0] = 7
        for i in 1..<record.count { record[i] = UInt8(i % 251) }
        try write("fuzz-cifar", "one-record.bin", record)
    }

    static func tables() throws {
        let files = [
            "iris.csv": "sepal,petal,species\n5.1,1.4,setosa\n7.0,4.7,versicolor\n6.3,NA,virginica\n",
            "quoted.csv": "id,\"name, full\",score\n1,\"Ada \"\"the\"\" first\",3.5\r\n2,\"multi\nline\",?\n",
            "penguins.csv": "\u{FEFF}island,mass,sex\nBiscoe,3750,male\nDream,,female\nTorgersen,4100,?\n",
        ]
        for (name, text) in files.sorted(by: { $0.key < $1.key }) {
            try write("fuzz-csv-parser", name, [UInt8(ascii: ",")] + Array(text.utf8))
            // Option bytes: impute means, classification target = last column, first column categorical.
            try write("fuzz-csv-dataset", name, [2 | 8 | (2 << 4), 1] + Array(text.utf8))
            try write("fuzz-csv-dataset", "regression-" + name, [1 | 4 | 8 | (1 << 4), 0] + Array(text.utf8))
            // Option bytes: ordinal encoding with the last column the target; one-hot imputing the most frequent.
            try write("fuzz-csv-categorical", "ordinal-" + name, [1 | 2] + Array(text.utf8))
            try write("fuzz-csv-categorical", "one-hot-" + name, [2 << 2] + Array(text.utf8))
        }
        try write("fuzz-csv-parser", "semicolons.csv", [1] + Array("a;b\n1;2\n\n3;\"4;5\"\n".utf8))
    }

    static func checkpoints(fixtures: URL) throws {
        let weight = Tensor(shape: [3, 2], scalars: [1, -2, 0.5, 4, -0.25, 6])
        let bias = Tensor(shape: [3], scalars: [0.1, 0.2, 0.3])
        try write("fuzz-safetensors", "linear.safetensors",
                  [UInt8](Safetensors.encode(["weight": weight, "bias": bias], metadata: ["format": "pt"])))
        for name in ["dtypes.safetensors", "sequential.safetensors"] {
            try write("fuzz-safetensors", name, [UInt8](try Data(contentsOf: fixtures.appendingPathComponent(name))))
        }
    }

    static func configurations() throws {
        let tune = [
            "branin.json": """
                {"study_name": "branin-demo", "objective": "branin",
                 "search_space": {"x1": {"float": [-5, 10]}, "x2": {"float": [0, 15]}},
                 "sampler": {"type": "random", "seed": 1}, "pruner": "median", "trials": 100,
                 "timeout_seconds": 600, "storage": "branin.db"}
                """,
            "grid.json": """
                {"objective": {"function": "sphere", "steps": 3},
                 "search_space": {"x": {"int": [-2, 2], "step": 2}, "y": {"float": [0, 1], "step": 0.5},
                                  "c": {"categorical": ["a", 1, 2.5, true]}},
                 "sampler": {"type": "grid", "float_points": 3},
                 "pruner": {"type": "hyperband", "min_resource": 1, "max_resource": 9, "reduction_factor": 3}}
                """,
            "log.json": """
                {"objective": "sphere", "seed": 7, "workers": 1, "trials": 5,
                 "search_space": {"lr": {"float": [1e-4, 1e-1], "log": true}, "units": {"int": [16, 512], "log": true}},
                 "pruner": {"type": "successive_halving", "min_resource": 1, "reduction_factor": 2}}
                """,
        ]
        for (name, text) in tune.sorted(by: { $0.key < $1.key }) {
            try write("fuzz-tune-config", name, text)
            try write("fuzz-json-config", name, text)
        }
        try write("fuzz-json-config", "training.json", """
            {"model": {"layers": [784, 128, 10], "activation": "relu"}, "learning_rate": 1e-3,
             "batch_size": 64, "epochs": 3, "name": "caf\\u00e9 \\ud83d\\ude00", "shuffle": true, "notes": null}
            """)
    }

    /// A study with every kind of stored row, shrunk to 512-byte pages so the seed stays small.
    static func study() throws {
        let path = NSTemporaryDirectory() + "hone-fuzz-seed-\(getpid()).db"
        defer { for suffix in ["", "-wal", "-shm"] { unlink(path + suffix) } }
        do {
            let storage = try SQLiteStorage(path: path)
            let study = try Study.create(name: "seed", sampler: RandomSampler(seed: 3), storage: storage)
            try study.enqueueTrial(params: ["x": .float(0.5)])
            try study.optimize(trials: 3) { trial in
                let x = try trial.suggestFloat("x", in: -1...1)
                let depth = try trial.suggestInt("depth", in: 1...4)
                _ = try trial.suggestCategorical("optimizer", ["sgd", "adam"])
                try trial.report(x * x, step: 0)
                try trial.setUserAttribute("note", "seed")
                return x * x + Double(depth)
            }
        }
        var db: OpaquePointer?
        guard sqlite3_open(path, &db) == SQLITE_OK,
              sqlite3_exec(db, "PRAGMA journal_mode = DELETE; PRAGMA page_size = 512; VACUUM;", nil, nil, nil) == SQLITE_OK
        else { fatalError("cannot shrink the seed study: \(String(cString: sqlite3_errmsg(db)))") }
        sqlite3_close(db)
        try write("fuzz-sqlite-study", "study.db", [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))))
    }

    static func optimizerState() throws {
        let weight = Tensor(shape: [2, 2], scalars: [1, 2, 3, 4], requiresGrad: true)
        let bias = Tensor(shape: [2], scalars: [0.5, -0.5], requiresGrad: true)
        let optimizers: [(String, Optimizer)] = [
            ("adam", Adam(namedParameters: [("weight", weight), ("bias", bias)], learningRate: 0.05, amsgrad: true)),
            ("sgd", SGD(namedParameters: [("weight", weight), ("bias", bias)], learningRate: 0.05, momentum: 0.9)),
        ]
        for (name, optimizer) in optimizers {
            weight.grad = Tensor(shape: [2, 2], scalars: [0.1, -0.2, 0.3, -0.4])
            bias.grad = Tensor(shape: [2], scalars: [1, -1])
            optimizer.step()
            let file = URL(fileURLWithPath: NSTemporaryDirectory() + "hone-fuzz-seed-\(getpid())-\(name).json")
            defer { unlink(file.path) }
            try optimizer.stateDictionary().save(to: file)
            try write("fuzz-optimizer-state", name + ".json", [UInt8](try Data(contentsOf: file)))
        }
    }

    /// Training configurations (the repository's examples and a small tabular one), and
    /// tune configurations of the training objective with the training inline.
    static func trainingConfigurations(examples: URL) throws {
        let tabular = """
            {"data": {"source": "csv", "path": "train.csv", "target": "label", "validation_fraction": 0.25,
                      "categorical": ["station"], "categorical_encoding": "ordinal", "missing_values": "impute_median"},
             "model": {"zoo": "mlp", "hidden": [16, 8]}, "optimizer": {"name": "adam", "learning_rate": 0.01},
             "schedule": {"name": "reduce_on_plateau", "monitor": "val_loss"},
             "regularization": {"dropout": 0.1, "weight_decay": 1e-4},
             "early_stopping": {"monitor": "val_accuracy", "patience": 2}, "epochs": 3, "batch_size": 8, "seed": 1}
            """
        try write("fuzz-train-config", "tabular.json", tabular)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: examples.path)) ?? []
        for name in names.sorted() where name.hasSuffix(".json") {
            let bytes = [UInt8](try Data(contentsOf: examples.appendingPathComponent(name)))
            try write(name.hasPrefix("tune-") ? "fuzz-tune-train-config" : "fuzz-train-config", name, bytes)
        }
        try write("fuzz-tune-train-config", "inline.json", """
            {"study_name": "lists", "objective": "train", "trials": 4, "sampler": {"type": "tpe", "seed": 2},
             "objectives": ["val_accuracy", "training_seconds"], "directions": ["maximize", "minimize"],
             "search_space": {"model.hidden": {"categorical": [[8], [16, 8], {"a": null}]},
                              "optimizer.learning_rate": {"float": [1e-4, 1e-1], "log": true}},
             "train": \(tabular)}
            """)
    }

    /// Tree model payloads (the file after its 28-byte frame, which the harness rebuilds):
    /// boosting with a categorical feature, and one classification tree.
    static func treeModels() throws {
        let rows: [[Double]] = (0..<60).map { (r: Int) -> [Double] in
            let last: Double = r % 9 == 0 ? .nan : Double(r)
            return [Double(r % 7), Double(r % 4), sin(Double(r)), last]
        }
        let x = try FeatureMatrix(rows: rows)
        var boosting = GradientBoostingOptions()
        boosting.rounds = 3
        boosting.categoricalFeatures = [1]
        let models = [
            ("boosting", try GradientBoosting.fit(x, labels: rows.map { $0[1] < 2 ? 0 : 1 }, options: boosting)),
            ("tree", try DecisionTree.fit(x, labels: rows.map { Double(Int($0[0]) % 3) })),
        ]
        for (name, model) in models { try write("fuzz-tree-model", name + ".payload", [UInt8](model.encoded().dropFirst(28))) }
    }

    /// A `monitors.jsonl` with a step, a sample and a failure record (first byte: the
    /// partial-line policy), and the same cut mid-line.
    static func monitorLogs() throws {
        let histogram = Histogram(min: -1, max: 2, count: 4, sum: 1.5, sumOfSquares: 4.25, counts: [1, 2, 1], nonFiniteCount: 1)
        let records: [MonitorRecord] = [
            .step(StepRecord(step: 10, epoch: 1, loss: 0.7, learningRate: 0.01, gradientNorm: 3, clippedGradientNorm: 1,
                             samplesPerSecond: 1200)),
            .sample(SampleRecord(
                step: 10, epoch: 1, input: histogram, layers: [LayerSample(name: "0", type: "linear", histogram: histogram, unitCount: 8, deadCount: 1)],
                parameters: [ParameterSample(name: "0.weight", gradientNorm: 0.5, gradientHistogram: histogram, weightNorm: 2, updateRatio: 1e-3)],
                labelCounts: [3, 5])),
            .failure(FailureRecord(step: 11, epoch: 1, message: "non-finite loss", value: .nan)),
        ]
        var bytes = [UInt8]()
        for record in records { bytes += [UInt8](try JSONLines.line(record)) }
        try write("fuzz-monitor-log", "monitors.jsonl", [0] + bytes)
        try write("fuzz-monitor-log", "partial.jsonl", [1] + bytes.dropLast(20))
    }
}
