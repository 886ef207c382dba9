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
        .library(name: "HoneReport", targets: ["HoneReport"]),
        .library(name: "HoneDoctor", targets: ["HoneDoctor"]),
        .library(name: "HoneTrees", targets: ["HoneTrees"]),
        .library(name: "HoneExplain", targets: ["HoneExplain"]),
        .library(name: "HoneDistributed", targets: ["HoneDistributed"]),
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
        .systemLibrary(
            name: "CLibPQ", path: "Sources/CLibPQ", pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]),
        .systemLibrary(
            name: "CMPI", path: "Sources/CMPI", pkgConfig: "ompi-c",
            providers: [.apt(["libopenmpi-dev"])]),

        .target(name: "HoneCore", dependencies: [.target(name: "CDNNL", condition: .when(platforms: [.linux]))]),
        .target(name: "HoneNN", dependencies: ["HoneCore"]),
        .target(name: "HoneOptim", dependencies: ["HoneCore"]),
        .target(name: "HoneData", dependencies: ["HoneCore", "CZlib"]),
        .target(name: "HoneTrain", dependencies: ["HoneNN", "HoneOptim", "HoneData", "HoneTune", "HoneTrees"]),
        .target(name: "HoneTune", dependencies: ["HoneCore", "CSQLite", "CLibPQ"]),
        .target(name: "HoneTrees", dependencies: ["HoneCore"]),
        .target(name: "HoneExplain", dependencies: ["HoneCore"]),
        .target(name: "HoneReport", dependencies: ["HoneTrain", "HoneTune", "HoneDoctor"]),
        .target(name: "HoneDoctor", dependencies: ["HoneTrain"]),
        // Training over MPI; the rest of Hone stays free of it.
        .target(name: "HoneDistributed", dependencies: ["HoneTrain", "CMPI"]),
        .target(
            name: "HoneBenchmarks",
            dependencies: ["HoneCore", "HoneNN", "HoneOptim", "HoneData", "HoneTrain", "HoneTune", "HoneTrees", "HoneExplain", "HoneDistributed", "CBLAS"],
            path: "Benchmarks", exclude: ["reference", "Fixtures/W6/make_fixture.py"], resources: [.copy("Fixtures/W6")]),
        .executableTarget(
            name: "hone",
            dependencies: [
                "HoneCore", "HoneNN", "HoneOptim", "HoneData", "HoneTrain", "HoneTune", "HoneTrees", "HoneExplain", "HoneBenchmarks",
                "HoneReport", "HoneDoctor", "HoneDistributed",
            ]),

        .target(name: "HoneTestSupport", dependencies: ["HoneCore", "HoneTrees"], path: "Tests/HoneTestSupport"),
        .testTarget(name: "HoneCoreTests", dependencies: ["HoneCore", "HoneTestSupport"]),
        .testTarget(name: "HoneTuneTests", dependencies: ["HoneTune", "HoneTestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "HoneNNTests", dependencies: ["HoneNN", "HoneTestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "HoneOptimTests", dependencies: ["HoneOptim"], exclude: ["Fixtures"]),
        .testTarget(name: "HoneDataTests", dependencies: ["HoneData", "HoneTestSupport"]),
        .testTarget(name: "HoneTrainTests", dependencies: ["HoneTrain", "HoneTrees", "HoneTestSupport"]),
        .testTarget(name: "HoneCommandLineTests", dependencies: ["hone", "HoneTrain", "HoneTune", "HoneTestSupport"]),
        .testTarget(
            name: "HoneReportTests", dependencies: ["HoneReport", "HoneTrain", "HoneTune", "HoneDoctor", "CSQLite", "HoneTestSupport"], exclude: ["Scripts"]),
        .testTarget(name: "HoneDoctorTests", dependencies: ["HoneDoctor", "HoneTestSupport"]),
        .testTarget(name: "HoneTreesTests", dependencies: ["HoneTrees", "HoneTestSupport"]),
        .testTarget(name: "HoneDistributedTests", dependencies: ["hone", "HoneTrain", "HoneTestSupport"]),
        .testTarget(name: "HoneExplainTests", dependencies: ["HoneExplain", "HoneNN", "HoneTestSupport"]),
    ],
    swiftLanguageModes: [.v5]
)
