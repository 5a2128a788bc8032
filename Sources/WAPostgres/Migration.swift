import Crypto
public import Foundation
public import WACore

/// One versioned schema migration: a SQL file named `NNNN_name.sql`.
///
/// The library ships its migrations as resources of the WAPostgres target (`Sources/WAPostgres/Migrations/`);
/// ``bundled`` loads them. A migration is applied once, in a transaction of its own, by ``PostgresMigrator``,
/// which records its ``checksum`` and refuses to run when an applied file was changed afterwards.
///
/// The SQL may hold several statements, `DO $$ … $$` blocks and comments (see ``statementCount``); it must not
/// hold transaction control (`BEGIN`, `COMMIT` …) or `BEGIN ATOMIC` function bodies.
public struct Migration: Sendable, Hashable, CustomStringConvertible {
    /// The version, from the file name's 4-digit prefix (1…9999); migrations are applied in this order.
    public let version: Int
    /// The name, from the file name after the prefix: lowercase letters, digits and `_`.
    public let name: String
    /// The SQL text, as in the file.
    public let sql: String
    /// The SHA-256 of the SQL text's UTF-8 bytes, as 64 lowercase hex digits.
    public let checksum: String
    /// The statements the SQL is sent as, one by one.
    let statements: [SQLScript.Statement]

    /// Creates a migration and checks that its SQL can be split into statements.
    ///
    /// - Throws: ``WACore/WAError`` `invalid_argument` for a version outside 1…9999, a malformed name, or SQL that
    ///   cannot be split (an unterminated string or comment, transaction control, `BEGIN ATOMIC`), naming the
    ///   file and line.
    public init(version: Int, name: String, sql: String) throws(WAError) {
        let fileName = Self.fileName(version: version, name: name)
        guard (1...9999).contains(version) else {
            throw WAError(.invalidArgument, "migration \(fileName): the version must be 1…9999", field: "migration")
        }
        guard !name.isEmpty, name.utf8.allSatisfy(Self.isNameByte) else {
            throw WAError(
                .invalidArgument,
                "migration \(fileName): the name must be lowercase letters, digits and _", field: "migration")
        }
        do {
            statements = try SQLScript(sql).statements
        } catch {
            throw WAError(.invalidArgument, "migration \(fileName), line \(error.line): \(error.reason)", field: "migration")
        }
        self.version = version
        self.name = name
        self.sql = sql
        checksum = SHA256.hash(data: Data(sql.utf8)).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }

    /// Creates a migration from a file's name (`0001_roles.sql`) and its SQL.
    public init(fileName: String, sql: String) throws(WAError) {
        guard let (version, name) = Self.parse(fileName: fileName) else {
            throw WAError(
                .invalidArgument,
                "migration file \(fileName): the name must be NNNN_name.sql (a 4-digit version, then lowercase "
                    + "letters, digits and _)", field: "migration")
        }
        try self.init(version: version, name: name, sql: sql)
    }

    /// The file name, `NNNN_name.sql`.
    public var fileName: String { Self.fileName(version: version, name: name) }

    /// How many statements the SQL is sent as.
    public var statementCount: Int { statements.count }

    public var description: String { fileName }

    /// The migrations in the files `NNNN_name.sql` of `directory` (hidden files are ignored), sorted by version.
    ///
    /// - Throws: ``WACore/WAError`` `invalid_argument` for any other file, a file that is not UTF-8, two files with
    ///   the same version, or SQL that cannot be split; `internal_error` when the directory cannot be read.
    public static func load(from directory: URL) throws(WAError) -> [Migration] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        } catch {
            throw WAError(.internalError, "cannot read the migrations directory \(directory.path): \(error)")
        }
        var migrations: [Migration] = []
        for name in names where !name.hasPrefix(".") {
            let sql: String
            do {
                sql = try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
            } catch {
                throw WAError(.invalidArgument, "migration file \(name) cannot be read as UTF-8 text", field: "migration")
            }
            migrations.append(try Migration(fileName: name, sql: sql))
        }
        return try ordered(migrations)
    }

    /// `migrations` sorted by version.
    ///
    /// - Throws: ``WACore/WAError`` `invalid_argument` when two have the same version.
    public static func ordered(_ migrations: [Migration]) throws(WAError) -> [Migration] {
        let sorted = migrations.sorted { ($0.version, $0.name) < ($1.version, $1.name) }
        for (earlier, later) in zip(sorted, sorted.dropFirst()) where earlier.version == later.version {
            throw WAError(
                .invalidArgument,
                "migrations \(earlier.fileName) and \(later.fileName) have the same version \(earlier.version)",
                field: "migration")
        }
        return sorted
    }

    /// The migrations this version of the library ships (`Sources/WAPostgres/Migrations`), sorted by version.
    public static var bundled: [Migration] {
        get throws(WAError) {
            guard let directory = Bundle.module.resourceURL?.appendingPathComponent("Migrations", isDirectory: true)
            else {
                throw WAError(.internalError, "the WAPostgres resource bundle has no Migrations directory")
            }
            return try load(from: directory)
        }
    }

    private static func fileName(version: Int, name: String) -> String {
        let digits = String(version)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits + "_" + name + ".sql"
    }

    /// `(version, name)` of `NNNN_name.sql`, or `nil`.
    private static func parse(fileName: String) -> (Int, String)? {
        let utf8 = Array(fileName.utf8)
        guard utf8.count > 9, fileName.hasSuffix(".sql"), utf8[4] == UInt8(ascii: "_"),
            utf8[0..<4].allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }),
            let version = Int(String(decoding: utf8[0..<4], as: UTF8.self))
        else { return nil }
        let name = String(decoding: utf8[5..<(utf8.count - 4)], as: UTF8.self)
        return (version, name)
    }

    private static func isNameByte(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
            || byte == UInt8(ascii: "_")
    }
}
