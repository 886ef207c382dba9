import Foundation

/// How a study's workers show they are alive: every `interval` seconds each worker records
/// a heartbeat for its running trials and fails (and re-enqueues) the trials of workers
/// silent for more than `grace` seconds, on any host.
public struct Heartbeat: Sendable, Equatable {
    /// Seconds between a worker's heartbeats.
    public var interval: TimeInterval
    /// Seconds without a heartbeat after which a running trial is given up.
    public var grace: TimeInterval

    /// Throws unless `0 < interval < grace`.
    public init(interval: TimeInterval, grace: TimeInterval) throws {
        guard interval > 0, grace > interval else {
            throw TuneError.invalidArgument(
                "a heartbeat needs 0 < interval < grace, got interval \(interval) s and grace \(grace) s")
        }
        self.interval = interval
        self.grace = grace
    }
}

/// Signals a heartbeat thread to end, and waits for it.
final class HeartbeatThread: @unchecked Sendable {
    fileprivate let done = DispatchSemaphore(value: 0)
    fileprivate let finished = DispatchSemaphore(value: 0)

    func stop() {
        done.signal()
        finished.wait()
    }
}

extension Study {
    /// Every `policy.interval` seconds: a heartbeat for this study's running trials, then the
    /// trials of silent workers failed and re-enqueued. A storage error goes to `failure`
    /// and ends the thread.
    func startHeartbeat(_ policy: Heartbeat, failure: @escaping @Sendable (Error) -> Void) -> HeartbeatThread {
        let pulse = HeartbeatThread()
        let thread = Thread { [self] in
            defer { pulse.finished.signal() }
            while pulse.done.wait(timeout: .now() + policy.interval) == .timedOut {
                do {
                    try storage.recordHeartbeat(studyID: studyID, numbers: activeTrialNumbers)
                    try resume(policy: .missedHeartbeats(grace: policy.grace))
                } catch {
                    failure(error)
                    return
                }
            }
        }
        thread.name = "hone-tune-heartbeat"
        thread.start()
        return pulse
    }
}
