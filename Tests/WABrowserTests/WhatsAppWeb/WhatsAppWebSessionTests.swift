import Foundation
import Testing
import WABrowser
import WACore

extension RealBrowser {
    /// `WhatsAppWebSession` in a real headless Chromium against the WhatsApp Web fixture in offline mode
    /// (`reference/whatsapp-web.md` §7E).
    @Suite
    struct WhatsAppWebSessionTests {
        /// Starts a session, scans its QR code in the fixture and waits for `ready`.
        private func linked(
            _ fixture: FixtureSession, configure: (inout WhatsAppWebConfiguration) -> Void = { _ in }
        ) async throws -> (WhatsAppWebSession, EventRecorder) {
            let session = try await fixture.makeSession(configure: configure)
            let events = EventRecorder(session)
            try await session.start()
            try await events.waitFor("a QR code") { if case .qrCode = $0 { true } else { false } }
            try await drive(session, "__fx.scan().then(() => true)")
            try await events.waitFor("ready") { if case .ready = $0 { true } else { false } }
            return (session, events)
        }

        @discardableResult
        private func drive(_ session: WhatsAppWebSession, _ expression: String) async throws -> Bool {
            let page = try #require(session.page)
            return try await page.evaluate(expression, as: Bool.self)
        }

        private func log(_ session: WhatsAppWebSession, call: String) async throws -> [[String: String]] {
            let page = try #require(session.page)
            let json = try await page.evaluate(
                "JSON.stringify(__fx.log.filter(e => e.call === '\(call)').map(e => Object.fromEntries(Object.entries(e).map(([k, v]) => [k, String(v)]))))",
                as: String.self)
            return try JSONDecoder().decode([[String: String]].self, from: Data(json.utf8))
        }

        @Test func theQRCodeHasFiveFieldsAndRotatesThenTheLinkAuthenticatesBeforeReadyOnce() async throws {
            let fixture = FixtureSession()
            try await fixture.run {
                let session = try await fixture.makeSession()
                let events = EventRecorder(session)
                try await session.start()
                let (first, index) = try await events.waitFor("a QR code") { if case .qrCode = $0 { true } else { false } }
                let (second, _) = try await events.waitFor("a second QR code", from: index + 1) {
                    if case .qrCode = $0 { true } else { false }
                }
                guard case .qrCode(let one) = first, case .qrCode(let two) = second else { return }
                #expect(one.split(separator: ",", omittingEmptySubsequences: false).count == 5)
                #expect(two.split(separator: ",", omittingEmptySubsequences: false).count == 5)
                #expect(one != two)
                // The keys stay; only the server's ref changes.
                #expect(one.split(separator: ",").dropFirst() == two.split(separator: ",").dropFirst())

                try await drive(session, "__fx.scan('15550009999').then(() => true)")
                let (readyEvent, _) = try await events.waitFor("ready") { if case .ready = $0 { true } else { false } }
                guard case .ready(let account) = readyEvent else { return }
                #expect(account.jid.description == "15550009999@c.us")
                let names = events.events.map(\.name)
                #expect(names.filter { $0 == "authenticated" }.count == 1)
                #expect(names.filter { $0 == "ready" }.count == 1)
                #expect(try #require(names.firstIndex(of: "authenticated")) < (try #require(names.firstIndex(of: "ready"))))
                #expect(names.contains("loading"))
                await session.stop()
                try await events.waitForEnd()
            }
        }

        @Test func aSendGetsItsAcksInOrderAndARetryIsNotSentTwice() async throws {
            let fixture = FixtureSession()
            try await fixture.run {
                let (session, events) = try await linked(fixture)
                let chat = try #require(JID("15550000001@c.us"))
                let outgoing = OutgoingMessage(chat: chat, content: .text("Hello from the gateway"), clientMessageID: "3EB0AAAABBBBCCCCDDDD")
                let receipt = try await session.send(outgoing)
                #expect(!receipt.wasAlreadySent)
                #expect(receipt.whatsappID.contains("3EB0AAAABBBBCCCCDDDD"))
                let start = events.events.count
                try await events.waitFor("read", from: start) {
                    if case .messageStatus(receipt.whatsappID, _, .read, _) = $0 { true } else { false }
                }
                let statuses = events.events.compactMap { event -> MessageStatus? in
                    if case .messageStatus(receipt.whatsappID, _, let status, _) = event { status } else { nil }
                }
                #expect(statuses == [.sent, .delivered, .read])
                // The gateway's own message is not reported back as a received one.
                #expect(!events.events.contains { if case .messageReceived = $0 { true } else { false } })

                // A retry after a crash: the same client message id finds the message and sends nothing.
                let again = try await session.send(outgoing)
                #expect(again.wasAlreadySent)
                #expect(again.whatsappID == receipt.whatsappID)
                let sends = try await log(session, call: "send")
                #expect(sends.count == 1)
                await session.stop()
            }
        }

