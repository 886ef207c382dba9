import Foundation
import HoneTune

/// One study of a study database, read for a report: its directions, its trials and the
/// parameter importances of each objective.
public struct StudyRecord {
    /// The study's name.
    public var name: String
    /// One direction per objective.
    public var directions: [StudyDirection]
    /// Every trial, oldest first.
    public var trials: [FrozenTrial]
    /// fANOVA importances per objective, most important first (empty below two complete trials).
    public var importances: [[(name: String, importance: Double)]]
}

/// The studies of a study database (SQLite, as `hone tune` writes it).
public struct StudyRecords {
    /// The database file.
    public var path: String
    /// Its studies, by name.
    public var studies: [StudyRecord]

    /// Reads every study in the database at `path` without changing it (stale trials are
    /// shown as they are, not recovered).
    ///
    /// - Throws: ``ReportError/notFound(path:)``, ``ReportError/emptyStudy(path:)``, and
    ///   the storage's `StorageError` for a file that is not a study or has a newer schema.
    public static func load(path: String) throws -> StudyRecords {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path) else {
            throw ReportError.notFound(path: path)
        }
        // SQLite takes an empty file for a new database and the storage would lay out its
        // schema in it: an empty file is no study, and reading must not write.
        if (attributes[.size] as? Int ?? 0) == 0 { throw StorageError.notAStudy(path: path, reason: "the file is empty") }
        let storage = try SQLiteStorage(path: path, create: false)
        let names = try storage.studyNames()
        guard !names.isEmpty else { throw ReportError.emptyStudy(path: path) }
        var studies: [StudyRecord] = []
        for name in names {
            let study = try Study.load(name: name, storage: storage, recoverStaleTrials: false)
            let trials = try study.fetchTrials()
            var importances: [[(name: String, importance: Double)]] = []
            let complete = trials.filter { $0.state == .complete && $0.values?.count == study.directions.count }
            for objective in study.directions.indices {
                guard complete.count >= 2 else {
                    importances.append([])
                    continue
                }
                importances.append(FanovaImportanceEvaluator(nTrees: 32).evaluate(study: study) { $0.values?[objective] ?? .nan })
            }
            studies.append(StudyRecord(name: name, directions: study.directions, trials: trials, importances: importances))
        }
        return StudyRecords(path: path, studies: studies)
    }
}
