import Foundation
import HoneCore
import Testing

@Suite struct ProcessClockTests {
    /// A busy loop on this thread for a known wall-clock time must show up as CPU time of
    /// about that length, and a sleep must not.
    @Test func countsThisProcessesWorkAndNotItsSleep() {
        let start = ProcessClock.cpuSeconds(), wallStart = Date()
        var x: UInt64 = 1
        while Date().timeIntervalSince(wallStart) < 0.3 { x = x &* 6_364_136_223_846_793_005 &+ 1 }
        let busy = ProcessClock.cpuSeconds() - start, wall = Date().timeIntervalSince(wallStart)
        #expect(x != 0)
        // At least half the wall time on a machine shared with the other test suites; never more than every core.
        #expect(busy >= 0.15 && busy <= wall * Double(ProcessInfo.processInfo.activeProcessorCount) + 0.05, "busy \(busy) s in \(wall) s")
        let beforeSleep = ProcessClock.cpuSeconds()
        Thread.sleep(forTimeInterval: 0.2)
        // Other test suites run threads of this process meanwhile; on its own the sleep adds nothing, so allow their share only.
        #expect(ProcessClock.cpuSeconds() - beforeSleep < 0.2 * Double(ProcessInfo.processInfo.activeProcessorCount) + 0.05)
    }
}
