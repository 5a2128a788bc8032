import Foundation
import Testing
import WACore

/// Standard Webhooks v1 signing and verification against the library vectors of
/// `shared/reference/security.md` §1.1.
@Suite("Standard Webhooks signatures")
struct StandardWebhookSignatureTests {
    struct Vector: Sendable, CustomTestStringConvertible {
        var name: String
        var secret: String
        var id: String
        var timestamp: Int64
        var payload: String
        var signature: String
        var testDescription: String { name }
    }

    /// A: `libraries/python/tests/test_webhooks.py::test_sign_function`; B: `libraries/rust/src/lib.rs::tests::test_sign`.
    static let vectors = [
        Vector(
            name: "A", secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", id: "msg_p5jXN8AQM9LWM0D4loKWxJek",
            timestamp: 1_614_265_330, payload: #"{"test": 2432232314}"#,
            signature: "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="),
        Vector(
            name: "B", secret: "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD", id: "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk",
            timestamp: 1_649_367_553, payload: #"{"email":"test@example.com","username":"test_user"}"#,
            signature: "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw="),
    ]

    static let a = vectors[0]
    static let decoy = "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc="

    static func verifier(_ vector: Vector) throws -> StandardWebhookVerifier {
        StandardWebhookVerifier(secret: try WebhookSecret(parsing: vector.secret))
    }

    static func date(_ seconds: Int64) -> Date { Date(timeIntervalSince1970: TimeInterval(seconds)) }

    /// The error code of verifying vector A with some headers replaced.
    static func failure(
        id: String?? = nil, timestamp: String?? = nil, signature: String?? = nil, payload: String? = nil,
        now: Date? = nil
    ) throws -> WAError.Code? {
        let vector = a
        do {
            try verifier(vector).verify(
                payload: Array((payload ?? vector.payload).utf8), id: id ?? vector.id,
                timestamp: timestamp ?? String(vector.timestamp), signature: signature ?? vector.signature,
                now: now ?? date(vector.timestamp))
            return nil
        } catch let error as WAError {
            return error.code
        }
    }

    @Test(arguments: vectors)
    func signsLibraryVector(_ vector: Vector) throws {
        let signer = StandardWebhookSigner(secret: try WebhookSecret(parsing: vector.secret))
        #expect(signer.signature(id: vector.id, timestamp: vector.timestamp, payload: Array(vector.payload.utf8)) == vector.signature)
        let headers = signer.headers(
            id: vector.id, timestamp: Self.date(vector.timestamp).addingTimeInterval(0.999),
            payload: Array(vector.payload.utf8))
        #expect(headers.timestamp == String(vector.timestamp))  // whole seconds, rounded down
        #expect(headers.signature == vector.signature)
        #expect(headers.fields.map(\.name) == ["webhook-id", "webhook-timestamp", "webhook-signature"])
    }

    @Test(arguments: vectors)
    func verifiesLibraryVector(_ vector: Vector) throws {
        try Self.verifier(vector).verify(
            payload: Array(vector.payload.utf8),
            headers: ["Webhook-Id": vector.id, "WEBHOOK-TIMESTAMP": String(vector.timestamp), "webhook-signature": vector.signature],
            now: Self.date(vector.timestamp))
    }

    @Test func acceptsTheValidEntryAmongDecoys() throws {
        let header = "\(Self.decoy) v2,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= \(Self.a.signature) \(Self.decoy)"
        #expect(try Self.failure(signature: header) == nil)
    }

    @Test func acceptsTimestampsAtTheEdgeOfTheTolerance() throws {
        #expect(try Self.failure(now: Self.date(Self.a.timestamp + 300)) == nil)
        #expect(try Self.failure(now: Self.date(Self.a.timestamp - 300)) == nil)
    }

    struct MustFail: Sendable, CustomTestStringConvertible {
        var name: String
        var id: String?? = nil
        var timestamp: String?? = nil
        var signature: String?? = nil
        var payload: String? = nil
        var nowOffset: Int64 = 0
        var code: WAError.Code
        var testDescription: String { name }
    }