        @Test func incomingMessagesTypingAndNumberLookUps() async throws {
            let fixture = FixtureSession()
            try await fixture.run {
                let (session, events) = try await linked(fixture)
                try await drive(session, "(__fx.incoming({from: '15550000002@c.us', body: 'Is my order ready?', notifyName: 'Bea'}), true)")
                let (event, _) = try await events.waitFor("the incoming message") {
                    if case .messageReceived = $0 { true } else { false }
                }
                guard case .messageReceived(let message) = event else { return }
                #expect(message.body == "Is my order ready?")
                #expect(message.chat.description == "15550000002@c.us")
                #expect(!message.fromMe)
                #expect(message.pushName == "Bea")

                let chat = try #require(JID("15550000002@c.us"))
                try await session.setPresence(.typing, in: chat)
                try await session.setPresence(.paused, in: chat)
                try await session.markSeen(chat)
                #expect(try await log(session, call: "chatstate").map { $0["state"] } == ["composing", "paused"])
                #expect(try await log(session, call: "sendSeen").count == 1)

                try await drive(session, "(__fx.registered.add('4915112345678'), true)")
                #expect(try await session.lookUp(try PhoneNumber("+4915112345678"))?.jid.description == "4915112345678@c.us")
                #expect(try await session.lookUp(try PhoneNumber("+4915199990000")) == nil)
                await session.stop()
            }
        }

