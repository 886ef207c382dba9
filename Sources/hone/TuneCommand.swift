import Foundation
import HoneTune

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `hone tune`: hyperparameter search from a JSON configuration, in one process or in
/// several worker processes sharing one study (a SQLite file, or a PostgreSQL database
/// that workers on other hosts share too).
///
///     hone tune CONFIG.json [--workers N] [--resume] [--quiet] [--storage STORAGE]
///     hone tune --status STORAGE [--study NAME]
///
/// Returns the process exit code: 0 done, 1 failed, 2 bad command line or configuration.
func runTuneCommand(_ arguments: [String]) throws -> Int32 {
    var args = arguments
    if args.first == "tune" { args.removeFirst() }
    TrainingObjective.register()
    do {
        return try TuneCommand(arguments: args).run()
    } catch is TuneCommand.HelpShown {
        return 0
    } catch let error as TuneCommand.CommandError {
        printError(error.message)
        return 2
    } catch let error as TuneCommand.UsageError {
        printError(error.message)
        FileHandle.standardError.write(Data((TuneCommand.usage + "\n").utf8))
        return 2
    } catch let error as ConfigError {
        printError(error.description)
        return 2
    } catch {
        printError("\(error)")
        return 1
    }
}

private func printError(_ message: String) {
    FileHandle.standardError.write(Data("hone tune: error: \(message)\n".utf8))
}

private struct TuneCommand {
    struct UsageError: Error {
        var message: String
    }

    /// A refusal that needs no usage text (a study that exists, …).
    struct CommandError: Error {
        var message: String
    }

    static let usage = """
        usage: hone tune CONFIG.json [--workers N] [--resume] [--quiet] [--storage STORAGE]
               hone tune --status STORAGE [--study NAME]
               hone tune --overhead [TRIALS]
          --workers N   run N worker processes sharing the study's storage
          --storage     the study's storage instead of the configuration's: a SQLite file or
                        postgresql://user@host:port/database (password from PGPASSWORD or
                        PGPASSFILE); run the same command on other hosts to add workers
          --resume      continue an existing study: trials left running by a dead worker
                        are marked failed and re-run; completed trials are kept
          --quiet       print only the summary, not a row per finished trial
          --status      print the studies of a study storage: trials by state, the best
          --overhead    measure the per-trial cost of the study machinery, in memory and in
                        SQLite (Random sampler on Branin, default 1000 trials), as JSON
        """
    /// The hidden flag of a worker process started by `--workers`.
    static let workerFlag = "--worker-process"

    var configPath: String?
    var statusPath: String?
    var statusStudy: String?
    var storage: String?
    var overheadTrials: Int?
    var workers: Int?
    var resume = false
    var quiet = false
    var isWorkerProcess = false
    var deadline: Double?
    var parentPID: Int32?
    var workerIndex = 0
    /// Trials in the study when this run started: mixed into sampler seeds so that a
    /// resumed seeded study does not replay the random stream of its first run.
    var stream = 0

    init(arguments: [String]) throws {
        var i = 0
        func value(_ flag: String) throws -> String {
            i += 1
            guard i < arguments.count else { throw UsageError(message: "\(flag) needs a value") }
            return arguments[i]
        }
        let flags = ["--workers", "--resume", "--quiet", "--status", "--study", "--overhead", "--storage", "--help"]
        while i < arguments.count {
            let a = arguments[i]
            switch a {
            case "--workers":
                let v = try value(a)
                guard let n = Int(v), n >= 1 else { throw UsageError(message: "--workers needs a count ≥ 1, got '\(v)'") }
                workers = n
            case "--resume": resume = true
            case "--quiet": quiet = true
            case "--status": statusPath = try value(a)
            case "--study": statusStudy = try value(a)
            case "--storage": storage = try value(a)
            case "--overhead":
                overheadTrials = 1000
                if i + 1 < arguments.count, let n = Int(arguments[i + 1]), n >= 2 {
                    overheadTrials = n
                    i += 1
                }
            case Self.workerFlag: isWorkerProcess = true
            case "--deadline": deadline = Double(try value(a))
            case "--parent": parentPID = Int32(try value(a))
            case "--worker-index": workerIndex = Int(try value(a)) ?? 0
            case "--stream": stream = Int(try value(a)) ?? 0
            case "--help", "-h":
                print(Self.usage)
                throw HelpShown()
            default:
                if a.hasPrefix("-") {
                    var message = "unknown option \(a)"
                    if let s = closestMatch(to: a, in: flags) { message += "; did you mean \(s)?" }
                    throw UsageError(message: message)
                }
                guard configPath == nil else { throw UsageError(message: "more than one configuration: \(a)") }
                configPath = a
            }
            i += 1
        }
        if statusPath == nil && configPath == nil && overheadTrials == nil { throw UsageError(message: "no configuration file given") }
    }

