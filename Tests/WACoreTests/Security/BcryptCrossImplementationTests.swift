import Foundation
import Testing
import WACore

/// Checks our bcrypt hashes against pyca/bcrypt (the reference Python implementation) through
/// `scripts/check-bcrypt.py`. `scripts/test` installs the module; without `python3` + `bcrypt` the test is skipped,
/// except on CI, where it fails (``ReferencePython``).
@Suite("bcrypt cross-implementation (pyca/bcrypt)")
struct BcryptCrossImplementationTests {
    struct Request: Encodable {
        struct Verify: Encodable { var password: String; var hash: String }
        struct Hash: Encodable { var password: String; var cost: Int }
        var verify: [Verify]
        var hash: [Hash]
    }

    struct Response: Decodable {
        var verified: [Bool]
        var hashes: [String]
        var bcrypt: String
    }

    static let scriptURL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // Security
        .deletingLastPathComponent()  // WACoreTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()  // package root
        .appendingPathComponent("scripts/check-bcrypt.py")

    static func run(_ arguments: [String], input: Data) throws -> (status: Int32, output: Data) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let stdin = Pipe()
        let stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = FileHandle.nullDevice
        try process.run()
        try stdin.fileHandleForWriting.write(contentsOf: input)
        try stdin.fileHandleForWriting.close()
        let output = stdout.fileHandleForReading.readAllRetryingInterrupts()
        process.waitUntilExit()
        return (process.terminationStatus, output)
    }

    /// Random passwords of 1–24 characters mixing ASCII with accented, CJK, Arabic and emoji characters, each at
    /// most 72 UTF-8 bytes.
    static func randomPasswords(_ count: Int, seed: UInt64) -> [String] {
        let pool = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 !\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
            + Array("éüßñçø€£¥中文字مرحبا😀🔐🦊👍🏽")
        var generator = SeededRandomSource(seed: seed).generator
        return (0..<count).map { _ in
            var password = ""
            let length = Int.random(in: 1...24, using: &generator)
            while password.count < length {
                let character = pool[Int.random(in: 0..<pool.count, using: &generator)]
                if password.utf8.count + String(character).utf8.count > 72 { break }
                password.append(character)
            }
            return password
        }
    }

    @Test(.enabled(if: ReferencePython.shouldRun("bcrypt"), "python3 with the bcrypt module is not installed"))
    func ourHashesVerifyInPythonAndPythonHashesVerifyHere() throws {
        try ReferencePython.require("bcrypt")
        #expect(FileManager.default.fileExists(atPath: Self.scriptURL.path))
        let hasher = try BcryptPasswordHasher(cost: 4)
        let ours = Self.randomPasswords(20, seed: 2024)
        #expect(ours.contains { $0.utf8.count != $0.count })  // some non-ASCII
        let theirs = Self.randomPasswords(20, seed: 4202)
        var verify: [Request.Verify] = []
        for password in ours {
            let hash = try hasher.hash(password)
            verify.append(.init(password: password, hash: hash))
            // A wrong password must fail in Python too.
            verify.append(.init(password: password + "x", hash: hash))
        }
        let request = Request(verify: verify, hash: theirs.map { .init(password: $0, cost: 4) })
        let (status, output) = try Self.run(["python3", Self.scriptURL.path], input: try JSONEncoder().encode(request))
        try #require(status == 0)
        let response = try JSONDecoder().decode(Response.self, from: output)
        try #require(response.verified.count == 40)
        for (index, item) in verify.enumerated() {
            #expect(response.verified[index] == index.isMultiple(of: 2), "python verify of \(item.hash)")
        }
        try #require(response.hashes.count == 20)
        for (password, hash) in zip(theirs, response.hashes) {
            #expect(hash.hasPrefix("$2b$04$"))
            #expect(hasher.verify(password, against: hash), "swift verify of python hash \(hash)")
            #expect(!hasher.verify(password + "x", against: hash))
        }
    }
}
