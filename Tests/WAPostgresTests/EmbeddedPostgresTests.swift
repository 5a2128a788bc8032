import Foundation
import PostgresNIO
import Testing
import WACore
@testable import WAPostgres

#if canImport(Glibc)
import Glibc
#endif

/// Each test runs its own cluster from the system's binaries in a temporary directory.
@Suite struct EmbeddedPostgresTests {
    @Test func dataSurvivesAStopAndAStart() async throws {
        try await withCluster { postgres in
            let settings = try await postgres.start()
            #expect(settings == postgres.connectionSettings)
            #expect(settings.socketDirectory == "\(postgres.configuration.directory)/run")
            #expect(settings.username == "postgres" && settings.database == "postgres" && settings.password == nil)
            try await TestDatabase.withClient(settings) { client in
                try await client.query("CREATE TABLE notes (id int PRIMARY KEY, body text)", logger: TestDatabase.logger)
                try await client.query("INSERT INTO notes VALUES (1, 'kept')", logger: TestDatabase.logger)
            }
            try await postgres.stop()
            #expect(PostmasterLock.read(dataDirectory: postgres.dataDirectory) == nil)

            let again = try await postgres.start()
            #expect(try await notes(settings: again) == ["kept"])
        }
    }

    @Test func startsAgainAfterTheServerWasKilled() async throws {
        try await withCluster { postgres in
            let settings = try await postgres.start()
            try await TestDatabase.withClient(settings) { client in
                try await client.query("CREATE TABLE notes (id int PRIMARY KEY, body text)", logger: TestDatabase.logger)
                try await client.query("INSERT INTO notes VALUES (1, 'committed')", logger: TestDatabase.logger)
            }
            let lock = try #require(PostmasterLock.read(dataDirectory: postgres.dataDirectory))
            #expect(kill(lock.pid, SIGKILL) == 0)
            // The lock file stays behind, naming a process that is dead (or not yet reaped).
            #expect(PostmasterLock.read(dataDirectory: postgres.dataDirectory)?.pid == lock.pid)

            let again = try await postgres.start()
            #expect(try await notes(settings: again) == ["committed"])
            let restarted = try #require(PostmasterLock.read(dataDirectory: postgres.dataDirectory))
            #expect(restarted.pid != lock.pid)
            #expect(EmbeddedPostgres.tail(of: postgres.logFile).contains("not properly shut down"))
        }
    }

    @Test func aSecondStartAttachesToTheRunningServer() async throws {
        try await withCluster { postgres in
            let settings = try await postgres.start()
            let pid = try #require(PostmasterLock.read(dataDirectory: postgres.dataDirectory)?.pid)
            #expect(try await postgres.start() == settings)

            // Another handle for the same directory (a new process after a crash of the old one) attaches too.
            let other = EmbeddedPostgres(configuration: postgres.configuration, logger: TestDatabase.logger)
            #expect(try await other.start() == settings)
            #expect(PostmasterLock.read(dataDirectory: postgres.dataDirectory)?.pid == pid)

            try await other.stop()
            #expect(PostmasterLock.read(dataDirectory: postgres.dataDirectory) == nil)
        }
    }

    @Test func attachingWithAnotherPortFails() async throws {
        try await withCluster { postgres in
            try await postgres.start()
            var configuration = postgres.configuration
            configuration.port = 5433
            let other = EmbeddedPostgres(configuration: configuration, logger: TestDatabase.logger)
            let error = try await #require(throws: WAError.self) { try await other.start() }
            #expect(error.code == .internalError)
            #expect(error.message.contains("already runs") && error.message.contains("stop it first"))
        }
    }

    @Test func stopIsIdempotent() async throws {
        try await withCluster { postgres in
            try await postgres.stop()  // never started: nothing to do
            try await postgres.start()
            try await postgres.stop()
            try await postgres.stop()
            #expect(PostmasterLock.read(dataDirectory: postgres.dataDirectory) == nil)
        }
    }

