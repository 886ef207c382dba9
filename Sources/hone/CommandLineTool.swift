import Foundation
import HoneCore
import HoneTune

/// The `hone` tool: a list of ``CommandSpec``s, `hone help [COMMAND]`, and one policy for
/// errors: one line on standard error, exit code 2 for a bad command line or
/// configuration, 1 for a failure while running.
struct CommandLineTool {
    let commands: [CommandSpec]

    /// `hone help`'s text: every command's summary.
    var overview: String {
        let width = commands.map(\.name.count).max() ?? 0
        var lines = ["hone — build, train, tune, diagnose, explain, report", "", "usage: hone COMMAND [ARGUMENTS]"]
        for command in commands {
            lines.append("  \(command.name)\(String(repeating: " ", count: width - command.name.count))  \(command.summary)")
        }
        lines.append("  help\(String(repeating: " ", count: max(width - 4, 0)))  show this text, or a command's: hone help COMMAND")
        return lines.joined(separator: "\n")
    }

    /// Runs the command named by `words[0]`; returns the process exit code.
    func run(_ words: [String]) -> Int32 {
        guard let name = words.first else {
            print(overview)
            return 2
        }
        if ["help", "--help", "-h"].contains(name) {
            guard words.count > 1 else {
                print(overview)
                return 0
            }
            guard let command = command(named: words[1], label: "hone") else { return 2 }
            print(command.help)
            return 0
        }
        guard let command = command(named: name, label: "hone") else { return 2 }
        do {
            let arguments = try command.parse(Array(words.dropFirst()))
            if arguments.helpRequested {
                print(command.help)
                return 0
            }
            return try command.run(arguments)
        } catch let error as UsageError {
            report("hone \(command.name): \(error.description)")
            return 2
        } catch {
            report("hone \(command.name): error: \(Self.describe(error))")
            return Self.isConfigurationError(error) ? 2 : 1
        }
    }

    private func command(named name: String, label: String) -> CommandSpec? {
        if let command = commands.first(where: { $0.name == name }) { return command }
        let hint = closestMatch(to: name, in: commands.map(\.name) + ["help"]).map { "; did you mean '\($0)'?" } ?? ""
        report("\(label): unknown command '\(name)'\(hint) (hone help lists the commands)")
        return nil
    }

    /// Errors of what the user gave (a configuration, a study that exists) rather than of the run.
    static func isConfigurationError(_ error: Error) -> Bool {
        error is ConfigError || error is TuneRunError
    }

    /// The error as one line.
    static func describe(_ error: Error) -> String {
        let text = String(describing: error)
        return text.replacingOccurrences(of: "\n", with: " ")
    }

    private func report(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
