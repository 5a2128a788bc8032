import Logging
import NIOCore
import Testing
import WABrowser
import WACoreTesting

/// The connection against a scripted browser: routing, errors, and that no call can wait forever.
@Suite struct CDPConnectionTests {
    private func connection(
        timeout: Duration = .seconds(30), output: [String] = []
    ) -> (CDPConnection, ScriptedTransport) {
        let transport = ScriptedTransport()
        return (CDPConnection(transport: transport, defaultTimeout: timeout, recentOutput: { output }), transport)
    }

    @Test func answersReachTheirCallersInAnyOrder() async throws {
        let (connection, browser) = connection()
        let first = Task { try await connection.send(method: "Test.first", params: CDPNoParameters(), as: Answer.self) }
        let one = try await browser.sent.nextRequest()
        let second = Task { try await connection.send(method: "Test.second", params: CDPNoParameters(), as: Answer.self) }
        let two = try await browser.sent.nextRequest()
        #expect(one.text.contains(#""method":"Test.first""#) && two.text.contains(#""method":"Test.second""#))
        #expect(two.id == one.id + 1)
        browser.say(#"{"id":\#(two.id),"result":{"value":"second"}}"#)
        browser.say(#"{"id":\#(one.id),"result":{"value":"first"}}"#)
        #expect(try await first.value.value == "first")
        #expect(try await second.value.value == "second")
        await connection.close()
    }

    @Test func anErrorObjectBecomesAProtocolError() async throws {
        let (connection, browser) = connection()
        let call = Task { try await connection.send(method: "Foo.bar", params: CDPNoParameters(), as: Answer.self) }
        let request = try await browser.sent.nextRequest()
        browser.say(#"{"id":\#(request.id),"error":{"code":-32601,"message":"'Foo.bar' wasn't found"}}"#)
        await #expect(throws: CDPError.protocolError(
            method: "Foo.bar", code: -32601, message: "'Foo.bar' wasn't found", data: nil)) { try await call.value }
        await connection.close()
    }

    @Test func sessionsAreKnownFromTheirAttachEventAndEventsAreRouted() async throws {
        let (connection, browser) = connection()
        let session = CDPSessionID("S1")
        // Before the attach event the session is unknown: a call fails at once.
        await #expect(throws: CDPError.targetClosed(session)) {
            try await connection.send(CDP.Page.Enable(), session: session)
        }

        let attach = Task { try await connection.send(CDP.Target.AttachToTarget(targetId: "T1")) }
        let request = try await browser.sent.nextRequest()
        #expect(request.text.contains(#""flatten":true"#))
        // As Chromium does: the event comes before the answer.
        browser.say(attachedEvent(session: "S1", target: "T1"))
        browser.say(#"{"id":\#(request.id),"result":{"sessionId":"S1"}}"#)
        #expect(try await attach.value.sessionId == session)

        let pageEvents = await connection.events(session: session, methods: ["Page.loadEventFired"])
        let rootEvents = await connection.events(methods: ["Target.targetInfoChanged"])
        browser.say(#"{"method":"Page.frameNavigated","params":{},"sessionId":"S1"}"#)  // filtered out
        browser.say(#"{"method":"Page.loadEventFired","params":{"timestamp":1.5},"sessionId":"S1"}"#)
        browser.say(#"{"method":"Target.targetInfoChanged","params":{"targetInfo":{}}}"#)
        var pageIterator = pageEvents.makeAsyncIterator()
        let load = try #require(await pageIterator.next())
        #expect(load.method == "Page.loadEventFired" && load.session == session)
        #expect(try load.decode(LoadFired.self).timestamp == 1.5)
        var rootIterator = rootEvents.makeAsyncIterator()
        let changed = try #require(await rootIterator.next())
        #expect(changed.method == "Target.targetInfoChanged" && changed.session == nil)

        // A command on the session carries its id.
        let enable = Task { try await connection.send(CDP.Page.Enable(), session: session) }
        let enableRequest = try await browser.sent.nextRequest()
        #expect(enableRequest.text.contains(#""sessionId":"S1""#))
        browser.say(#"{"id":\#(enableRequest.id),"result":{},"sessionId":"S1"}"#)
        _ = try await enable.value
        await connection.close()
    }

    @Test func aDetachedSessionFailsItsCallsEndsItsEventsAndDropsLateOnes() async throws {
        let (connection, browser) = connection()
        let session = try await attach("S1", on: connection, browser)
        let events = await connection.events(session: session)
        let pending = Task { try await connection.send(CDP.Page.Enable(), session: session) }
        _ = try await browser.sent.nextRequest()
        browser.say(#"{"method":"Target.detachedFromTarget","params":{"sessionId":"S1","targetId":"T1"}}"#)
        await #expect(throws: CDPError.targetClosed(session)) { try await pending.value }
        browser.say(#"{"method":"Page.loadEventFired","params":{},"sessionId":"S1"}"#)  // late: dropped
        var received: [String] = []
        for await event in events { received.append(event.method) }
        #expect(received.isEmpty)
        await #expect(throws: CDPError.targetClosed(session)) {
            try await connection.send(CDP.Page.Enable(), session: session)
        }
        #expect(await !connection.isAttached(session))
        await connection.close()
    }

    @Test func sessionNotFoundIsTargetClosed() async throws {
        let (connection, browser) = connection()
        let session = try await attach("S1", on: connection, browser)
        let call = Task { try await connection.send(CDP.Page.Enable(), session: session) }
        let request = try await browser.sent.nextRequest()
        browser.say(#"{"id":\#(request.id),"error":{"code":-32001,"message":"Session with given id not found."},"sessionId":"S1"}"#)
        await #expect(throws: CDPError.targetClosed(session)) { try await call.value }
        await connection.close()
    }

    @Test func aCrashFailsOnlyThatSessionsCallsAtOnce() async throws {
        let (connection, browser) = connection()
        let crashed = try await attach("S1", on: connection, browser)
        let healthy = try await attach("S2", on: connection, browser)
        let crashedEvents = await connection.events(session: crashed)

        let lost = Task { try await connection.send(method: "Runtime.evaluate", params: CDPNoParameters(), session: crashed, as: Answer.self) }
        _ = try await browser.sent.nextRequest()
        let kept = Task { try await connection.send(method: "Runtime.evaluate", params: CDPNoParameters(), session: healthy, as: Answer.self) }
        let keptRequest = try await browser.sent.nextRequest()

        browser.say(#"{"method":"Inspector.targetCrashed","params":{},"sessionId":"S1"}"#)
        // The browser never answers the crashed session's call; the connection fails it.
        await #expect(throws: CDPError.targetCrashed(crashed)) { try await lost.value }
        var crashEvents: [String] = []
        for await event in crashedEvents { crashEvents.append(event.method) }
        #expect(crashEvents == ["Inspector.targetCrashed"])
        await #expect(throws: CDPError.targetCrashed(crashed)) {
            try await connection.send(CDP.Page.Enable(), session: crashed)
        }

        browser.say(#"{"id":\#(keptRequest.id),"result":{"value":"alive"},"sessionId":"S2"}"#)
        #expect(try await kept.value.value == "alive")
        await connection.close()
    }

    @Test func endOfFileFailsEveryPendingCallWithTheBrowsersLastOutput() async throws {
        let (connection, browser) = connection(output: ["[123:456:ERROR] something broke"])
        let session = try await attach("S1", on: connection, browser)
        let rootEvents = await connection.events()
        let sessionEvents = await connection.events(session: session)
        let rootCall = Task { try await connection.send(CDP.Browser.GetVersion()) }
        _ = try await browser.sent.nextRequest()
        let sessionCall = Task { try await connection.send(CDP.Page.Enable(), session: session) }
        _ = try await browser.sent.nextRequest()

        browser.endOfFile()
        for outcome in [await Self.failure { try await rootCall.value }, await Self.failure { try await sessionCall.value }] {
            guard case .connectionClosed(_, let output)? = outcome else {
                Issue.record("expected connectionClosed, got \(String(describing: outcome))")
                continue
            }
            #expect(output == ["[123:456:ERROR] something broke"])
        }
        for await _ in rootEvents {}
        for await _ in sessionEvents {}
        guard case .connectionClosed? = await Self.failure({ try await connection.send(CDP.Browser.GetVersion()) }) else {
            Issue.record("a call after the end did not fail at once")
            return
        }
        #expect(await connection.closedReason != nil)
        await connection.close()
    }

    @Test func aCallTimesOutAndItsLateAnswerIsIgnored() async throws {
        let (connection, browser) = connection(timeout: .milliseconds(50))
        let slow = Task { try await connection.send(method: "Test.slow", params: CDPNoParameters(), as: Answer.self) }
        let request = try await browser.sent.nextRequest()
        await #expect(throws: CDPError.timeout(method: "Test.slow", after: .milliseconds(50))) { try await slow.value }
        browser.say(#"{"id":\#(request.id),"result":{"value":"late"}}"#)

        // The connection is still usable.
        let next = Task { try await connection.send(method: "Test.next", params: CDPNoParameters(), timeout: .seconds(30), as: Answer.self) }
        let nextRequest = try await browser.sent.nextRequest()
        browser.say(#"{"id":\#(nextRequest.id),"result":{"value":"next"}}"#)
        #expect(try await next.value.value == "next")
        await connection.close()
    }

    @Test func cancellingTheCallerEndsTheCall() async throws {
        let (connection, browser) = connection()
        let call = Task { try await connection.send(method: "Test.forever", params: CDPNoParameters(), as: Answer.self) }
        _ = try await browser.sent.nextRequest()
        call.cancel()
        await #expect(throws: CancellationError.self) { try await call.value }
        await connection.close()
    }

    @Test func closeFailsPendingCallsAndLaterOnesAtOnce() async throws {
        let (connection, browser) = connection()
        let pending = Task { try await connection.send(CDP.Browser.GetVersion()) }
        _ = try await browser.sent.nextRequest()
        await connection.close()
        guard case .connectionClosed? = await Self.failure({ try await pending.value }) else {
            Issue.record("close left a call pending or failed it otherwise")
            return
        }
        guard case .connectionClosed? = await Self.failure({ try await connection.send(CDP.Browser.GetVersion()) }) else {
            Issue.record("a call after close did not fail at once")
            return
        }
    }

    @Test func anAnswerThatIsNotTheExpectedShapeIsMalformed() async throws {
        let (connection, browser) = connection()
        let call = Task { try await connection.send(method: "Test.shape", params: CDPNoParameters(), as: Answer.self) }
        let request = try await browser.sent.nextRequest()
        browser.say(#"{"id":\#(request.id),"result":{"value":42}}"#)
        guard case .malformedResponse(let method, _)? = await Self.failure({ try await call.value }) else {
            Issue.record("a wrongly typed answer was not reported as malformed")
            return
        }
        #expect(method == "Test.shape")
        await connection.close()
    }

    @Test func proxyCredentialsNeverReachTheLog() async throws {
        let records = LogRecords()
        var logger = Logger(label: "test") { _ in RecordingLogHandler(records: records) }
        logger.logLevel = .trace
        let browser = ScriptedTransport()
        let connection = CDPConnection(transport: browser, logger: logger)
        let answer = CDP.Fetch.ContinueWithAuth(
            requestId: "R1", authChallengeResponse: .init(response: "ProvideCredentials", username: "u", password: "s3cret"))
        let call = Task { try await connection.send(answer) }
        let request = try await browser.sent.nextRequest()
        #expect(request.text.contains("s3cret"))  // it does go to the browser
        browser.say(#"{"id":\#(request.id),"result":{}}"#)
        _ = try await call.value
        let lines = records.entries.map(\.message)
        #expect(lines.contains { $0.contains("Fetch.continueWithAuth (parameters withheld") })
        #expect(!lines.contains { $0.contains("s3cret") })
        #expect(lines.contains { $0.hasPrefix("RECV ◀") })  // other traffic is logged
        await connection.close()
    }

    // MARK: Helpers

    private struct Answer: Decodable, Sendable {
        var value: String
    }

    private struct LoadFired: Decodable {
        var timestamp: Double
    }

    private func attachedEvent(session: String, target: String) -> String {
        #"{"method":"Target.attachedToTarget","params":{"sessionId":"\#(session)","targetInfo":{"targetId":"\#(target)","type":"page","title":"","url":"about:blank","attached":true},"waitingForDebugger":false}}"#
    }

    /// Attaches `session` the way Chromium does and returns it.
    private func attach(_ session: String, on connection: CDPConnection, _ browser: ScriptedTransport) async throws -> CDPSessionID {
        let attach = Task { try await connection.send(CDP.Target.AttachToTarget(targetId: "T-\(session)")) }
        let request = try await browser.sent.nextRequest()
        browser.say(attachedEvent(session: session, target: "T-\(session)"))
        browser.say(#"{"id":\#(request.id),"result":{"sessionId":"\#(session)"}}"#)
        return try await attach.value.sessionId
    }

    private static func failure(_ body: () async throws -> some Any) async -> CDPError? {
        do {
            _ = try await body()
            return nil
        } catch let error as CDPError {
            return error
        } catch {
            return nil
        }
    }
}
