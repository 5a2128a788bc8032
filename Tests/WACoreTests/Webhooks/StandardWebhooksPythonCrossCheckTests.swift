import Foundation
import Testing
import WACore
import WACoreTesting

/// Signs 1,200 random event payloads in Swift and has the reference Python library (`standardwebhooks`) verify
/// them all in one process (`scripts/check-standard-webhooks.py`); the library's own signatures come back and are
/// verified here. Skipped when `python3` or the module is missing, except on CI, where it fails (``ReferencePython``).
@Suite("Standard Webhooks cross-implementation (Python standardwebhooks)")
struct StandardWebhooksPythonCrossCheckTests {
    struct Line: Encodable {
        var secret: String
        var payload_b64: String
        var headers: [String: String]
        var expect: Bool
    }

    struct Report: Decodable {
        var checked: Int
        var verified: Int
        var rejected: Int
        var unexpected: [Unexpected]
        var canonical: Int
        var noncanonical: [Difference]
        var signatures: [String]
        var standardwebhooks: String
        struct Unexpected: Decodable { var line: Int; var error: String }
        struct Difference: Decodable { var line: Int; var ours: String; var python: String }
    }

    static let scriptURL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // Webhooks
        .deletingLastPathComponent()  // WACoreTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()  // package root
        .appendingPathComponent("scripts/check-standard-webhooks.py")

    /// Runs `arguments` with `input` as standard input (through a temporary file, so a child that dies early
    /// cannot kill the test with SIGPIPE), returning its status, standard output and the tail of standard error.
    static func run(_ arguments: [String], input: Data) throws -> (status: Int32, output: Data, errors: String) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("check-standard-webhooks-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let inputURL = directory.appendingPathComponent("input.jsonl")
        let errorsURL = directory.appendingPathComponent("stderr.txt")
        try input.write(to: inputURL)
        _ = FileManager.default.createFile(atPath: errorsURL.path, contents: nil)
        let inputHandle = try FileHandle(forReadingFrom: inputURL)
        let errorsHandle = try FileHandle(forWritingTo: errorsURL)
        defer {
            try? inputHandle.close()
            try? errorsHandle.close()
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let stdout = Pipe()
        process.standardInput = inputHandle
        process.standardOutput = stdout
        process.standardError = errorsHandle
        try process.run()
        let output = stdout.fileHandleForReading.readAllRetryingInterrupts()
        process.waitUntilExit()
        let errors = (try? String(contentsOf: errorsURL, encoding: .utf8)) ?? ""
        return (process.terminationStatus, output, String(errors.suffix(2000)))
    }

    @Test(.enabled(if: ReferencePython.shouldRun("standardwebhooks"), "python3 with standardwebhooks is not installed"))
    func pythonReferenceVerifiesOurSignatures() throws {
        try ReferencePython.require("standardwebhooks")
        #expect(FileManager.default.fileExists(atPath: Self.scriptURL.path))
        let random = SeededRandomSource(seed: 20_260_101)
        var generator = random.generator
        // The Python library checks timestamps against its own clock, so sign near the real time (test code only).
        let realNow = Date()
        let ids = IdentifierGenerator(clock: TestClock(now: realNow), random: random)
        let organization = OrganizationID(uuid: UUID())
        let count = 1_200
        let negatives = 40

        var lines: [Line] = []
        var signed: [(id: String, timestamp: String, payload: [UInt8], secret: WebhookSecret)] = []
        var nonASCII = 0
        for index in 0..<(count + negatives) {
            let secrets = try (0..<Int.random(in: 1...3, using: &generator)).map { _ in
                try WebhookSecret.generate(byteCount: Int.random(in: 24...64, using: &generator), using: random)
            }
            let event = WebhookEvent(
                type: RandomJSON.eventTypes.randomElement(using: &generator)!, organizationID: organization,
                instanceID: Bool.random(using: &generator) ? InstanceID(uuid: UUID()) : nil,
                data: RandomJSON.object(depth: 3, using: &generator), ids: ids)
            let payload = event.encoded()
            if payload.contains(where: { $0 >= 0x80 }) { nonASCII += 1 }
            let at = realNow.addingTimeInterval(Double(Int.random(in: -120...120, using: &generator)))
            let signer = try StandardWebhookSigner(secrets: secrets)
            let headers = signer.headers(id: event.id.description, timestamp: at, payload: payload)
            // The receiver knows one of the current secrets (rotation: old or new).
            var receiverSecret = secrets.randomElement(using: &generator)!
            var body = payload
            var expect = true
            if index >= count {
                // Negative controls, which the reference must reject too: alternately a secret the sender does not
                // have, and the (valid, canonical) body of another event under these headers.
                expect = false
                if index.isMultiple(of: 2) {
                    receiverSecret = try WebhookSecret.generate(using: random)
                } else {
                    body = signed[index % signed.count].payload
                }
            } else {
                signed.append((headers.id, headers.timestamp, payload, receiverSecret))
            }
            lines.append(
                Line(
                    secret: receiverSecret.text, payload_b64: Data(body).base64EncodedString(),
                    headers: Dictionary(uniqueKeysWithValues: headers.fields.map { ($0.name, $0.value) }),
                    expect: expect))
        }
        #expect(nonASCII > count / 2)

        let encoder = JSONEncoder()
        var input = Data()
        for line in lines {
            input.append(try encoder.encode(line))
            input.append(UInt8(ascii: "\n"))
        }
        let (status, output, errors) = try Self.run(["python3", Self.scriptURL.path], input: input)
        try #require(status == 0, "\(errors)")
        let report = try JSONDecoder().decode(Report.self, from: output)
        #expect(report.checked == count + negatives)
        #expect(report.verified == count, "verified by standardwebhooks \(report.standardwebhooks)")
        #expect(report.rejected == negatives)
        #expect(report.unexpected.isEmpty, "\(report.unexpected.prefix(3).map(\.error))")
        // An independent Python writer of the documented format (compact, ordered, UTF-8, ECMAScript numbers) agrees.
        #expect(report.canonical == count + negatives, "\(report.noncanonical.map { "ours: \($0.ours)\npython: \($0.python)" })")

        // Reverse direction: the library's own signatures verify with our verifier.
        try #require(report.signatures.count == count + negatives)
        for (index, item) in signed.enumerated() {
            try StandardWebhookVerifier(secret: item.secret).verify(
                payload: item.payload, id: item.id, timestamp: item.timestamp, signature: report.signatures[index],
                now: realNow)
        }
    }
}

/// Random JSON values for cross-checks: strings mixing ASCII, quotes, backslashes, control characters, accented
/// Latin, Arabic, CJK and emoji (including ZWJ sequences and skin tones); integers; doubles; nested arrays and
/// objects.
enum RandomJSON {
    static let eventTypes: [WebhookEventType] = WebhookEventType.builtIn + ["automation.crm.lead_won", "automation.x"]

