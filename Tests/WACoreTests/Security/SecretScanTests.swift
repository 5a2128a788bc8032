import Foundation
import Testing
import WACore
import WACoreTesting

/// Issue #9, acceptance 1: a world that holds every kind of secret the product creates (password hashes, the sealed
/// session archive of a linked instance, webhook secrets before and after a rotation, API-key secrets before and
/// after a rotation, a pending invitation token, an outstanding password-reset token, a proxy password) — then every
/// read method of every service, called by every role, returns nothing that contains one of them in its JSON
/// encoding; neither does any audit event, stored delivery or webhook request.
///
/// The list of read methods is checked against the services' source (every `public func` of every `…Service` type
/// under `Sources/WACore/Services`): a new method fails ``everyPublicServiceMethodIsClassified()`` until it is added
/// here as a read (and then scanned) or as a write. A read model that gains a secret-bearing field puts the secret
/// into its JSON and fails ``noReadReturnsASecret()``.
@Suite("Secret scan")
struct SecretScanTests {
    // MARK: The methods

    typealias Read = @Sendable (World, Principal) async throws -> Any

    /// Every read: what it returns is scanned, for every role.
    static let reads: [String: Read] = [
        "TeamService.members": { w, p in try await w.team.members(by: p) },
        "TeamService.authenticate": { w, _ in
            try await w.team.authenticate(organizationSlug: "acme", email: "max@example.com", password: World.password)
        },
        "TeamService.principal": { w, p in try await w.team.principal(for: w.admin.id, in: p.organizationID) },
        "TeamService.member": { w, p in try await w.team.member(w.viewer.id, by: p) },
        "OrganizationService.organization": { w, p in try await w.organizations.organization(by: p) },
        "OrganizationService.usage": { w, p in try await w.organizations.usage(by: p) },
        "ChatService.list": { w, p in try await w.chats.list(by: p) },
        "ChatService.get": { w, p in try await w.chats.get(w.chat.id, by: p) },
        "GroupService.list": { w, p in try await w.groups.list(on: w.instance.id, by: p) },
        "GroupService.get": { w, p in try await w.groups.get(w.group, on: w.instance.id, by: p) },
        "ProxyService.list": { w, p in try await w.proxies.list(by: p) },
        "ProxyService.get": { w, p in try await w.proxies.get(w.proxy.id, by: p) },
        "TeamService.signIn": { w, _ in
            try await w.team.signIn(organizationSlug: "acme", email: "max@example.com", password: World.password)
        },
        "APIKeyService.list": { w, p in try await w.keys.list(by: p, includeRevoked: true) },
        "APIKeyService.authenticate": { w, _ in try await w.keys.authenticate(w.agentKey.reveal()).key },
        "InstanceService.get": { w, p in try await w.instances.get(w.instance.id, by: p) },
        "InstanceService.list": { w, p in try await w.instances.list(by: p) },
        "InstanceService.status": { w, p in try await w.instances.status(w.instance.id, by: p) },
        "InstanceService.linkCode": { w, p in try await w.instances.linkCode(w.instance.id, by: p) as Any },
        "InstanceService.lookUp": { w, p in try await w.instances.lookUp(w.customer, on: w.instance.id, by: p) as Any },
        "InstanceService.checkNumbers": { w, p in
            try await w.instances.checkNumbers([w.customer], on: w.instance.id, by: p).first as Any
        },
        "MessagingService.get": { w, p in try await w.messaging.get(w.message.id, by: p) },
        "MessagingService.list": { w, p in try await w.messaging.list(by: p) },
        "ContactService.get": { w, p in try await w.contacts.get(w.contact.id, by: p) },
        "ContactService.list": { w, p in try await w.contacts.list(by: p) },
        "TemplateService.get": { w, p in try await w.templates.get(w.template.id, by: p) },
        "TemplateService.list": { w, p in try await w.templates.list(by: p) },
        "TemplateService.render": { w, p in try await w.templates.render(w.template.id, with: ["name": "Ada"], by: p) },
        "CampaignService.get": { w, p in try await w.campaigns.get(w.campaign.id, by: p) },
        "CampaignService.list": { w, p in try await w.campaigns.list(by: p) },
        "CampaignService.progress": { w, p in try await w.campaigns.progress(w.campaign.id, by: p) },
        "CampaignService.report": { w, p in try await w.campaigns.report(w.campaign.id, by: p) },
        "AutomationService.get": { w, p in try await w.automations.get(w.automation.id, by: p) },
        "AutomationService.list": { w, p in try await w.automations.list(by: p) },
        "WebhookService.endpoints": { w, p in try await w.webhooks.endpoints(by: p) },
        "WebhookService.endpoint": { w, p in try await w.webhooks.endpoint(w.endpoint.id, by: p) },
        "WebhookService.deliveries": { w, p in try await w.webhooks.deliveries(by: p, page: .all) },
        "WebhookService.delivery": { w, p in try await w.webhooks.delivery(w.delivery.id, by: p) },
        "AnalyticsService.dashboard": { w, p in try await w.analytics.dashboard(by: p) },
        "AnalyticsService.dailyMetrics": { w, p in
            let today = DayKey(w.clock.now(), in: .gmt)
            return try await w.analytics.dailyMetrics(from: today, to: today, by: p)
        },
        "AnalyticsService.campaignReport": { w, p in try await w.analytics.campaignReport(w.campaign.id, by: p) },
        "AnalyticsService.segmentCounts": { w, p in try await w.analytics.segmentCounts(by: p) },
        "AnalyticsService.exportMessages": { w, p in try await collect(w.analytics.exportMessages(format: .jsonLines, by: p)) },
        "AnalyticsService.exportContacts": { w, p in try await collect(w.analytics.exportContacts(format: .csv, by: p)) },
        "AuditService.query": { w, p in try await w.audit.query(page: .all, by: p) },
        "EventLogService.read": { w, p in
            try await EventLogService(environment: w.env).read(after: 0, limit: 1_000, by: p).events
                .map { String(decoding: $0.event.encoded(), as: UTF8.self) }
        },
        "EventLogService.bounds": { w, p in try await EventLogService(environment: w.env).bounds(by: p) },
        "EventLogService.subscribe": { w, p in
            // The first page arrives at once; then the subscription waits for new events and is cancelled.
            let subscription = EventLogService(environment: w.env).subscribe(from: .oldest, by: p)
            let reader = Task { () async throws -> [String] in
                var seen: [String] = []
                do {
                    for try await logged in subscription { seen.append(String(decoding: logged.event.encoded(), as: UTF8.self)) }
                } catch is CancellationError {}
                return seen
            }
            try await Task.sleep(for: .milliseconds(100))
            reader.cancel()
            return try await reader.value
        },
        "AuditService.export": { w, p in try await collect(w.audit.export(format: .jsonLines, by: p)) },
        "MediaService.get": { w, p in try await w.media.get(w.mediaObject.id, by: p) },
        "MediaService.bytes": { w, p in try await w.media.bytes(of: w.mediaObject.id, by: p) },
        "MediaService.content": { w, p in
            let (object, chunks) = try await w.media.content(of: w.mediaObject.id, by: p)
            return (object, try await collect(chunks))
        },
        "MediaService.list": { w, p in try await w.media.list(by: p) },
        "MediaService.usage": { w, p in try await w.media.usage(by: p) },
        "RiskService.alerts": { w, p in try await w.risk.alerts(by: p) },
        "RiskService.report": { w, p in try await w.risk.report(for: w.instance.id, by: p) },
    ]

