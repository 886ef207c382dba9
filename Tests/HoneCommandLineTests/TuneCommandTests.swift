import Foundation
import HoneTune
import Testing

/// `hone tune`'s refusals name the file and change nothing; `--status` tells the truth
/// about workers.
@Suite(.serialized)
struct TuneCommandTests {
    let branin = #"{"study_name": "b", "objective": "branin", "storage": "b.db", "trials": 3, "#
        + #""search_space": {"x1": {"float": [-5, 10]}, "x2": {"float": [0, 15]}}}"#

    @Test func configurationErrorsNameTheFileAndCreateNoStudy() throws {
        let scratch = try Scratch()
        try FileManager.default.createDirectory(at: scratch.file("folder.json"), withIntermediateDirectories: true)
        try scratch.write(branin.replacingOccurrences(of: "\"trials\": 3", with: "\"trails\": 3"), as: "typo.json")
        try scratch.write("{\"objective\": \"branin\",", as: "broken.json")
        let before = try scratch.listing()
        let cases: [(String, String)] = [
            ("folder.json", "cannot read \(scratch.file("folder.json").path): is a directory, not a JSON configuration file"),
            ("typo.json", "\(scratch.file("typo.json").path): unknown field 'trails'; did you mean 'trials'?"),
            ("broken.json", "cannot read \(scratch.file("broken.json").path): JSON syntax error at line 1"),
            ("absent.json", "cannot read \(scratch.file("absent.json").path): file not found"),
        ]
        for (file, message) in cases {
            let result = try scratch.hone(["tune", file])
            #expect(result.status == 2, "\(file)")
            #expect(result.errorLines.count == 1 && result.error.hasPrefix("hone tune: error: " + message), "\(result.error)")
        }
        #expect(try scratch.listing() == before)
    }

