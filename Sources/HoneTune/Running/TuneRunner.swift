import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A refusal to start a study run: the configuration's study exists and no resume was asked.
public enum TuneRunError: Error, Equatable, CustomStringConvertible {
    /// The study `name` is already in `storage`.
    case studyExists(name: String, storage: String)

    public var description: String {
        switch self {
        case .studyExists(let name, let storage):
            return "study '\(name)' already exists in \(storage); pass --resume to continue it, "
                + "or change \"study_name\" or \"storage\""
        }
    }
}

/// Runs the study a ``TuneConfig`` describes to its budget, in this process or in worker
/// processes sharing the study's SQLite file; the engine behind `hone tune`.
///
/// ```swift
/// let runner = TuneRunner(config: try TuneConfig.load(path: "search.json"))
/// let study = try runner.open(resume: false)
/// try runner.optimize(study, workers: 1) { trial in print(trial.number, trial.state) }
/// try runner.writeSummary(study, elapsed: 12)
/// ```
public struct TuneRunner {
    /// The study's configuration.
    public let config: TuneConfig

    /// A runner for `config`.
    public init(config: TuneConfig) {
        self.config = config
    }

    /// What ``open(resume:)`` found: the study, and the trials of dead workers it re-queued.
    public struct Opened {
        /// The study, with the configured sampler and pruner.
        public var study: Study
        /// Finished trials kept from an earlier run (0 for a new study).
        public var keptTrials: Int
        /// Trials left running by a dead worker, marked failed and re-queued.
        public var requeued: [Int]
        /// Trials in the study before this run: worker processes mix it into their seeds.
        public var stream: Int
    }

    /// Creates the study, or with `resume` loads an existing one and re-queues trials of dead workers.
    /// - Throws: ``TuneRunError/studyExists(name:storage:)`` when it exists and `resume` is false.
    public func open(resume: Bool) throws -> Opened {
        let storage = try config.storage.open(create: true)
        let existing = try storage.studyID(named: config.studyName)
        let stream = try existing.map { try storage.trials(studyID: $0).count } ?? 0
        let sampler = try config.makeSampler(stream: stream)
        guard existing != nil else {
            let study = try Study.create(name: config.studyName, directions: config.directions, sampler: sampler,
                                         pruner: try config.makePruner(), storage: storage)
            study.heartbeat = config.heartbeat
            return Opened(study: study, keptTrials: 0, requeued: [], stream: 0)
        }
        guard resume else { throw TuneRunError.studyExists(name: config.studyName, storage: config.storage.description) }
        let study = try Study.load(name: config.studyName, storage: storage, sampler: sampler, pruner: try config.makePruner(),
                                   recoverStaleTrials: false)
        study.heartbeat = config.heartbeat
        let kept = try study.allTrials.filter { $0.state.isFinished }.count
        return Opened(study: study, keptTrials: kept, requeued: try study.resume(), stream: stream)
    }

    /// Runs trials until the configured budget or timeout. With `workers` > 1, starts that many
    /// copies of `executable` with `workerArguments(index)` (each must call ``runWorker(index:stream:deadline:)``)
    /// and reports their finished trials as it sees them.
    ///
    /// - Parameter onFinished: called with each finished trial (possibly more than once; dedupe by number).
    /// - Returns: the exit statuses of the worker processes that did not exit cleanly, with their pids.
    @discardableResult
    public func optimize(
        _ opened: Opened, workers: Int, executable: URL = WorkerProcess.currentExecutable,
        workerArguments: (_ index: Int, _ deadline: Double?) -> [String] = { _, _ in [] },
        onFinished: @escaping (FrozenTrial) -> Void
    ) throws -> [(pid: Int32, status: Int32)] {
        let study = opened.study
        var failures: [(pid: Int32, status: Int32)] = []
        if workers == 1 {
            try study.optimize(
                timeout: config.timeoutSeconds, trialTimeout: config.trialTimeoutSeconds,
                maxTotalTrials: config.trials ?? Int(Int32.max), callbacks: [{ _, trial in onFinished(trial) }]
            ) { try config.evaluate($0) }
        } else {
            let deadline = config.timeoutSeconds.map { Date().timeIntervalSince1970 + $0 }
            var processes: [Process] = []
            for index in 0..<workers {
                let process = Process()
                process.executableURL = executable
                process.arguments = workerArguments(index, deadline)
                try process.run()
                processes.append(process)
            }
            var watermark = 0
            var seen = 0
            while processes.contains(where: \.isRunning) {
                Thread.sleep(forTimeInterval: 0.2)
                var firstOpen: Int?
                for trial in try study.storage.trials(studyID: study.studyID, states: nil, fromNumber: watermark) {
                    if trial.state.isFinished {
                        onFinished(trial)
                        seen = max(seen, trial.number + 1)
                    } else if firstOpen == nil {
                        firstOpen = trial.number
                    }
                }
                watermark = firstOpen ?? seen
            }
            for process in processes {
                process.waitUntilExit()
                if process.terminationStatus != 0 { failures.append((process.processIdentifier, process.terminationStatus)) }
            }
        }
        for trial in try study.allTrials where trial.state.isFinished { onFinished(trial) }
        return failures
    }

    /// The body of one worker process: loads the study and runs trials until the shared budget
    /// is spent or `deadline` (seconds since 1970) passes. Exits with its parent `parent`.
    public func runWorker(index: Int, stream: Int, deadline: Double?, parent: Int32?) throws {
        if let parent { WorkerProcess.dieWithParent(parent) }
        let storage = try config.storage.open(create: false)
        let study = try Study.load(
            name: config.studyName, storage: storage, sampler: try config.makeSampler(workerIndex: index, stream: stream),
            pruner: try config.makePruner(), recoverStaleTrials: false)
        study.heartbeat = config.heartbeat
        var timeout: Double?
        if let deadline {
            timeout = deadline - Date().timeIntervalSince1970
            if timeout! <= 0 { return }
        }
        try study.optimize(timeout: timeout, trialTimeout: config.trialTimeoutSeconds, maxTotalTrials: config.trials ?? Int(Int32.max)) {
            try config.evaluate($0)
        }
    }
}

/// What a tuning worker process needs from the operating system.
public enum WorkerProcess {
    /// The running executable (to start copies of it as workers).
    public static var currentExecutable: URL {
        if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return URL(fileURLWithPath: path) }
        return URL(fileURLWithPath: Bundle.main.executablePath ?? CommandLine.arguments[0])
    }

    /// Makes the kernel kill this worker when its parent dies (Linux `PR_SET_PDEATHSIG`), so a
    /// killed `hone tune` leaves no orphan worker behind; elsewhere a watchdog thread polls.
    public static func dieWithParent(_ parent: Int32) {
        #if os(Linux)
        typealias Prctl = @convention(c) (Int32, UInt, UInt, UInt, UInt) -> Int32
        if let handle = dlopen(nil, RTLD_NOW), let symbol = dlsym(handle, "prctl") {
            let prctl = unsafeBitCast(symbol, to: Prctl.self)
            _ = prctl(1 /* PR_SET_PDEATHSIG */, UInt(SIGKILL), 0, 0, 0)
        }
        #endif
        if getppid() != parent { exit(0) }
        let watchdog = Thread {
            while true {
                if getppid() != parent { exit(0) }
                Thread.sleep(forTimeInterval: 0.5)
            }
        }
        watchdog.start()
    }
}
