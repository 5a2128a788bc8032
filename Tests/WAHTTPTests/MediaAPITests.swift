import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Synchronization
import Testing
import WACore
import WACoreTesting
import WAHTTP

/// Serialized: the large upload measures the process's memory, which the other tests would add to.
@Suite(.serialized) struct MediaAPITests {
    /// A sample file of WACore's media corpus (`Tests/WACoreTests/Fixtures/Media`).
    static func sample(_ name: String) throws -> [UInt8] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("WACoreTests/Fixtures/Media/\(name)")
        return [UInt8](try Data(contentsOf: url))
    }

    static func sha256Hex(_ bytes: [UInt8]) -> String {
        SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
    }

    @Test func uploadReadListDownloadAndDelete() async throws {
        let (harness, server) = try await APIHarness.make()
        let key = harness.acme.adminKey
        let png = try Self.sample("sample.png")
        let jpeg = try Self.sample("sample.jpg")
        let pdf = try Self.sample("sample.pdf")
        try await Application(router: server).test(.live) { client in
            let uploaded = try await client.upload(png, type: "image/png", key: key)
            #expect(uploaded.status == .created)
            let object = try uploaded.object
            let id = try #require(object["id"] as? String)
            #expect(object["mime_type"] as? String == "image/png")
            #expect(object["kind"] as? String == "image")
            #expect(object["byte_count"] as? Int == png.count)
            #expect(object["sha256"] as? String == Self.sha256Hex(png))
            #expect(object["file_name"] == nil)
            #expect((object["created_at"] as? String)?.hasSuffix("Z") == true)

            // An alias of the declared type is accepted; the stored type is the content's.
            let photo = try await client.upload(jpeg, type: "image/jpg", key: key)
            #expect(photo.status == .created)
            #expect(try photo.object["mime_type"] as? String == "image/jpeg")
            let document = try await client.upload(
                pdf, type: "application/pdf", key: key, query: "kind=document&file_name=..%2FQ3%20r%C3%A9sum%C3%A9.pdf")
            #expect(document.status == .created)
            let documentID = try #require(try document.object["id"] as? String)
            #expect(try document.object["kind"] as? String == "document")
            #expect(try document.object["file_name"] as? String == "Q3 résumé.pdf")

            let read = try await client.call(.get, "/v1/media/\(id)", key: key)
            #expect(read.status == .ok)
            #expect(try read.object["sha256"] as? String == Self.sha256Hex(png))
            let list = try await client.call(.get, "/v1/media?limit=2", key: key)
            let items = try #require(try list.object["items"] as? [[String: Any]])
            #expect(items.count == 2)
            let cursor = try #require(try list.object["next_cursor"] as? String)
            let rest = try await client.call(.get, "/v1/media?limit=2&cursor=\(cursor)", key: key)
            let more = try #require(try rest.object["items"] as? [[String: Any]])
            #expect(Set((items + more).compactMap { $0["id"] as? String }).count == 3)
            let badLimit = try await client.call(.get, "/v1/media?limit=0", key: key)
            #expect(badLimit.status == .unprocessableContent || badLimit.status == .badRequest)

            let usage = try await client.call(.get, "/v1/media/usage", key: key)
            #expect(usage.status == .ok)
            let used = png.count + jpeg.count + pdf.count
            #expect(try usage.object["used_bytes"] as? Int == used)
            let limit = try #require(try usage.object["limit_bytes"] as? Int)
            #expect(try usage.object["available_bytes"] as? Int == limit - used)

            let content = try await client.call(.get, "/v1/media/\(id)/content", key: key)
            #expect(content.status == .ok)
            #expect(Array(content.body.readableBytesView) == png)
            #expect(content.headers[.contentType] == "image/png")
            #expect(content.headers[.contentLength] == String(png.count))
            #expect(content.headers[.acceptRanges] == "bytes")
            #expect(content.headers[.contentDisposition] == "attachment")
            #expect(content.headers[HTTPField.Name("X-Content-Type-Options")!] == "nosniff")
            let named = try await client.call(.get, "/v1/media/\(documentID)/content", key: key)
            #expect(named.headers[.contentType] == "application/pdf")
            #expect(
                named.headers[.contentDisposition]
                    == #"attachment; filename="Q3 r_sum_.pdf"; filename*=UTF-8''Q3%20r%C3%A9sum%C3%A9.pdf"#)
            #expect(Array(named.body.readableBytesView) == pdf)

            // Ranges: first–last, open-ended, suffix; past the end is 416; a malformed one is ignored.
            let first = try await client.call(.get, "/v1/media/\(id)/content", key: key, headers: [.range: "bytes=0-9"])
            #expect(first.status == .partialContent)
            #expect(first.headers[.contentRange] == "bytes 0-9/\(png.count)")
            #expect(first.headers[.contentType] == "image/png")
            #expect(Array(first.body.readableBytesView) == Array(png[0..<10]))
            let open = try await client.call(.get, "/v1/media/\(id)/content", key: key, headers: [.range: "bytes=380-"])
            #expect(open.status == .partialContent)
            #expect(open.headers[.contentRange] == "bytes 380-\(png.count - 1)/\(png.count)")
            #expect(Array(open.body.readableBytesView) == Array(png[380...]))
            let suffix = try await client.call(.get, "/v1/media/\(id)/content", key: key, headers: [.range: "bytes=-5"])
            #expect(Array(suffix.body.readableBytesView) == Array(png.suffix(5)))
            let beyond = try await client.call(
                .get, "/v1/media/\(id)/content", key: key, headers: [.range: "bytes=100000-"])
            #expect(beyond.status == .rangeNotSatisfiable)
            #expect(beyond.headers[.contentRange] == "bytes */\(png.count)")
            #expect(beyond.problemCode == "invalid_argument")
            let ignored = try await client.call(
                .get, "/v1/media/\(id)/content", key: key, headers: [.range: "bytes=0-1,5-6"])
            #expect(ignored.status == .ok)
            #expect(ignored.body.readableBytes == png.count)

            let deleted = try await client.call(.delete, "/v1/media/\(id)", key: key)
            #expect(deleted.status == .noContent)
            #expect(try await client.call(.get, "/v1/media/\(id)", key: key).status == .notFound)
            #expect(try await client.call(.get, "/v1/media/\(id)/content", key: key).status == .notFound)
            let after = try await client.call(.get, "/v1/media/usage", key: key)
            #expect(try after.object["used_bytes"] as? Int == jpeg.count + pdf.count)
        }
    }

    @Test func contentThatContradictsItsTypeIsRefused() async throws {
        let (harness, server) = try await APIHarness.make()
        let key = harness.acme.adminKey
        let jpeg = try Self.sample("sample.jpg")
        try await Application(router: server).test(.live) { client in
            let mismatch = try await client.upload(jpeg, type: "application/pdf", key: key)
            #expect(mismatch.status == .unsupportedMediaType)
            #expect(mismatch.problemCode == "media_type_mismatch")
            let html = try await client.upload(Array("<html><script>alert(1)</script></html>".utf8), type: "text/plain", key: key)
            #expect(html.status == .unsupportedMediaType)
            #expect(html.problemCode == "media_active_content")
            let wrongKind = try await client.upload(jpeg, type: "image/jpeg", key: key, query: "kind=text")
            #expect(wrongKind.status == .unprocessableContent)
            #expect(wrongKind.problemCode == "invalid_argument")
            #expect(try wrongKind.object["field"] as? String == "kind")
            let empty = try await client.upload([], type: "image/jpeg", key: key)
            #expect(empty.status == .unprocessableContent)
            #expect(empty.problemCode == "media_empty")
            let truncated = try await client.upload(Array(try Self.sample("sample.png").dropLast(12)), type: "image/png", key: key)
            #expect(truncated.status == .unprocessableContent)
            #expect(truncated.problemCode == "media_truncated")
            let list = try await client.call(.get, "/v1/media", key: key)
            #expect((try list.object["items"] as? [Any])?.isEmpty == true)
            #expect(try await client.call(.get, "/v1/media/usage", key: key).object["used_bytes"] as? Int == 0)
            let badID = try await client.call(.get, "/v1/media/not-a-uuid", key: key)
            #expect(badID.status == .unprocessableContent || badID.status == .badRequest)
        }
    }

    @Test func anotherOrganizationSeesNothingAndViewersCannotUpload() async throws {
        let (harness, server) = try await APIHarness.make()
        let key = harness.acme.adminKey
        let stranger = harness.globex.adminKey
        let png = try Self.sample("sample.png")
        _ = try await harness.member(in: harness.acme, role: .viewer, email: "vera@acme.example")
        try await Application(router: server).test(.live) { client in
            let id = try #require(try await client.upload(png, type: "image/png", key: key).object["id"] as? String)
            for path in ["/v1/media/\(id)", "/v1/media/\(id)/content"] {
                let response = try await client.call(.get, path, key: stranger)
                #expect(response.status == .notFound, "\(path)")
                #expect(response.problemCode == "not_found")
            }
            #expect(try await client.call(.delete, "/v1/media/\(id)", key: stranger).status == .notFound)
            let theirs = try await client.call(.get, "/v1/media", key: stranger)
            #expect((try theirs.object["items"] as? [Any])?.isEmpty == true)
            #expect(try await client.call(.get, "/v1/media/usage", key: stranger).object["used_bytes"] as? Int == 0)
            #expect(try await client.call(.get, "/v1/media/\(id)", key: key).status == .ok)

            let viewer = try await client.token("acme", "vera@acme.example", AuthAPITests.password)
            let refused = try await client.upload(png, type: "image/png", key: viewer)
            #expect(refused.status == .forbidden)
            #expect(refused.problemCode == "permission_denied")
            #expect(try await client.call(.get, "/v1/media/\(id)", key: viewer).status == .ok)
            #expect(try await client.call(.delete, "/v1/media/\(id)", key: viewer).status == .forbidden)
            let agent = try await harness.key(in: harness.acme, role: .agent)
            #expect(try await client.upload(png, type: "image/png", key: agent).status == .created)
            #expect(try await client.call(.get, "/v1/media/usage", key: key).object["used_bytes"] as? Int == 2 * png.count)
        }
    }

    /// A 100 MB document streams from the connection to the media store: the server's resident memory grows by
    /// far less than the file. The upload runs in a child process of its own (an exit test), so that tests running
    /// alongside in this process do not move the figure.
    @Test func aLargeUploadStreams() async throws {
        await #expect(processExitsWith: .success, "the child process writes why it failed to standard error") {
            try await MediaAPITests.uploadAHundredMegabytes()
        }
    }

    /// The exit test's body: throws (failing the child process, with the reason on standard error) unless the
    /// upload is stored whole while resident memory grows by less than 32 MiB.
    static func uploadAHundredMegabytes() async throws {
        let store = CountingMediaStore()
        let (server, key) = try await Self.serverWithStore(store)
        let size = 100_000_000
        try await Application(router: server).test(.live) { client in
            guard let port = client.port, let baseline = RSSSampler.residentBytes() else {
                throw ChildFailure(description: "no port or no /proc/self/status")
            }
            let sampler = RSSSampler()
            let sampling = Task { await sampler.run() }
            let (status, text) = try await RawHTTPConnection.exchange(
                port: port,
                head: "POST /v1/media?file_name=big.pdf HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer \(key)\r\n"
                    + "Content-Type: application/pdf\r\nContent-Length: \(size)",
                body: GeneratedPDF(size: size)
            ) { reader in
                let body = try await reader.readBody()
                return (reader.status, String(decoding: body, as: UTF8.self))
            }
            sampling.cancel()
            let peak = await sampling.value
            try ChildFailure.check(status == 201, "status \(status): \(text)")
            try ChildFailure.check(text.contains(#""byte_count":\#(size)"#), "byte count in \(text)")
            try ChildFailure.check(text.contains(#""mime_type":"application/pdf""#), "MIME type in \(text)")
            try ChildFailure.check(store.bytesWritten == Int64(size), "the store got \(store.bytesWritten) bytes")
            let growth = peak - baseline
            try ChildFailure.check(growth < 32 << 20, "resident memory grew by \(growth >> 20) MiB")
        }
    }

    /// A failed check in an exit test's child process, written to standard error (which the parent shows).
    struct ChildFailure: Error, CustomStringConvertible {
        let description: String

        static func check(_ condition: Bool, _ reason: @autoclosure () -> String) throws {
            guard condition else {
                FileHandle.standardError.write(Data("aLargeUploadStreams: \(reason())\n".utf8))
                throw ChildFailure(description: reason())
            }
        }
    }

    /// An upload must announce its length, within the media body limit; the limit refuses it before a byte is read.
    @Test func uploadsNeedALengthWithinTheLimit() async throws {
        let (harness, server) = try await APIHarness.make()
        let key = harness.acme.adminKey
        let png = try Self.sample("sample.png")
        try await Application(router: server).test(.live) { client in
            let port = try #require(client.port)
            let auth = "Host: localhost\r\nAuthorization: Bearer \(key)\r\nContent-Type: image/png"
            let tooLarge = try await RawHTTPConnection.exchange(
                port: port, head: "POST /v1/media HTTP/1.1\r\n\(auth)\r\nContent-Length: \(200 << 20)"
            ) { reader in
                let body = try await reader.readBody()
                return (reader.status, String(decoding: body, as: UTF8.self))
            }
            #expect(tooLarge.0 == 413)
            #expect(tooLarge.1.contains(#""code":"request_too_large""#))
            // Chunked, without Content-Length: one chunk with the whole PNG, then the last chunk.
            let chunked = try await RawHTTPConnection.exchange(
                port: port, head: "POST /v1/media HTTP/1.1\r\n\(auth)\r\nTransfer-Encoding: chunked",
                body: MediaChunks(Array(String(png.count, radix: 16).utf8) + [13, 10] + png + Array("\r\n0\r\n\r\n".utf8))
            ) { reader in
                let body = try await reader.readBody()
                return (reader.status, String(decoding: body, as: UTF8.self))
            }
            #expect(chunked.0 == 422)
            #expect(chunked.1.contains(#""field":"Content-Length""#))
            #expect(BodyLimits().limit(for: "uploadMedia") == 100 << 20)
        }
    }

    /// A gateway whose media store keeps only counts, an organization and its admin's key.
    static func serverWithStore(_ store: some MediaStore) async throws -> (GatewayHTTPServer, String) {
        let random = SeededRandomSource(seed: 11)
        var environment = ServiceEnvironment.inMemory(
            clock: SystemWallClock(), random: random, passwordHasher: InsecureFastPasswordHasher(random: random),
            wakeUps: false, logger: Logger(label: "test"))
        environment.media = store
        let gateway = Gateway(environment: environment, transport: SimulatedWhatsApp(clock: environment.clock, random: random))
        let (_, admin) = try await gateway.team.createOrganization(
            name: "Big", slug: "big", plan: .pro, adminEmail: "admin@big.example", adminName: "Admin",
            adminPassword: "correct horse battery staple")
        let key = try await gateway.apiKeys.issue(
            name: "admin", scopes: Role.admin.permissions, by: .authenticatedExternally(admin))
        return (GatewayHTTPServer(gateway: gateway, logger: Logger(label: "test")), key.secret.reveal())
    }
}

extension TestClientProtocol {
    /// `POST /v1/media` with `bytes` declared as `type`.
    fileprivate func upload(_ bytes: [UInt8], type: String, key: String, query: String? = nil) async throws
        -> TestResponse
    {
        try await execute(
            uri: "/v1/media" + (query.map { "?\($0)" } ?? ""), method: .post,
            headers: [.authorization: "Bearer \(key)", .contentType: type], body: ByteBuffer(bytes: bytes))
    }
}

/// A PDF of `size` bytes made 256 KiB at a time as it is sent: a header, filler comments, the end marker.
private struct GeneratedPDF: AsyncSequence, Sendable {
    let size: Int

    struct AsyncIterator: AsyncIteratorProtocol {
        let size: Int
        var sent = 0

        mutating func next() async -> [UInt8]? {
            guard sent < size else { return nil }
            let count = Swift.min(256 << 10, size - sent)
            var chunk = [UInt8](repeating: UInt8(ascii: " "), count: count)
            if sent == 0 {
                let header = Array("%PDF-1.4\n%\u{e2}\u{e3}\n".utf8)
                chunk.replaceSubrange(0..<header.count, with: header)
            }
            if sent + count == size {
                let end = Array("\n%%EOF\n".utf8)
                chunk.replaceSubrange((count - end.count)..<count, with: end)
            }
            sent += count
            return chunk
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(size: size) }
}

/// A media store that keeps no bytes, only how many it was given.
private final class CountingMediaStore: MediaStore {
    private let written = Mutex<Int64>(0)

    var bytesWritten: Int64 { written.withLock { $0 } }

    func write<Chunks: AsyncSequence & Sendable>(
        _ id: MediaObjectID, in organization: OrganizationID, from chunks: Chunks
    ) async throws -> Int64 where Chunks.Element == [UInt8] {
        var count: Int64 = 0
        for try await chunk in chunks { count += Int64(chunk.count) }
        let total = count
        written.withLock { $0 += total }
        return total
    }

    func read(_ id: MediaObjectID, in organization: OrganizationID, range: Range<Int64>?) async throws
        -> MediaByteStream
    {
        throw WAError.notFound("media")
    }

    func byteCount(of id: MediaObjectID, in organization: OrganizationID) async throws -> Int64 {
        throw WAError.notFound("media")
    }

    func remove(_ id: MediaObjectID, in organization: OrganizationID) async throws {}
    func removeAll(in organization: OrganizationID) async throws {}
}

/// Samples the process's resident set size (`VmRSS` of `/proc/self/status`) every 20 ms until cancelled and
/// returns the largest.
private struct RSSSampler: Sendable {
    static func residentBytes() -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            let kilobytes = line.split(separator: " ").dropFirst().first.flatMap { Int($0) }
            return kilobytes.map { $0 * 1024 }
        }
        return nil
    }

    func run() async -> Int {
        var peak = Self.residentBytes() ?? 0
        while !Task.isCancelled {
            peak = max(peak, Self.residentBytes() ?? 0)
            try? await Task.sleep(for: .milliseconds(20))
        }
        return max(peak, Self.residentBytes() ?? 0)
    }
}