    struct HelpShown: Error {}

    func run() throws -> Int32 {
        if let statusPath { return try printStatus(path: statusPath, study: statusStudy) }
        if let overheadTrials {
            let r = try StorageOverhead.measure(trials: overheadTrials)
            print(JSONValue(any: [
                "trials": r.trials, "inmemory_ms_per_trial": r.inMemoryMsPerTrial,
                "sqlite_ms_per_trial": r.sqliteMsPerTrial, "sqlite_extra_ms_per_trial": r.sqliteExtraMsPerTrial,
                "sqlite_last100_ms_per_trial": r.sqliteLastMsPerTrial,
            ] as [String: Any]).serialized(indent: nil))
            return 0
        }
        var config = try TuneConfig.load(path: configPath!)
        if let storage {
            config.storage = StorageLocation(storage, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
        }
        if isWorkerProcess { return try runWorker(config) }
        return try runMain(config)
    }

    // MARK: Main process

    private func runMain(_ config: TuneConfig) throws -> Int32 {
        let storage = try config.storage.open(create: true)
        let workerCount = workers ?? config.workers ?? 1
        let pruner = try config.makePruner()
        let study: Study
        let existing = try storage.studyID(named: config.studyName)
        let stream = try existing.map { try storage.trials(studyID: $0).count } ?? 0
        let sampler = try config.makeSampler(stream: stream)
        if existing != nil {
            guard resume else {
                throw CommandError(message: "study '\(config.studyName)' already exists in \(config.storage); "
                    + "pass --resume to continue it, or change \"study_name\" or \"storage\"")
            }
            study = try Study.load(name: config.studyName, storage: storage, sampler: sampler, pruner: pruner,
                                   recoverStaleTrials: false)
            let done = try study.allTrials.filter { $0.state.isFinished }.count
            let failed = try study.resume()
            print("resuming study '\(config.studyName)': \(done) finished trials kept"
                + (failed.isEmpty ? "" : ", trials \(failed.map(String.init).joined(separator: ", ")) of a dead worker "
                    + "marked failed and re-queued"))
        } else {
            study = try Study.create(name: config.studyName, directions: config.directions, sampler: sampler,
                                     pruner: pruner, storage: storage)
        }
        study.heartbeat = config.heartbeat
        let budget = config.trials ?? Int(Int32.max)
        print("study '\(config.studyName)' in \(config.storage): objective \(config.objective.name), "
            + "sampler \(config.samplerName), \(config.trials.map { "\($0) trials" } ?? "no trial limit")"
            + (config.timeoutSeconds.map { ", timeout \($0) s" } ?? "") + ", \(workerCount) worker"
            + (workerCount == 1 ? "" : " processes"))
        let table = TrialTable(config: config, quiet: quiet)
        table.printHeader()
        let start = Date()
        var exitCode: Int32 = 0
        if workerCount == 1 {
            try study.optimize(
                timeout: config.timeoutSeconds, trialTimeout: config.trialTimeoutSeconds, maxTotalTrials: budget,
                callbacks: [{ _, trial in table.add(trial) }]
            ) { try config.evaluate($0) }
        } else {
            exitCode = try runWorkerProcesses(count: workerCount, config: config, study: study, table: table, stream: stream)
        }
        // Rows of trials finished by other processes not seen yet.
        for t in try study.allTrials where t.state.isFinished { table.add(t) }
        try writeSummary(config: config, study: study, elapsed: Date().timeIntervalSince(start))
        return exitCode
    }

    private func runWorkerProcesses(
        count: Int, config: TuneConfig, study: Study, table: TrialTable, stream: Int
    ) throws -> Int32 {
        let executable = currentExecutable()
        var processes: [Process] = []
        for k in 0..<count {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: executable)
            var args = ["tune", URL(fileURLWithPath: configPath!).standardizedFileURL.path, Self.workerFlag,
                        "--parent", String(getpid()), "--worker-index", String(k), "--stream", String(stream)]
            if let t = config.timeoutSeconds { args += ["--deadline", String(Date().timeIntervalSince1970 + t)] }
            if let storage { args += ["--storage", storage] }
            p.arguments = args
            try p.run()
            processes.append(p)
        }
        var watermark = 0
        while processes.contains(where: \.isRunning) {
            Thread.sleep(forTimeInterval: 0.2)
            var firstOpen: Int?
            for t in try study.storage.trials(studyID: study.studyID, states: nil, fromNumber: watermark) {
                if t.state.isFinished { table.add(t) } else if firstOpen == nil { firstOpen = t.number }
            }
            if let firstOpen { watermark = firstOpen } else { watermark = table.count }
        }
        var code: Int32 = 0
        for p in processes {
            p.waitUntilExit()
            if p.terminationStatus != 0 {
                printError("worker process \(p.processIdentifier) exited with status \(p.terminationStatus)")
                code = 1
            }
        }
        return code
    }