    /// Every method that changes something (or is the system's own entry point). What the world's calls of them
    /// returned is scanned too, except the secrets they hand out on purpose, once.
    static let writes: Set<String> = [
        "EventLogService.pruneExpired",
        "TeamService.createOrganization", "TeamService.invite", "TeamService.acceptInvitation", "TeamService.changeRole",
        "TeamService.deactivate", "TeamService.reactivate", "TeamService.assign", "TeamService.changePassword",
        "TeamService.requestPasswordReset", "TeamService.resetPassword", "TeamService.remove",
        "TeamService.updateOptOutSettings", "InstanceService.setOptOutSettings",
        "APIKeyService.issue", "APIKeyService.revoke", "APIKeyService.rotate",
        "InstanceService.create", "InstanceService.update", "InstanceService.delete", "InstanceService.start",
        "InstanceService.stop", "InstanceService.restart", "InstanceService.logout", "InstanceService.requestPairingCode",
        "MessagingService.send", "MessagingService.markSeen",
        "ContactService.create", "ContactService.update", "ContactService.tag", "ContactService.setOptedOut",
        "ContactService.delete", "ContactService.importCSV", "ContactService.erase",
        "TemplateService.create", "TemplateService.update", "TemplateService.delete",
        "CampaignService.create", "CampaignService.update", "CampaignService.delete", "CampaignService.start",
        "CampaignService.pause", "CampaignService.resume", "CampaignService.cancel", "CampaignService.bulkSend",
        "AutomationService.create", "AutomationService.update", "AutomationService.setEnabled", "AutomationService.delete",
        "WebhookService.create", "WebhookService.update", "WebhookService.delete", "WebhookService.rotateSecret",
        "WebhookService.finishRotation", "WebhookService.sendTestEvent", "WebhookService.replay", "WebhookService.publish",
        "MediaService.upload", "MediaService.delete",
        "RiskService.record", "RiskService.acknowledge", "RetentionService.applyRetention", "OrganizationService.delete",
        "TeamService.signOut", "TeamService.endSessions", "OrganizationService.update", "ChatService.markSeen",
        "ChatService.setPresence", "MessageActionService.react", "MessageActionService.revoke",
        "MessageActionService.edit", "ProxyService.create", "ProxyService.update", "ProxyService.delete",
    ]

