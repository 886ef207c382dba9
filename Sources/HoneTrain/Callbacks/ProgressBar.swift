import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Shows training progress: on a terminal a live bar with ETA, running loss and
/// samples/s, redrawn in place; in a log or CI (not a terminal) one line per epoch.
public final class ProgressBar: TrainingCallback {
    /// Whether the live bar is drawn (true when standard output is a terminal).
    public let isLive: Bool
    private let write: (String) -> Void
    private var epochStart: UInt64 = 0
    private var lastDraw: UInt64 = 0
    private var lossSum = 0.0, samples = 0
    private var totalEpochs: Int

    /// A progress display for a run of `epochs` epochs.
    ///
    /// - Parameters:
    ///   - live: draw the live bar; `nil` decides by `isatty` on standard output.
    ///   - write: where text goes (standard output by default).
    public init(epochs: Int, live: Bool? = nil, write: @escaping (String) -> Void = ProgressBar.standardOutput) {
        totalEpochs = epochs
        isLive = live ?? (isatty(STDOUT_FILENO) != 0)
        self.write = write
    }

    /// Writes to standard output and flushes.
    public static func standardOutput(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    public func epochWillBegin(_ trainer: Trainer, epoch: Int) throws {
        epochStart = DispatchTime.now().uptimeNanoseconds
        lastDraw = 0
        lossSum = 0
        samples = 0
    }

    public func batchDidEnd(_ trainer: Trainer, batch: Int, loss: Double) throws {
        lossSum += loss * Double(trainer.currentBatchSize)
        samples += trainer.currentBatchSize
        guard isLive else { return }
        let now = DispatchTime.now().uptimeNanoseconds
        let isLast = batch + 1 == trainer.batchesPerEpoch
        guard isLast || now - lastDraw > 100_000_000 else { return }
        lastDraw = now
        let elapsed = Double(now - epochStart) / 1e9
        let done = Double(batch + 1) / Double(max(trainer.batchesPerEpoch, 1))
        let width = 30, filled = Int(done * Double(width))
        let bar = String(repeating: "=", count: filled) + String(repeating: " ", count: width - filled)
        let eta = done > 0 ? elapsed * (1 - done) / done : 0
        let numbers = String(
            format: "loss %.4f  %.0f samples/s", lossSum / Double(max(samples, 1)), Double(samples) / max(elapsed, 1e-9))
        write("\repoch \(trainer.epoch + 1)/\(totalEpochs) [\(bar)] \(batch + 1)/\(trainer.batchesPerEpoch)  \(numbers)  ETA \(ProgressBar.duration(eta)) ")
    }

    public func epochDidEnd(_ trainer: Trainer, record: inout EpochRecord) throws {
        var line = String(format: "epoch %d/%d  loss %.4f", record.epoch, totalEpochs, record.trainLoss)
        for (name, value) in record.trainMetrics.sorted(by: { $0.key < $1.key }) { line += "  \(name) " + String(format: "%.4f", value) }
        if let validationLoss = record.validationLoss { line += String(format: "  val_loss %.4f", validationLoss) }
        for (name, value) in record.validationMetrics.sorted(by: { $0.key < $1.key }) { line += "  val_\(name) " + String(format: "%.4f", value) }
        line += String(format: "  lr %.3g  %.1fs  %.0f samples/s  data wait %.1f%%", record.learningRate, record.seconds,
                       record.samplesPerSecond, record.seconds > 0 ? 100 * record.dataWaitSeconds / record.seconds : 0)
        write((isLive ? "\r\u{1B}[K" : "") + line + "\n")
    }

    /// `75` → `1:15`.
    static func duration(_ seconds: Double) -> String {
        let total = Int(seconds.rounded())
        return String(format: "%d:%02d", total / 60, total % 60)
    }
}