    // MARK: Worker process

    private func runWorker(_ config: TuneConfig) throws -> Int32 {
        if let parentPID { dieWithParent(parentPID) }
        let storage = try config.storage.open(create: false)
        let study = try Study.load(name: config.studyName, storage: storage, sampler: try config.makeSampler(workerIndex: workerIndex, stream: stream),
                                   pruner: try config.makePruner(), recoverStaleTrials: false)
        study.heartbeat = config.heartbeat
        var timeout: Double?
        if let deadline {
            timeout = deadline - Date().timeIntervalSince1970
            if timeout! <= 0 { return 0 }
        }
        try study.optimize(
            timeout: timeout, trialTimeout: config.trialTimeoutSeconds,
            maxTotalTrials: config.trials ?? Int(Int32.max)
        ) { try config.evaluate($0) }
        return 0
    }

    /// Makes the kernel kill this worker when its parent dies (Linux `PR_SET_PDEATHSIG`), so a
    /// killed `hone tune` leaves no orphan worker behind; elsewhere a watchdog thread polls.
    private func dieWithParent(_ parent: Int32) {
        #if os(Linux)
        typealias Prctl = @convention(c) (Int32, UInt, UInt, UInt, UInt) -> Int32
        if let handle = dlopen(nil, RTLD_NOW), let sym = dlsym(handle, "prctl") {
            let prctl = unsafeBitCast(sym, to: Prctl.self)
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

    private func currentExecutable() -> String {
        if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return path }
        return Bundle.main.executablePath ?? CommandLine.arguments[0]
    }

    // MARK: Summary and status

    private func writeSummary(config: TuneConfig, study: Study, elapsed: TimeInterval) throws {
        let trials = try study.allTrials
        var counts: [String: Int] = [:]
        for s in [TrialState.complete, .pruned, .failed, .running, .waiting] {
            counts[s.rawValue] = trials.filter { $0.state == s }.count
        }
        var summary: [String: Any] = [
            "study_name": config.studyName, "storage": config.storage.description, "objective": config.objective.name,
            "sampler": config.samplerName, "directions": study.directions.map(\.rawValue), "trials": counts,
            "elapsed_seconds": elapsed,
        ]
        var best: FrozenTrial?
        if study.directions.count == 1 {
            best = try? study.bestTrial
            if let best {
                summary["best_trial"] = best.number
                summary["best_value"] = best.value!
                summary["best_params"] = best.typedParams as [String: Any]
            }
        } else {
            summary["best_trials"] = try study.bestTrials.map {
                ["number": $0.number, "values": $0.values!, "params": $0.typedParams as [String: Any]] as [String: Any]
            }
        }
        let importances = study.directions.count == 1 ? parameterImportances(study) : []
        if !importances.isEmpty {
            summary["importances"] = Dictionary(uniqueKeysWithValues: importances.map { ($0.name, $0.importance) })
        }
        for (k, v) in config.objective.summary(best: best) { summary[k] = v }
        try (JSONValue(any: summary).serialized() + "\n").write(toFile: config.summaryPath, atomically: true, encoding: .utf8)
        print("")
        print("\(trials.count) trials: " + ["complete", "pruned", "failed", "running", "waiting"]
            .compactMap { counts[$0]! > 0 ? "\(counts[$0]!) \($0)" : nil }.joined(separator: ", "))
        if let best {
            print("best: trial \(best.number), value \(fmt(best.value!))  "
                + paramText(best, order: config.searchSpace.parameters.map(\.name)))
        }
        printImportances(importances, indent: "")
        if let bestConfig = summary["best_config"] as? String { print("best training configuration written to \(bestConfig)") }
        print("summary written to \(config.summaryPath)")
    }

    private func printStatus(path text: String, study name: String?) throws -> Int32 {
        let location = StorageLocation(text)
        let storage = try location.open(create: false)
        let path = location.description
        let names = try storage.studyNames()
        if names.isEmpty { print("\(path): no study") }
        if let name, !names.contains(name) { throw StorageError.studyNotFound(name) }
        for n in names where name == nil || n == name {
            let study = try Study.load(name: n, storage: storage, recoverStaleTrials: false)
            let trials = try study.allTrials
            print("study '\(n)' (\(study.directions.map(\.rawValue).joined(separator: ", "))) in \(path)")
            let states = [TrialState.complete, .pruned, .failed, .running, .waiting]
            print("  trials: \(trials.count) — " + states.map { s in "\(s.rawValue) \(trials.filter { $0.state == s }.count)" }
                .joined(separator: ", "))
            if study.directions.count == 1, let best = try? study.bestTrial {
                print("  best: trial \(best.number), value \(fmt(best.value!))")
                for (k, v) in best.typedParams.sorted(by: { $0.key < $1.key }) { print("    \(k) = \(v)") }
                printImportances(parameterImportances(study), indent: "  ")
            } else if study.directions.count > 1 {
                let front = try study.bestTrials
                print("  Pareto front: \(front.count) trials")
                for t in front.prefix(10) {
                    print("    trial \(t.number): " + t.values!.map(fmt).joined(separator: ", ") + "  " + paramText(t))
                }
            }
            let running = try storage.runningTrialWorkers(studyID: study.studyID)
            if !running.isEmpty {
                print("  running: " + running.map { "trial \($0.number)" + ($0.worker.map { " on \($0)" } ?? "") }
                    .joined(separator: ", "))
            }
            let failures = trials.filter { $0.state == .failed }.suffix(3)
            for t in failures { print("  failed trial \(t.number): \(t.failReason ?? "")") }
        }
        return 0
    }
}

/// fANOVA importances of the parameters over the study's complete trials (none with fewer
/// than two complete trials, where a variance means nothing), most important first.
private func parameterImportances(_ study: Study) -> [(name: String, importance: Double)] {
    guard study.trials(states: [.complete]).count >= 2 else { return [] }
    return FanovaImportanceEvaluator().evaluate(study: study)
}

private func printImportances(_ importances: [(name: String, importance: Double)], indent: String) {
    guard !importances.isEmpty else { return }
    print("\(indent)parameter importances (fANOVA):")
    for (name, importance) in importances { print("\(indent)  \(pad(name, 28)) \(String(format: "%.3f", importance))") }
}

/// The live table: one row per finished trial, as they finish.
private final class TrialTable {
    let quiet: Bool
    let minimize: Bool
    let names: [String]
    var best: Double?
    var seen = Set<Int>()
    let lock = NSLock()

