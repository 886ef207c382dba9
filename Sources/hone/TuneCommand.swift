import Foundation
import HoneTrain
import HoneTune

/// `hone tune`: hyperparameter search from a JSON configuration, in one process or in
/// several worker processes sharing one SQLite study. The work is ``TuneRunner``'s; this
/// file parses, prints the live table and the summary, and reads `--status`.
enum TuneCommand {
    static let spec = CommandSpec(
        name: "tune", summary: "search hyperparameters from a JSON configuration",
        positionals: [PositionalSpec(name: "CONFIG.json", help: "the tuning configuration", optional: true)],
        options: [
            .option("workers", .integer("N", minimum: 1), "run N worker processes sharing the study's SQLite file"),
            .flag("resume", "continue an existing study: trials left running by a dead worker are marked failed and re-run"),
            .flag("quiet", "print only the summary, not a row per finished trial"),
            .option("storage", .text("STORAGE"), "the study's storage instead of the configuration's: a SQLite file or "
                + "postgresql://user@host:port/database (password from PGPASSWORD or PGPASSFILE); run the same command on other hosts to add workers"),
            .option("status", .text("STORAGE"), "print the studies of a study storage (SQLite file or postgresql:// URL): trials by state, the best, stale workers"),
            .option("study", .text("NAME"), "with --status: only this study"),
            .flag("worker-process", "run as one worker of a parent hone tune", hidden: true),
            .option("parent", .integer("PID", minimum: 1), "the parent's process id", hidden: true),
            .option("worker-index", .integer("K", minimum: 0), "this worker's index", hidden: true),
            .option("stream", .integer("N", minimum: 0), "trials in the study when the parent started", hidden: true),
            .option("deadline", .number("SECONDS"), "seconds since 1970 when the study's timeout ends", hidden: true),
        ],
        notes: "  the study machinery's own cost per trial is measured by `hone bench tune` (W5/storage)",
        run: run)

    static func run(_ arguments: ParsedArguments) throws -> Int32 {
        TrainingObjective.register()
        if let status = arguments.text("status") {
            guard arguments.positionals.isEmpty else { throw UsageError(description: "--status reads a study database; give no CONFIG.json") }
            return try printStatus(path: status, study: arguments.text("study"))
        }
        guard let path = arguments.positionals.first else {
            throw UsageError(description: "tune needs CONFIG.json, or --status STUDY.db (see hone tune --help)")
        }
        var config = try TuneConfig.load(path: path)
        let storageOverride = arguments.text("storage")
        if let storageOverride {
            config.storage = StorageLocation(storageOverride, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
        }
        let runner = TuneRunner(config: config)
        if arguments.flag("worker-process") {
            try runner.runWorker(
                index: arguments.integer("worker-index") ?? 0, stream: arguments.integer("stream") ?? 0,
                deadline: arguments.number("deadline"), parent: arguments.integer("parent").map(Int32.init))
            return 0
        }
        return try runMain(runner, configPath: URL(fileURLWithPath: path).standardizedFileURL.path, storage: storageOverride,
                           workers: arguments.integer("workers"), resume: arguments.flag("resume"), quiet: arguments.flag("quiet"))
    }

    private static func runMain(_ runner: TuneRunner, configPath: String, storage: String?, workers: Int?, resume: Bool, quiet: Bool) throws -> Int32 {
        let config = runner.config
        let opened = try runner.open(resume: resume)
        if resume {
            print("resuming study '\(config.studyName)': \(opened.keptTrials) finished trials kept"
                + (opened.requeued.isEmpty ? "" : ", trials \(opened.requeued.map(String.init).joined(separator: ", ")) of a dead worker "
                    + "marked failed and re-queued"))
        }
        let workerCount = workers ?? config.workers ?? 1
        print("study '\(config.studyName)' in \(config.storage): objective \(config.objective.name), "
            + "sampler \(config.samplerName), \(config.trials.map { "\($0) trials" } ?? "no trial limit")"
            + (config.timeoutSeconds.map { ", timeout \($0) s" } ?? "") + ", \(workerCount) worker"
            + (workerCount == 1 ? "" : " processes"))
        let table = TrialTable(config: config, quiet: quiet)
        table.printHeader()
        let start = Date()
        let failures = try runner.optimize(opened, workers: workerCount, workerArguments: { index, deadline in
            ["tune", configPath, "--worker-process", "--parent", String(getpid()), "--worker-index", String(index),
             "--stream", String(opened.stream)] + (deadline.map { ["--deadline", String($0)] } ?? [])
                + (storage.map { ["--storage", $0] } ?? [])
        }, onFinished: table.add)
        for failure in failures {
            FileHandle.standardError.write(Data("hone tune: error: worker process \(failure.pid) exited with status \(failure.status)\n".utf8))
        }
        let summary = try TuneSummary.write(config: config, study: opened.study, elapsed: Date().timeIntervalSince(start))
        print("")
        let trials = summary.counts.values.reduce(0, +)
        print("\(trials) trials: " + [TrialState.complete, .pruned, .failed, .running, .waiting]
            .compactMap { summary.counts[$0]! > 0 ? "\(summary.counts[$0]!) \($0.rawValue)" : nil }.joined(separator: ", "))
        if let best = summary.best, let value = best.value {
            print("best: trial \(best.number), value \(fmt(value))  " + paramText(best, order: config.searchSpace.parameters.map(\.name)))
        }
        if config.directions.count > 1 { try printParetoFront(opened.study, order: config.searchSpace.parameters.map(\.name), indent: "") }
        printImportances(summary.importances, indent: "")
        if let bestConfig = summary.fields["best_config"] as? String { print("best training configuration written to \(bestConfig)") }
        print("summary written to \(config.summaryPath)")
        return failures.isEmpty ? 0 : 1
    }

    private static func printStatus(path text: String, study name: String?) throws -> Int32 {
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
                printImportances(TuneSummary.parameterImportances(study), indent: "  ")
            } else if study.directions.count > 1 {
                try printParetoFront(study, indent: "  ")
            }
            let running = try storage.runningTrialWorkers(studyID: study.studyID)
            for (number, worker) in running {
                guard let worker else {
                    print("  running: trial \(number) (worker not recorded)")
                    continue
                }
                if worker.isKnownDead {
                    print("  stale: trial \(number) on \(worker): worker \(worker.pid) is not running; `--resume` re-queues it")
                } else {
                    print("  running: trial \(number) on \(worker)")
                }
            }
            let failures = trials.filter { $0.state == .failed }.suffix(3)
            for t in failures { print("  failed trial \(t.number): \(t.failReason ?? "")") }
        }
        return 0
    }
}

/// The non-dominated trials of a multi-objective study, with their values and parameters
/// (the first ten: a front can hold every trial).
private func printParetoFront(_ study: Study, order: [String] = [], indent: String) throws {
    let front = try study.bestTrials
    print("\(indent)Pareto front: \(front.count) trials")
    for t in front.prefix(10) {
        print("\(indent)  trial \(t.number): " + t.values!.map(fmt).joined(separator: ", ") + "  " + paramText(t, order: order))
    }
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
