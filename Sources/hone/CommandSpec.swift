import HoneCore

/// A user error on the command line: printed as one line, exit code 2.
struct UsageError: Error, CustomStringConvertible {
    var description: String
}

/// What an option's value must be; the parser checks it, so commands read typed values.
enum ValueKind {
    /// Any text, shown in help as `placeholder`.
    case text(_ placeholder: String)
    /// A whole number no smaller than `minimum`.
    case integer(_ placeholder: String, minimum: Int)
    /// A finite decimal number.
    case number(_ placeholder: String)
    /// One of `choices`.
    case choice(_ placeholder: String, _ choices: [String])

    var placeholder: String {
        switch self {
        case .text(let p), .integer(let p, _), .number(let p), .choice(let p, _): return p
        }
    }

    /// `text` when it is a valid value, else the reason (without the option's name).
    func check(_ text: String) -> String? {
        switch self {
        case .text: return nil
        case .integer(_, let minimum):
            guard let value = Int(text) else { return "expects an integer, got '\(text)'" }
            return value < minimum ? "must be at least \(minimum), got \(value)" : nil
        case .number:
            guard let value = Double(text), value.isFinite else { return "expects a number, got '\(text)'" }
            return nil
        case .choice(_, let choices):
            guard !choices.contains(text) else { return nil }
            let hint = closestMatch(to: text, in: choices).map { "; did you mean '\($0)'?" } ?? ""
            return "expects one of \(choices.joined(separator: ", ")), got '\(text)'\(hint)"
        }
    }
}

/// One `--name` flag or `--name VALUE` option, declared once: parsing, checking and help come from it.
struct OptionSpec {
    let name: String
    /// `nil` for a flag.
    let value: ValueKind?
    let help: String
    /// Left out of the help (options one `hone` process passes to another).
    let hidden: Bool

    /// A flag: present or not.
    static func flag(_ name: String, _ help: String, hidden: Bool = false) -> OptionSpec {
        OptionSpec(name: name, value: nil, help: help, hidden: hidden)
    }

    /// An option taking a value of `kind`, as `--name VALUE` or `--name=VALUE`.
    static func option(_ name: String, _ kind: ValueKind, _ help: String, hidden: Bool = false) -> OptionSpec {
        OptionSpec(name: name, value: kind, help: help, hidden: hidden)
    }

    var helpLabel: String { "--\(name)" + (value.map { " \($0.placeholder)" } ?? "") }
}

/// A positional argument: `CONFIG.json`, `SUITE`.
struct PositionalSpec {
    let name: String
    let help: String
    var optional = false
    /// When set, the only accepted words.
    var choices: [String]? = nil
}

/// A subcommand of `hone`: its arguments, its help, and the library call it makes.
///
/// Adding a command is one declaration in `main.swift`'s list:
///
/// ```swift
/// CommandSpec(name: "doctor", summary: "diagnose a run",
///             positionals: [PositionalSpec(name: "RUN_DIR", help: "the run to read")],
///             options: [.flag("json", "print the findings as JSON")]) { arguments in
///     try Doctor.run(directory: arguments.positionals[0], json: arguments.flag("json"))
///     return 0
/// }
/// ```
struct CommandSpec {
    let name: String
    /// One line for `hone help`.
    let summary: String
    var positionals: [PositionalSpec] = []
    var options: [OptionSpec] = []
    /// More usage lines or notes printed after the options.
    var notes: String = ""
    /// Does the work; returns the exit code (0 done). Throws ``UsageError`` for a bad
    /// combination of arguments, anything else for a failure.
    let run: (ParsedArguments) throws -> Int32

