import Foundation

/// Where a test finds the built `hone` executable: next to the test bundle, where
/// `swift build` and `swift test` put the package's products.
public enum BuiltExecutable {
    /// The folders a test process looks in, nearest first.
    public static var searchDirectories: [URL] {
        var directories: [URL] = []
        if let executable = Bundle.main.executableURL { directories.append(executable.deletingLastPathComponent()) }
        directories.append(Bundle.main.bundleURL.deletingLastPathComponent())
        directories.append(URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent())
        return directories
    }

    /// The path of the first executable `hone` in ``searchDirectories``; nil when it was not built.
    public static let honePath: String? = searchDirectories.map { $0.appendingPathComponent("hone").path }
        .first { FileManager.default.isExecutableFile(atPath: $0) }
}

extension BuiltExecutable {
    /// Runs `executable` with `arguments` in `directory` and waits for it; its exit status,
    /// standard output and standard error.
    public static func run(_ executable: String, _ arguments: [String], in directory: URL) throws
        -> (status: Int32, output: String, error: String)
    {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = directory
        let output = Pipe(), error = Pipe()
        process.standardOutput = output
        process.standardError = error
        try process.run()
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        let errorData = error.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: outputData, as: UTF8.self), String(decoding: errorData, as: UTF8.self))
    }
}