    static let pieces: [String] = [
        "a", "Z", "7", " ", "hello", "\"", "\\", "/", "\n", "\r", "\t", "\u{08}", "\u{0C}", "\u{00}", "\u{01}",
        "\u{1F}", "\u{7F}", "é", "ü", "ß", "ñ", "€", "مرحبا", "سلام عليكم", "中文", "日本語", "한국어", "😀", "🔐",
        "👍🏽", "👩‍👩‍👧", "🇩🇪", "\u{2028}", "\u{FEFF}", "{", "}", "[", "]", ":", ",", "wamid.HBgM",
    ]

    static func string(using generator: inout some RandomNumberGenerator) -> String {
        var text = ""
        for _ in 0..<Int.random(in: 0...12, using: &generator) {
            text += pieces.randomElement(using: &generator)!
        }
        return text
    }

    static func key(using generator: inout some RandomNumberGenerator) -> String {
        Bool.random(using: &generator) ? "k\(Int.random(in: 0...999, using: &generator))" : string(using: &generator)
    }

    static func scalar(using generator: inout some RandomNumberGenerator) -> JSONValue {
        switch Int.random(in: 0..<8, using: &generator) {
        case 0: .null
        case 1: .bool(Bool.random(using: &generator))
        case 2: .integer(Int64.random(in: Int64.min...Int64.max, using: &generator))
        case 3: .integer(Int64.random(in: -1000...1000, using: &generator))
        case 4: .number(Double.random(in: -1e6...1e6, using: &generator))
        case 5:
            .number(
                Double(sign: Bool.random(using: &generator) ? .plus : .minus,
                    exponent: Int.random(in: -60...60, using: &generator),
                    significand: Double.random(in: 1..<2, using: &generator)))
        default: .string(string(using: &generator))
        }
    }

    static func value(depth: Int, using generator: inout some RandomNumberGenerator) -> JSONValue {
        guard depth > 0 else { return scalar(using: &generator) }
        switch Int.random(in: 0..<5, using: &generator) {
        case 0: return object(depth: depth - 1, using: &generator)
        case 1: return .array((0..<Int.random(in: 0...4, using: &generator)).map { _ in value(depth: depth - 1, using: &generator) })
        default: return scalar(using: &generator)
        }
    }

    static func object(depth: Int, using generator: inout some RandomNumberGenerator) -> JSONValue {
        var object = JSONObject()
        for _ in 0..<Int.random(in: 0...6, using: &generator) {
            object[key(using: &generator)] = value(depth: depth, using: &generator)
        }
        return .object(object)
    }
}
