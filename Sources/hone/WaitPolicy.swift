import Foundation

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
/// if another task is runnable in each of a few looks at `/proc/stat` over 40 ms, the
/// threads sleep (`OMP_WAIT_POLICY=passive`); otherwise they spin for a bounded while
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
            if machineIsBusy(statisticsPath: environment["HONE_PROC_STAT"] ?? "/proc/stat") {
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

    /// Whether another task besides this one was runnable at each of five looks, 10 ms
    /// apart, at the kernel's count of running tasks (`procs_running` in `/proc/stat`, which
    /// counts this process too); a file that cannot be read counts as busy, the safe side.
    ///
    /// `HONE_PROC_STAT` names another file in that format, so that tests can choose the count.
    static func machineIsBusy(statisticsPath: String) -> Bool {
        for look in 0..<5 {
            if look > 0 { usleep(10_000) }
            guard let text = try? String(contentsOfFile: statisticsPath, encoding: .utf8),
                  let line = text.split(separator: "\n").first(where: { $0.hasPrefix("procs_running ") }),
                  let running = Int(line.dropFirst("procs_running ".count).trimmingCharacters(in: .whitespaces))
            else { return true }
            if running <= 1 { return false }
        }
        return true
    }
}
