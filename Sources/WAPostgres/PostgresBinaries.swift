import Foundation
import WACore

/// The PostgreSQL server programs ``EmbeddedPostgres`` runs: `initdb` and `pg_ctl` (which finds `postgres` next to
/// itself).
struct PostgresBinaries: Sendable, Hashable {
    var initdb: String
    var pgCtl: String

    /// What to install when nothing is found (Debian, the platform the gateway is built and tested on).
    static let installHint = "install the PostgreSQL server (Debian package postgresql: apt-get install postgresql)"

    /// Finds the programs: in `configured` when given, else in the highest version under `versionsRoot`
    /// (`/usr/lib/postgresql/<version>/bin`), else on `searchPath` (a `PATH`-style list).
    static func locate(
        configured: String?,
        versionsRoot: String = "/usr/lib/postgresql",
        searchPath: String? = ProcessInfo.processInfo.environment["PATH"]
    ) throws(WAError) -> PostgresBinaries {
        if let configured {
            if let found = inDirectory(configured) { return found }
            throw WAError(
                .invalidArgument,
                "PostgreSQL binaries: no executable initdb and pg_ctl in \(configured); \(installHint), or configure "
                    + "the directory that holds them",
                field: "postgres_bin_directory")
        }
        for directory in versionedDirectories(under: versionsRoot) {
            if let found = inDirectory(directory) { return found }
        }
        let pathDirectories = (searchPath ?? "").split(separator: ":").map(String.init).filter { !$0.isEmpty }
        if let initdb = pathDirectories.lazy.map({ "\($0)/initdb" }).first(where: isExecutable),
            let pgCtl = pathDirectories.lazy.map({ "\($0)/pg_ctl" }).first(where: isExecutable)
        {
            return PostgresBinaries(initdb: initdb, pgCtl: pgCtl)
        }
        throw WAError(
            .internalError,
            "PostgreSQL binaries not found: no initdb and pg_ctl in \(versionsRoot)/*/bin or on PATH; \(installHint), "
                + "or configure the directory that holds them")
    }

    private static func inDirectory(_ directory: String) -> PostgresBinaries? {
        let initdb = "\(directory)/initdb"
        let pgCtl = "\(directory)/pg_ctl"
        guard isExecutable(initdb), isExecutable(pgCtl) else { return nil }
        return PostgresBinaries(initdb: initdb, pgCtl: pgCtl)
    }

    /// `<root>/<version>/bin` for every entry of `root` whose name is a version number (`15`, `9.6`), highest first.
    static func versionedDirectories(under root: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        let versions: [(name: String, parts: [Int])] = names.compactMap { name in
            let parts = name.split(separator: ".", omittingEmptySubsequences: false).map { Int($0) }
            guard !parts.isEmpty, parts.allSatisfy({ $0 != nil }) else { return nil }
            return (name, parts.compactMap { $0 })
        }
        return versions.sorted { $0.parts.lexicographicallyPrecedes($1.parts) }.reversed().map { "\(root)/\($0.name)/bin" }
    }

    private static func isExecutable(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && !isDirectory.boolValue
            && FileManager.default.isExecutableFile(atPath: path)
    }
}
