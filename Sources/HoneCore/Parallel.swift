import Dispatch
import Foundation
#if !canImport(Accelerate)
    import CDNNL
#endif

/// Splits loops over many elements across the machine's cores.
///
/// On Linux the chunks run on the OpenMP thread team that oneDNN's GEMM also uses
/// (GNU libgomp). One team for both means no second pool competing for the cores, a
/// team that is still spinning from the last GEMM picks the next loop up at once, and
/// a GEMM called inside a parallel loop runs on its own thread, because nested parallel
/// regions are serial. Elsewhere Dispatch's `concurrentPerform` runs them.
public enum Parallel {
    /// The number of worker threads loops are split into.
    public static let workerCount = max(1, ProcessInfo.processInfo.activeProcessorCount)

    /// Below this many units of work (about one simple float operation each) a loop runs
    /// on the calling thread. A vectorized pass does ~10⁹ of them per second, so waking
    /// and joining a second thread pays only above a few hundred thousand; on a
    /// loaded machine the join waits for the slowest thread, so small loops stay serial.
    public static let minimumWorkPerThread = 1 << 18

    /// Runs `body` over `0..<count` in contiguous chunks, in parallel when
    /// `count * costPerItem` is large enough to pay for it.
    ///
    /// `body` receives a half-open range and must write only to memory owned by that range.
    @inlinable
    public static func forEachChunk(_ count: Int, costPerItem: Int = 1, _ body: (Range<Int>) -> Void) {
        guard count > 0 else { return }
        let totalWork = count * max(costPerItem, 1)
        let chunks = min(workerCount, count, max(1, totalWork / minimumWorkPerThread))
        if chunks <= 1 {
            body(0..<count)
            return
        }
        let perChunk = (count + chunks - 1) / chunks
        runChunks(chunks) { c in
            let start = c * perChunk
            let end = min(start + perChunk, count)
            if start < end { body(start..<end) }
        }
    }

    /// Calls `body` once for each of `0..<chunks`, spread over the worker threads; returns
    /// when all calls have.
    @usableFromInline
    static func runChunks(_ chunks: Int, _ body: (Int) -> Void) {
        #if canImport(Accelerate)
            DispatchQueue.concurrentPerform(iterations: chunks, execute: body)
        #else
            withoutActuallyEscaping(body) { body in
                var work = TeamWork(chunks: chunks, body: body)
                withUnsafeMutablePointer(to: &work) { pointer in
                    GOMP_parallel(runTeamMember, pointer, UInt32(chunks), 0)
                }
            }
        #endif
    }
}

#if !canImport(Accelerate)
    /// What every member of an OpenMP team needs: how many chunks and what to do with one.
    private struct TeamWork {
        let chunks: Int
        let body: (Int) -> Void
    }

    /// One team member's share: chunks `thread`, `thread + team size`, … (a nested region
    /// has a team of one, which then runs every chunk).
    private func runTeamMember(_ context: UnsafeMutableRawPointer?) {
        let work = context!.assumingMemoryBound(to: TeamWork.self)
        let teamSize = Int(omp_get_num_threads())
        var chunk = Int(omp_get_thread_num())
        while chunk < work.pointee.chunks {
            work.pointee.body(chunk)
            chunk += teamSize
        }
    }
#endif
