import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Testing
import WACore
@testable import WAHTTP

@Suite struct EventsAPITests {
    /// The harness's gateway behind a server whose event streams send a heartbeat every 100 ms.
    static func make(bufferCapacity: Int = 256) async throws -> (APIHarness, GatewayHTTPServer) {
        let (harness, _) = try await APIHarness.make()
        var configuration = GatewayHTTPServer.Configuration()
        configuration.eventStream = EventStreamSettings(heartbeat: .milliseconds(100), bufferCapacity: bufferCapacity)
        return (harness, GatewayHTTPServer(gateway: harness.gateway, configuration: configuration, logger: Logger(label: "test")))
    }

    static func head(_ query: String, key: String, lastEventID: String? = nil) -> String {
        var head = "GET /v1/events\(query) HTTP/1.1\r\nHost: localhost\r\nAccept: text/event-stream\r\nAuthorization: Bearer \(key)"
        if let lastEventID { head += "\r\nLast-Event-ID: \(lastEventID)" }
        return head
    }

    /// The events of `reader` until one satisfies `last` (included), within 10 s in all.
    static func events(
        _ reader: inout RawHTTPConnection.Reader, until last: (ServerSentEvent) -> Bool
    ) async throws -> [ServerSentEvent] {
        var events: [ServerSentEvent] = []
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline, let event = try await reader.nextEvent(within: .seconds(10)) {
            events.append(event)
            if last(event) { return events }
        }
        Issue.record("the stream ended or timed out after \(events.map { $0.event ?? "?" })")
        return events
    }

