import Foundation
import HoneCore

/// How the worker threads of the libraries `hone` links wait for work.
///
/// libgomp's default lets an OpenMP thread (oneDNN's, and those of Hone's own parallel
/// loops) that finished its share busy-spin for a while before sleeping. On a machine with
/// spare cores that saves a wake-up; on one whose cores are taken by other processes the
/// spinning thread burns the time slice the thread it waits for needs, and every barrier
/// of every layer pays for it: training a residual network beside a busy compiler ran
/// several times slower than with sleeping waits. OpenBLAS, linked only for the kernels
/// benchmark's reference GEMM, starts a pool of threads that spin-yield the same way.
///
/// Spinning does pay on an idle machine: measured on 2 cores, libgomp's default spinning
/// ran W1 inference 1.5× and W1–W4 training 1.13–1.37× faster than sleeping waits, and
/// batch-1 latency 4× lower; beside two busy processes it made W3 training 3.4× slower.
/// So when the environment does not decide, `hone` looks at the machine as it starts:
/// if other processes kept the cores more than a quarter busy over 80 ms, the threads
/// sleep (`OMP_WAIT_POLICY=passive`); otherwise they spin for a bounded while
/// (`GOMP_SPINCOUNT=300000`, libgomp's own default, set explicitly so that the choice is
/// visible in the process's environment). A machine that becomes busy later keeps the
/// choice made at the start.
///
/// Both libraries read these settings once, when they are loaded, so `hone` sets them
/// (the wait policy unless the user chose `OMP_WAIT_POLICY` or `GOMP_SPINCOUNT`, and
/// `OPENBLAS_NUM_THREADS=1` unless the user chose it, and not for `hone bench kernels`,
/// which measures OpenBLAS with all its threads), then starts itself again.
enum WaitPolicy {
    /// Re-executes this program with the settings above when the environment lacks them;
    /// returns (and the program goes on as it is) when nothing needs setting or
    /// re-executing is not possible.
    static func relaunchWithQuietWaitingIfUnset() {
        let environment = ProcessInfo.processInfo.environment
        var changed = false
        if environment["OMP_WAIT_POLICY"] == nil && environment["GOMP_SPINCOUNT"] == nil {
            if machineIsBusy(environment: environment) {
                setenv("OMP_WAIT_POLICY", "passive", 1)
            } else {
                setenv("GOMP_SPINCOUNT", "300000", 1)
            }
            changed = true
        }
        if environment["OPENBLAS_NUM_THREADS"] == nil && Array(CommandLine.arguments.dropFirst().prefix(2)) != ["bench", "kernels"] {
            setenv("OPENBLAS_NUM_THREADS", "1", 1)
            changed = true
        }
        guard changed else { return }
        // The signal mask survives execv, and by now the runtime may have blocked signals
        // on this thread: without this the new image could ignore SIGTERM and SIGINT.
        var unblocked = sigset_t()
        sigemptyset(&unblocked)
        sigprocmask(SIG_SETMASK, &unblocked, nil)
        let arguments = CommandLine.arguments.map { strdup($0) } + [nil]
        execv("/proc/self/exe", arguments)
        // Only reached when execv failed: carry on with the libraries' defaults.
        for argument in arguments { free(argument) }
    }

    /// Whether other work kept the cores more than a quarter busy over 80 ms, from the
    /// machine-wide CPU time counters of `/proc/stat` read before and after, less this
    /// process's own CPU time in between; stolen time counts as busy.
    /// Counters that cannot be read count as busy, the safe side.
    ///
    /// `HONE_PROC_STAT="BEFORE:AFTER"` names two files in `/proc/stat`'s format to read
    /// instead, so that tests can choose the load.
    static func machineIsBusy(environment: [String: String]) -> Bool {
        let override = environment["HONE_PROC_STAT"]
        let paths = override.map { $0.split(separator: ":").map(String.init) } ?? ["/proc/stat", "/proc/stat"]
        let ownBefore = ProcessClock.cpuSeconds()
        guard paths.count == 2, let before = cpuTimes(paths[0]) else { return true }
        if override == nil { usleep(80_000) }
        guard let after = cpuTimes(paths[1]) else { return true }
        // This process's own threads (OpenBLAS starts a pool that spins as it is loaded) are not other work.
        let own = override == nil ? (ProcessClock.cpuSeconds() - ownBefore) * Double(sysconf(Int32(_SC_CLK_TCK))) : 0
        let busy = Double(after.busy - before.busy) - own, idle = Double(after.idle - before.idle)
        guard idle >= 0, busy + idle > 0 else { return true }
        return busy > 0.25 * (max(busy, 0) + idle)
    }

    /// The machine's busy (user, nice, system, irq, softirq, steal) and idle (idle, iowait)
    /// clock ticks since boot: the first line of `/proc/stat`.
    static func cpuTimes(_ path: String) -> (busy: Int, idle: Int)? {
        // Read to the end of the file: `/proc` files report a size of 0, which whole-file readers trust.
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        let text = String(decoding: handle.readDataToEndOfFile(), as: UTF8.self)
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("cpu ") })
        else { return nil }
        let fields = line.split(separator: " ").dropFirst().compactMap { Int($0) }
        guard fields.count >= 8 else { return nil }
        return (fields[0] + fields[1] + fields[2] + fields[5] + fields[6] + fields[7], fields[3] + fields[4])
    }
}
