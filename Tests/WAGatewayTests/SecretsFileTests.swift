import Foundation
import Testing
import WACore
import WACoreTesting
@testable import wa_gateway

#if canImport(Glibc)
import Glibc
#endif

/// The secrets file: created once, owner-only, refused when others can read it, rotated without losing old keys.
@Suite struct SecretsFileTests {
    @Test func createdOnceOwnerOnlyAndReadBackTheSame() throws {
        try withDirectory { directory in
            let file = SecretsFile(path: "\(directory)/secrets.json")
            let random = SeededRandomSource(seed: 7)
            let created = try file.loadOrCreate(random: random)
            #expect(created.keyIDs == [1])
            #expect(try mode(of: file.path) == 0o600)

            // A second start reads the same key: a value sealed before opens after.
            let sealed = try SecretBox(keyring: created, random: random).seal("hello", context: context)
            let again = try file.loadOrCreate(random: SeededRandomSource(seed: 8))
            #expect(try SecretBox(keyring: again, random: random).openString(sealed, context: context) == "hello")
            #expect(try file.load().keyIDs == [1])
        }
    }

    @Test func concurrentFirstStartsAgreeOnOneKey() async throws {
        try await withDirectory { directory in
            let file = SecretsFile(path: "\(directory)/secrets.json")
            let sealedByEach = try await withThrowingTaskGroup(of: [UInt8].self) { group in
                for seed in 1...8 {
                    group.addTask {
                        let keyring = try file.loadOrCreate(random: SeededRandomSource(seed: UInt64(seed)))
                        return try SecretBox(keyring: keyring, random: SeededRandomSource(seed: 99)).seal(
                            "same", context: context)
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let keyring = try file.load()
            for sealed in sealedByEach {
                #expect(try SecretBox(keyring: keyring, random: SeededRandomSource(seed: 1)).openString(sealed, context: context) == "same")
            }
            // No temporary file is left behind.
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["secrets.json"])
        }
    }

    @Test func rotationAddsACurrentKeyAndKeepsTheOldOnes() throws {
        try withDirectory { directory in
            let file = SecretsFile(path: "\(directory)/secrets.json")
            let random = SeededRandomSource(seed: 3)
            let first = try file.loadOrCreate(random: random)
            let old = try SecretBox(keyring: first, random: random).seal("old", context: context)

            let rotated = try file.rotate(random: random)
            #expect(rotated.current.id == 2 && rotated.retired.map(\.id) == [1])
            #expect(try file.load().keyIDs == [2, 1])
            #expect(try mode(of: file.path) == 0o600)
            let box = SecretBox(keyring: try file.load(), random: random)
            let new = try box.seal("new", context: context)
            #expect(try SecretBox.keyID(of: new) == 2)
            #expect(try box.openString(old, context: context) == "old")
            #expect(try box.openString(new, context: context) == "new")

            #expect(try file.rotate(random: random).keyIDs == [3, 2, 1])
        }
    }

    @Test func concurrentRotationsTakeTurnsAndLoseNoKey() async throws {
        try await withDirectory { directory in
            let file = SecretsFile(path: "\(directory)/secrets.json")
            _ = try file.loadOrCreate(random: SeededRandomSource(seed: 1))
            try await withThrowingTaskGroup(of: Void.self) { group in
                for seed in 2...9 {
                    group.addTask { _ = try file.rotate(random: SeededRandomSource(seed: UInt64(seed))) }
                }
                try await group.waitForAll()
            }
            #expect(try file.load().keyIDs == Array((1...9).reversed()).map(UInt32.init))
        }
    }

    @Test func aFileOthersCanReadIsRefused() throws {
        try withDirectory { directory in
            let file = SecretsFile(path: "\(directory)/secrets.json")
            _ = try file.loadOrCreate(random: SeededRandomSource(seed: 1))
            #expect(chmod(file.path, 0o644) == 0)
            let error = #expect(throws: SetupError.self) { try file.load() }
            #expect(error?.description.contains("chmod 600 \(file.path)") == true)
            #expect(throws: SetupError.self) { try file.loadOrCreate(random: SeededRandomSource(seed: 1)) }
        }
    }

    @Test func damagedFilesAreRefusedWithTheReason() throws {
        try withDirectory { directory in
            let path = "\(directory)/secrets.json"
            func write(_ text: String) {
                _ = FileManager.default.createFile(atPath: path, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600])
            }
            write("not json")
            #expect((#expect(throws: SetupError.self) { try SecretsFile(path: path).load() })?.description.contains("is not a secrets file") == true)
            write(#"{"format": 2, "keyring": []}"#)
            #expect((#expect(throws: SetupError.self) { try SecretsFile(path: path).load() })?.description.contains("format 2") == true)
            write(#"{"format": 1, "keyring": [{"id": 1, "key": "c2hvcnQ="}]}"#)
            #expect((#expect(throws: SetupError.self) { try SecretsFile(path: path).load() })?.description.contains("not 32 bytes") == true)
            write(#"{"format": 1, "keyring": []}"#)
            #expect((#expect(throws: SetupError.self) { try SecretsFile(path: path).load() })?.description.contains("holds no key") == true)
            #expect((#expect(throws: SetupError.self) { try SecretsFile(path: "\(directory)/missing.json").load() })?.description.contains("no secrets file") == true)
        }
    }

    @Test func theEnvironmentFormNamesTheCurrentKeyFirst() throws {
        let one = Data(repeating: 1, count: 32).base64EncodedString()
        let two = Data(repeating: 2, count: 32).base64EncodedString()
        let keyring = try SecretsFile.keyring(environmentValue: "2:\(two), 1:\(one)")
        #expect(keyring.current.id == 2 && keyring.retired.map(\.id) == [1])
        #expect(throws: SetupError.self) { try SecretsFile.keyring(environmentValue: "2:\(two),2:\(one)") }
        #expect(throws: SetupError.self) { try SecretsFile.keyring(environmentValue: two) }
        #expect(throws: SetupError.self) { try SecretsFile.keyring(environmentValue: "1:c2hvcnQ=") }
        #expect(throws: SetupError.self) { try SecretsFile.keyring(environmentValue: "") }
    }

    // MARK: - Helpers

    private let context = SecretBox.Context(organization: "org", purpose: "test")

    private func mode(of path: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int ?? -1) & 0o777
    }

    private func withDirectory<Result>(_ body: (String) async throws -> Result) async throws -> Result {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("wa-secrets-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        return try await body(directory)
    }

    private func withDirectory<Result>(_ body: (String) throws -> Result) throws -> Result {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("wa-secrets-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        return try body(directory)
    }
}
