import Dispatch
import Foundation
#if !canImport(Accelerate)
    import CDNNL
    import Synchronization
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
                let work = TeamWork(chunks: chunks, body: body)
                withExtendedLifetime(work) {
                    GOMP_parallel(runTeamMember, Unmanaged.passUnretained(work).toOpaque(), UInt32(chunks), 0)
                }
            }
        #endif
    }
}

#if !canImport(Accelerate)
    /// What every member of an OpenMP team needs: how many chunks, what to do with one,
    /// and the next chunk nobody has taken yet.
    private final class TeamWork {
        let chunks: Int
        let body: (Int) -> Void
        let next = Atomic<Int>(0)

        init(chunks: Int, body: @escaping (Int) -> Void) {
            self.chunks = chunks
            self.body = body
        }
    }

    /// One team member's share: chunks taken one at a time until none are left. Taking
    /// them (rather than owning chunk `thread number`) matters on a busy machine: when
    /// the other thread is not scheduled yet, the caller does its work instead of
    /// waiting a whole time slice for it (a nested region has a team of one, which then
    /// runs every chunk).
    private func runTeamMember(_ context: UnsafeMutableRawPointer?) {
        let work = Unmanaged<TeamWork>.fromOpaque(context!).takeUnretainedValue()
        while true {
            let chunk = work.next.wrappingAdd(1, ordering: .relaxed).oldValue
            guard chunk < work.chunks else { return }
            work.body(chunk)
        }
    }
#endif
