import Dispatch
import Foundation

/// Wall-clock timing for benchmarks: warm-up runs, then repeated runs until both a
/// minimum count and a minimum duration are reached; the median resists the noise of
/// shared machines.
public enum Timing {
    /// The median seconds per call of `body`.
    public static func medianSeconds(warmup: Int = 2, minimumRuns: Int = 5, minimumSeconds: Double = 0.5, _ body: () -> Void) -> Double {
        for _ in 0..<warmup { body() }
        var samples: [Double] = []
        let start = DispatchTime.now().uptimeNanoseconds
        while samples.count < minimumRuns || Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9 < minimumSeconds {
            let t0 = DispatchTime.now().uptimeNanoseconds
            body()
            samples.append(Double(DispatchTime.now().uptimeNanoseconds - t0) * 1e-9)
        }
        samples.sort()
        return samples[samples.count / 2]
    }

    /// The resident set size of this process in bytes (Linux `/proc/self/statm`; 0 elsewhere).
    public static func residentBytes() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    /// The peak resident set size of this process in bytes (`VmHWM`; 0 where unavailable).
    public static func peakResidentBytes() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in text.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            let digits = line.split(separator: " ").compactMap { Int($0) }
            return (digits.first ?? 0) * 1024
        }
        return 0
    }
}
