import CSQLite
import Foundation
import HoneTestSupport
import HoneTrain
import HoneTune
import Testing


/// Run directories and study databases made through the library itself.
enum Fixtures {
    /// Trains a small ReLU MLP on three Gaussian blobs (CSV, 120 rows, 4 features) for
    /// four epochs with monitors on: a real run directory with every record `hone train` writes.
    static func trainedRun(in directory: TemporaryDirectory, name: String = "run") throws -> URL {
        var generator = SeededGenerator(seed: 11)
        var csv = "a,b,c,d,label\n"
        for row in 0..<120 {
            let label = row % 3
            let features = (0..<4).map { feature in generator.nextGaussian() + (feature == label ? 2.5 : 0) }
            csv += features.map { String(format: "%.4f", $0) }.joined(separator: ",") + ",class<\(label)>\n"
        }
        try directory.write(csv, as: "blobs.csv")
        let config = """
            {
              "data": {"source": "csv", "path": "blobs.csv", "target": "label", "validation_fraction": 0.25},
              "model": [{"linear": {"out_features": 16}}, {"relu": {}}, {"linear": {"out_features": 12}}, {"relu": {}},
                        {"linear": {"out_features": 3}}],
              "optimizer": {"name": "adam", "learning_rate": 0.02},
              "schedule": {"name": "cosine", "interval": "batch"},
              "monitors": {"step_interval": 1, "sample_interval": 2, "histogram_bins": 16},
              "epochs": 4, "batch_size": 16, "seed": 5
            }
            """
        let configURL = try directory.write(config, as: "\(name).json")
        let runDirectory = directory.file(name)
        let run = try TrainingRun(config: try TrainingConfig.load(from: configURL), directory: runDirectory, progress: false)
        try run.run()
        return runDirectory
    }

    /// A study database with 24 trials of a three-parameter objective (a float, a
    /// log-scaled float, a categorical): most complete, some pruned, one failed.
    static func study(at path: String, name: String = "demo") throws {
        let storage = try SQLiteStorage(path: path)
        let study = try Study.create(name: name, direction: .minimize, sampler: RandomSampler(seed: 3), storage: storage)
        try study.optimize(trials: 24) { trial in
            let x = try trial.suggestFloat("x", in: -5...10)
            let rate = try trial.suggestFloat("learning_rate", in: 1e-4...1e-1, log: true)
            let optimizer = try trial.suggestCategorical("optimizer", ["sgd", "adam"])
            if trial.number == 5 { throw StudyFixtureError() }
            let value = (x - 2) * (x - 2) + pow(log10(rate) + 2, 2) + (optimizer == "adam" ? 0 : 1)
            try trial.report(value * 2, step: 0)
            if x > 8.5 { throw TrialPruned() }
            return value
        }
    }

    /// A two-objective study database: trade-off between x² and (x − 2)².
    static func twoObjectiveStudy(at path: String) throws {
        let storage = try SQLiteStorage(path: path)
        let study = try Study.create(name: "tradeoff", directions: [.minimize, .minimize], sampler: RandomSampler(seed: 4),
                                     storage: storage)
        try study.optimize(trials: 20) { trial in
            let x = try trial.suggestFloat("x", in: -1...3)
            let y = try trial.suggestInt("width", in: 1...64, log: true)
            return [x * x + Double(y) / 640, (x - 2) * (x - 2)]
        }
    }
}

/// The failure a fixture objective throws on purpose.
struct StudyFixtureError: Error, CustomStringConvertible {
    var description: String { "deliberate failure for the fixture" }
}

/// Runs one SQL statement on the database at `path` (to age or damage a fixture).
func sqliteExec(_ path: String, _ sql: String) throws {
    var db: OpaquePointer?
    guard sqlite3_open(path, &db) == SQLITE_OK else { throw StudyFixtureError() }
    defer { sqlite3_close(db) }
    guard sqlite3_exec(db, sql, nil, nil, nil) == SQLITE_OK else { throw StudyFixtureError() }
}