    @Test func anExistingStudyIsRefusedWithoutResumeAndLeftUnchanged() throws {
        let scratch = try Scratch()
        try scratch.write(branin, as: "b.json")
        #expect(try scratch.hone(["tune", "b.json", "--quiet"]).status == 0)
        let database = try Data(contentsOf: scratch.file("b.db"))
        let again = try scratch.hone(["tune", "b.json"])
        #expect(again.status == 2)
        #expect(again.error == "hone tune: error: study 'b' already exists in \(scratch.file("b.db").path); pass --resume to continue it, "
            + "or change \"study_name\" or \"storage\"\n")
        #expect(try Data(contentsOf: scratch.file("b.db")) == database)
    }

    @Test func statusMarksARunningTrialOfAGoneWorkerAsStale() throws {
        let scratch = try Scratch()
        // A process that has exited: its pid names no running worker.
        let gone = Process()
        gone.executableURL = URL(fileURLWithPath: "/bin/true")
        try gone.run()
        gone.waitUntilExit()
        let storage = try SQLiteStorage(path: scratch.file("s.db").path)
        let study = try Study.create(name: "s", sampler: RandomSampler(seed: 0), storage: storage)
        let here = WorkerIdentity.current
        _ = try storage.createTrial(studyID: study.studyID, template: nil, worker: WorkerIdentity(host: here.host, pid: gone.processIdentifier), maxTrials: nil)
        _ = try storage.createTrial(studyID: study.studyID, template: nil, worker: here, maxTrials: nil)
        let result = try scratch.hone(["tune", "--status", "s.db"])
        #expect(result.status == 0, "\(result.error)")
        let lines = result.output.split(separator: "\n").map(String.init)
        #expect(lines.contains("  stale: trial 0 on \(here.host):\(gone.processIdentifier): worker \(gone.processIdentifier) is not running; `--resume` re-queues it"))
        #expect(lines.contains("  running: trial 1 on \(here)"))
    }

    @Test func aStudyTunesAnMLPsDepthAndWidth() throws {
        let scratch = try Scratch()
        try scratch.writeTabular("train.csv", rows: 60, seed: 1)
        try scratch.writeTabular("test.csv", rows: 15, seed: 2)
        try scratch.write(tabularConfig(model: #"{"zoo": "mlp", "layers": 1, "width": 4}"#,
                                        optimizer: #"{"name": "adam", "learning_rate": 0.01}"#, epochs: 1), as: "mlp.json")
        try scratch.write("""
            {"study_name": "shape", "objective": "train", "train": "mlp.json", "storage": "shape.db", "trials": 3,
             "search_space": {"model.layers": {"int": [0, 3]}, "model.width": {"int": [2, 16]}}, "sampler": {"type": "random", "seed": 2}}
            """, as: "tune.json")
        let result = try scratch.hone(["tune", "tune.json", "--quiet"])
        #expect(result.status == 0, "\(result.error)")
        #expect(result.output.contains("3 trials: 3 complete"), "\(result.output)")
        for trial in 0..<3 {
            let config = try JSONSerialization.jsonObject(with: Data(contentsOf: scratch.file("shape-runs/trial-\(trial)/config.json"))) as? [String: Any]
            let model = try #require(config?["model"] as? [String: Any])
            #expect((0...3).contains(model["layers"] as? Int ?? -1) && (2...16).contains(model["width"] as? Int ?? -1), "\(model)")
        }
    }

    /// The 2-D weight shapes of a saved model, read from the safetensors header directly.
    func weightShapes(_ url: URL) throws -> [[Int]] {
        let data = try Data(contentsOf: url)
        let length = data.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        let header = try #require(try JSONSerialization.jsonObject(with: data.subdata(in: 8..<8 + length)) as? [String: Any])
        return header.values.compactMap { ($0 as? [String: Any])?["shape"] as? [Int] }.filter { $0.count == 2 }
    }

    @Test func aCategoricalOfListsTunesAnMLPsHiddenWidthsWhole() throws {
        let scratch = try Scratch()
        try scratch.writeTabular("train.csv", rows: 45, seed: 1)
        try scratch.writeTabular("test.csv", rows: 9, seed: 2)
        try scratch.write(tabularConfig(model: #"{"zoo": "mlp", "hidden": [4]}"#,
                                        optimizer: #"{"name": "adam", "learning_rate": 0.01}"#, epochs: 1), as: "mlp.json")
        try scratch.write("""
            {"study_name": "lists", "objective": "train", "train": "mlp.json", "storage": "lists.db", "sampler": "grid",
             "search_space": {"model.hidden": {"categorical": [[3], [5, 4], [7, 6, 2]]}}}
            """, as: "tune.json")
        let result = try scratch.hone(["tune", "tune.json"])
        try #require(result.status == 0, "\(result.error)")
        #expect(result.output.contains("3 trials: 3 complete"), "\(result.output)")
        var chosen: [[Int]] = []
        for trial in 0..<3 {
            let config = try JSONSerialization.jsonObject(with: Data(contentsOf: scratch.file("lists-runs/trial-\(trial)/config.json"))) as? [String: Any]
            let hidden = try #require((config?["model"] as? [String: Any])?["hidden"] as? [Int])
            chosen.append(hidden)
            // The table shows the list as written; the network has exactly those layers.
            #expect(result.output.contains("model.hidden=[\(hidden.map(String.init).joined(separator: ","))]"), "\(result.output)")
            let widths = [6] + hidden + [3]
            let expected = (1..<widths.count).map { [widths[$0], widths[$0 - 1]] }
            let shapes = try weightShapes(scratch.file("lists-runs/trial-\(trial)/model.safetensors"))
            #expect(shapes.sorted { $0.lexicographicallyPrecedes($1) } == expected.sorted { $0.lexicographicallyPrecedes($1) })
        }
        #expect(Set(chosen) == [[3], [5, 4], [7, 6, 2]])

        let status = try scratch.hone(["tune", "--status", "lists.db"])
        #expect(status.status == 0, "\(status.error)")
        #expect(status.output.range(of: #"    model.hidden = \[[0-9,]+\]\n"#, options: .regularExpression) != nil,
                "\(status.output)")
    }

    @Test func anEmptyListOfChoicesIsOneLineNamingTheField() throws {
        let scratch = try Scratch()
        try scratch.write("""
            {"study_name": "e", "objective": "branin", "storage": "e.db", "trials": 2,
             "search_space": {"x1": {"float": [-5, 10]}, "x2": {"float": [0, 15]}, "c": {"categorical": []}}}
            """, as: "e.json")
        let before = try scratch.listing()
        let result = try scratch.hone(["tune", "e.json"])
        #expect(result.status == 2)
        #expect(result.error == "hone tune: error: \(scratch.file("e.json").path): field 'search_space.c.categorical': no choices\n")
        #expect(try scratch.listing() == before)
    }
}
