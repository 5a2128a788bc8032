import Foundation
import Testing
import WACore
import WACoreTesting

extension SecretScanTests {
    /// One organization with a member of every role, each holding a password; a pending invitation and an
    /// outstanding password reset; a linked instance (with its sealed session archive) assigned to the agent; API keys
    /// and a webhook endpoint, each rotated once; a proxy with a password; and a record of every other kind, with
    /// webhook deliveries sent.
    final class World: Sendable {
        static let password = "correct horse battery staple"

        let clock = TestClock()
        let env: ServiceEnvironment
        let network: SimulatedWhatsApp
        let sender = RecordingWebhookSender()
        let supervisor: InstanceSupervisor
        let org: OrganizationID
        let admin: Member, manager: Member, agent: Member, viewer: Member
        let instance: Instance
        let customer: PhoneNumber
        /// A group of the customer's with the shop in it.
        let group: JID
        let contact: Contact
        let template: Template
        let message: Message
        let chat: Chat
        let campaign: Campaign
        let automation: Automation
        let endpoint: WebhookEndpoint
        let delivery: Delivery
        let mediaObject: MediaObject
        let proxy: ProxyServer
        /// Secrets handed out once, on purpose.
        let invitation: CredentialToken
        let reset: CredentialToken
        let adminKeys: [APIKeySecret]
        let agentKey: APIKeySecret
        let webhookSecrets: [WebhookSecret]
        /// What the world's writes returned (minus the secrets above), scanned like reads.
        let returnedByWrites: [any Sendable]

        init() async throws {
            env = .testing(clock: clock)
            network = SimulatedWhatsApp(clock: clock, random: SeededRandomSource(seed: 9))
            let shop = network.addPhone(try PhoneNumber("+49 170 0000001"), name: "Shop")
            customer = network.addPhone(try PhoneNumber("+49 171 0000002"), name: "Ada").number
            group = try network.createGroup("Ada's friends", owner: customer, members: [shop.number])
            let webhooks = WebhookService(environment: env)
            supervisor = InstanceSupervisor(
                environment: env, transport: network, nodeID: "node-a", webhooks: webhooks,
                configuration: .init(leaseDuration: .seconds(86_400), renewInterval: .seconds(3_600)))
            var returned: [any Sendable] = []
            let team = TeamService(environment: env)

            // People: every role with a password, one invitation pending, one reset outstanding.
            let (organization, admin) = try await team.createOrganization(
                name: "Acme", slug: "acme", plan: .enterprise, adminEmail: "ana@example.com", adminName: "Ana",
                adminPassword: Self.password)
            org = organization.id
            self.admin = admin
            returned += [organization, admin]
            func join(_ email: String, _ role: Role) async throws -> Member {
                let (invited, token) = try await team.invite(email: email, displayName: email, role: role, by: .acting(as: admin))
                let joined = try await team.acceptInvitation(token: token.reveal(), password: Self.password)
                returned += [invited, joined]
                return joined
            }
            manager = try await join("max@example.com", .manager)
            viewer = try await join("vi@example.com", .viewer)
            let agent = try await join("bo@example.com", .agent)
            let pending = try await team.invite(email: "new@example.com", displayName: "New", role: .viewer, by: .acting(as: admin))
            invitation = pending.invitation
            returned.append(pending.member)
            reset = try #require(try await team.requestPasswordReset(organizationSlug: "acme", email: "vi@example.com"))

            // A webhook endpoint, its secret rotated once.
            let createdEndpoint = try await webhooks.create(url: "https://hooks.example.com/wa", by: .acting(as: admin))
            let rotation = try await webhooks.rotateSecret(createdEndpoint.endpoint.id, by: .acting(as: admin))
            webhookSecrets = [createdEndpoint.secret, rotation.secret]
            endpoint = rotation.endpoint
            returned += [createdEndpoint.endpoint, rotation.endpoint]

            // A linked instance, assigned to the agent.
            let instances = InstanceService(environment: env, supervisor: supervisor)
            let created = try await instances.create(name: "support", by: .acting(as: admin))
            self.agent = try await team.assign(instances: [created.id], to: agent.id, by: .acting(as: admin))
            returned += [created, self.agent, try await instances.start(created.id, by: .acting(as: admin))]
            let qr = try await clock.waitFor("the QR code") { try await instances.linkCode(created.id, by: .acting(as: admin)) }
            try network.scan(qrCode: qr.value, with: shop.number)
            let supervisor = self.supervisor
            _ = try await clock.waitFor("a ready session") { await supervisor.readySession(for: created.id) }
            instance = try await instances.get(created.id, by: .acting(as: admin))

            // Keys: the admin's rotated once, the agent's own.
            let keys = APIKeyService(environment: env)
            let adminKey = try await keys.issue(name: "CRM", scopes: [.messagesRead, .messagesSend], by: .acting(as: admin))
            let rotated = try await keys.rotate(adminKey.record.id, overlap: .seconds(3_600), by: .acting(as: admin))
            let agentKey = try await keys.issue(name: "mine", scopes: [.messagesRead], by: .acting(as: self.agent))
            adminKeys = [adminKey.secret, rotated.secret]
            self.agentKey = agentKey.secret
            returned += [adminKey.record, rotated.record, agentKey.record]

            // A proxy with a password: the store keeps it sealed, and the service returns neither it nor its ciphertext.
            let createdProxy = try await ProxyService(environment: env).create(
                .init(
                    scheme: .socks5, host: "proxy.example.net", port: 1080,
                    credentials: .basic(username: "user", password: "proxy-pa55word"), capacity: 3),
                by: .acting(as: admin))
            returned.append(createdProxy)
            let orgID = org
            self.proxy = try await env.store.transaction(.organization(orgID)) {
                try await $0.proxyServers.get(createdProxy.id, in: orgID)
            }

            // Everything else, through the services.
            contact = try await ContactService(environment: env).create(phone: customer, name: "Ada", tags: ["vip"], by: .acting(as: admin))
            template = try await TemplateService(environment: env).create(name: "hello", body: "Hi {{name}}", by: .acting(as: admin))
            message = try await MessagingService(environment: env).send(
                .text("Hello", to: customer, from: created.id), by: .acting(as: self.agent))
            campaign = try await CampaignService(environment: env, webhooks: webhooks).create(
                name: "spring", instance: created.id, template: template.id, audience: .tags(["vip"]), by: .acting(as: admin))
            automation = try await AutomationService(environment: env).create(
                name: "price", trigger: .keyword("price", wholeMessage: false), actions: [.tagContact("asked")],
                by: .acting(as: admin))
            mediaObject = try await MediaService(environment: env).upload(
                Array("Opening hours: 9–17\n".utf8), declaredMIMEType: "text/plain", fileName: "hours.txt", by: .acting(as: admin))
            delivery = try await webhooks.sendTestEvent(to: endpoint.id, by: .acting(as: admin))
            returned += [contact, template, message, campaign, automation, mediaObject, delivery]
            let newChat = Chat(
                id: env.ids.make(), organizationID: orgID, instanceID: created.id, jid: customer.jid, name: "Ada",
                unreadCount: 1, createdAt: clock.now())
            chat = try await env.store.transaction(.organization(orgID)) { tx in
                if let chat = try await tx.chats.find(jid: newChat.jid, instance: newChat.instanceID, in: orgID) {
                    return chat
                }
                return try await tx.chats.insert(newChat)
            }
            let fanOut = WebhookFanOutWorker(service: webhooks)
            let worker = WebhookDeliveryWorker(service: webhooks, sender: sender)
            while try await fanOut.runOnce(worker: "f", limit: 50) + worker.runOnce(worker: "w", limit: 50) > 0 {}
            returnedByWrites = returned
        }

