import HoneCore

/// A user error on the command line: printed as one line, exit code 2.
struct UsageError: Error, CustomStringConvertible {
    var description: String
}

/// The command line after the subcommand: positional words, `--flag`s and `--option value`s.
struct Arguments {
    private(set) var positional: [String] = []
    private var options: [String: String] = [:]
    private var flags: Set<String> = []

    /// Parses `words`, accepting only the listed flags and options, so a typo is an error
    /// that suggests the closest valid spelling.
    init(_ words: [String], flags allowedFlags: Set<String> = [], options allowedOptions: Set<String> = []) throws {
        var index = 0
        while index < words.count {
            let word = words[index]
            index += 1
            guard word.hasPrefix("--") else {
                positional.append(word)
                continue
            }
            var name = String(word.dropFirst(2))
            var inlineValue: String?
            if let eq = name.firstIndex(of: "=") {
                inlineValue = String(name[name.index(after: eq)...])
                name = String(name[..<eq])
            }
            if allowedFlags.contains(name) {
                flags.insert(name)
            } else if allowedOptions.contains(name) {
                if let inlineValue {
                    options[name] = inlineValue
                } else {
                    guard index < words.count else { throw UsageError(description: "option --\(name) needs a value") }
                    options[name] = words[index]
                    index += 1
                }
            } else {
                let known = allowedFlags.union(allowedOptions).sorted()
                let hint = closestMatch(to: name, in: known).map { "; did you mean --\($0)?" } ?? ""
                throw UsageError(description: "unknown option --\(name)\(hint)")
            }
        }
    }

    func has(_ flag: String) -> Bool { flags.contains(flag) }

    func value(_ option: String) -> String? { options[option] }

    /// An integer option, with the option named when it isn't one.
    func integer(_ option: String) throws -> Int? {
        guard let text = options[option] else { return nil }
        guard let value = Int(text) else { throw UsageError(description: "--\(option) expects an integer, got '\(text)'") }
        return value
    }
}