    @Test func aClientSeesAMessageLiveAndResumesWithoutGapOrDuplicate() async throws {
        let (harness, server) = try await Self.make()
        let key = harness.acme.adminKey
        let runner = Task { try await harness.gateway.runUntilCancelled() }
        defer { runner.cancel() }
        try await Application(router: server).test(.live) { client in
            let port = try #require(client.port)
            let instance = try await client.linkedInstance("sender", key: key)
            _ = try await client.call(
                .post, "/v1/simulator/phones", key: key, json: #"{"phone":"+4915199990000","name":"Bea"}"#)
            let (messageID, live) = try await RawHTTPConnection.exchange(
                port: port, head: Self.head("?types=message.*", key: key)
            ) { reader in
                try await reader.readHead()
                #expect(reader.status == 200)
                #expect(reader.headers["content-type"]?.hasPrefix("text/event-stream") == true)
                let sent = try await client.call(
                    .post, "/v1/messages", key: key,
                    json: #"{"instance_id":"\#(instance)","to":"+4915199990000","content":{"type":"text","text":"Hi"}}"#)
                let id = try #require(try sent.object["id"] as? String)
                let events = try await Self.events(&reader) { event in
                    event.event == "message.status_changed"
                        && (event.data.contains(#""delivered""#) || event.data.contains(#""read""#))
                }
                return (id, events)
            }
            #expect(live.allSatisfy { $0.event?.hasPrefix("message.") == true })
            #expect(live.allSatisfy { $0.data.contains(messageID) })
            #expect(live.first?.event == "message.queued")
            let ids = live.compactMap { $0.id.flatMap { UInt64($0) } }
            #expect(ids.count == live.count)
            #expect(ids == ids.sorted() && Set(ids).count == ids.count)
            let queued = try #require(live.first)
            let decoded = try JSONSerialization.jsonObject(with: Data(queued.data.utf8))
            let payload = try #require(decoded as? [String: Any])
            #expect(payload["type"] as? String == "message.queued")
            #expect(payload["instance_id"] as? String == instance)

            // Reconnecting after the first event gets the rest, in order, with nothing missing or repeated.
            let first = try #require(ids.first)
            let resumed = try await RawHTTPConnection.exchange(
                port: port, head: Self.head("?types=message.*", key: key, lastEventID: String(first))
            ) { reader in
                try await reader.readHead()
                var events: [ServerSentEvent] = []
                for _ in 1..<live.count {
                    guard let event = try await reader.nextEvent(within: .seconds(5)) else { break }
                    events.append(event)
                }
                return events
            }
            #expect(resumed == Array(live.dropFirst()))
        }
    }

    @Test func filtersHeartbeatsAndTenancy() async throws {
        let (harness, server) = try await Self.make()
        let key = harness.acme.adminKey
        try await Application(router: server).test(.live) { client in
            let port = try #require(client.port)
            let instance = try await client.linkedInstance("main", key: key)
            // From the start of the log: the instance's link events, filtered by type.
            let ready = try await RawHTTPConnection.exchange(
                port: port, head: Self.head("?types=instance.ready&instance_id=\(instance)", key: key, lastEventID: "0")
            ) { reader in
                try await reader.readHead()
                let event = try await reader.nextEvent(within: .seconds(5))
                let heartbeat = try await reader.awaitHeartbeat()
                return (event, heartbeat)
            }
            #expect(ready.0?.event == "instance.ready")
            #expect(ready.0?.data.contains(instance) == true)
            #expect(ready.1, "a keep-alive comment arrives")

            // Another instance's filter, and another organization, see none of these events.
            let otherInstance = UUID().uuidString.lowercased()
            let none = try await RawHTTPConnection.exchange(
                port: port, head: Self.head("?instance_id=\(otherInstance)", key: key, lastEventID: "0")
            ) { reader in
                try await reader.readHead()
                return try await reader.nextEvent(within: .milliseconds(500))
            }
            #expect(none == nil)
            let stranger = try await RawHTTPConnection.exchange(
                port: port, head: Self.head("", key: harness.globex.adminKey, lastEventID: "0")
            ) { reader in
                try await reader.readHead()
                var seen: [ServerSentEvent] = []
                while let event = try await reader.nextEvent(within: .milliseconds(500)) { seen.append(event) }
                return (reader.status, seen)
            }
            #expect(stranger.0 == 200)
            #expect(!stranger.1.contains { $0.data.contains(instance) || $0.data.contains(harness.acme.organization.id.description) })

            let badFilter = try await client.call(.get, "/v1/events?types=message..x", key: key)
            #expect(badFilter.status == .unprocessableContent)
            #expect(badFilter.problemCode == "invalid_event_filter")
            #expect(try badFilter.object["field"] as? String == "types")
            let badID = try await client.call(
                .get, "/v1/events", key: key, headers: [HTTPField.Name("Last-Event-ID")!: "yesterday"])
            #expect(badID.status == .unprocessableContent)
            #expect(badID.problemCode == "invalid_argument")
            let unscoped = try await harness.key(in: harness.acme, role: .agent, scopes: [.instancesRead])
            let forbidden = try await client.call(.get, "/v1/events", key: unscoped)
            #expect(forbidden.status == .forbidden)
            #expect(try await client.call(.get, "/v1/events").status == .unauthorized)
        }
    }

    /// A client that does not read gets at most the buffer's worth of frames, then the end of the stream.
    @Test func aSlowClientIsCutOffAtTheBuffer() async throws {
        let (harness, _) = try await APIHarness.make()
        let org = harness.acme.organization.id
        let ids = harness.gateway.environment.ids
        let (live, feed) = AsyncStream.makeStream(of: LoggedEvent.self)
        let frames = ServerSentEvents.stream(
            backlog: [], live: live, settings: EventStreamSettings(heartbeat: .seconds(60), bufferCapacity: 8)
        ) { _ in true }
        for sequence in 1...1_000 {
            feed.yield(LoggedEvent(sequence: UInt64(sequence), event: WebhookEvent(type: .messageSent, organizationID: org, ids: ids)))
        }
        // The client reads nothing while the events arrive.
        try await Task.sleep(for: .milliseconds(300))
        var received: [String] = []
        for await frame in frames { received.append(String(decoding: frame, as: UTF8.self)) }
        #expect(received.count == 8)
        #expect(received.first?.hasPrefix("id: 1\nevent: message.sent\ndata: {") == true)
        #expect(received.last?.hasPrefix("id: 8\n") == true)
        feed.finish()
    }
}
