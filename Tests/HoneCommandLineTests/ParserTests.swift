import Foundation
import Testing

/// The declarative command line through the real binary: generated help, unknown and
/// malformed arguments rejected with one line and the closest valid spelling, exit codes.
@Suite(.serialized)
struct ParserTests {
    @Test func helpListsEveryCommandAndEachCommandHasGeneratedHelp() throws {
        let scratch = try Scratch()
        let overview = try scratch.hone(["help"])
        #expect(overview.status == 0)
        for command in ["train", "tune", "bench"] { #expect(overview.output.contains("  \(command) ")) }
        for words in [["train", "--help"], ["help", "train"]] {
            let help = try scratch.hone(words)
            #expect(help.status == 0)
            #expect(help.output.hasPrefix("usage: hone train CONFIG.json [OPTIONS]"))
            for option in ["--run-dir DIR", "--resume RUN_DIR", "--epochs N", "--quiet", "--help"] {
                #expect(help.output.contains(option), "missing \(option) in \(help.output)")
            }
        }
        let tune = try scratch.hone(["tune", "--help"])
        #expect(tune.status == 0 && tune.output.contains("--workers N") && !tune.output.contains("--worker-index"))
    }

    @Test func noArgumentsPrintsTheOverviewAndExitsTwo() throws {
        let result = try Scratch().hone([])
        #expect(result.status == 2 && result.output.contains("usage: hone COMMAND"))
    }

    @Test func badArgumentsGiveOneLineWithTheClosestSpellingAndExitTwo() throws {
        let scratch = try Scratch()
        let cases: [([String], String)] = [
            (["trian", "x.json"], "hone: unknown command 'trian'; did you mean 'train'? (hone help lists the commands)"),
            (["help", "tunee"], "hone: unknown command 'tunee'; did you mean 'tune'? (hone help lists the commands)"),
            (["train", "x.json", "--epoch", "3"], "hone train: unknown option --epoch; did you mean --epochs? (see hone train --help)"),
            (["train", "x.json", "--epochs", "three"], "hone train: --epochs expects an integer, got 'three'"),
            (["train", "x.json", "--epochs", "0"], "hone train: --epochs must be at least 1, got 0"),
            (["train", "x.json", "--epochs"], "hone train: --epochs needs a value N"),
            (["train"], "hone train: train needs CONFIG.json (see hone train --help)"),
            (["train", "a.json", "b.json"], "hone train: unexpected argument 'b.json' (see hone train --help)"),
            (["train", "x.json", "--quiet=yes"], "hone train: --quiet takes no value"),
            (["train", "x.json", "--resume", "r", "--run-dir", "d"], "hone train: --resume names the run directory; do not also give --run-dir"),
            (["tune", "x.json", "--workers", "zero"], "hone tune: --workers expects an integer, got 'zero'"),
            (["tune", "x.json", "--workers", "0"], "hone tune: --workers must be at least 1, got 0"),
            (["tune", "--stauts", "s.db"], "hone tune: unknown option --stauts; did you mean --status? (see hone tune --help)"),
            (["tune"], "hone tune: tune needs CONFIG.json, or --status STUDY.db (see hone tune --help)"),
            (["bench", "kernel"], "hone bench: unknown suite 'kernel'; did you mean 'kernels'? (choose from distributed, explain, kernels, memory, storage, train, trees, tune)"),
            (["bench", "memory", "--steps", "-5"], "hone bench: --steps must be at least 1, got -5"),
        ]
        for (arguments, message) in cases {
            let result = try scratch.hone(arguments)
            #expect(result.status == 2, "\(arguments): exit \(result.status)")
            #expect(result.error == message + "\n", "\(arguments)")
            #expect(result.output.isEmpty, "\(arguments): \(result.output)")
        }
        #expect(try scratch.listing().isEmpty)
    }

    @Test func optionsAcceptTheEqualsSpelling() throws {
        let scratch = try Scratch()
        let result = try scratch.hone(["train", "absent.json", "--epochs=2"])
        #expect(result.status == 2)
        #expect(result.error == "hone train: error: cannot read \(scratch.file("absent.json").path): file not found\n")
    }
}
