import Dispatch
import Foundation

/// Splits loops over many elements across the machine's cores.
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
        DispatchQueue.concurrentPerform(iterations: chunks) { c in
            let start = c * perChunk
            let end = min(start + perChunk, count)
            if start < end { body(start..<end) }
        }
    }
}