    @Test func listensOnTheSocketOnlyWithOwnerOnlyDirectories() async throws {
        try await withCluster { postgres in
            let settings = try await postgres.start()
            let values = try await TestDatabase.withClient(settings) { client in
                let rows = try await client.query(
                    """
                    SELECT current_setting('listen_addresses'), current_setting('server_encoding'), datcollate,
                           current_setting('unix_socket_permissions')
                    FROM pg_database WHERE datname = current_database()
                    """, logger: TestDatabase.logger)
                var values: [String] = []
                for try await (addresses, encoding, collation, permissions) in rows.decode(
                    (String, String, String, String).self)
                {
                    values = [addresses, encoding, collation, permissions]
                }
                return values
            }
            #expect(values == ["", "UTF8", "C.UTF-8", "0700"])
            // pg_hba.conf: trust on the socket (local), TCP (host) rejected should it ever be enabled.
            let hba = try String(contentsOfFile: "\(postgres.dataDirectory)/pg_hba.conf", encoding: .utf8)
            let rules = hba.split(separator: "\n").map { $0.split(whereSeparator: \.isWhitespace) }
                .filter { !$0.isEmpty && !$0[0].hasPrefix("#") }
            #expect(!rules.isEmpty)
            for rule in rules {
                #expect(rule.last == (rule.first == "local" ? "trust" : "reject"), "\(rule)")
            }

            let modes = [
                postgres.configuration.directory: 0o700, postgres.dataDirectory: 0o700, postgres.socketDirectory: 0o700,
                postgres.logFile: 0o600,
            ]
            for (path, mode) in modes {
                let attributes = try FileManager.default.attributesOfItem(atPath: path)
                #expect((attributes[.posixPermissions] as? Int) == mode, "\(path)")
                if SystemUser.processIsRoot {
                    let owner = try SystemUser.named("postgres")
                    #expect((attributes[.ownerAccountID] as? Int).map { UInt32($0) } == owner.uid, "\(path)")
                }
            }
        }
    }

