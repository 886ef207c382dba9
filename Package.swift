// swift-tools-version:6.0
// Hone: build, train, tune, diagnose, explain and report — in Swift.
import PackageDescription

let package = Package(
    name: "Hone",
    products: [
        .library(name: "HoneCore", targets: ["HoneCore"]),
        .library(name: "HoneNN", targets: ["HoneNN"]),
        .library(name: "HoneOptim", targets: ["HoneOptim"]),
        .library(name: "HoneData", targets: ["HoneData"]),
        .library(name: "HoneTrain", targets: ["HoneTrain"]),
        .library(name: "HoneTune", targets: ["HoneTune"]),
        .library(name: "HoneTrees", targets: ["HoneTrees"]),
        .executable(name: "hone", targets: ["hone"]),
    ],
    targets: [
        // System libraries from Debian: oneDNN's GEMM for HoneCore (Accelerate on macOS),
        // OpenBLAS as the benchmarks' raw reference.
        .systemLibrary(
            name: "CBLAS", path: "Sources/CBLAS", pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(
            name: "CDNNL", path: "Sources/CDNNL",
            providers: [.apt(["libdnnl-dev"])]),
        .systemLibrary(
            name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(
            name: "CSQLite", path: "Sources/CSQLite", pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]),

        .target(name: "HoneCore", dependencies: [.target(name: "CDNNL", condition: .when(platforms: [.linux]))]),
        .target(name: "HoneNN", dependencies: ["HoneCore"]),
        .target(name: "HoneOptim", dependencies: ["HoneCore"]),
        .target(name: "HoneData", dependencies: ["HoneCore", "CZlib"]),
        .target(name: "HoneTrain", dependencies: ["HoneNN", "HoneOptim", "HoneData", "HoneTrees"]),
        .target(name: "HoneTune", dependencies: ["HoneCore", "CSQLite"]),
        .target(name: "HoneTrees", dependencies: ["HoneCore"]),
        .target(
            name: "HoneBenchmarks",
            dependencies: ["HoneCore", "HoneNN", "HoneOptim", "HoneData", "HoneTrain", "HoneTune", "HoneTrees", "CBLAS"],
            path: "Benchmarks"),
        .executableTarget(
            name: "hone",
            dependencies: ["HoneCore", "HoneNN", "HoneOptim", "HoneData", "HoneTrain", "HoneTune", "HoneTrees", "HoneBenchmarks"]),

        .target(name: "HoneTestSupport", dependencies: ["HoneCore"], path: "Tests/HoneTestSupport"),
        .testTarget(name: "HoneCoreTests", dependencies: ["HoneCore", "HoneTestSupport"]),
        .testTarget(name: "HoneTuneTests", dependencies: ["HoneTune"]),
        .testTarget(name: "HoneNNTests", dependencies: ["HoneNN", "HoneTestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "HoneOptimTests", dependencies: ["HoneOptim"], exclude: ["Fixtures"]),
        .testTarget(name: "HoneDataTests", dependencies: ["HoneData"]),
        .testTarget(name: "HoneTrainTests", dependencies: ["HoneTrain", "HoneTrees"]),
        .testTarget(name: "HoneTreesTests", dependencies: ["HoneTrees"]),
    ],
    swiftLanguageModes: [.v5]
)
