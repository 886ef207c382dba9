import Foundation
import HoneCore
import HoneDistributed
import HoneTrain

/// How `hone train` ends under MPI: every rank finishes MPI after a good run; a rank that
/// fails while training ends the whole job at once (the others may be waiting for it in an
/// all-reduce), naming itself; an error in preparing the run, which every rank meets alike
/// from the same config, is printed by rank 0 alone.
enum DistributedTraining {
    /// An error one rank met while training.
    struct RankFailure: Error, CustomStringConvertible {
        let rank: Int
        let size: Int
        let underlying: Error
        var description: String { "rank \(rank) of \(size): \(CommandLineTool.describe(underlying))" }
    }

    /// Runs `body` (the whole command) as one rank of `mpi`'s job and returns its exit code.
    static func run(_ mpi: MPICommunicator, _ body: () throws -> Int32) throws -> Int32 {
        do {
            let code = try body()
            mpi.finish()
            return code
        } catch let failure as RankFailure {
            FileHandle.standardError.write(Data("hone train: error: \(failure)\n".utf8))
            mpi.abortJob(code: 1)
        } catch {
            let sameOnEveryRank = error is UsageError || CommandLineTool.isConfigurationError(error)
                || { if case TrainingError.invalidSetting = error { return true } else { return false } }()
            if mpi.rank == 0 { throw error }
            if sameOnEveryRank { exit(CommandLineTool.isConfigurationError(error) || error is UsageError ? 2 : 1) }
            throw RankFailure(rank: mpi.rank, size: mpi.size, underlying: error)
        }
    }

    /// Runs `body` (the training), marking an error it throws as this rank's failure.
    static func duringTraining<Result>(_ dataParallel: DataParallel?, _ body: () throws -> Result) throws -> Result {
        guard let communicator = dataParallel?.communicator else { return try body() }
        do {
            return try body()
        } catch {
            throw RankFailure(rank: communicator.rank, size: communicator.size, underlying: error)
        }
    }
}