    @Test func missingBinariesNameTheDebianPackage() async throws {
        try await withCluster(binDirectory: "/nonexistent/postgresql/bin") { postgres in
            let error = try await #require(throws: WAError.self) { try await postgres.start() }
            #expect(error.message.contains("apt-get install postgresql"))
            #expect(error.message.contains("/nonexistent/postgresql/bin"))
        }
        let empty = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: empty) }
        let error = #expect(throws: WAError.self) {
            try PostgresBinaries.locate(configured: nil, versionsRoot: empty, searchPath: empty)
        }
        #expect(error?.code == .internalError && error?.message.contains("apt-get install postgresql") == true)
    }

    @Test func binariesComeFromTheHighestInstalledVersion() throws {
        let root = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        func install(_ version: String, _ programs: [String]) throws {
            let bin = "\(root)/\(version)/bin"
            try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
            for program in programs {
                #expect(FileManager.default.createFile(atPath: "\(bin)/\(program)", contents: Data("#!/bin/sh\n".utf8),
                    attributes: [.posixPermissions: 0o755]))
            }
        }
        try install("9.6", ["initdb", "pg_ctl"])
        try install("15", ["initdb", "pg_ctl"])
        try install("16", ["initdb"])  // incomplete: skipped
        try install("common", ["initdb", "pg_ctl"])  // not a version: ignored
        let found = try PostgresBinaries.locate(configured: nil, versionsRoot: root, searchPath: nil)
        #expect(found == PostgresBinaries(initdb: "\(root)/15/bin/initdb", pgCtl: "\(root)/15/bin/pg_ctl"))

        // Nothing versioned: PATH.
        let onPath = try PostgresBinaries.locate(
            configured: nil, versionsRoot: "\(root)/none", searchPath: "/nonexistent:\(root)/9.6/bin")
        #expect(onPath.pgCtl == "\(root)/9.6/bin/pg_ctl")
    }

    @Test func aFailedStartCarriesTheServerLog() async throws {
        try await withCluster(settings: ["shared_buffers": "lots"]) { postgres in
            let error = try await #require(throws: WAError.self) { try await postgres.start() }
            #expect(error.code == .internalError)
            #expect(error.message.contains("did not start"))
            #expect(error.message.contains("invalid value for parameter \"shared_buffers\""))
        }
    }

    @Test func fixedSettingsCannotBeOverridden() async throws {
        try await withCluster(settings: ["listen_addresses": "*"]) { postgres in
            let error = try await #require(throws: WAError.self) { try await postgres.start() }
            #expect(error.code == .invalidArgument && error.field == "postgres_settings")
            #expect(!FileManager.default.fileExists(atPath: postgres.dataDirectory))
        }
    }

    @Test(.enabled(if: SystemUser.processIsRoot, "the cluster's user only differs from ours when we are root"))
    func aDirectoryTheClustersUserCannotReachIsRefusedByName() async throws {
        let parent = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: parent) }
        try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: parent)
        let postgres = EmbeddedPostgres(
            configuration: EmbeddedPostgresConfiguration(directory: "\(parent)/data/postgres"), logger: TestDatabase.logger)
        let error = try await #require(throws: WAError.self) { try await postgres.start() }
        #expect(error.code == .invalidArgument && error.field == "postgres_directory")
        #expect(error.message.contains("may not pass through \(parent);"))
        #expect(!FileManager.default.fileExists(atPath: "\(parent)/data"))

        // Letting others pass (without reading) is enough.
        try FileManager.default.setAttributes([.posixPermissions: 0o711], ofItemAtPath: parent)
        let user = try SystemUser.named("postgres")
        #expect(user.firstUnsearchableAncestor(of: "\(parent)/data/postgres") == nil)
        try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: parent)
        #expect(user.firstUnsearchableAncestor(of: "\(parent)/data/postgres") == parent)
    }

    @Test func databaseNamesMustBePlainIdentifiers() async throws {
        let postgres = EmbeddedPostgres(configuration: .init(directory: "/nonexistent/cluster"), logger: TestDatabase.logger)
        for name in ["", "Wa", "1db", "wa-gateway", "x; DROP DATABASE postgres", String(repeating: "a", count: 64)] {
            let error = await #expect(throws: WAError.self) { try await postgres.createDatabaseIfMissing(name) }
            #expect(error?.code == .invalidArgument && error?.field == "database", "\(name)")
        }
    }

    @Test func shellQuoting() {
        #expect(EmbeddedPostgres.shellQuoted("/a b/run") == "'/a b/run'")
        #expect(EmbeddedPostgres.shellQuoted("it's") == #"'it'\''s'"#)
    }

    // MARK: - Helpers

    /// Runs `body` with a cluster in a new temporary directory; stops it and removes the directory afterwards.
    private func withCluster(
        binDirectory: String? = nil, settings: [String: String] = [:], _ body: (EmbeddedPostgres) async throws -> Void
    ) async throws {
        let directory = try temporaryDirectory()
        let postgres = EmbeddedPostgres(
            configuration: EmbeddedPostgresConfiguration(
                directory: directory, binDirectory: binDirectory, settings: settings),
            logger: TestDatabase.logger)
        do {
            try await body(postgres)
        } catch {
            try? await postgres.stop()
            try? FileManager.default.removeItem(atPath: directory)
            throw error
        }
        try await postgres.stop()
        try FileManager.default.removeItem(atPath: directory)
    }

    private func temporaryDirectory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("wa-pg-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    private func notes(settings: PostgresConnectionSettings) async throws -> [String] {
        try await TestDatabase.withClient(settings) { client in
            var bodies: [String] = []
            for try await body in try await client.query("SELECT body FROM notes ORDER BY id", logger: TestDatabase.logger)
                .decode(String.self)
            {
                bodies.append(body)
            }
            return bodies
        }
    }
}
