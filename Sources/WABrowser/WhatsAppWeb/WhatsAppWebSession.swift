import Foundation
import Logging
import Synchronization
public import WACore

/// One instance's WhatsApp Web in its own headless Chromium: WACore's ``WhatsAppSession`` contract over the
/// DevTools client.
///
/// ``start()`` launches Chromium on the instance's profile (`<profiles>/<instance id>`: the link lives there, so a
/// restart on the same profile restores without a QR code), installs ``WhatsAppWebBridge`` as an init script (so a
/// reload re-injects it), and opens WhatsApp Web (or the configured offline site). The page reports through one
/// binding; its reports become ``SessionEvent``s:
///
/// | page | event |
/// |---|---|
/// | `Conn.ref` changes while unpaired | `qrCode` (`ref,noiseKey,identityKey,advSecret,platform`) |
/// | a pairing code | `pairingCode` |
/// | `hasSynced` (or found synced) | `authenticated`, then `ready` (once per page; a reload repeats them, which the lifecycle absorbs) |
/// | offline delivery progress | `loading` |
/// | a new message (not one this gateway sent) | `messageReceived` |
/// | an ack of a sent message | `messageStatus` |
/// | `CONFLICT`, `TOS_BLOCK`, `PROXYBLOCK`, logout, unpaired after being linked | `disconnected` (the session ends) |
/// | the renderer crashes, or the browser dies | `disconnected(browser_crashed)` |
///
/// Commands run inside the page through WhatsApp Web's own modules. A send uses the gateway's
/// ``OutgoingMessage/clientMessageID`` as WhatsApp's message id, and first looks for a message with that id, so a
/// send retried after a crash is not sent twice. DevTools failures are `transport_unavailable` (the gateway's side),
/// failures inside WhatsApp Web `transport_error`.
public final class WhatsAppWebSession: WhatsAppSession {
    public let events: AsyncStream<SessionEvent>
    private let continuation: AsyncStream<SessionEvent>.Continuation
    private let session: SessionConfiguration
    private let configuration: WhatsAppWebConfiguration
    private let logger: Logger
    private let state = Mutex(State())
    private let watermark: CatchUpWatermark

    private struct State {
        var browser: Browser?
        var page: Page?
        var tasks: [Task<Void, Never>] = []
        var started = false
        var ended = false
        var ready = false
        var account: AccountInfo?
        var pairingRequested = false
    }

    /// The page WhatsApp Web runs in while the session is up: an escape hatch for what the session does not offer
    /// (and for tests that drive an offline fixture).
    public var page: Page? { state.withLock { $0.page } }

    /// The profile directory of this instance.
    public var profileDirectory: String {
        "\(configuration.profilesDirectory)/\(session.instanceID)"
    }

    init(_ session: SessionConfiguration, configuration: WhatsAppWebConfiguration, logger: Logger) {
        self.session = session
        self.configuration = configuration
        var logger = logger
        logger[metadataKey: "instance_id"] = "\(session.instanceID)"
        self.logger = logger
        (events, continuation) = AsyncStream.makeStream(of: SessionEvent.self)
        watermark = CatchUpWatermark(
            file: "\(configuration.profilesDirectory)/\(session.instanceID)/wa-gateway-catch-up.json")
    }

    // MARK: Life

