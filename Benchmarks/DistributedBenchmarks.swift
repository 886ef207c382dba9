import Foundation
import HoneCore
import HoneDistributed
import HoneTrain

/// `hone bench distributed`: the cost of MPI all-reduce on this host and what data-parallel
/// training gains from it, measured in `mpirun` jobs this process starts (each a child
/// `hone bench distributed --role …`, whose rank 0 prints a report), and the scaling to
/// many nodes these measurements predict.
///
/// The prediction uses the ring all-reduce model (Patarasuk & Yuan 2009, the algorithm of
/// Horovod and NCCL): summing `n` bytes over `p` ranks costs
/// `2(p−1)/p · n · β + 2(p−1) · α`, with `β` the seconds per byte and `α` the latency of
/// one message. Each node keeps the reference batch (weak scaling, as Horovod reports), so
/// a step costs the measured one-process compute time plus that all-reduce, unoverlapped.
public enum DistributedBenchmarks {
    /// The message sizes timed, in bytes.
    static func messageSizes(quick: Bool) -> [Int] {
        quick ? [4, 4_096, 262_144, 1 << 20] : [4, 1_024, 65_536, 1 << 20, 4 << 20, 16 << 20]
    }

    /// How the ranks of a job reach each other: TCP over loopback (what separate hosts
    /// use) or shared memory (one host).
    public enum Transport: String, CaseIterable, Sendable {
        case tcp, sharedMemory = "shm"

        /// `mpirun`'s arguments that select this transport and keep it on loopback.
        var mpirunArguments: [String] {
            switch self {
            case .tcp: ["--mca", "btl", "self,tcp", "--mca", "btl_tcp_if_include", "lo", "--mca", "oob_tcp_if_include", "lo"]
            case .sharedMemory: ["--mca", "btl", "self,vader", "--mca", "oob_tcp_if_include", "lo"]
            }
        }
    }

    /// A link's cost: seconds per message and per byte.
    public struct LinkCost: Sendable {
        /// Seconds of one message, whatever its size (α).
        public var latency: Double
        /// Seconds per byte (β).
        public var secondsPerByte: Double

        /// A 10 GbE link: about 0.8 ns per byte and 20 µs per message.
        public static let tenGigabitEthernet = LinkCost(latency: 20e-6, secondsPerByte: 0.8e-9)

        /// Seconds of a ring all-reduce of `bytes` over `ranks` ranks.
        public func ringAllReduceSeconds(bytes: Int, ranks: Int) -> Double {
            guard ranks > 1 else { return 0 }
            let p = Double(ranks)
            return 2 * (p - 1) / p * Double(bytes) * secondsPerByte + 2 * (p - 1) * latency
        }
    }

    /// The parent: runs the all-reduce jobs (2 ranks, each transport) and the training jobs
    /// (1 and 2 ranks, W1 and W2), and adds the scaling estimates.
    public static func run(executable: URL, quick: Bool) throws -> [BenchResult] {
        var results: [BenchResult] = []
        var costs: [Transport: LinkCost] = [:]
        for transport in Transport.allCases {
            let measured = try job(executable: executable, ranks: 2, transport: transport, role: "allreduce", quick: quick)
            results += measured
            let points = measured.compactMap { result -> (bytes: Double, seconds: Double)? in
                guard result.metric.hasPrefix("allreduce_us_"), let bytes = Double(result.metric.dropFirst("allreduce_us_".count)) else { return nil }
                return (bytes, result.value * 1e-6)
            }
            let cost = fit(points)
            costs[transport] = cost
            let name = "allreduce-\(transport.rawValue)"
            results.append(BenchResult(workload: name, metric: "latency_us", value: cost.latency * 1e6))
            results.append(BenchResult(workload: name, metric: "ns_per_byte", value: cost.secondsPerByte * 1e9))
        }
        for workload in [TrainBenchmarks.Workload.w1, .w2] {
            var stepSeconds: [Int: Double] = [:]
            var gradientBytes = 0
            for ranks in [1, 2] {
                let measured = try job(
                    executable: executable, ranks: ranks, transport: .sharedMemory, role: "train-\(workload.rawValue.lowercased())", quick: quick)
                for result in measured {
                    if result.metric == "compute_ms" && ranks == 1 { stepSeconds[1] = result.value / 1e3 }
                    if result.metric == "gradient_bytes" { gradientBytes = Int(result.value) }
                    results.append(BenchResult(workload: "\(workload.rawValue)-np\(ranks)", metric: result.metric, value: result.value))
                }
            }
            guard let compute = stepSeconds[1] else { continue }
            for (label, cost) in [("tcp-measured", costs[.tcp]!), ("10gbe", LinkCost.tenGigabitEthernet)] {
                for nodes in [2, 8, 64] {
                    let allReduce = cost.ringAllReduceSeconds(bytes: gradientBytes, ranks: nodes)
                    let name = "\(workload.rawValue)-estimate-\(label)-\(nodes)nodes"
                    results.append(BenchResult(workload: name, metric: "allreduce_ms", value: allReduce * 1e3))
                    results.append(BenchResult(workload: name, metric: "efficiency", value: compute / (compute + allReduce)))
                    results.append(BenchResult(
                        workload: name, metric: "samples_per_s", value: Double(nodes * workload.batchSize) / (compute + allReduce)))
                }
            }
        }
        return results
    }

