import Foundation
import Testing
import WACore
@testable import WAPostgres

@Suite struct MigrationTests {
    @Test func fileNamesGiveVersionAndName() throws {
        let migration = try Migration(fileName: "0042_message_indexes.sql", sql: "SELECT 1;")
        #expect(migration.version == 42)
        #expect(migration.name == "message_indexes")
        #expect(migration.fileName == "0042_message_indexes.sql")
        #expect(migration.statementCount == 1)
    }

    @Test(arguments: [
        "1_roles.sql", "0001-roles.sql", "0001_Roles.sql", "0001_.sql", "0001_roles.txt", "00001_roles.sql",
        "0000_roles.sql", "000a_roles.sql", "0001_ro les.sql", "README.md",
    ])
    func rejectsMalformedFileNames(_ fileName: String) {
        let error = #expect(throws: WAError.self) { try Migration(fileName: fileName, sql: "SELECT 1;") }
        #expect(error?.code == .invalidArgument && error?.field == "migration")
        #expect(error?.message.contains(fileName) == true)
    }

    @Test func checksumIsTheSHA256OfTheSQL() throws {
        // FIPS 180-2 test vector "abc", and the empty string.
        #expect(try Migration(version: 1, name: "a", sql: "abc").checksum
            == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(try Migration(version: 1, name: "a", sql: "").checksum
            == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    @Test func sqlThatCannotBeSplitNamesTheFileAndLine() {
        let error = #expect(throws: WAError.self) {
            try Migration(fileName: "0003_broken.sql", sql: "SELECT 1;\nSELECT 'open")
        }
        #expect(error?.message == "migration 0003_broken.sql, line 2: unterminated string")
    }

    @Test func duplicateVersionsAreRefused() throws {
        let a = try Migration(version: 2, name: "a", sql: "SELECT 1;")
        let b = try Migration(version: 2, name: "b", sql: "SELECT 2;")
        let error = #expect(throws: WAError.self) { try Migration.ordered([a, b]) }
        #expect(error?.message.contains("0002_a.sql and 0002_b.sql have the same version 2") == true)
    }

    @Test func loadsADirectorySortedByVersion() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("wa-migrations-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        func write(_ name: String, _ sql: String) throws {
            try sql.write(to: directory.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        try write("0010_later.sql", "SELECT 10;")
        try write("0002_earlier.sql", "SELECT 2; SELECT 3;")
        try write(".DS_Store", "ignored")
        let migrations = try Migration.load(from: directory)
        #expect(migrations.map(\.fileName) == ["0002_earlier.sql", "0010_later.sql"])
        #expect(migrations.map(\.statementCount) == [2, 1])

        try write("0002_again.sql", "SELECT 4;")
        #expect(throws: WAError.self) { try Migration.load(from: directory) }
        try FileManager.default.removeItem(at: directory.appendingPathComponent("0002_again.sql"))
        try write("notes.txt", "not a migration")
        let error = #expect(throws: WAError.self) { try Migration.load(from: directory) }
        #expect(error?.message.contains("notes.txt") == true)
    }

    @Test func bundledMigrationsLoad() throws {
        let bundled = try Migration.bundled
        #expect(
            bundled.map(\.fileName) == [
                "0001_roles.sql", "0002_schema.sql", "0003_rate_limit_swap.sql", "0004_member_session_epoch.sql",
                "0005_rollup_spans.sql",
            ])
        let roles = try #require(bundled.first)
        #expect(roles.sql.contains("wa_app") && roles.sql.contains("wa_system"))
        #expect(bundled[1].sql.contains("CREATE TABLE organizations"))
        #expect(bundled[2].sql.contains("CREATE FUNCTION rate_limit_swap"))
        #expect(bundled[3].sql.contains("ADD COLUMN session_epoch"))
        #expect(bundled[4].sql.contains("ADD COLUMN span"))
    }
}
