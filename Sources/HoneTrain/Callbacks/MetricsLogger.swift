import Foundation

/// Writes one JSON object per epoch to a `metrics.jsonl` file: epoch, training loss and
/// metrics, validation loss and metrics, learning rate, seconds, samples/s, data wait.
///
/// NaN and infinite values are written as ``NonFiniteJSON``'s strings. An epoch whose loss
/// or metric is not finite is logged before the run stops.
///
/// When a run resumes, the file is first rewritten from the checkpoint's history, so
/// epochs logged after the last checkpoint are not repeated.
public final class MetricsLogger: TrainingCallback {
    /// The file written.
    public let url: URL

    /// Logs to `url`.
    public init(url: URL) {
        self.url = url
    }

    public func fitWillBegin(_ trainer: Trainer) throws {
        let lines = try trainer.history.map { try $0.jsonLine() + "\n" }.joined()
        try AtomicFile.write(Data(lines.utf8), to: url)
    }

    public func epochDidEnd(_ trainer: Trainer, record: inout EpochRecord) throws {
        try append(record.jsonLine() + "\n")
    }

    /// A diverged epoch is logged too, so the file shows where the run went wrong.
    public func epochDidDiverge(_ trainer: Trainer, record: EpochRecord) throws {
        try append(record.jsonLine() + "\n")
    }

    private func append(_ line: String) throws {
        do {
            let handle = try FileHandle(forWritingTo: url)
            defer { try? handle.close() }
            try handle.seekToEnd()
            try handle.write(contentsOf: Data(line.utf8))
        } catch {
            throw TrainingError.unwritable(file: url.path, detail: "\(error)")
        }
    }
}
