import Foundation

/// `hone`: the command-line face of Hone. Each command is one ``CommandSpec``: its options
/// are declared once, its help is generated, and its body calls the library.
WaitPolicy.relaunchWithQuietWaitingIfUnset()

let tool = CommandLineTool(commands: [
    TrainCommand.spec,
    TuneCommand.spec,
    BenchCommand.spec,
    PredictCommands.predict,
    PredictCommands.evaluate,
    ReportCommand.spec,
    DoctorCommand.spec,
    ExplainCommand.spec,
])

exit(tool.run(Array(CommandLine.arguments.dropFirst())))
