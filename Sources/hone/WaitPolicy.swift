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
/// Both libraries read these settings once, when they are loaded, so `hone` sets
/// `OMP_WAIT_POLICY=passive` (unless the user chose it or `GOMP_SPINCOUNT`) and
/// `OPENBLAS_NUM_THREADS=1` (unless the user chose it, and not for `hone bench kernels`,
/// which measures OpenBLAS with all its threads), then starts itself again.
enum WaitPolicy {
    /// Re-executes this program with the settings above when the environment lacks them;
    /// returns (and the program goes on as it is) when nothing needs setting or
    /// re-executing is not possible.
    static func relaunchWithQuietWaitingIfUnset() {
        let environment = ProcessInfo.processInfo.environment
        var changed = false
        if environment["OMP_WAIT_POLICY"] == nil && environment["GOMP_SPINCOUNT"] == nil {
            setenv("OMP_WAIT_POLICY", "passive", 1)
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
}