        var team: TeamService { TeamService(environment: env) }
        var keys: APIKeyService { APIKeyService(environment: env) }
        var instances: InstanceService { InstanceService(environment: env, supervisor: supervisor) }
        var messaging: MessagingService { MessagingService(environment: env) }
        var contacts: ContactService { ContactService(environment: env) }
        var templates: TemplateService { TemplateService(environment: env) }
        var campaigns: CampaignService { CampaignService(environment: env) }
        var automations: AutomationService { AutomationService(environment: env) }
        var webhooks: WebhookService { WebhookService(environment: env) }
        var analytics: AnalyticsService { AnalyticsService(environment: env) }
        var audit: AuditService { AuditService(environment: env) }
        var media: MediaService { MediaService(environment: env) }
        var risk: RiskService { RiskService(environment: env) }
        var organizations: OrganizationService { OrganizationService(environment: env, supervisor: supervisor) }
        var chats: ChatService { ChatService(environment: env, messaging: messaging, sessions: supervisor) }
        var proxies: ProxyService { ProxyService(environment: env) }
        var groups: GroupService { GroupService(environment: env, sessions: supervisor) }

        /// Every secret in the world, read back from where the store keeps it.
        func secrets() async throws -> [Secret] {
            let org = self.org
            let stored = try await env.store.transaction(.organization(org)) { tx in
                (
                    archives: try await tx.sessionArchives.list(in: org, page: .all).items,
                    credentials: try await tx.memberCredentials.list(in: org, page: .all).items,
                    endpoints: try await tx.webhookEndpoints.list(in: org, page: .all).items
                )
            }
            var secrets: [Secret] = []
            #expect(stored.archives.count == 1, "the linked instance has its sealed archive")
            for archive in stored.archives {
                secrets.append(Secret(label: "sealed session archive", bytes: archive.sealed))
            }
            #expect(stored.credentials.count == 4, "every member who joined has a password")
            for credential in stored.credentials {
                secrets.append(Secret(label: "password hash of \(credential.memberID)", text: credential.passwordHash))
            }
            for endpoint in stored.endpoints {
                for (index, sealed) in endpoint.sealedSecrets.enumerated() {
                    secrets.append(Secret(label: "sealed webhook secret \(index)", bytes: sealed))
                }
            }
            for (index, secret) in webhookSecrets.enumerated() {
                secrets.append(Secret(label: "webhook secret \(index)", text: secret.text, bytes: secret.bytes))
            }
            for (index, key) in (adminKeys + [agentKey]).enumerated() {
                let text = key.reveal()
                secrets.append(Secret(label: "API key \(index)", text: text))
                // The random part and checksum after the last `_`, whatever else the key text shows.
                secrets.append(Secret(label: "API key \(index) secret part", text: String(text.split(separator: "_").last!)))
            }
            secrets.append(Secret(label: "invitation token", text: invitation.reveal()))
            secrets.append(Secret(label: "password-reset token", text: reset.reveal()))
            secrets.append(Secret(label: "proxy password", text: "proxy-pa55word", bytes: proxy.sealedPassword))
            return secrets
        }
    }
}