    static let mustFail: [MustFail] = [
        MustFail(name: "last character differs", signature: "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OA=", code: .webhookSignatureMismatch),
        MustFail(name: "partial v1,", signature: "v1,", code: .webhookSignatureMismatch),
        MustFail(name: "truncated signature", signature: "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1O", code: .webhookSignatureMismatch),
        MustFail(name: "half a signature", signature: "v1,g0hM9SsE+OTPJTGt/tmIKtSy", code: .webhookSignatureMismatch),
        MustFail(name: "valid signature under v2", signature: "v2,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", code: .webhookSignatureMismatch),
        MustFail(name: "no version", signature: "g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", code: .webhookSignatureMismatch),
        MustFail(name: "only decoys", signature: "\(decoy) \(decoy)", code: .webhookSignatureMismatch),
        MustFail(name: "payload changed", payload: #"{"test": 2432232315}"#, code: .webhookSignatureMismatch),
        MustFail(name: "id changed", id: .some("msg_p5jXN8AQM9LWM0D4loKWxJeK"), code: .webhookSignatureMismatch),
        MustFail(name: "missing id", id: .some(nil), code: .webhookMissingHeader),
        MustFail(name: "empty id", id: .some(""), code: .webhookMissingHeader),
        MustFail(name: "missing timestamp", timestamp: .some(nil), code: .webhookMissingHeader),
        MustFail(name: "missing signature", signature: .some(nil), code: .webhookMissingHeader),
        MustFail(name: "timestamp hello", timestamp: .some("hello"), code: .webhookInvalidTimestamp),
        MustFail(name: "timestamp with fraction", timestamp: .some("1614265330.5"), code: .webhookInvalidTimestamp),
        MustFail(name: "timestamp negative", timestamp: .some("-1614265330"), code: .webhookInvalidTimestamp),
        MustFail(name: "now + 5 min + 1 s (too old)", nowOffset: 301, code: .webhookTimestampTooOld),
        MustFail(name: "now - 5 min - 1 s (too new)", nowOffset: -301, code: .webhookTimestampTooNew),
    ]

    @Test(arguments: mustFail)
    func rejects(_ item: MustFail) throws {
        let code = try Self.failure(
            id: item.id, timestamp: item.timestamp, signature: item.signature, payload: item.payload,
            now: Self.date(Self.a.timestamp + item.nowOffset))
        #expect(code == item.code)
    }

    @Test func missingHeaderNamesTheField() throws {
        do {
            try Self.verifier(Self.a).verify(payload: Array(Self.a.payload.utf8), headers: [:], now: Self.date(Self.a.timestamp))
            Issue.record("verified without headers")
        } catch let error as WAError {
            #expect(error.code == .webhookMissingHeader)
            #expect(error.field == "webhook-id")
        }
    }

    @Test func rotationSignsWithEverySecretAndEitherVerifies() throws {
        let random = SeededRandomSource(seed: 7)
        let old = try WebhookSecret.generate(using: random)
        let new = try WebhookSecret.generate(byteCount: 48, using: random)
        let other = try WebhookSecret.generate(using: random)
        let signer = try StandardWebhookSigner(secrets: [new, old])
        let payload = Array(#"{"type":"webhook.test"}"#.utf8)
        let now = Self.date(1_767_225_600)
        let headers = signer.headers(id: "evt_01KDX3Q8N0G6M4YHV2W9Z7C5RB", timestamp: now, payload: payload)
        let entries = headers.signature.split(separator: " ")
        #expect(entries.count == 2)
        #expect(entries.allSatisfy { $0.hasPrefix("v1,") })
        #expect(String(entries[0]) == StandardWebhookSigner(secret: new).signature(id: headers.id, timestamp: 1_767_225_600, payload: payload))
        #expect(String(entries[1]) == StandardWebhookSigner(secret: old).signature(id: headers.id, timestamp: 1_767_225_600, payload: payload))

        func verifies(_ secrets: [WebhookSecret]) -> Bool {
            (try? StandardWebhookVerifier(secrets: secrets).verify(
                payload: payload, id: headers.id, timestamp: headers.timestamp, signature: headers.signature, now: now)) != nil
        }
        #expect(verifies([new]))
        #expect(verifies([old]))
        #expect(verifies([new, old]))
        #expect(verifies([other, old]))
        #expect(!verifies([other]))
        #expect(!verifies([]))
        expectWAError(.invalidWebhookSecret) { try StandardWebhookSigner(secrets: []) }
    }

    @Test func toleranceIsConfigurable() throws {
        let verifier = StandardWebhookVerifier(secret: try WebhookSecret(parsing: Self.a.secret), tolerance: .seconds(10))
        let payload = Array(Self.a.payload.utf8)
        expectWAError(.webhookTimestampTooOld) {
            try verifier.verify(
                payload: payload, id: Self.a.id, timestamp: String(Self.a.timestamp), signature: Self.a.signature,
                now: Self.date(Self.a.timestamp + 11))
        }
        try verifier.verify(
            payload: payload, id: Self.a.id, timestamp: String(Self.a.timestamp), signature: Self.a.signature,
            now: Self.date(Self.a.timestamp + 10))
    }
}

@Suite("Webhook secrets")
struct WebhookSecretTests {
    @Test func parsesWithAndWithoutPrefixAndPadding() throws {
        let random = SeededRandomSource(seed: 42)
        for byteCount in [24, 25, 26, 32, 33, 64] {
            let secret = try WebhookSecret.generate(byteCount: byteCount, using: random)
            #expect(secret.bytes.count == byteCount)
            #expect(secret.text.hasPrefix("whsec_"))
            let base64 = String(secret.text.dropFirst(6))
            let unpadded = String(base64.drop { _ in false }.reversed().drop { $0 == "=" }.reversed())
            #expect(try WebhookSecret(parsing: secret.text) == secret)
            #expect(try WebhookSecret(parsing: base64) == secret)
            #expect(try WebhookSecret(parsing: "whsec_" + unpadded) == secret)
            #expect(try WebhookSecret(parsing: unpadded) == secret)
        }
        #expect(try WebhookSecret(parsing: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").bytes.count == 24)
    }

    @Test(arguments: ["", "whsec_", "whsec_!!!!", "whsec_a", "whsec_abcd=", "whsec_YQ===", "whsec_ YWJj", "whsec_YW-j"])
    func rejectsInvalidText(_ text: String) {
        expectWAError(.invalidWebhookSecret) { try WebhookSecret(parsing: text) }
    }

    @Test func generationIsBoundedAndDefaultsTo32Bytes() throws {
        let random = SeededRandomSource(seed: 1)
        #expect(try WebhookSecret.generate(using: random).bytes.count == 32)
        expectWAError(.invalidWebhookSecret) { try WebhookSecret.generate(byteCount: 23, using: random) }
        expectWAError(.invalidWebhookSecret) { try WebhookSecret.generate(byteCount: 65, using: random) }
        expectWAError(.invalidWebhookSecret) { try WebhookSecret(bytes: []) }
        // Deterministic for a seeded source, different across draws.
        let first = try WebhookSecret.generate(using: SeededRandomSource(seed: 9))
        let again = try WebhookSecret.generate(using: SeededRandomSource(seed: 9))
        #expect(first == again)
        #expect(try WebhookSecret.generate(using: random) != WebhookSecret.generate(using: random))
    }

    @Test func neverPrintsTheSecret() throws {
        let secret = try WebhookSecret.generate(using: SeededRandomSource(seed: 3))
        let base64 = String(secret.text.dropFirst(6))
        var dumped = ""
        dump(secret, to: &dumped)
        for text in [secret.description, "\(secret)", String(reflecting: secret), dumped] {
            #expect(!text.contains(base64))
            #expect(!text.contains(String(base64.prefix(8))))
        }
    }
}

@Suite("X-Hub-Signature-256")
struct HubSignature256Tests {
    /// GitHub's documented example (security.md §1.3).
    @Test func githubDocumentedVector() {
        let hub = HubSignature256(secret: "It's a Secret to Everybody")
        let payload = Array("Hello, World!".utf8)
        let expected = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
        #expect(hub.signature(payload: payload) == expected)
        #expect(hub.header(payload: payload) == HTTPHeaderField(name: "X-Hub-Signature-256", value: expected))
        #expect(hub.isValid(headerValue: expected, payload: payload))
        #expect(hub.isValid(headerValue: expected.uppercased().replacingOccurrences(of: "SHA256=", with: "sha256="), payload: payload))
    }

    /// RFC 4231 test case 2.
    @Test func rfc4231TestCase2() {
        let hub = HubSignature256(key: Array("Jefe".utf8))
        #expect(
            hub.signature(payload: Array("what do ya want for nothing?".utf8))
                == "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    }

    @Test(arguments: [
        nil, "", "sha256=", "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
        "sha1=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
        "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e18",
        "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e",
        "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17ff",
        "sha256=zz7107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
    ] as [String?])
    func rejects(_ header: String?) {
        #expect(!HubSignature256(secret: "It's a Secret to Everybody").isValid(headerValue: header, payload: Array("Hello, World!".utf8)))
    }

    @Test func requestSignerAddsHubHeaderKeyedWithTheSecretText() throws {
        let random = SeededRandomSource(seed: 11)
        let new = try WebhookSecret.generate(using: random)
        let old = try WebhookSecret.generate(using: random)
        let payload = Array(#"{"a":1}"#.utf8)
        let now = Date(timeIntervalSince1970: 1_767_225_600)
        let id = "evt_01KDX3Q8N0G6M4YHV2W9Z7C5RB"

        let plain = try WebhookRequestSigner(mode: .standardWebhooks, secrets: [new])
        #expect(plain.headers(id: id, payload: payload, at: now).map(\.name) == ["webhook-id", "webhook-timestamp", "webhook-signature"])

        let both = try WebhookRequestSigner(mode: .standardWebhooksAndHubSignature, secrets: [new, old])
        let headers = both.headers(id: id, payload: payload, at: now)
        #expect(headers.map(\.name) == ["webhook-id", "webhook-timestamp", "webhook-signature", "X-Hub-Signature-256"])
        let hubValue = try #require(headers.last?.value)
        #expect(hubValue == HubSignature256(secret: new.text).signature(payload: payload))
        #expect(HubSignature256(webhookSecrets: [old, new]).isValid(headerValue: hubValue, payload: payload))
        #expect(!HubSignature256(webhookSecret: old).isValid(headerValue: hubValue, payload: payload))
        try StandardWebhookVerifier(secret: old).verify(
            payload: payload, headers: Dictionary(uniqueKeysWithValues: headers.map { ($0.name, $0.value) }), now: now)
        expectWAError(.invalidWebhookSecret) { try WebhookRequestSigner(mode: .standardWebhooks, secrets: []) }
    }
}
