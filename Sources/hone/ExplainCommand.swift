import Foundation
import HoneCore
import HoneExplain
import HoneTrain

/// `hone explain RUN_DIR [DATA]`: explains a trained run's model on DATA (a CSV laid out
/// like the training file; the run's test split, else its validation split, by default)
/// and writes `explanation.json`, `importance.svg` and `beeswarm.svg`.
enum ExplainCommand {
    static let spec = CommandSpec(
        name: "explain", summary: "explain a trained run's model: global importance and per-row attributions",
        positionals: [
            PositionalSpec(name: "RUN_DIR", help: "a finished run"),
            PositionalSpec(name: "DATA.csv", help: "rows laid out like the training file (default the run's test split, else validation)", optional: true),
        ],
        options: [
            .option("method", .choice("M", ExplainMethod.allCases.map(\.rawValue)), "the explanation (default treeshap for tree runs, else kernelshap)"),
            .option("rows", .text("0,1,5-9"), "rows explained one by one (default the first 20)"),
            .option("out", .text("DIR"), "where the files go (default RUN_DIR/explain/METHOD)"),
            .option("seed", .integer("N", minimum: 0), "the seed of sampled explanations (default 0)"),
            .option("output", .integer("K", minimum: 0), "the model output explained (default: class 1 of a classifier with two classes, else 0)"),
            .option("config", .text("CONFIG.json"), "the run's original config, when its data paths are relative to another folder"),
        ],
        run: run)

    static func run(_ arguments: ParsedArguments) throws -> Int32 {
        let rowSelection = try arguments.text("rows").map(parseRows)
        let runDirectory = URL(fileURLWithPath: arguments.positionals[0])
        let trained = try TrainedModel(runDirectory: runDirectory, config: arguments.text("config").map { URL(fileURLWithPath: $0) })
        let isTreeRun: Bool
        if case .trees = trained.model { isTreeRun = true } else { isTreeRun = false }
        let method = ExplainMethod(rawValue: arguments.text("method") ?? (isTreeRun ? "treeshap" : "kernelshap"))!
        let d = trained.featureCount
        let training = FeatureRows(values: try datasetRows(trained.data.training), featureCount: d)
        let data: FeatureRows, labels: [Int]?, targets: [Float]?, dataName: String
        if arguments.positionals.count == 2 {
            let url = URL(fileURLWithPath: arguments.positionals[1])
            let read = try trained.readRows(csv: url)
            data = FeatureRows(values: read.rows, featureCount: read.featureCount)
            (labels, targets, dataName) = (read.labels, read.targets, url.path)
        } else {
            guard let split = trained.data.test ?? trained.data.validation else {
                throw UsageError(description: "the run has no test or validation split; give DATA")
            }
            data = FeatureRows(values: try datasetRows(split), featureCount: d)
            labels = split.classLabels
            targets = trained.isClassifier ? nil : (0..<split.count).map { index in
                if case .values(let values) = split.label(at: index) { return values[0] }
                return 0
                }
                dataName = trained.data.test != nil ? "the test split" : "the validation split"
            }
            let outputCount = trained.data.outputCount
            var request = ExplanationRequest(method: method, rows: rowSelection ?? Array(0..<min(20, data.rowCount)))
            request.output = arguments.integer("output") ?? (trained.isClassifier && outputCount == 2 ? 1 : 0)
            request.seed = UInt64(arguments.integer("seed") ?? 0)
            let model = ExplainableModel(
                prediction: PredictionFunction(featureCount: d, outputCount: outputCount, tensorFunction: trained.predict),
                kind: trained.model.kindDescription, differentiable: trained.differentiable, treeSHAP: trained.treeSHAP,
                treeSHAPScale: trained.treeSHAPScale)
            let output = try ExplanationJob.run(
                model: model, data: data, dataName: dataName, training: training, featureNames: trained.featureNames,
                labels: trained.isClassifier ? labels : nil, targets: targets, request: request)
            let directory = arguments.text("out").map { URL(fileURLWithPath: $0) }
                ?? runDirectory.appendingPathComponent("explain").appendingPathComponent(method.rawValue)
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try AtomicFile.write(output.json, to: directory.appendingPathComponent("explanation.json"))
            try AtomicFile.write(Data(output.importanceSVG.utf8), to: directory.appendingPathComponent("importance.svg"))
            if let beeswarm = output.beeswarmSVG { try AtomicFile.write(Data(beeswarm.utf8), to: directory.appendingPathComponent("beeswarm.svg")) }
            print("wrote \(directory.path)/explanation.json")
            return 0
    }

    /// `0,3,5-9` → [0, 3, 5, 6, 7, 8, 9].
    static func parseRows(_ text: String) throws -> [Int] {
        try text.split(separator: ",").flatMap { part -> [Int] in
            let bounds = part.split(separator: "-", maxSplits: 1).map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard !bounds.isEmpty, bounds.allSatisfy({ $0 != nil && $0! >= 0 }), bounds.count == 1 || bounds[0]! <= bounds[1]! else {
                throw UsageError(description: "--rows expects indices like 0,3,5-9, got '\(text)'")
            }
            return Array(bounds[0]!...bounds[bounds.count - 1]!)
        }
    }

    private static func datasetRows(_ dataset: AnyDataset) throws -> [Float] {
        let width = dataset.sampleElementCount
        var values = [Float](repeating: 0, count: dataset.count * width)
        values.withUnsafeMutableBufferPointer { buffer in
            for index in 0..<dataset.count {
                dataset.copyInput(at: index, into: UnsafeMutableBufferPointer(rebasing: buffer[(index * width)..<((index + 1) * width)]))
            }
        }
        return values
    }
}