        @Test func aConflictDisconnectsTheSession() async throws {
            let fixture = FixtureSession()
            try await fixture.run {
                let (session, events) = try await linked(fixture)
                try await drive(session, "(__fx.setState('CONFLICT'), true)")
                try await events.waitFor("the conflict") { $0 == .disconnected(.conflict) }
                try await events.waitForEnd()
                await #expect(throws: WAError.self) {
                    try await session.send(OutgoingMessage(chat: try #require(JID("15550000001@c.us")), content: .text("x"), clientMessageID: "3EB00000000000000001"))
                }
            }
        }

        @Test func aRestartOnTheSameProfileRestoresWithoutAQRCode() async throws {
            let fixture = FixtureSession()
            try await fixture.run {
                let (first, _) = try await linked(fixture)
                let archive = try #require(try await first.exportArchive())
                await first.stop()

                let second = try await fixture.makeSession(archive: archive)
                let events = EventRecorder(second)
                try await second.start()
                try await events.waitFor("ready") { if case .ready = $0 { true } else { false } }
                #expect(!events.events.contains { if case .qrCode = $0 { true } else { false } })
                await second.stop()
            }
        }

        @Test func aRestoreWhoseLinkIsGoneIsAnAuthFailure() async throws {
            let fixture = FixtureSession()
            try await fixture.run {
                let (first, _) = try await linked(fixture)
                let archive = try #require(try await first.exportArchive())
                await first.stop()
                // The profile that held the link is gone (a wiped disk, another node): WhatsApp Web shows a QR code.
                try FileManager.default.removeItem(atPath: "\(fixture.profiles)/\(fixture.instanceID)")

                let second = try await fixture.makeSession(archive: archive)
                let events = EventRecorder(second)
                try await second.start()
                try await events.waitForEnd()
                #expect(events.events.last == .disconnected(.authFailure))
                #expect(!events.events.contains { if case .qrCode = $0 { true } else { false } })
                await second.stop()
            }
        }

        @Test func aReloadReinjectsWithoutDuplicateMessageEvents() async throws {
            let fixture = FixtureSession()
            try await fixture.run {
                let (session, events) = try await linked(fixture)
                let before = events.events.count
                try await drive(session, "(__fx.reload(), true)")
                // The page reports authenticated and ready again (the instance lifecycle absorbs them).
                try await events.waitFor("ready after the reload", from: before) { if case .ready = $0 { true } else { false } }
                try await drive(session, "(__fx.incoming({from: '15550000002@c.us', body: 'after the reload'}), true)")
                try await events.waitFor("the message after the reload", from: before) {
                    if case .messageReceived = $0 { true } else { false }
                }
                // Give a duplicate listener the chance to report twice.
                try await Task.sleep(for: .milliseconds(300))
                let received = events.events.filter { if case .messageReceived = $0 { true } else { false } }
                #expect(received.count == 1)
                await session.stop()
            }
        }

        @Test func aPairingCodeIsShownAndLinks() async throws {
            let fixture = FixtureSession()
            try await fixture.run {
                let session = try await fixture.makeSession(linkMethod: .pairingCode(try PhoneNumber("+4915112345678")))
                let events = EventRecorder(session)
                try await session.start()
                let (event, _) = try await events.waitFor("the pairing code") { if case .pairingCode = $0 { true } else { false } }
                #expect(event == .pairingCode("ABCD-1234"))
                try await drive(session, "__fx.enterPairingCode().then(() => true)")
                let (ready, _) = try await events.waitFor("ready") { if case .ready = $0 { true } else { false } }
                if case .ready(let account) = ready { #expect(account.jid.description == "4915112345678@c.us") }
                #expect(!events.events.contains { if case .qrCode = $0 { true } else { false } })
                await session.stop()
            }
        }

        @Test func aPageThatStopsRespondingIsDetectedAsDead() async throws {
            let fixture = FixtureSession()
            try await fixture.run {
                let (session, events) = try await linked(fixture) { configuration in
                    configuration.healthCheckInterval = .milliseconds(200)
                    configuration.healthCheckTimeout = .milliseconds(300)
                    configuration.unresponsiveAfter = 2
                }
                // Busy for a minute: connected, but dead.
                try await drive(session, "(__fx.freeze(60000), true)")
                try await events.waitFor("the unresponsive page") { $0 == .disconnected(.pageUnresponsive) }
                try await events.waitForEnd()
            }
        }

        @Test func aBrowserAboveItsMemoryCeilingIsStopped() async throws {
            let fixture = FixtureSession()
            try await fixture.run {
                let (session, events) = try await linked(fixture) { configuration in
                    configuration.healthCheckInterval = .milliseconds(200)
                    configuration.memoryCeiling = 480 * 1_048_576
                }
                let process = try #require(ChromiumProcess.processes(usingProfile: "\(fixture.profiles)/\(fixture.instanceID)").first)
                let used = try #require(ProcessGroupMemory.proportionalSetSize(ofGroup: getpgid(process)))
                #expect(used > 50 * 1_048_576 && used < 480 * 1_048_576, "the fixture's browser uses \(used) bytes")
                // The page grows by 400 MB and keeps it.
                try await drive(
                    session, "(setTimeout(() => { window.__hog = Array.from({length: 40}, () => new Uint8Array(10485760).fill(1)); }), true)")
                try await events.waitFor("the memory limit") { $0 == .disconnected(.memoryLimit) }
                try await events.waitForEnd()
            }
        }

        @Test func aKilledBrowserEndsTheSession() async throws {
            let fixture = FixtureSession()
            try await fixture.run {
                let (session, events) = try await linked(fixture)
                let process = try #require(ChromiumProcess.processes(usingProfile: "\(fixture.profiles)/\(fixture.instanceID)").first)
                let group = getpgid(process)
                try #require(group > 1 && group != getpgrp(), "the browser runs in a process group of its own")
                kill(-group, SIGKILL)
                try await events.waitFor("the crash") { $0 == .disconnected(.browserCrashed) }
                try await events.waitForEnd()
                await #expect(throws: WAError.self) { try await session.markSeen(try #require(JID("15550000001@c.us"))) }
            }
        }

        @Test func aRestoredSessionCatchesUpOnMessagesItMissed() async throws {
            let fixture = FixtureSession()
            try await fixture.run {
                let (first, events) = try await linked(fixture)
                try await drive(first, "(__fx.incoming({from: '15550000002@c.us', body: 'first'}), true)")
                try await events.waitFor("the first message") { if case .messageReceived = $0 { true } else { false } }
                // Arrives while nobody listens (the gateway is down): WhatsApp Web will not report it as new again.
                try await drive(first, "(__fx.incomingWhileAway({from: '15550000003@c.us', body: 'while you were away'}), true)")
                await first.stop()

                let second = try await fixture.makeSession()
                let restored = EventRecorder(second)
                try await second.start()
                let (event, _) = try await restored.waitFor("the missed message") {
                    if case .messageReceived(let message) = $0 { message.body == "while you were away" } else { false }
                }
                guard case .messageReceived(let missed) = event else { return }
                #expect(missed.chat.description == "15550000003@c.us")
                #expect(!missed.fromMe)
                let names = restored.events.map(\.name)
                #expect(try #require(names.firstIndex(of: "ready")) < (try #require(names.firstIndex(of: "message_received"))))
                await second.stop()
            }
        }

        @Test func mediaIsPreparedUploadedAndSent() async throws {
            let fixture = FixtureSession()
            try await fixture.run {
                let (session, events) = try await linked(fixture)
                let bytes = (0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
                let media = MediaPayload(kind: .image, mimeType: "image/png", fileName: "catalogue.png", caption: "New in", bytes: bytes)
                let receipt = try await session.send(OutgoingMessage(
                    chat: try #require(JID("15550000001@c.us")), content: .media(media), clientMessageID: "3EB0000000000000C0DE"))
                try await events.waitFor("read") {
                    if case .messageStatus(receipt.whatsappID, _, .read, _) = $0 { true } else { false }
                }
                let uploads = try await log(session, call: "upload")
                #expect(uploads.count == 1)
                #expect(uploads.first?["size"] == "200000")
                let sends = try await log(session, call: "send")
                #expect(sends.count == 1)
                #expect(sends.first?["type"] == "image")
                #expect(sends.first?["caption"] == "New in")
                #expect(sends.first?["filename"] == "catalogue.png")
                await session.stop()
            }
        }
        @Test func incomingMediaIsReportedWithoutItsBytesAndDownloaded() async throws {
            let fixture = FixtureSession()
            try await fixture.run {
                let (session, events) = try await linked(fixture)
                let bytes = (0..<70_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
                let base64 = Data(bytes).base64EncodedString()
                try await drive(
                    session,
                    "(__fx.incoming({from: '15550000004@c.us', type: 'document', mimetype: 'application/pdf', data: '\(base64)', caption: 'The invoice', filename: 'invoice.pdf'}), true)")
                let (event, _) = try await events.waitFor("the document") {
                    if case .messageReceived = $0 { true } else { false }
                }
                guard case .messageReceived(let message) = event else { return }
                #expect(message.kind == .document && message.body == "The invoice")
                let media = try #require(message.media)
                #expect(media.mimeType == "application/pdf" && media.fileName == "invoice.pdf")
                #expect(media.byteCount == Int64(bytes.count) && media.handle == message.whatsappID)
                #expect(try await session.downloadMedia(media) == bytes)

                let unknown = IncomingMedia(kind: .image, mimeType: "image/jpeg", handle: "false_15550000004@c.us_3A00000000000000FF")
                let missing = await #expect(throws: WAError.self) { try await session.downloadMedia(unknown) }
                #expect(missing?.code == .notFound)
                await session.stop()
            }
        }

        @Test func anOfferedCallIsReportedAndRejected() async throws {
            let fixture = FixtureSession()
            try await fixture.run {
                let (session, events) = try await linked(fixture)
                let id = try await (try #require(session.page)).evaluate(
                    "__fx.call('15550000005@c.us', {isVideo: true})", as: String.self)
                let (event, _) = try await events.waitFor("the call") { if case .call = $0 { true } else { false } }
                guard case .call(let call) = event else { return }
                #expect(call.id == id && call.from.description == "15550000005@c.us" && call.isVideo && !call.isGroup)
                try await session.rejectCall(call)
                #expect(try await log(session, call: "rejectCall").map { $0["id"] } == [id])
                try await session.rejectCall(call)  // no longer offered: nothing happens
                #expect(try await log(session, call: "rejectCall").count == 1)
                await session.stop()
            }
        }

        @Test func locationsAndContactCardsGoBothWays() async throws {
            let fixture = FixtureSession()
            try await fixture.run {
                let (session, events) = try await linked(fixture)
                let chat = try #require(JID("15550000006@c.us"))
                let place = Message.Location(latitude: 52.52, longitude: 13.405, name: "Shop", address: "Main St 1, Berlin")
                let located = try await session.send(
                    OutgoingMessage(chat: chat, content: .location(place), clientMessageID: "3EB0000000000000010C"))
                let card = "BEGIN:VCARD\nVERSION:3.0\nFN:Ada\nTEL:+4917012345678\nEND:VCARD"
                let carded = try await session.send(
                    OutgoingMessage(chat: chat, content: .contactCard(name: "Ada", vCard: card), clientMessageID: "3EB0000000000000C4D0"))
                let page = try #require(session.page)
                let stored = try await page.evaluate(
                    """
                    (() => { const Msg = window.require('WAWebCollections').Msg;
                      const l = Msg.get('\(located.whatsappID)'), c = Msg.get('\(carded.whatsappID)');
                      return JSON.stringify([l.type, String(l.lat), String(l.lng), l.loc, c.type, c.body, c.vcardFormattedName]); })()
                    """, as: String.self)
                #expect(try JSONDecoder().decode([String].self, from: Data(stored.utf8))
                    == ["location", "52.52", "13.405", "Shop\nMain St 1, Berlin", "vcard", card, "Ada"])

                try await drive(
                    session,
                    "(__fx.incoming({from: '15550000006@c.us', type: 'location', lat: 48.1, lng: 11.5, loc: 'Office\\nRing 2'}), true)")
                let (event, _) = try await events.waitFor("the location") {
                    if case .messageReceived(let m) = $0, m.kind == .location { true } else { false }
                }
                guard case .messageReceived(let message) = event else { return }
                #expect(message.location == Message.Location(latitude: 48.1, longitude: 11.5, name: "Office", address: "Ring 2"))
                #expect(message.body == nil)
                await session.stop()
            }
        }

        @Test func theInstancesFingerprintIsWhatThePageSees() async throws {
            let fingerprint = Fingerprint(
                userAgent: "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
                platform: "Win32",
                clientHints: .init(
                    brands: [.init(brand: "Google Chrome", version: "131"), .init(brand: "Chromium", version: "131")],
                    platform: "Windows", platformVersion: "15.0.0", architecture: "x86", mobile: false),
                languages: ["de-DE", "de", "en"], timeZone: "Asia/Tokyo",
                screen: .init(width: 1536, height: 864, deviceScaleFactor: 1), deviceName: "Chrome (Windows)")
            let fixture = FixtureSession()
            try await fixture.run {
                let session = try await fixture.makeSession(fingerprint: fingerprint)
                let events = EventRecorder(session)
                try await session.start()
                _ = try await events.waitFor("a QR code") { if case .qrCode = $0 { true } else { false } }
                let page = try #require(session.page)
                let seen = try await page.evaluate(
                    """
                    JSON.stringify([navigator.userAgent, navigator.platform, navigator.userAgentData.platform,
                      navigator.userAgentData.brands.map(b => b.brand + '/' + b.version).join(','),
                      navigator.languages.join(','), Intl.DateTimeFormat().resolvedOptions().timeZone,
                      String(window.outerWidth), String(navigator.webdriver)])
                    """, as: String.self)
                let values = try JSONDecoder().decode([String].self, from: Data(seen.utf8))
                #expect(values == [
                    fingerprint.userAgent, "Win32", "Windows", "Google Chrome/131,Chromium/131", "de-DE,de,en", "Asia/Tokyo",
                    "1536", "false",
                ])
                await session.stop()
            }
        }

        @Test func groupsAreListedTheirMessagesNameTheAuthorAndSendsReachThem() async throws {
            let fixture = FixtureSession()
            try await fixture.run {
                let (session, events) = try await linked(fixture)
                let page = try #require(session.page)
                let id = try await page.evaluate(
                    "__fx.group('120363012345678901', 'Team', ['15550000001@c.us', {id: '15550000002@c.us', isAdmin: true}])",
                    as: String.self)
                let team = try #require(JID(id))
                let groups = try await session.groups()
                #expect(groups.map(\.jid) == [team])
                let group = try #require(groups.first)
                #expect(group.subject == "Team" && group.owner == JID("15550000001@c.us"))
                #expect(group.participants.map(\.jid.description) == ["15550000001@c.us", "15550000002@c.us", "15550009999@c.us"])
                #expect(group.participants.map(\.role) == [.member, .admin, .member])

                let incomingID = try await page.evaluate(
                    "__fx.incoming({from: '\(team)', author: '15550000002@c.us', body: 'Lunch?'})", as: String.self)
                let (event, _) = try await events.waitFor("the group message") {
                    if case .messageReceived(let m) = $0, m.whatsappID == incomingID { true } else { false }
                }
                if case .messageReceived(let message) = event {
                    #expect(message.chat == team && message.sender == JID("15550000002@c.us") && message.body == "Lunch?")
                }

                let outgoing = OutgoingMessage(chat: team, content: .text("Yes, noon"), clientMessageID: "3EB00000000000000B0B")
                let receipt = try await session.send(outgoing)
                #expect(receipt.whatsappID == "true_\(team)_3EB00000000000000B0B_15550009999@c.us")
                #expect(receipt.chat == team && !receipt.wasAlreadySent)
                let again = try await session.send(outgoing)
                #expect(again.wasAlreadySent && again.whatsappID == receipt.whatsappID, "a retried group send is not sent twice")
                #expect(try await log(session, call: "send").map { $0["chatId"] } == [team.description])
                await session.stop()
            }
        }

        @Test func reactionsEditsAndDeletionsGoBothWays() async throws {
            let fixture = FixtureSession()
            try await fixture.run {
                let (session, events) = try await linked(fixture)
                let chat = try #require(JID("15550000003@c.us"))
                let receipt = try await session.send(
                    OutgoingMessage(chat: chat, content: .text("See you at 5"), clientMessageID: "3EB00000000000000ACE"))

                // A contact reacts to the gateway's message, then takes the reaction off.
                try await drive(session, "(__fx.react('\(receipt.whatsappID)', '🎉'), __fx.react('\(receipt.whatsappID)', ''), true)")
                try await events.waitFor("the reaction taken off") {
                    if case .reaction(let r) = $0, r.emoji.isEmpty { true } else { false }
                }
                let theirs = events.events.compactMap { event -> MessageReaction? in
                    if case .reaction(let r) = event { r } else { nil }
                }
                #expect(theirs.map(\.emoji) == ["🎉", ""])
                #expect(theirs.allSatisfy { $0.whatsappID == receipt.whatsappID && $0.chat == chat && $0.sender == chat && !$0.fromMe })

                // The gateway reacts to an incoming message; WhatsApp Web reports its own reaction back.
                let incomingID = try await (try #require(session.page)).evaluate(
                    "__fx.incoming({from: '15550000003@c.us', body: 'Great, thanks!'})", as: String.self)
                let before = events.events.count
                try await session.react(to: incomingID, in: chat, with: "👍")
                #expect(try await log(session, call: "react").map { $0["emoji"] } == ["👍"])
                let (echo, _) = try await events.waitFor("the gateway's reaction reported back", from: before) {
                    if case .reaction(let r) = $0, r.fromMe { true } else { false }
                }
                if case .reaction(let r) = echo { #expect(r.whatsappID == incomingID && r.emoji == "👍") }

                // Edit, then delete the gateway's own message.
                try await session.edit(receipt.whatsappID, in: chat, text: "See you at 6")
                #expect(try await log(session, call: "edit").map { $0["body"] } == ["See you at 6"])
                try await events.waitFor("the edit") {
                    if case .messageEdited(receipt.whatsappID, _, "See you at 6") = $0 { true } else { false }
                }
                try await session.revoke(receipt.whatsappID, in: chat)
                try await session.revoke(receipt.whatsappID, in: chat)  // already deleted: nothing more happens
                #expect(try await log(session, call: "revoke").count == 1)
                try await events.waitFor("the deletion") {
                    if case .messageRevoked(receipt.whatsappID, _) = $0 { true } else { false }
                }

                // What WhatsApp Web does not allow, or does not have.
                let notOurs = await #expect(throws: WAError.self) { try await session.revoke(incomingID, in: chat) }
                #expect(notOurs?.code == .invalidArgument)
                let notOursToEdit = await #expect(throws: WAError.self) { try await session.edit(incomingID, in: chat, text: "x") }
                #expect(notOursToEdit?.code == .invalidArgument)
                let unknown = await #expect(throws: WAError.self) {
                    try await session.react(to: "false_15550000003@c.us_3A0000000000000000", in: chat, with: "👍")
                }
                #expect(unknown?.code == .notFound)
                await session.stop()
            }
        }
    }
}