    var count: Int {
        lock.lock()
        defer { lock.unlock() }
        return seen.count
    }

    init(config: TuneConfig, quiet: Bool) {
        self.quiet = quiet
        minimize = config.directions.first == .minimize
        names = config.searchSpace.parameters.map(\.name)
    }

    func printHeader() {
        guard !quiet else { return }
        print(pad("trial", 6, right: true) + "  " + pad("state", 8) + "  " + pad("value", 12, right: true) + "  "
            + pad("best", 12, right: true) + "  " + pad("seconds", 8, right: true) + "  params")
        fflush(stdout)
    }

    func add(_ t: FrozenTrial) {
        lock.lock()
        defer { lock.unlock() }
        guard seen.insert(t.number).inserted else { return }
        if t.state == .complete, let v = t.value, best == nil || (minimize ? v < best! : v > best!) { best = v }
        guard !quiet else { return }
        let seconds = t.completeDate.flatMap { c in t.startDate.map { c.timeIntervalSince($0) } }
        var row = pad(String(t.number), 6, right: true) + "  " + pad(t.state.rawValue, 8) + "  "
        row += pad(t.values.map { $0.map(fmt).joined(separator: ",") } ?? "-", 12, right: true) + "  "
        row += pad(best.map(fmt) ?? "-", 12, right: true) + "  "
        row += pad(seconds.map { String(format: "%.2f", $0) } ?? "-", 8, right: true) + "  "
        row += paramText(t, order: names)
        if let reason = t.failReason { row += "  (\(reason))" }
        print(row)
        fflush(stdout)
    }
}

private func pad(_ s: String, _ width: Int, right: Bool = false) -> String {
    guard s.count < width else { return s }
    let fill = String(repeating: " ", count: width - s.count)
    return right ? fill + s : s + fill
}

private func fmt(_ v: Double) -> String {
    abs(v) >= 1e5 || (abs(v) < 1e-3 && v != 0) ? String(format: "%.4e", v) : String(format: "%.6g", v)
}

private func paramText(_ t: FrozenTrial, order: [String] = []) -> String {
    let typed = t.typedParams
    let names = order.filter { typed[$0] != nil } + typed.keys.filter { !order.contains($0) }.sorted()
    return names.map { n -> String in
        if case .float(let d) = typed[n]! { return "\(n)=\(fmt(d))" }
        return "\(n)=\(typed[n]!)"
    }.joined(separator: " ")
}