    public func start() async throws {
        let first = state.withLock { s -> Bool in
            defer { s.started = true }
            return !s.started && !s.ended
        }
        guard first else {
            if state.withLock({ $0.ended }) { throw WAError(.sessionNotReady, "the session has ended") }
            return
        }
        var options = configuration.chromium
        options.userDataDirectory = profileDirectory
        if let fingerprint = session.fingerprint {
            options.languages = fingerprint.languages
            options.timeZone = fingerprint.timeZone
            options.windowSize = .init(width: fingerprint.screen.width, height: fingerprint.screen.height)
        }
        if let proxy = session.proxy {
            options.proxyServer = "\(proxy.scheme.rawValue)://\(proxy.host):\(proxy.port)"
        }
        let browser: Browser
        do {
            browser = try await Browser.launch(options, launchTimeout: configuration.launchTimeout, logger: logger)
        } catch {
            end()
            throw WAError(.transportUnavailable, "cannot start the browser: \(error)")
        }
        state.withLock { $0.browser = browser }
        do {
            let page = try await browser.newPage()
            state.withLock { $0.page = page }
            if let fingerprint = session.fingerprint { try await page.present(fingerprint) }
            let reports = try await page.exposeBinding(WhatsAppWebBridge.bindingName)
            if case .pairingCode = session.linkMethod { try await page.addInitScript(WhatsAppWebBridge.pairingPrelude) }
            try await page.addInitScript(WhatsAppWebBridge.script)
            let crashes = await page.events(["Inspector.targetCrashed"])
            if let site = configuration.offlineSite {
                _ = try await page.serveOffline(site)
            } else if let proxy = session.proxy, let username = proxy.username {
                _ = try await RequestInterception.start(
                    on: page, proxyCredentials: ProxyCredentials(username: username, password: proxy.password ?? "")
                ) { _ in .proceed }
            }
            let pump = Task { await self.pump(reports) }
            let watch = Task { await self.watch(crashes) }
            let health = Task { await self.checkHealth(of: page) }
            state.withLock { $0.tasks += [pump, watch, health] }
            try await page.navigate(to: configuration.url, waitUntil: .domContentLoaded)
        } catch {
            await shutDown(reporting: nil)
            throw WAError(.transportUnavailable, "cannot open WhatsApp Web: \(error)")
        }
    }

    public func stop() async {
        await shutDown(reporting: nil)
    }

    /// Ends the session once: reports `reason` (if any) as its last event, closes the browser, finishes the events.
    private func shutDown(reporting reason: DisconnectReason?) async {
        let (browser, tasks, wasEnded) = state.withLock { s in
            defer {
                s.ended = true
                s.ready = false
                s.browser = nil
                s.page = nil
                s.tasks = []
            }
            return (s.browser, s.tasks, s.ended)
        }
        guard !wasEnded else { return }
        if let reason { continuation.yield(.disconnected(reason)) }
        // The browser is gone before the events finish, so a consumer that saw the end can reuse the profile. The
        // report pump may be the caller: its task is cancelled only afterwards, so that closing is not cut short.
        await browser?.close()
        continuation.finish()
        tasks.forEach { $0.cancel() }
    }

    private func end() {
        state.withLock { $0.ended = true }
        continuation.finish()
    }

    // MARK: Page reports

    private struct Report: Decodable {
        var ev: String
        var value: String?
        var state: String?
        var percent: Int?
        var me: String?
        var lid: String?
        var pushname: String?
        var id: String?
        var chat: String?
        var ack: Int?
        var body: String?
        var sender: String?
        var fromMe: Bool?
        var from: String?
        var video: Bool?
        var group: Bool?
        var t: Double?
        var msg: PageMessage?
        var message: String?
        var `where`: String?
    }

    private struct PageMessage: Decodable, Sendable {
        var id: String
        var fromMe: Bool
        var remote: String?
        var from: String?
        var author: String?
        var participant: String?
        var body: String?
        var type: String?
        var t: Double?
        var notifyName: String?
        var caption: String?
        var mimetype: String?
        var filename: String?
        var size: Double?
        var duration: Double?
        var lat: Double?
        var lng: Double?
        var loc: String?
    }

    private func pump(_ reports: AsyncStream<String>) async {
        let decoder = JSONDecoder()
        for await payload in reports {
            guard let report = try? decoder.decode(Report.self, from: Data(payload.utf8)) else {
                logger.debug("ignoring a report the page sent that is not one of ours")
                continue
            }
            if let reason = await handle(report) {
                await shutDown(reporting: reason)
                return
            }
        }
        // The binding's stream ended: the page or the browser is gone.
        await shutDown(reporting: .browserCrashed)
    }

