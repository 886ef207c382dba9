import Foundation
import HoneCore
import HoneTrain

/// `hone predict` and `hone evaluate`: a finished run on new data, through ``SavedRun``.
enum PredictCommands {
    static let predict = CommandSpec(
        name: "predict", summary: "write a finished run's predictions for new data (CSV, IDX images, CIFAR batch)",
        positionals: [
            PositionalSpec(name: "RUN_DIR", help: "a finished run (config.json and model.safetensors)"),
            PositionalSpec(name: "DATA", help: "a CSV with the run's columns in any order, IDX images or a CIFAR-10 batch"),
        ],
        options: [.option("out", .text("FILE"), "write the predictions to FILE (CSV) instead of standard output")],
        notes: "  classification: the predicted class and one probability per class; regression: the values",
        run: runPredict)

    static let evaluate = CommandSpec(
        name: "evaluate", summary: "measure a finished run on labelled data and save the metrics",
        positionals: [
            PositionalSpec(name: "RUN_DIR", help: "a finished run (config.json and model.safetensors)"),
            PositionalSpec(name: "DATA", help: "a CSV with the run's columns and target, IDX images or a CIFAR-10 batch"),
        ],
        options: [
            .option("labels", .text("FILE"), "the IDX labels of IDX images"),
            .option("out", .text("FILE"), "where the metrics go (default RUN_DIR/evaluate-DATA.json)"),
        ],
        run: runEvaluate)

    static func runPredict(_ arguments: ParsedArguments) throws -> Int32 {
        let run = try SavedRun(directory: URL(fileURLWithPath: arguments.positionals[0]))
        let data = try run.read(URL(fileURLWithPath: arguments.positionals[1]), labelled: false)
        let outputs = try run.predict(data)
        let columns = outputs.shape[1]
        var lines: [String]
        if let classes = run.classNames {
            lines = [(["prediction"] + classes.map { "p_\($0)" }).joined(separator: ",")]
            for row in 0..<outputs.shape[0] {
                let probabilities = (0..<columns).map { outputs[row, $0] }
                let best = probabilities.indices.max { probabilities[$0] < probabilities[$1] }!
                lines.append(([classes[best]] + probabilities.map { String(format: "%.6g", $0) }).joined(separator: ","))
            }
        } else {
            lines = [(columns == 1 ? ["prediction"] : (0..<columns).map { "prediction_\($0)" }).joined(separator: ",")]
            for row in 0..<outputs.shape[0] {
                lines.append((0..<columns).map { String(format: "%.7g", outputs[row, $0]) }.joined(separator: ","))
            }
        }
        let text = lines.joined(separator: "\n") + "\n"
        if let out = arguments.text("out") {
            try AtomicFile.write(text, to: URL(fileURLWithPath: out))
            print("\(outputs.shape[0]) predictions written to \(out)")
        } else {
            print(text, terminator: "")
        }
        return 0
    }

    static func runEvaluate(_ arguments: ParsedArguments) throws -> Int32 {
        let directory = URL(fileURLWithPath: arguments.positionals[0])
        let dataURL = URL(fileURLWithPath: arguments.positionals[1])
        let run = try SavedRun(directory: directory)
        let data = try run.read(dataURL, labels: arguments.text("labels").map { URL(fileURLWithPath: $0) }, labelled: true)
        let metrics = try run.evaluate(data)
        let name = dataURL.lastPathComponent.split(separator: ".").first.map(String.init) ?? "data"
        let out = arguments.text("out").map { URL(fileURLWithPath: $0) } ?? directory.appendingPathComponent("evaluate-\(name).json")
        try AtomicFile.write(try NonFiniteJSON.encoder([.sortedKeys, .prettyPrinted]).encode(metrics), to: out)
        let shown = metrics.keys.sorted().map { key in
            key.hasSuffix("accuracy") ? "\(key) \(String(format: "%.2f%%", metrics[key]! * 100))" : "\(key) \(String(format: "%.4f", metrics[key]!))"
        }
        print("\(data.count) samples: " + shown.joined(separator: ", "))
        print("metrics written to \(out.path)")
        return 0
    }
}