    /// The command's `--help` text, generated from the declarations.
    var help: String {
        let words = positionals.map { $0.optional ? "[\($0.name)]" : $0.name }
        var lines = ["usage: hone \(([name] + words).joined(separator: " ")) [OPTIONS]", "  \(summary)"]
        let visible = options.filter { !$0.hidden } + [.flag("help", "show this text")]
        let width = (positionals.map(\.name.count) + visible.map(\.helpLabel.count)).max() ?? 0
        if !positionals.isEmpty {
            lines.append("arguments:")
            for positional in positionals {
                let choices = positional.choices.map { " (\($0.joined(separator: ", ")))" } ?? ""
                lines.append("  \(padded(positional.name, width))  \(positional.help)\(choices)")
            }
        }
        lines.append("options:")
        for option in visible {
            var help = option.help
            if case .choice(_, let choices)? = option.value { help += " (\(choices.joined(separator: ", ")))" }
            lines.append("  \(padded(option.helpLabel, width))  \(help)")
        }
        if !notes.isEmpty { lines.append(notes) }
        return lines.joined(separator: "\n")
    }

    /// Reads `words` (the arguments after the command name) against the declarations.
    /// - Throws: ``UsageError`` for an unknown option (with the closest valid spelling),
    ///   a missing or malformed value, or a wrong number of positional arguments.
    func parse(_ words: [String]) throws -> ParsedArguments {
        var parsed = ParsedArguments()
        let byName = Dictionary(uniqueKeysWithValues: options.map { ($0.name, $0) })
        var index = 0
        while index < words.count {
            let word = words[index]
            index += 1
            guard word.hasPrefix("-"), word != "-", Double(word) == nil else {
                parsed.positionals.append(word)
                continue
            }
            if word == "--help" || word == "-h" {
                parsed.helpRequested = true
                continue
            }
            var name = String(word.drop(while: { $0 == "-" }))
            var inline: String?
            if let equals = name.firstIndex(of: "=") {
                inline = String(name[name.index(after: equals)...])
                name = String(name[..<equals])
            }
            guard let option = byName[name] else {
                let known = options.filter { !$0.hidden }.map(\.name) + ["help"]
                let hint = closestMatch(to: name, in: known).map { "; did you mean --\($0)?" } ?? ""
                throw UsageError(description: "unknown option \(word)\(hint) (see hone \(self.name) --help)")
            }
            guard let kind = option.value else {
                if inline != nil { throw UsageError(description: "--\(name) takes no value") }
                parsed.flags.insert(name)
                continue
            }
            let text: String
            if let inline {
                text = inline
            } else {
                guard index < words.count else { throw UsageError(description: "--\(name) needs a value \(kind.placeholder)") }
                text = words[index]
                index += 1
            }
            if let problem = kind.check(text) { throw UsageError(description: "--\(name) \(problem)") }
            parsed.values[name] = text
        }
        if parsed.helpRequested { return parsed }
        let required = positionals.filter { !$0.optional }.count
        if parsed.positionals.count > positionals.count {
            let extra = parsed.positionals[positionals.count]
            throw UsageError(description: "unexpected argument '\(extra)' (see hone \(name) --help)")
        }
        if parsed.positionals.count < required {
            let missing = positionals[parsed.positionals.count].name
            throw UsageError(description: "\(name) needs \(missing) (see hone \(name) --help)")
        }
        for (word, positional) in zip(parsed.positionals, positionals) {
            if let choices = positional.choices, !choices.contains(word) {
                let hint = closestMatch(to: word, in: choices).map { "; did you mean '\($0)'?" } ?? ""
                throw UsageError(description: "unknown \(positional.name.lowercased()) '\(word)'\(hint) (choose from \(choices.joined(separator: ", ")))")
            }
        }
        return parsed
    }
}

/// The arguments of one command after parsing: every value already checked against its kind.
struct ParsedArguments {
    /// Positional words, in order.
    var positionals: [String] = []
    fileprivate(set) var flags: Set<String> = []
    fileprivate(set) var values: [String: String] = [:]
    fileprivate(set) var helpRequested = false

    /// Whether the flag `--name` was given.
    func flag(_ name: String) -> Bool { flags.contains(name) }

    /// The text of option `--name`, if given.
    func text(_ name: String) -> String? { values[name] }

    /// The integer of option `--name`, if given (checked when parsed).
    func integer(_ name: String) -> Int? { values[name].flatMap { Int($0) } }

    /// The number of option `--name`, if given (checked when parsed).
    func number(_ name: String) -> Double? { values[name].flatMap { Double($0) } }
}

private func padded(_ text: String, _ width: Int) -> String {
    text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
}
