import Foundation
import HoneOptim
import Testing

@testable import HoneTrain

/// Reduce-on-plateau from a config watches every per-epoch validation metric of the run's
/// task, with the direction inferred from the name, and refuses names the task never measures.
@Suite struct PlateauMonitorTests {
    func plateau(_ schedule: String, task: String = "classification") throws -> ReduceOnPlateauCallback {
        let json = #"{"data": {"source": "fashion-mnist"}, "model": {"zoo": "mlp"}, "task": "\#(task)", "schedule": \#(schedule)}"#
        let config = try TrainingConfig(json: try JSONValue.parse(json), baseDirectory: URL(fileURLWithPath: "/nonexistent"))
        let optimizer = SGD(parameters: [], learningRate: 0.1)
        let made = try config.schedule?.makeCallback(optimizer: optimizer, learningRate: 0.1, epochs: 3, batchesPerEpoch: 1)
        let callback = try #require(made)
        return try #require(callback as? ReduceOnPlateauCallback)
    }

    @Test func validationScoresAreMaximizedAndErrorsMinimized() throws {
        for (monitor, task, mode) in [
            ("val_macro_f1", "classification", ReduceOnPlateau.Mode.max), ("val_roc_auc", "classification", .max),
            ("val_accuracy", "classification", .max), ("val_loss", "classification", .min),
            ("val_r2", "regression", .max), ("val_rmse", "regression", .min), ("val_mae", "regression", .min),
        ] {
            let callback = try plateau(#"{"name": "reduce_on_plateau", "monitor": "\#(monitor)"}"#, task: task)
            #expect(callback.monitor == monitor)
            #expect(callback.plateau.mode == mode, "\(monitor)")
        }
    }

    @Test func anExplicitModeWins() throws {
        let callback = try plateau(#"{"name": "reduce_on_plateau", "monitor": "val_macro_f1", "mode": "min"}"#)
        #expect(callback.plateau.mode == .min)
    }

    @Test func aMetricTheTaskDoesNotMeasureIsRefusedWithTheClosestName() {
        #expect(throws: ConfigError.invalidValue(path: "schedule.monitor", message: "'val_rmse' is not measured")) {
            _ = try plateau(#"{"name": "reduce_on_plateau", "monitor": "val_rmse"}"#)
        }
        #expect(throws: ConfigError.invalidValue(path: "schedule.monitor", message: "'val_macro_f11' is not measured; did you mean 'val_macro_f1'?")) {
            _ = try plateau(#"{"name": "reduce_on_plateau", "monitor": "val_macro_f11"}"#)
        }
    }
}