    /// Least squares of seconds against bytes for a 2-rank all-reduce, read through the ring
    /// model (`n · β + 2α` at p = 2).
    static func fit(_ points: [(bytes: Double, seconds: Double)]) -> LinkCost {
        let count = Double(points.count)
        let meanBytes = points.map(\.bytes).reduce(0, +) / count, meanSeconds = points.map(\.seconds).reduce(0, +) / count
        let covariance = points.map { ($0.bytes - meanBytes) * ($0.seconds - meanSeconds) }.reduce(0, +)
        let variance = points.map { ($0.bytes - meanBytes) * ($0.bytes - meanBytes) }.reduce(0, +)
        let slope = variance > 0 ? covariance / variance : 0
        // The intercept from the smallest message: a large message's noise would swamp it.
        let smallest = points.min { $0.bytes < $1.bytes }!
        return LinkCost(latency: max(smallest.seconds - slope * smallest.bytes, 0) / 2, secondsPerByte: slope)
    }

    /// Runs `hone bench distributed --role ROLE --json` in `ranks` ranks and reads rank 0's report.
    static func job(executable: URL, ranks: Int, transport: Transport, role: String, quick: Bool) throws -> [BenchResult] {
        guard let mpirun = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
            .map({ "\($0)/mpirun" }).first(where: { FileManager.default.isExecutableFile(atPath: $0) })
        else {
            throw TrainBenchmarks.ChildFailure(workload: role, detail: "mpirun is not installed (Debian: openmpi-bin)")
        }
        let arguments = ["-np", String(ranks), "--allow-run-as-root", "--oversubscribe"] + transport.mpirunArguments
            + [executable.path, "bench", "distributed", "--role", role, "--json"] + (quick ? ["--quick"] : [])
        let report = try ChildReport.run(URL(fileURLWithPath: mpirun), arguments: arguments, workload: role)
        return report.results
    }

    /// One rank of an all-reduce job: the mean seconds of an all-reduce of each message
    /// size, in microseconds (rank 0 reports; the others return nothing).
    public static func runAllReduceRank(_ mpi: MPICommunicator, quick: Bool) -> [BenchResult] {
        var results: [BenchResult] = []
        for bytes in messageSizes(quick: quick) {
            var buffer = [Float](repeating: 1, count: max(bytes / 4, 1))
            let repetitions = max(3, min(200, (quick ? 1 << 22 : 1 << 26) / max(bytes, 1)))
            let seconds = buffer.withUnsafeMutableBufferPointer { values -> Double in
                for _ in 0..<3 { mpi.allReduceSum(values) }
                mpi.barrier()
                let start = DispatchTime.now().uptimeNanoseconds
                for _ in 0..<repetitions { mpi.allReduceSum(values) }
                return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 / Double(repetitions)
            }
            results.append(BenchResult(workload: "allreduce", metric: "allreduce_us_\(bytes)", value: seconds * 1e6))
        }
        return mpi.rank == 0 ? results : []
    }

    /// One rank of a training job: steps of `workload` with its reference batch as the
    /// global batch, split across the ranks, gradients averaged by ``HoneTrain/DataParallel``.
    /// Rank 0 reports samples per second, the step's compute and all-reduce milliseconds,
    /// the all-reduce's fraction of the step, and the gradient's bytes.
    public static func runTrainRank(_ mpi: MPICommunicator, workload: TrainBenchmarks.Workload, quick: Bool) -> [BenchResult] {
        var generator = SeededGenerator(seed: 0)
        let model = workload.makeModel()
        let optimizer = workload.makeOptimizer(model.parameters())
        let parallel = DataParallel(communicator: mpi)
        parallel.broadcastWeights(of: model)
        let globalBatch = workload.batchSize
        let local = parallel.shard.positions(inBatchOf: globalBatch).count
        let inputs = workload.makeInputs(count: local, using: &generator)
        let labels = (0..<local).map { _ in generator.nextInt(below: 10) }
        let parameters = model.parameters()
        var computeSeconds = 0.0, allReduceSeconds = 0.0
        func step() {
            let start = DispatchTime.now().uptimeNanoseconds
            optimizer.zeroGrad()
            let loss = crossEntropy(logits: model(inputs), targets: labels)
            loss.backward()
            let computed = DispatchTime.now().uptimeNanoseconds
            parallel.averageGradients(parameters, localSamples: local, localLoss: Double(loss.item))
            let reduced = DispatchTime.now().uptimeNanoseconds
            optimizer.step()
            computeSeconds += Double(computed - start + DispatchTime.now().uptimeNanoseconds - reduced) / 1e9
            allReduceSeconds += Double(reduced - computed) / 1e9
        }
        model.train()
        for _ in 0..<(quick ? 1 : 3) { step() }
        mpi.barrier()
        computeSeconds = 0
        allReduceSeconds = 0
        let steps = quick ? 5 : (workload == .w1 ? 200 : 40)
        let start = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<steps { step() }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        guard mpi.rank == 0 else { return [] }
        let name = workload.rawValue
        return [
            BenchResult(workload: name, metric: "train_samples_per_s", value: Double(steps * globalBatch) / seconds),
            BenchResult(workload: name, metric: "compute_ms", value: computeSeconds / Double(steps) * 1e3),
            BenchResult(workload: name, metric: "allreduce_ms", value: allReduceSeconds / Double(steps) * 1e3),
            BenchResult(workload: name, metric: "allreduce_fraction", value: allReduceSeconds / (computeSeconds + allReduceSeconds)),
            BenchResult(workload: name, metric: "gradient_bytes", value: Double(parameters.reduce(0) { $0 + $1.count } * 4)),
        ]
    }
}
