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