    private func watch(_ crashes: AsyncStream<CDPEvent>) async {
        for await _ in crashes {
            await shutDown(reporting: .browserCrashed)
            return
        }
    }

    /// Reports the messages others sent while the session was not listening (the browser was stopped, the page
    /// reloading), from the chats' own history: WhatsApp Web does not deliver them again as new messages. Everything
    /// from the newest message this profile reported on is reported again; WACore recognises the ones it stored.
    private func catchUp() async {
        guard let since = watermark.since else { return }  // never reported anything: nothing was missed
        do {
            let missed = try await command(
                "(since, limit) => window.__wg.history(since, limit)", [.init(since), .init(Self.catchUpLimit)],
                as: [PageMessage].self)
            for message in missed {
                guard let incoming = Self.incoming(message) else { continue }
                continuation.yield(.messageReceived(incoming))
                watermark.advance(to: message.t)
            }
            if !missed.isEmpty { logger.info("caught up on messages", metadata: ["count": "\(missed.count)"]) }
        } catch {
            logger.warning("catching up on missed messages failed", metadata: ["error": "\(error)"])
        }
    }

    /// The most messages one catch-up reports.
    static let catchUpLimit = 1_000

    /// Asks the page every ``WhatsAppWebConfiguration/healthCheckInterval`` to evaluate a trivial expression; after
    /// ``WhatsAppWebConfiguration/unresponsiveAfter`` misses in a row (a hung renderer: connected, but dead) the
    /// session ends with `page_unresponsive` and the supervisor starts a new one. Each check also measures the
    /// browser's memory (``ProcessGroupMemory``); above ``WhatsAppWebConfiguration/memoryCeiling`` twice in a row, the
    /// session ends with `memory_limit`.
    private func checkHealth(of page: Page) async {
        var missed = 0
        var overCeiling = 0
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: configuration.healthCheckInterval)
            } catch {
                return
            }
            if let ceiling = configuration.memoryCeiling, let group = state.withLock({ $0.browser?.process?.pid }),
                let used = ProcessGroupMemory.proportionalSetSize(ofGroup: group)
            {
                overCeiling = used > ceiling ? overCeiling + 1 : 0
                if overCeiling >= 2 {
                    logger.error(
                        "the browser uses more memory than its ceiling; restarting the session",
                        metadata: ["bytes": "\(used)", "ceiling": "\(ceiling)"])
                    await shutDown(reporting: .memoryLimit)
                    return
                }
            }
            do {
                _ = try await page.evaluate("1", as: Int.self, timeout: configuration.healthCheckTimeout)
                missed = 0
            } catch CDPError.timeout {
                missed += 1
                logger.warning("WhatsApp Web did not answer a health check", metadata: ["missed": "\(missed)"])
                if missed >= configuration.unresponsiveAfter {
                    await shutDown(reporting: .pageUnresponsive)
                    return
                }
            } catch {
                // Crashes and a closed connection are reported by the watchers.
                if Task.isCancelled || state.withLock({ $0.ended }) { return }
            }
        }
    }

    /// Turns one report into events; returns a reason when it ends the session.
    private func handle(_ report: Report) async -> DisconnectReason? {
        switch report.ev {
        case "qr":
            // A restore that shows a QR code failed; the UNPAIRED state that comes with it ends the session.
            if let value = report.value, session.archive == nil { continuation.yield(.qrCode(value)) }
        case "code":
            if let value = report.value { continuation.yield(.pairingCode(Self.formatPairingCode(value))) }
        case "authenticated":
            continuation.yield(.authenticated)
        case "loading":
            if let percent = report.percent { continuation.yield(.loading(percent: max(0, min(100, percent)))) }
        case "ready":
            guard let me = report.me, let jid = JID(me) else {
                logger.error("WhatsApp Web is ready but did not say which account it is")
                return nil
            }
            let account = AccountInfo(
                jid: jid, lid: report.lid.flatMap(JID.init), phone: try? PhoneNumber("+" + jid.user),
                pushName: report.pushname)
            state.withLock {
                $0.ready = true
                $0.account = account
            }
            continuation.yield(.ready(account))
            await catchUp()
        case "state":
            return await handleState(report.state ?? "")
        case "logout":
            return .loggedOut
        case "message":
            if let message = report.msg, let incoming = Self.incoming(message) {
                continuation.yield(.messageReceived(incoming))
                if !incoming.fromMe { watermark.advance(to: message.t) }
            }
        case "ack":
            if let id = report.id, let chat = report.chat.flatMap(JID.init), let ack = report.ack,
                let status = AckMapping.status(webAck: ack)
            {
                continuation.yield(.messageStatus(whatsappID: id, chat: chat, status: status, at: Date()))
            }
        case "revoked":
            if let id = report.id, let chat = report.chat.flatMap(JID.init) {
                continuation.yield(.messageRevoked(whatsappID: id, chat: chat))
            }
        case "edited":
            if let id = report.id, let chat = report.chat.flatMap(JID.init) {
                continuation.yield(.messageEdited(whatsappID: id, chat: chat, body: report.body ?? ""))
            }
        case "call":
            if let id = report.id, let from = report.from.flatMap(JID.init) {
                let offered = report.t.map { Date(timeIntervalSince1970: $0) } ?? Date()
                continuation.yield(
                    .call(
                        IncomingCall(
                            id: id, from: from, isVideo: report.video ?? false, isGroup: report.group ?? false,
                            offeredAt: offered)))
            }
        case "reaction":
            if let id = report.id, let chat = report.chat.flatMap(JID.init), let sender = report.sender.flatMap(JID.init) {
                let timestamp = report.t.map { Date(timeIntervalSince1970: $0 / 1000) } ?? Date()
                continuation.yield(
                    .reaction(
                        MessageReaction(
                            whatsappID: id, chat: chat, sender: sender, fromMe: report.fromMe ?? false,
                            emoji: report.body ?? "", timestamp: timestamp)))
            }
        case "error":
            logger.warning(
                "WhatsApp Web bridge failed", metadata: ["where": "\(report.where ?? "?")", "error": "\(report.message ?? "")"])
        default:
            break
        }
        return nil
    }

    private func handleState(_ name: String) async -> DisconnectReason? {
        let wasReady = state.withLock { $0.ready }
        switch name {
        case "OPENING": continuation.yield(.stateChanged(.opening))
        case "PAIRING": continuation.yield(.stateChanged(.pairing))
        case "CONNECTED": continuation.yield(.stateChanged(.connected))
        case "TIMEOUT": continuation.yield(.stateChanged(.timeout))
        case "UNPAIRED", "UNPAIRED_IDLE":
            // Unpaired after being linked: the phone removed this device. Unpaired while restoring a link: WhatsApp
            // no longer accepts the profile's link.
            if wasReady { return .loggedOut }
            if session.archive != nil { return .authFailure }
            continuation.yield(.stateChanged(.unpaired))
            if name == "UNPAIRED", case .pairingCode(let phone) = session.linkMethod {
                let first = state.withLock { s -> Bool in
                    defer { s.pairingRequested = true }
                    return !s.pairingRequested
                }
                if first {
                    do {
                        _ = try await command("(phone) => window.__wg.requestPairingCode(phone)", [.init(phone.digits)], as: String.self)
                    } catch {
                        logger.error("requesting a pairing code failed", metadata: ["error": "\(error)"])
                    }
                }
            }
        case "CONFLICT":
            continuation.yield(.stateChanged(.conflict))
            return .conflict
        case "TOS_BLOCK", "SMB_TOS_BLOCK":
            continuation.yield(.stateChanged(.blocked))
            return .banned
        case "PROXYBLOCK":
            continuation.yield(.stateChanged(.blocked))
            return .proxyFailed
        case "DEPRECATED_VERSION":
            continuation.yield(.stateChanged(.deprecatedVersion))
            return DisconnectReason(
                code: "deprecated_version", kind: .terminal, message: "WhatsApp Web says this version is too old")
        default:
            break
        }
        return nil
    }

    private static func incoming(_ message: PageMessage) -> IncomingMessage? {
        guard let chat = (message.remote ?? message.from).flatMap(JID.init) else { return nil }
        let sender = (message.author ?? message.participant ?? message.from).flatMap(JID.init) ?? chat
        let kind: Message.Kind =
            switch message.type {
            case "image": .image
            case "video": .video
            case "audio": .audio
            case "ptt": .voice
            case "document": .document
            case "sticker": .sticker
            case "location": .location
            case "vcard", "multi_vcard": .contact
            default: .text
            }
        // A media message's `body` is WhatsApp Web's thumbnail, not text: its text is the caption.
        let media: IncomingMedia? =
            switch kind {
            case .image, .video, .audio, .voice, .document, .sticker:
                IncomingMedia(
                    kind: kind, mimeType: message.mimetype ?? "application/octet-stream", fileName: message.filename,
                    byteCount: message.size.map { Int64($0) }, durationSeconds: message.duration, handle: message.id)
            default: nil
            }
        let caption = message.caption.flatMap { $0.isEmpty ? nil : $0 }
        // A location's description is its name, then its address, on separate lines.
        var location: Message.Location?
        if kind == .location, let latitude = message.lat, let longitude = message.lng {
            let lines = (message.loc ?? "").split(separator: "\n", maxSplits: 1).map(String.init)
            location = Message.Location(
                latitude: latitude, longitude: longitude, name: lines.first, address: lines.count > 1 ? lines[1] : nil)
        }
        let body: String? =
            if media != nil { caption } else if kind == .location { nil } else { message.body ?? message.caption }
        return IncomingMessage(
            whatsappID: message.id, chat: chat, sender: sender, fromMe: message.fromMe, kind: kind,
            body: body, media: media, location: location, pushName: message.notifyName,
            timestamp: message.t.map { Date(timeIntervalSince1970: $0) } ?? Date())
    }

    /// `ABCD1234` → `ABCD-1234`, as WhatsApp shows it.
    static func formatPairingCode(_ code: String) -> String {
        guard code.count == 8, !code.contains("-") else { return code }
        return String(code.prefix(4)) + "-" + String(code.suffix(4))
    }

    // MARK: Commands

    private func readyPage() throws -> Page {
        try state.withLock { s in
            guard s.ready, !s.ended, let page = s.page else {
                throw WAError(.sessionNotReady, "WhatsApp Web is not ready")
            }
            return page
        }
    }

    /// Calls `declaration` in the page; DevTools failures are the gateway's side (`transport_unavailable`), an
    /// exception inside WhatsApp Web is WhatsApp's (`transport_error`).
    private func command<Value: Decodable & Sendable>(
        _ declaration: String, _ arguments: [CDP.Runtime.CallArgument], as _: Value.Type
    ) async throws -> Value {
        guard let page = state.withLock({ $0.page }) else { throw WAError(.sessionNotReady, "the session has ended") }
        do {
            return try await page.callFunction(
                declaration, arguments: arguments, as: Value.self, timeout: configuration.commandTimeout)
        } catch CDPError.evaluation(let message, _, _) {
            throw WAError(.transportError, "WhatsApp Web refused: \(message)")
        } catch {
            throw WAError(.transportUnavailable, "the browser did not carry out the command: \(error)")
        }
    }

    private struct SentText: Decodable, Sendable {
        var id: String
        var t: Double?
        var ack: Int?
        var already: Bool
    }

    /// A place as the bridge takes it.
    private struct PagePlace: Encodable, Sendable {
        var latitude: Double
        var longitude: Double
        var name: String?
        var address: String?

        init(_ location: Message.Location) {
            latitude = location.latitude
            longitude = location.longitude
            name = location.name
            address = location.address
        }
    }

    /// Media as the bridge takes it.
    private struct PageMedia: Encodable, Sendable {
        var data: String
        var mimetype: String
        var filename: String?
        var caption: String?
        var kind: String
    }

    public func send(_ message: OutgoingMessage) async throws -> SendReceipt {
        _ = try readyPage()
        let sent: SentText
        switch message.content {
        case .text(let text):
            sent = try await command(
                "(chat, body, id) => window.__wg.sendText(chat, body, id)",
                [.init(message.chat.description), .init(text), .init(message.clientMessageID)], as: SentText.self)
        case .media(let media):
            // The bytes travel as base64 in the call (the pipe carries messages of up to 256 MiB; the gateway's
            // media limits are far below).
            let page = PageMedia(
                data: Data(media.bytes).base64EncodedString(), mimetype: media.mimeType, filename: media.fileName,
                caption: media.caption, kind: media.kind.rawValue)
            sent = try await command(
                "(chat, media, id) => window.__wg.sendMedia(chat, media, id)",
                [.init(message.chat.description), .init(page), .init(message.clientMessageID)], as: SentText.self)
        case .location(let place):
            sent = try await command(
                "(chat, place, id) => window.__wg.sendLocation(chat, place, id)",
                [.init(message.chat.description), .init(PagePlace(place)), .init(message.clientMessageID)],
                as: SentText.self)
        case .contactCard(let name, let vCard):
            sent = try await command(
                "(chat, name, vcard, id) => window.__wg.sendContactCard(chat, name, vcard, id)",
                [.init(message.chat.description), .init(name), .init(vCard), .init(message.clientMessageID)],
                as: SentText.self)
        }
        let status = sent.ack.flatMap(AckMapping.status(webAck:)).map { $0 == .pending ? .sent : $0 } ?? .sent
        return SendReceipt(
            whatsappID: sent.id, chat: message.chat, status: status,
            timestamp: sent.t.map { Date(timeIntervalSince1970: $0) } ?? Date(), wasAlreadySent: sent.already)
    }

    public func react(to whatsappID: String, in chat: JID, with emoji: String) async throws {
        _ = try readyPage()
        try await messageAction(
            "react to", whatsappID, "(id, emoji) => window.__wg.react(id, emoji)", [.init(whatsappID), .init(emoji)])
    }

    public func revoke(_ whatsappID: String, in chat: JID) async throws {
        _ = try readyPage()
        try await messageAction("delete", whatsappID, "(id) => window.__wg.revoke(id)", [.init(whatsappID)])
    }

    public func edit(_ whatsappID: String, in chat: JID, text: String) async throws {
        _ = try readyPage()
        try await messageAction(
            "edit", whatsappID, "(id, text) => window.__wg.edit(id, text)", [.init(whatsappID), .init(text)])
    }

    public func downloadMedia(_ media: IncomingMedia) async throws -> [UInt8] {
        _ = try readyPage()
        let outcome = try await command("(id) => window.__wg.download(id)", [.init(media.handle)], as: Download.self)
        guard outcome.refused == nil, let data = outcome.data, let bytes = Data(base64Encoded: data) else {
            throw WAError(.notFound, "WhatsApp Web no longer has the media of \(media.handle)", field: "handle")
        }
        return Array(bytes)
    }

    public func rejectCall(_ call: IncomingCall) async throws {
        _ = try readyPage()
        _ = try await command("(id) => window.__wg.rejectCall(id)", [.init(call.id)], as: ActionOutcome.self)
    }

    /// What the bridge answers to a download: the bytes (base64), or why there are none.
    private struct Download: Decodable, Sendable {
        var data: String?
        var refused: String?
    }

    /// What the bridge answers to an action on a message: nothing, or why WhatsApp Web would not take it.
    private struct ActionOutcome: Decodable, Sendable {
        var refused: String?
    }

    private func messageAction(
        _ verb: String, _ whatsappID: String, _ declaration: String, _ arguments: [CDP.Runtime.CallArgument]
    ) async throws {
        let outcome = try await command(declaration, arguments, as: ActionOutcome.self)
        switch outcome.refused {
        case nil:
            return
        case "not_found":
            throw WAError(.notFound, "WhatsApp Web does not have the message \(whatsappID)", field: "whatsapp_id")
        default:
            throw WAError.invalid("whatsapp_id", "WhatsApp does not let this account \(verb) that message")
        }
    }

    public func markSeen(_ chat: JID) async throws {
        _ = try readyPage()
        _ = try await command("(chat) => window.__wg.seen(chat).then(() => true)", [.init(chat.description)], as: Bool.self)
    }

    public func setPresence(_ presence: ChatPresence, in chat: JID) async throws {
        _ = try readyPage()
        let state =
            switch presence {
            case .typing: "composing"
            case .recording: "recording"
            case .paused: "paused"
            }
        _ = try await command(
            "(chat, state) => window.__wg.chatState(chat, state).then(() => true)",
            [.init(chat.description), .init(state)], as: Bool.self)
    }

    public func lookUp(_ phone: PhoneNumber) async throws -> NumberLookup? {
        _ = try readyPage()
        let found = try await command("(n) => window.__wg.exists(n)", [.init(phone.digits)], as: String?.self)
        return found.flatMap(JID.init).map { NumberLookup(jid: $0) }
    }

    private struct PageGroup: Decodable, Sendable {
        struct Participant: Decodable, Sendable {
            var id: String?
            var phone: String?
            var admin: Bool
            var superAdmin: Bool
        }

        var id: String?
        var subject: String
        var desc: String?
        var owner: String?
        var creation: Double?
        var announce: Bool
        var participants: [Participant]
    }

    public func groups() async throws -> [GroupInfo] {
        _ = try readyPage()
        let groups = try await command("() => window.__wg.groups()", [], as: [PageGroup].self)
        return groups.compactMap { group -> GroupInfo? in
            guard let jid = group.id.flatMap({ try? JID(parsing: $0) }), jid.isGroup else { return nil }
            let participants = group.participants.compactMap { member -> GroupParticipant? in
                guard let id = member.id.flatMap({ try? JID(parsing: $0) }) else { return nil }
                return GroupParticipant(
                    jid: id, phoneJID: member.phone.flatMap { try? JID(parsing: $0) }.map(\.webForm),
                    role: member.superAdmin ? .superAdmin : member.admin ? .admin : .member)
            }
            return GroupInfo(
                jid: jid, subject: group.subject, description: group.desc,
                owner: group.owner.flatMap { try? JID(parsing: $0) },
                createdAt: group.creation.map { Date(timeIntervalSince1970: $0) }, isAnnouncement: group.announce,
                participants: participants)
        }
    }

    public func logout() async throws {
        _ = try readyPage()
        _ = try await command("() => window.__wg.logout().then(() => true)", [], as: Bool.self)
    }

    /// The browser profile holds the link (IndexedDB, local storage); the archive names the profile and the
    /// account, so that a restore on this node reopens the same profile.
    public func exportArchive() async throws -> SessionArchive? {
        guard let account = state.withLock({ s in s.ready ? s.account : nil }) else { return nil }
        let archive: [String: String] = ["transport": "whatsapp-web", "profile": profileDirectory, "account": account.jid.description]
        return SessionArchive(bytes: Array(try JSONEncoder().encode(archive)))
    }
}
