import Foundation
import HoneTestSupport
import HoneTrain
import Testing

/// `hone train` under the real `mpirun`: two processes sharing each global batch take the
/// same steps as one process with that batch, rank 0 alone records the run, a resumed run
/// continues where it stopped, and a bad batch size or a killed rank ends the job cleanly.
@Suite(.serialized) struct DataParallelTrainingTests {
    /// Trains `config` for `epochs` in one plain process and in `processes` MPI ranks, and
    /// returns the largest weight difference and the two run directories.
    private func trainBothWays(config: String, processes: Int, in scratch: URL) throws -> (difference: Float, single: URL, parallel: URL) {
        try config.write(to: scratch.appendingPathComponent("config.json"), atomically: true, encoding: .utf8)
        let hone = try #require(BuiltExecutable.honePath)
        let single = try BuiltExecutable.run(hone, ["train", "config.json", "--run-dir", "single", "--quiet"], in: scratch)
        #expect(single.status == 0, "\(single.error)")
        let parallel = try MPIRun.run(processes: processes, ["train", "config.json", "--run-dir", "parallel", "--quiet"], in: scratch)
        #expect(parallel.status == 0, "\(parallel.output) \(parallel.error)")
        let singleRun = scratch.appendingPathComponent("single"), parallelRun = scratch.appendingPathComponent("parallel")
        let difference = try TrainingData.largestDifference(
            singleRun.appendingPathComponent("model.safetensors"), parallelRun.appendingPathComponent("model.safetensors"))
        return (difference, singleRun, parallelRun)
    }

    @Test func twoProcessesTrainAnMLPWithSGDToTheWeightsOfOne() throws {
        let scratch = try TemporaryDirectory()
        try TrainingData.writeTabular(rows: 2000, in: scratch.url)
        // 1,600 training rows in batches of 30: 54 steps an epoch, the last batch of 10.
        let result = try trainBothWays(config: TrainingData.mlpConfig(epochs: 2, batchSize: 30), processes: 2, in: scratch.url)
        #expect(result.difference < 1e-5)
        // Rank 0 alone wrote the records: one line per epoch, one event file.
        let metrics = try String(contentsOf: result.parallel.appendingPathComponent("metrics.jsonl"), encoding: .utf8)
        #expect(metrics.split(separator: "\n").count == 2)
        let events = try FileManager.default.contentsOfDirectory(atPath: result.parallel.path).filter { $0.hasPrefix("events.out.tfevents") }
        #expect(events.count == 1)
    }

    @Test func twoProcessesTrainACNNWithAdamToTheWeightsOfOne() throws {
        let scratch = try TemporaryDirectory()
        try TrainingData.writeImages(count: 1000, in: scratch.url)
        // 800 training images in batches of 16: 50 steps an epoch.
        let result = try trainBothWays(config: TrainingData.cnnConfig(epochs: 2, batchSize: 16), processes: 2, in: scratch.url)
        #expect(result.difference < 1e-5)
    }

    @Test func aResumedTwoProcessRunEndsWithTheWeightsOfOneUninterruptedProcess() throws {
        let scratch = try TemporaryDirectory()
        try TrainingData.writeTabular(rows: 2000, in: scratch.url)
        try TrainingData.mlpConfig(epochs: 3, batchSize: 30).write(to: scratch.url.appendingPathComponent("config.json"), atomically: true, encoding: .utf8)
        let hone = try #require(BuiltExecutable.honePath)
        let single = try BuiltExecutable.run(hone, ["train", "config.json", "--run-dir", "single", "--quiet"], in: scratch.url)
        #expect(single.status == 0, "\(single.error)")
        let first = try MPIRun.run(processes: 2, ["train", "config.json", "--run-dir", "parallel", "--epochs", "1", "--quiet"], in: scratch.url)
        #expect(first.status == 0, "\(first.error)")
        let resumed = try MPIRun.run(processes: 2, ["train", "config.json", "--resume", "parallel", "--quiet"], in: scratch.url)
        #expect(resumed.status == 0, "\(resumed.error)")
        let difference = try TrainingData.largestDifference(
            scratch.url.appendingPathComponent("single/model.safetensors"), scratch.url.appendingPathComponent("parallel/model.safetensors"))
        #expect(difference < 1e-5)
        let metrics = try String(contentsOf: scratch.url.appendingPathComponent("parallel/metrics.jsonl"), encoding: .utf8)
        #expect(metrics.split(separator: "\n").count == 3)
    }

    @Test func aBatchThatDoesNotDivideAcrossTheRanksIsOneErrorLineAndWritesNothing() throws {
        let scratch = try TemporaryDirectory()
        try TrainingData.writeTabular(rows: 300, in: scratch.url)
        try TrainingData.mlpConfig(epochs: 1, batchSize: 31).write(to: scratch.url.appendingPathComponent("config.json"), atomically: true, encoding: .utf8)
        let result = try MPIRun.run(processes: 2, ["train", "config.json", "--run-dir", "run"], in: scratch.url)
        #expect(result.status != 0)
        let honeLines = (result.output + result.error).split(separator: "\n").filter { $0.contains("hone train") }
        #expect(honeLines.count == 1, "\(honeLines)")
        #expect(honeLines.first?.contains("batch_size: the global batch of 31 samples does not divide across 2 processes") == true)
        #expect(!FileManager.default.fileExists(atPath: scratch.url.appendingPathComponent("run").path))
    }

    @Test func aKilledRankEndsTheJobNamingItAndTheLastCheckpointResumes() throws {
        let scratch = try TemporaryDirectory()
        try TrainingData.writeTabular(rows: 2000, in: scratch.url)
        try TrainingData.mlpConfig(epochs: 1000, batchSize: 30).write(to: scratch.url.appendingPathComponent("config.json"), atomically: true, encoding: .utf8)
        let runName = "killed-\(UUID().uuidString)"
        let job = try MPIRun(processes: 2, ["train", "config.json", "--run-dir", runName, "--quiet"], in: scratch.url)
        let sidecar = scratch.url.appendingPathComponent("\(runName)/checkpoints/last.json")
        let deadline = Date().addingTimeInterval(120)
        while !FileManager.default.fileExists(atPath: sidecar.path) && job.process.isRunning && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.05)
        }
        let victims = MPIRun.processIDs(rank: 1, commandContaining: runName)
        try #require(victims.count == 1, "rank 1 of the job not found")
        kill(victims[0], SIGKILL)
        let ended = try job.wait(timeout: 60)
        #expect(ended.status != 0)
        let said = ended.output + ended.error
        #expect(said.contains("rank 1") && said.contains("signal 9"), "\(said)")

        // The last checkpoint is whole and the run resumes from it, in two processes again.
        let checkpoint = try JSONSerialization.jsonObject(with: Data(contentsOf: sidecar)) as? [String: Any]
        let epoch = try #require(checkpoint?["epoch"] as? Int)
        _ = try Safetensors.read(from: scratch.url.appendingPathComponent("\(runName)/checkpoints/last.safetensors"))
        let resumed = try MPIRun.run(processes: 2, ["train", "config.json", "--resume", runName, "--epochs", String(epoch + 1), "--quiet"], in: scratch.url)
        #expect(resumed.status == 0, "\(resumed.output) \(resumed.error)")
        #expect(FileManager.default.fileExists(atPath: scratch.url.appendingPathComponent("\(runName)/final_metrics.json").path))
    }
}
