import Foundation

/// The CPU time of this process, for measurements that must not count other processes'
/// work: on a shared machine wall-clock times stretch with the load, CPU seconds do not.
public enum ProcessClock {
    /// User plus system CPU seconds used so far by all of this process's threads
    /// (`getrusage(RUSAGE_SELF)`).
    public static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        let user = Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) * 1e-6
        let system = Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) * 1e-6
        return user + system
    }
}
