import CMPI
import Foundation
import HoneTrain

/// A ``HoneTrain/Communicator`` over MPI's world communicator (OpenMPI): the processes
/// `mpirun -np N` starts, on one host or many.
///
/// MPI is started only on request (``startIfLaunched(explicit:)``), so a plain `hone`
/// never touches it. MPI's default error handler ends the whole job on a failed
/// collective, so a rank that dies never leaves the others waiting.
///
/// ```swift
/// if let mpi = MPICommunicator.startIfLaunched(explicit: false) {
///     defer { mpi.finish() }
///     let run = try TrainingRun(config: config, directory: directory, dataParallel: DataParallel(communicator: mpi))
///     try run.run()
/// }
/// ```
public final class MPICommunicator: Communicator {
    /// This process's rank in the world communicator.
    public let rank: Int
    /// The number of processes in the world communicator.
    public let size: Int
    private var finished = false

    /// The environment variables launchers set in every process they start (OpenMPI's
    /// `mpirun`, and the PMI of Slurm and MPICH's Hydra).
    public static let launcherVariables = ["OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK"]

    /// Whether this process was started by an MPI launcher.
    public static var isLaunched: Bool {
        let environment = ProcessInfo.processInfo.environment
        return launcherVariables.contains { environment[$0] != nil }
    }

    /// Starts MPI when this process runs under an MPI launcher or `explicit` is true
    /// (a process started alone is then a job of one); nil otherwise, without touching MPI.
    public static func startIfLaunched(explicit: Bool) -> MPICommunicator? {
        guard explicit || isLaunched else { return nil }
        return MPICommunicator()
    }

    private init() {
        var provided: Int32 = 0
        // Only the training thread calls MPI; data-loading threads never do.
        MPI_Init_thread(nil, nil, Int32(MPI_THREAD_FUNNELED), &provided)
        var rank: Int32 = 0, size: Int32 = 0
        MPI_Comm_rank(hone_mpi_comm_world(), &rank)
        MPI_Comm_size(hone_mpi_comm_world(), &size)
        self.rank = Int(rank)
        self.size = Int(size)
    }

    /// Sums `values` over the ranks in place (`MPI_Allreduce` with `MPI_IN_PLACE`).
    public func allReduceSum(_ values: UnsafeMutableBufferPointer<Float>) {
        guard values.count > 0 else { return }
        MPI_Allreduce(hone_mpi_in_place(), values.baseAddress, Int32(values.count), hone_mpi_float(), hone_mpi_sum(), hone_mpi_comm_world())
    }

    /// Sums `values` over the ranks in place (`MPI_Allreduce` with `MPI_IN_PLACE`).
    public func allReduceSum(_ values: UnsafeMutableBufferPointer<Double>) {
        guard values.count > 0 else { return }
        MPI_Allreduce(hone_mpi_in_place(), values.baseAddress, Int32(values.count), hone_mpi_double(), hone_mpi_sum(), hone_mpi_comm_world())
    }

    /// Copies rank `root`'s `values` to every rank (`MPI_Bcast`).
    public func broadcast(_ values: UnsafeMutableBufferPointer<Float>, from root: Int) {
        guard values.count > 0 else { return }
        MPI_Bcast(values.baseAddress, Int32(values.count), hone_mpi_float(), Int32(root), hone_mpi_comm_world())
    }

    /// Waits for every rank (`MPI_Barrier`).
    public func barrier() {
        MPI_Barrier(hone_mpi_comm_world())
    }

    /// Ends MPI in this process after a successful job (`MPI_Finalize`, collective).
    public func finish() {
        guard !finished else { return }
        finished = true
        MPI_Finalize()
    }

    /// Ends every rank of the job with `code` (`MPI_Abort`): what a rank does when it fails
    /// while the others may be waiting for it in a collective.
    public func abortJob(code: Int32) -> Never {
        MPI_Abort(hone_mpi_comm_world(), code)
        exit(code)
    }
}
