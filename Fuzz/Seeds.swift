// Writes the seed corpora of the fuzz harnesses: small valid files made by Hone's own
// writers (IDX, gzip, CIFAR-10, safetensors, SQLite study, optimizer state) and small
// configurations, one folder per harness. Built and run by Fuzz/build.sh.
//
// Usage: fuzz-seeds <corpus-directory> <repository-root>
import CSQLite
import Foundation
import HoneCore
import HoneData
import HoneNN
import HoneOptim
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
}