    /// `Type.method` for every `public func` declared directly in a `…Service` type (or an extension of one) under
    /// Sources/WACore/Services.
    static func publicServiceMethods() throws -> Set<String> {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        let services = root.appendingPathComponent("Sources/WACore/Services")
        guard let walker = FileManager.default.enumerator(at: services, includingPropertiesForKeys: nil) else {
            throw ScanFailure("cannot read \(services.path)")
        }
        var methods: Set<String> = []
        for case let url as URL in walker where url.pathExtension == "swift" {
            var owner: String?
            for line in try String(contentsOf: url, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false) {
                // A top-level declaration starts in column 0; a service's members are indented by four spaces.
                if let first = line.first, !first.isWhitespace, first != "}", first != "/" {
                    owner = line.firstMatch(of: #/^(?:public |internal |package )?(?:final )?(?:struct|class|actor|extension) (\w+Service)\b/#)
                        .map { String($0.output.1) }
                } else if let owner, let match = line.firstMatch(of: #/^    (?:@\w+ )*public (?:static )?(?:nonisolated )?func (\w+)/#) {
                    methods.insert("\(owner).\(match.output.1)")
                }
            }
        }
        return methods
    }

    @Test func everyPublicServiceMethodIsClassified() throws {
        let found = try Self.publicServiceMethods()
        #expect(found.count > 50, "the source scan found too little: \(found.sorted())")
        let classified = Set(Self.reads.keys).union(Self.writes)
        #expect(Set(Self.reads.keys).isDisjoint(with: Self.writes))
        let unclassified = found.subtracting(classified)
        #expect(unclassified.isEmpty, "classify as a read (scanned for secrets) or a write: \(unclassified.sorted())")
        let stale = classified.subtracting(found)
        #expect(stale.isEmpty, "no longer in the services' public API: \(stale.sorted())")
    }

    // MARK: The scan

    @Test func noReadReturnsASecret() async throws {
        let world = try await World()
        let secrets = try await world.secrets()
        #expect(secrets.count >= 12, "\(secrets.map(\.label))")

        // The scanner sees each secret in each form JSON gives it (a canary of every secret is found).
        for secret in secrets {
            struct Canary: Encodable { let text: String?; let bytes: [UInt8]? }
            let json = try Self.json(Canary(text: secret.text, bytes: secret.bytes))
            #expect(Self.leaks(in: json, secrets).contains(secret.label), "the scanner misses \(secret.label)")
        }

        let roles: [(String, Member)] = [
            ("viewer", world.viewer), ("agent", world.agent), ("manager", world.manager), ("admin", world.admin),
        ]
        for (method, read) in Self.reads.sorted(by: { $0.key < $1.key }) {
            var answered: [String] = []
            for (role, member) in roles {
                let value: Any
                do {
                    value = try await read(world, .acting(as: member))
                } catch let error as WAError where error.code == .permissionDenied {
                    continue
                }
                answered.append(role)
                let leaked = Self.leaks(in: try Self.json(value), secrets)
                #expect(leaked.isEmpty, "\(method) by \(role) returns \(leaked)")
            }
            #expect(answered.contains("admin"), "\(method) answered no admin: nothing was scanned")
        }

        for value in world.returnedByWrites {
            let leaked = Self.leaks(in: try Self.json(value), secrets)
            #expect(leaked.isEmpty, "a write returned \(leaked): \(type(of: value))")
        }
        let org = world.org
        let (events, deliveries) = try await world.env.store.transaction(.organization(org)) { tx in
            (try await tx.auditEvents.list(in: org, page: .all).items, try await tx.deliveries.list(in: org, page: .all).items)
        }
        #expect(events.count > 20 && deliveries.count > 3, "\(events.count) events, \(deliveries.count) deliveries")
        for event in events {
            let leaked = Self.leaks(in: try Self.json(event), secrets)
            #expect(leaked.isEmpty, "audit event \(event.action) holds \(leaked)")
        }
        for delivery in deliveries {
            let leaked = Self.leaks(in: try Self.json(delivery) + String(decoding: delivery.payload, as: UTF8.self), secrets)
            #expect(leaked.isEmpty, "delivery \(delivery.id) holds \(leaked)")
        }
        let requests = world.sender.requests
        #expect(!requests.isEmpty)
        for request in requests {
            let leaked = Self.leaks(in: request.url + String(decoding: request.body, as: UTF8.self), secrets)
            #expect(leaked.isEmpty, "a webhook request holds \(leaked)")
        }
        await world.supervisor.stopAll()
    }

    // MARK: Secrets and their forms

    struct Secret: Sendable {
        let label: String
        var text: String?
        var bytes: [UInt8]?

        /// Every form in which the secret can appear in JSON: the text, and bytes as a JSON number array (how
        /// `[UInt8]` encodes), as base64 (how `Data` encodes) and as lower-case hex.
        var needles: [String] {
            var needles: [String] = []
            if let text { needles.append(text) }
            if let bytes {
                needles.append(bytes.map(String.init).joined(separator: ","))
                needles.append(Data(bytes).base64EncodedString())
                needles.append(bytes.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined())
            }
            return needles
        }
    }

    static func leaks(in json: String, _ secrets: [Secret]) -> [String] {
        secrets.filter { secret in secret.needles.contains { json.contains($0) } }.map(\.label)
    }

    struct ScanFailure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    /// The JSON encoding of `value`; a value that is not `Encodable` (a page, a tuple, a report) is encoded member
    /// by member through its synthesized mirror, and one with a custom mirror (which may hide fields) is refused.
    static func json(_ value: Any) throws -> String {
        if let encodable = value as? any Encodable {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            return String(decoding: try encoder.encode(encodable), as: UTF8.self)
        }
        let mirror = Mirror(reflecting: value)
        if mirror.displayStyle == .optional {
            return try mirror.children.first.map { try json($0.value) } ?? "null"
        }
        if value is any CustomReflectable {
            throw ScanFailure("\(type(of: value)) is neither Encodable nor plainly reflectable: make it Encodable")
        }
        if mirror.children.isEmpty { return "\"\(value)\"" }
        return try "{" + mirror.children.map { "\"\($0.label ?? "_")\":" + (try json($0.value)) }.joined(separator: ",") + "}"
    }

    static func collect(_ stream: AsyncThrowingStream<[UInt8], any Error>) async throws -> String {
        var bytes: [UInt8] = []
        for try await chunk in stream { bytes += chunk }
        return String(decoding: bytes, as: UTF8.self)
    }
}
