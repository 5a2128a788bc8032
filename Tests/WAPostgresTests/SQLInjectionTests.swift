import Foundation
import PostgresNIO
import Testing
import WACore
import WACoreTesting
@testable import WAPostgres

/// Hostile text through every text field and every text query of ``PostgresStore``, each test on a fresh, migrated
/// database: stored and read back verbatim (scalar for scalar, not just equal under Swift's canonical equivalence),
/// matched literally by searches, filters, unique lookups and claims, refused cleanly where PostgreSQL cannot hold
/// it (U+0000), and never reaching the schema (the catalog is the same after each test as before it).
///
/// What holds no text is left out: rollups, contact activities and rate-limit state are identifiers, numbers and
/// bytes (a rate-limit key made from text is a digest of it). Typed fields that validate their text (phone
/// numbers, JIDs) refuse every hostile string; e-mail addresses and webhook URLs take some, and those are stored.
@Suite("PostgreSQL store: hostile text", .serialized)
struct SQLInjectionTests {
    // MARK: - Every text field, stored and read back

    /// One record of every stored type per hostile string, the string in every text field (a ~100 KB one in the
    /// fields without an index), inserted inside `transaction(.organization(…))` and read back by id and in a list.
    @Test func everyTextFieldOfEveryRecordIsStoredVerbatim() async throws {
        try await Self.withStore { store, t, f in
            let r = HostileRecords(f: f, t: t)
            func each<Entity>(_ make: (String, String, Int) -> Entity) -> [Entity] {
                HostileText.samples.enumerated().map { make($1.key, $1.text, $0) }
            }
            try await Self.roundTrip(each(r.organization), in: store) { Self.plain($0.organizations) }
            try await Self.roundTrip(each(r.member), in: store) { Self.plain($0.members) }
            try await Self.roundTrip(each(r.memberCredential), in: store) { Self.plain($0.memberCredentials) }
            try await Self.roundTrip(each(r.apiKey), in: store) { Self.plain($0.apiKeys) }
            try await Self.roundTrip(each(r.instance), in: store) { Self.plain($0.instances) }
            try await Self.roundTrip(each(r.sessionArchive), in: store) { Self.plain($0.sessionArchives) }
            try await Self.roundTrip(each(r.riskMonitor), in: store) { Self.plain($0.riskMonitors) }
            try await Self.roundTrip(each(r.contact), in: store) { Self.plain($0.contacts) }
            try await Self.roundTrip(each(r.chat), in: store) { Self.plain($0.chats) }
            try await Self.roundTrip(each(r.message), in: store) { Self.plain($0.messages) }
            try await Self.roundTrip(each(r.template), in: store) { Self.plain($0.templates) }
            try await Self.roundTrip(each(r.tagCampaign) + each(r.segmentCampaign), in: store) {
                Self.plain($0.campaigns)
            }
            try await Self.roundTrip(
                each(r.keywordAutomation) + each(r.regexAutomation) + each(r.businessHoursAutomation), in: store
            ) { Self.plain($0.automations) }
            try await Self.roundTrip(each(r.webhookEndpoint), in: store) { Self.plain($0.webhookEndpoints) }
            try await Self.roundTrip(each(r.delivery), in: store) { Self.plain($0.deliveries) }
            try await Self.roundTrip(each(r.auditEvent), in: store) { Self.plain($0.auditEvents) }
            try await Self.roundTrip(each(r.mediaObject), in: store) { Self.plain($0.mediaObjects) }
            try await Self.roundTrip(each(r.proxyServer), in: store) { Self.plain($0.proxyServers) }
            try await Self.roundTrip(each(r.riskAlert), in: store) { Self.plain($0.riskAlerts) }
            try await Self.roundTrip(each(r.job), in: store) { Self.plain($0.jobs) }
        }
    }

    /// Jobs through `enqueue` (a second enqueue of a hostile unique key gets the holder), claimed by their hostile
    /// queue and lane by a worker with a hostile name, retried and failed with hostile errors; leases with hostile
    /// owners; events with hostile types, member names and values; consumers with hostile names.
    @Test func queuesLeasesAndTheEventLogKeepHostileTextVerbatim() async throws {
        try await Self.withStore { store, t, f in
            let r = HostileRecords(f: f, t: t)
            let samples = HostileText.samples
            let enqueued = try await store.transaction(.organization(t.id)) { tx in
                var enqueued: [Job] = []
                for (index, sample) in samples.enumerated() {
                    var job = r.job(key: sample.key, text: sample.text, number: index)
                    job.lockedBy = nil
                    job.lastError = nil
                    let stored = try await tx.jobs.enqueue(job)
                    job.version = 1
                    try Self.expectVerbatim(stored, job, "enqueued job")
                    let again = try await tx.jobs.enqueue(r.job(key: sample.key, text: "other", number: index))
                    #expect(again.id == job.id, "a second enqueue of unique key \(Self.show(sample.key))")
                    enqueued.append(stored)
                }
                return enqueued
            }
            for (job, sample) in zip(enqueued, samples) {
                let next = try await store.transaction(.system) { tx in
                    try await tx.jobs.nextClaimTime(queues: [job.queue], now: f.now())
                }
                #expect(next == job.scheduledAt, "next claim time of queue \(Self.show(job.queue))")
                let first = try await Self.claim(job, by: sample.text, store, f)
                #expect(first.map(\.id) == [job.id], "claim of queue \(Self.show(job.queue))")
                #expect(Verbatim.same(first.first?.lockedBy, sample.text), "worker \(Self.show(sample.text))")
                let retryAt = f.now()
                let retried = try await store.transaction(.organization(t.id)) { tx in
                    try await tx.jobs.retry(job.id, in: t.id, attempt: 1, at: retryAt, error: sample.text)
                }
                #expect(Verbatim.same(retried.lastError, sample.text), "retry error \(Self.show(sample.text))")
                let second = try await Self.claim(job, by: sample.text + "\u{2060}", store, f)
                #expect(second.map(\.id) == [job.id], "second claim of queue \(Self.show(job.queue))")
                let failed = try await store.transaction(.organization(t.id)) { tx in
                    try await tx.jobs.fail(job.id, in: t.id, attempt: 2, error: sample.key + sample.text, now: f.now())
                }
                let read = try await store.transaction(.organization(t.id)) { tx in
                    try await tx.jobs.find(job.id, in: t.id)
                }
                try Self.expectVerbatim(read, failed, "failed job")
                #expect(Verbatim.same(read?.lastError, sample.key + sample.text) && read?.state == .failed)
                #expect(Verbatim.same(read?.lockedBy, nil))
            }

            for (index, sample) in samples.enumerated() {
                let instance: InstanceID = f.ids.make()
                let other = sample.text + "\u{2060}"
                try await store.transaction(.organization(t.id)) { tx in
                    let lease = try await tx.leases.acquire(
                        instance: instance, in: t.id, owner: sample.text, duration: .seconds(30), now: f.now())
                    #expect(Verbatim.same(lease?.owner, sample.text), "lease owner \(Self.show(sample.text))")
                    guard let lease else { return }
                    let renewed = try await tx.leases.renew(lease, duration: .seconds(60), now: f.now())
                    #expect(renewed.token == 1 && Verbatim.same(renewed.owner, sample.text))
                    let taken = try await tx.leases.acquire(
                        instance: instance, in: t.id, owner: other, duration: .seconds(30), now: f.now())
                    #expect(taken == nil, "owner \(Self.show(other)) took the lease of \(Self.show(sample.text))")
                    #expect(try await tx.leases.isCurrent(instance: instance, in: t.id, token: 1, now: f.now()))
                    try await tx.leases.release(renewed)
                    let next = try await tx.leases.acquire(
                        instance: instance, in: t.id, owner: other, duration: .seconds(30), now: f.now())
                    #expect(next?.token == 2 && Verbatim.same(next?.owner, other), "lease \(index) after release")
                    let stored = try await tx.leases.find(instance.retyped(), in: t.id)
                    #expect(Verbatim.same(stored?.owner, other))
                }
            }

            let events = samples.map { sample in
                WebhookEvent(
                    type: WebhookEventType(rawValue: sample.key), organizationID: t.id, instanceID: t.instance.id,
                    data: .object(
                        JSONObject([
                            (sample.text, .string(sample.text)),
                            (
                                "list",
                                .array([.string(sample.key), .object(JSONObject([(sample.key, .string(sample.text))]))])
                            ),
                        ])),
                    ids: f.ids)
            }
            let logged = try await store.transaction(.organization(t.id)) { tx in
                var logged: [LoggedEvent] = []
                for event in events { logged.append(try await tx.eventLog.append(event)) }
                return logged
            }
            let read = try await store.transaction(.organization(t.id)) { tx in
                try await tx.eventLog.read(in: t.id, after: 0, limit: 1_000)
            }
            #expect(read.map(\.sequence) == logged.map(\.sequence))
            for (event, stored) in zip(events, read) {
                #expect(
                    stored.event == event && Verbatim.same(stored.event.type.rawValue, event.type.rawValue)
                        && Verbatim.same(stored.event.data, event.data),
                    "event of type \(Self.show(event.type.rawValue))")
            }

            let last = UInt64(logged.count)
            try await store.transaction(.organization(t.id)) { tx in
                for (index, sample) in samples.enumerated() {
                    let consumer = EventLogConsumer(
                        name: sample.key, organizationID: t.id, position: UInt64(index) % (last + 1), isScheduled: true)
                    if (1...64).contains(sample.key.unicodeScalars.count) {
                        try await tx.eventLog.save(consumer)
                    } else {
                        await Self.expectRefused("consumer \(Self.show(sample.key))") {
                            try await tx.eventLog.save(consumer)
                        }
                    }
                }
                // 64 characters but 128 Unicode scalars: PostgreSQL counts scalars.
                let combining = String(repeating: "e\u{301}", count: 64)
                await Self.expectRefused("consumer of 64 combined characters") {
                    try await tx.eventLog.save(EventLogConsumer(name: combining, organizationID: t.id))
                }
            }
            try await store.transaction(.organization(t.id)) { tx in
                for (index, sample) in samples.enumerated() {
                    let consumer = try await tx.eventLog.consumer(sample.key, in: t.id)
                    let saved = (1...64).contains(sample.key.unicodeScalars.count)
                    #expect(
                        Verbatim.same(consumer.name, sample.key) && consumer.isScheduled == saved
                            && consumer.position == (saved ? UInt64(index) % (last + 1) : 0),
                        "consumer \(Self.show(sample.key))")
                }
            }
        }
    }

    /// A global name (an organization's slug, an API key's lookup id) changed to each hostile string in turn is
    /// found by its new value only. The sequence passes from `é` to its canonically equivalent `e` + U+0301, which
    /// PostgreSQL holds as a different name.
    @Test func globalNamesChangedToHostileTextAreFoundByTheirNewValueOnly() async throws {
        try await Self.withStore { store, t, f in
            let r = HostileRecords(f: f, t: t)
            var organization = try await store.transaction(.system) { tx in
                try await tx.organizations.insert(r.organization(key: "plain-slug", text: "Plain", number: 0))
            }
            var key = try await store.transaction(.organization(t.id)) { tx in
                try await tx.apiKeys.insert(r.apiKey(key: "plain-lookup", text: "plain", number: 0))
            }
            var previous = (slug: organization.slug, lookupID: key.lookupID)
            for text in HostileText.strings {
                organization.slug = text
                organization = try await store.transaction(.organization(organization.id)) { tx in
                    try await tx.organizations.update(organization)
                }
                key.lookupID = text
                key = try await store.transaction(.organization(t.id)) { tx in try await tx.apiKeys.update(key) }
                try await store.transaction(.system) { tx in
                    let found = try await tx.organizations.find(slug: text)
                    #expect(found?.id == organization.id && Verbatim.same(found?.slug, text), "slug \(Self.show(text))")
                    #expect(
                        try await tx.organizations.find(slug: previous.slug) == nil,
                        "old slug \(Self.show(previous.slug))")
                    let foundKey = try await tx.apiKeys.find(lookupID: text)
                    #expect(
                        foundKey?.id == key.id && Verbatim.same(foundKey?.lookupID, text),
                        "lookup id \(Self.show(text))")
                    #expect(
                        try await tx.apiKeys.find(lookupID: previous.lookupID) == nil,
                        "old lookup id \(Self.show(previous.lookupID))")
                }
                previous = (text, text)
            }
        }
    }

    // MARK: - Queries that take text

    /// Contact search (name and number), contact tags, message search, audit actions (exact and by prefix) and
    /// resources, job queues and unique-key prefixes, each with every hostile string: the rows that contain it
    /// literally (case-insensitively where the search is), no other. `%`, `_` and `\` are plain characters.
    @Test func searchesAndFiltersMatchHostileTextLiterally() async throws {
        try await Self.withStore { store, t, f in
            let r = HostileRecords(f: f, t: t)
            let texts = HostileText.strings
            let contacts = texts.enumerated().map { r.contact(key: $1, text: $1, number: $0) }
            let messages = texts.enumerated().map { r.message(key: $1, text: $1, number: $0) }
            // Decoys that a LIKE pattern would match if the wildcards in the filters were not escaped.
            let actions = texts + ["member.invited", "member%.x", "member_.x", "member\\.x", "memberX.x", "%.x", "_.x"]
            let auditEvents = actions.enumerated().map { r.auditEvent(key: $1, text: $1, number: $0) }
            let keys = texts + ["member%1", "member_1", "memberX1", "member\\1", "member\\\\1"]
            let keyedJobs = keys.enumerated().map { index, key in
                var job = r.job(key: key, text: "lane", number: index)
                job.queue = "hostile"
                return job
            }
            let queuedJobs = texts.enumerated().map { index, text in
                var job = r.job(key: text, text: text, number: index)
                job.uniqueKey = nil
                return job
            }
            try await store.transaction(.organization(t.id)) { tx in
                for contact in contacts { _ = try await tx.contacts.insert(contact) }
                for message in messages { _ = try await tx.messages.insert(message) }
                for event in auditEvents { _ = try await tx.auditEvents.insert(event) }
                for job in keyedJobs + queuedJobs { _ = try await tx.jobs.enqueue(job) }
            }

            for term in texts where !term.isEmpty {
                let search = try await Self.everything(in: store, t.id, where: Contact.Filter(search: term)) {
                    Self.plain($0.contacts)
                }
                Self.expectSame(
                    search,
                    contacts.filter { contact in
                        Verbatim.contains(contact.name?.lowercased(), term.lowercased())
                            || Verbatim.contains(contact.phone?.e164, term)
                    }, "contact search \(Self.show(term))")
                #expect(search.count < contacts.count, "contact search \(Self.show(term)) matched everything")

                let tagged = try await Self.everything(in: store, t.id, where: Contact.Filter(tag: term)) {
                    Self.plain($0.contacts)
                }
                Self.expectSame(
                    tagged, contacts.filter { $0.tags.contains { Verbatim.same($0, term) } }, "tag \(Self.show(term))")

                let found = try await Self.everything(in: store, t.id, where: Message.Filter(search: term)) {
                    Self.plain($0.messages)
                }
                Self.expectSame(
                    found, messages.filter { Verbatim.contains($0.body?.lowercased(), term.lowercased()) },
                    "message search \(Self.show(term))")
                #expect(found.count < messages.count, "message search \(Self.show(term)) matched everything")

                let resources = try await Self.everything(in: store, t.id, where: AuditEvent.Filter(resourceID: term)) {
                    Self.plain($0.auditEvents)
                }
                Self.expectSame(
                    resources, auditEvents.filter { Verbatim.same($0.resourceID, term) }, "resource \(Self.show(term))")

                let queued = try await Self.everything(in: store, t.id, where: Job.Filter(queue: term)) {
                    Self.plain($0.jobs)
                }
                Self.expectSame(queued, queuedJobs.filter { Verbatim.same($0.queue, term) }, "queue \(Self.show(term))")
            }

            for action in actions + ["member.", "member%.", "member_.", "member\\.", "%.", "_."] {
                let listed = try await Self.everything(in: store, t.id, where: AuditEvent.Filter(action: action)) {
                    Self.plain($0.auditEvents)
                }
                let expected = auditEvents.filter { event in
                    action.hasSuffix(".")
                        ? Verbatim.hasPrefix(event.action, action) : Verbatim.same(event.action, action)
                }
                #expect(!expected.isEmpty, "action \(Self.show(action)) names no event of the fixture")
                Self.expectSame(listed, expected, "action \(Self.show(action))")
            }

            for prefix in keys + ["", "member%", "member_", "member\\", "%", "_", "\\"] {
                let listed = try await Self.everything(in: store, t.id, where: Job.Filter(uniqueKeyPrefix: prefix)) {
                    Self.plain($0.jobs)
                }
                let expected = (keyedJobs + queuedJobs).filter { job in
                    job.uniqueKey.map { Verbatim.hasPrefix($0, prefix) } ?? false
                }
                #expect(!expected.isEmpty, "prefix \(Self.show(prefix)) names no job of the fixture")
                Self.expectSame(listed, expected, "unique key prefix \(Self.show(prefix))")
                if !prefix.isEmpty {
                    #expect(listed.count < keyedJobs.count, "unique key prefix \(Self.show(prefix)) matched everything")
                }
            }
        }
    }

    /// Lookups by a unique key (slug, lookup id, e-mail, instance and template name, idempotency key, WhatsApp id,
    /// delivery event id) find exactly the record holding the hostile value and nothing for a near miss; a second
    /// record with the same hostile value is refused (`already_exists`); `é` and `e` + U+0301 are two values.
    @Test func uniqueLookupsFindExactlyTheRecordWithTheHostileKey() async throws {
        try await Self.withStore { store, t, f in
            let r = HostileRecords(f: f, t: t)
            let texts = HostileText.strings
            let organizations = texts.enumerated().map { r.organization(key: $1, text: $1, number: $0) }
            let members = texts.enumerated().map { r.member(key: $1, text: $1, number: $0) }
            let keys = texts.enumerated().map { r.apiKey(key: $1, text: $1, number: $0) }
            let instances = texts.enumerated().map { r.instance(key: $1, text: $1, number: $0) }
            let templates = texts.enumerated().map { r.template(key: $1, text: $1, number: $0) }
            let messages = texts.enumerated().map { r.message(key: $1, text: $1, number: $0) }
            let deliveries = texts.enumerated().map { r.delivery(key: $1, text: $1, number: $0) }
            for organization in organizations {
                _ = try await store.transaction(.organization(organization.id)) { tx in
                    try await tx.organizations.insert(organization)
                }
            }
            try await store.transaction(.organization(t.id)) { tx in
                for member in members { _ = try await tx.members.insert(member) }
                for key in keys { _ = try await tx.apiKeys.insert(key) }
                for instance in instances { _ = try await tx.instances.insert(instance) }
                for template in templates { _ = try await tx.templates.insert(template) }
                for message in messages { _ = try await tx.messages.insert(message) }
                for delivery in deliveries { _ = try await tx.deliveries.insert(delivery) }
            }

            for (index, text) in texts.enumerated() {
                let misses = ["\u{2060}" + text, text + "\u{2060}", text + "%", "%" + text + "%"]
                    .filter { miss in !texts.contains { Verbatim.same($0, miss) } }
                try await store.transaction(.system) { tx in
                    let organization = try await tx.organizations.find(slug: text)
                    #expect(organization?.id == organizations[index].id, "slug \(Self.show(text))")
                    let key = try await tx.apiKeys.find(lookupID: text)
                    #expect(key?.id == keys[index].id, "lookup id \(Self.show(text)), system scope")
                    for miss in misses {
                        #expect(try await tx.organizations.find(slug: miss) == nil, "slug \(Self.show(miss))")
                        #expect(try await tx.apiKeys.find(lookupID: miss) == nil, "lookup id \(Self.show(miss))")
                    }
                }
                try await store.transaction(.organization(organizations[index].id)) { tx in
                    let own = try await tx.organizations.find(slug: text)
                    #expect(own?.id == organizations[index].id, "slug \(Self.show(text)), own scope")
                }
                try await store.transaction(.organization(t.id)) { tx in
                    #expect(
                        try await tx.apiKeys.find(lookupID: text)?.id == keys[index].id, "lookup id \(Self.show(text))")
                    // Member lookups lower-case the address, as the services store it.
                    let member = try await tx.members.find(email: text, in: t.id)
                    let holder = members.first { Verbatim.same($0.email, text.lowercased()) }
                    #expect(member?.id == holder?.id, "e-mail \(Self.show(text))")
                    #expect(
                        try await tx.instances.find(name: text, in: t.id)?.id == instances[index].id,
                        "instance \(Self.show(text))")
                    #expect(
                        try await tx.templates.find(name: text, in: t.id)?.id == templates[index].id,
                        "template \(Self.show(text))")
                    #expect(
                        try await tx.messages.find(idempotencyKey: text, instance: t.instance.id, in: t.id)?.id
                            == messages[index].id, "idempotency key \(Self.show(text))")
                    #expect(
                        try await tx.messages.find(whatsappID: text, instance: t.instance.id, in: t.id)?.id
                            == messages[index].id, "WhatsApp id \(Self.show(text))")
                    #expect(
                        try await tx.deliveries.find(eventID: text, endpoint: t.endpoint.id, in: t.id)?.id
                            == deliveries[index].id, "event id \(Self.show(text))")
                    for miss in misses {
                        let found: [String: Bool] = [
                            "instance": try await tx.instances.find(name: miss, in: t.id) != nil,
                            "template": try await tx.templates.find(name: miss, in: t.id) != nil,
                            "idempotency key": try await tx.messages.find(
                                idempotencyKey: miss, instance: t.instance.id, in: t.id) != nil,
                            "WhatsApp id": try await tx.messages.find(
                                whatsappID: miss, instance: t.instance.id, in: t.id)
                                != nil,
                            "event id": try await tx.deliveries.find(eventID: miss, endpoint: t.endpoint.id, in: t.id)
                                != nil,
                        ]
                        #expect(
                            found.values.allSatisfy { !$0 }, "\(Self.show(miss)) found \(found.filter(\.value).keys)")
                    }
                    // The same hostile value again is a collision on that key, and the transaction goes on.
                    let what = "a second record with \(Self.show(text))"
                    await Self.expect(.alreadyExists, what) {
                        _ = try await tx.instances.insert(r.instance(key: text, text: "x", number: 0))
                    }
                    await Self.expect(.alreadyExists, what) {
                        _ = try await tx.templates.insert(r.template(key: text, text: "x", number: 0))
                    }
                    await Self.expect(.alreadyExists, what) {
                        _ = try await tx.members.insert(r.member(key: text, text: "x", number: 0))
                    }
                    await Self.expect(.alreadyExists, what) {
                        _ = try await tx.messages.insert(r.message(key: text, text: "x", number: 0))
                    }
                    await Self.expect(.alreadyExists, what) {
                        _ = try await tx.deliveries.insert(r.delivery(key: text, text: "x", number: 0))
                    }
                    await Self.expect(.alreadyExists, what) {
                        _ = try await tx.apiKeys.insert(r.apiKey(key: text, text: "x", number: 0))
                    }
                }
            }
        }
    }

    /// Phone numbers and JIDs refuse every hostile string; e-mail addresses and webhook URLs made from one are
    /// refused with the type's error, or accepted and then stored verbatim (and an accepted address is found by
    /// the member lookup).
    @Test func typedFieldsRefuseHostileTextOrStoreWhatTheyAccept() async throws {
        try await Self.withStore { store, t, f in
            let r = HostileRecords(f: f, t: t)
            var emails: [(address: String, email: String)] = []
            var urls: [String] = []
            for text in HostileText.strings {
                #expect(
                    Self.thrown { _ = try PhoneNumber(text) }?.code == .invalidPhoneNumber, "phone \(Self.show(text))")
                #expect(Self.thrown { _ = try JID(parsing: text) }?.code == .invalidJID, "JID \(Self.show(text))")
                let address = "\(text)@example.com"
                do throws(WAError) {
                    let email = try Member.normalizeEmail(address)
                    if !emails.contains(where: { Verbatim.same($0.email, email) }) { emails.append((address, email)) }
                } catch {
                    #expect(error.code == .invalidArgument, "e-mail \(Self.show(address))")
                }
                do throws(WAError) {
                    urls.append(
                        try WebhookURLPolicy.permissive.validate("https://hooks.example.com/\(text)").description)
                } catch {
                    #expect(
                        [.invalidWebhookURL, .webhookTargetForbidden].contains(error.code), "URL \(Self.show(text))")
                }
            }
            #expect(!emails.isEmpty && !urls.isEmpty)
            let members = emails.map(\.email).enumerated().map { r.member(key: $1, text: $1, number: $0) }
            let endpoints = urls.enumerated().map { r.webhookEndpoint(key: $1, text: $1, number: $0) }
            try await Self.roundTrip(members, in: store) { Self.plain($0.members) }
            try await Self.roundTrip(endpoints, in: store) { Self.plain($0.webhookEndpoints) }
            try await store.transaction(.organization(t.id)) { tx in
                for (address, email) in emails {
                    let member = try await tx.members.find(email: address, in: t.id)
                    #expect(Verbatim.same(member?.email, email), "member \(Self.show(address))")
                }
            }
        }
    }

    // MARK: - NUL

    /// PostgreSQL's `text` and `jsonb` cannot hold U+0000. The store refuses a value with it as `invalid_argument`
    /// before sending the statement, for every type and every query: nothing is written (no global name or unique
    /// key is left behind) and the transaction goes on. Bytes (a job's payload) may hold zeros.
    @Test func textWithNULIsRefusedAsAnInvalidArgumentAndTheTransactionGoesOn() async throws {
        try await Self.withStore { store, t, f in
            let r = HostileRecords(f: f, t: t)
            try await Self.expectNULRefused(r.organization, in: store, scope: .system) { Self.plain($0.organizations) }
            try await Self.expectNULRefused(r.member, in: store) { Self.plain($0.members) }
            try await Self.expectNULRefused(r.memberCredential, in: store) { Self.plain($0.memberCredentials) }
            try await Self.expectNULRefused(r.apiKey, in: store) { Self.plain($0.apiKeys) }
            try await Self.expectNULRefused(r.instance, in: store) { Self.plain($0.instances) }
            try await Self.expectNULRefused(r.contact, in: store) { Self.plain($0.contacts) }
            try await Self.expectNULRefused(r.chat, in: store) { Self.plain($0.chats) }
            try await Self.expectNULRefused(r.message, in: store) { Self.plain($0.messages) }
            try await Self.expectNULRefused(r.template, in: store) { Self.plain($0.templates) }
            try await Self.expectNULRefused(r.tagCampaign, in: store) { Self.plain($0.campaigns) }
            try await Self.expectNULRefused(r.segmentCampaign, in: store) { Self.plain($0.campaigns) }
            try await Self.expectNULRefused(r.keywordAutomation, in: store) { Self.plain($0.automations) }
            try await Self.expectNULRefused(r.regexAutomation, in: store) { Self.plain($0.automations) }
            try await Self.expectNULRefused(r.businessHoursAutomation, in: store) { Self.plain($0.automations) }
            try await Self.expectNULRefused(r.webhookEndpoint, in: store) { Self.plain($0.webhookEndpoints) }
            try await Self.expectNULRefused(r.delivery, in: store) { Self.plain($0.deliveries) }
            try await Self.expectNULRefused(r.auditEvent, in: store) { Self.plain($0.auditEvents) }
            try await Self.expectNULRefused(r.mediaObject, in: store) { Self.plain($0.mediaObjects) }
            try await Self.expectNULRefused(r.proxyServer, in: store) { Self.plain($0.proxyServers) }
            try await Self.expectNULRefused(r.riskAlert, in: store) { Self.plain($0.riskAlerts) }
            try await Self.expectNULRefused(r.job, in: store) { Self.plain($0.jobs) }

            let nul = "nul\u{0}inside"
            // Updates: an organization whose new slug would be claimed first, a contact whose keys would be.
            var organization = try await store.transaction(.system) { tx in
                try await tx.organizations.insert(r.organization(key: "nul-test-org", text: "Org", number: 0))
            }
            var contact = try await store.transaction(.organization(t.id)) { tx in
                try await tx.contacts.insert(r.contact(key: "", text: "Ann", number: 900))
            }
            try await store.transaction(.system) { tx in
                var changed = organization
                changed.slug = "nul-test-new-slug"
                changed.name = nul
                await Self.expectRefused("organization update") { _ = try await tx.organizations.update(changed) }
                changed.name = "Org 2"
                organization = try await tx.organizations.update(changed)
            }
            try await store.transaction(.organization(t.id)) { tx in
                var changed = contact
                let phone = r.phone(901)
                changed.phone = phone
                changed.jid = phone.jid
                changed.tags = [nul]
                await Self.expectRefused("contact update") { _ = try await tx.contacts.update(changed) }
                changed.tags = ["ok"]
                contact = try await tx.contacts.update(changed)
            }
            #expect(organization.version == 2 && contact.version == 2)

            try await store.transaction(.organization(t.id)) { tx in
                let org = t.id
                await Self.expectRefused("contact search") {
                    _ = try await tx.contacts.list(in: org, where: .init(search: nul), page: .all)
                }
                await Self.expectRefused("contact tag") {
                    _ = try await tx.contacts.count(in: org, where: .init(tag: nul))
                }
                await Self.expectRefused("message search") {
                    _ = try await tx.messages.list(in: org, where: .init(search: nul), page: .all)
                }
                await Self.expectRefused("audit action") {
                    _ = try await tx.auditEvents.count(in: org, where: .init(action: nul))
                }
                await Self.expectRefused("audit action prefix") {
                    _ = try await tx.auditEvents.count(in: org, where: .init(action: nul + "."))
                }
                await Self.expectRefused("audit resource") {
                    _ = try await tx.auditEvents.count(in: org, where: .init(resourceID: nul))
                }
                await Self.expectRefused("job queue") { _ = try await tx.jobs.count(in: org, where: .init(queue: nul)) }
                await Self.expectRefused("job key prefix") {
                    _ = try await tx.jobs.count(in: org, where: .init(uniqueKeyPrefix: nul))
                }
                await Self.expectRefused("slug") { _ = try await tx.organizations.find(slug: nul) }
                await Self.expectRefused("lookup id") { _ = try await tx.apiKeys.find(lookupID: nul) }
                await Self.expectRefused("e-mail") { _ = try await tx.members.find(email: nul, in: org) }
                await Self.expectRefused("instance name") { _ = try await tx.instances.find(name: nul, in: org) }
                await Self.expectRefused("template name") { _ = try await tx.templates.find(name: nul, in: org) }
                await Self.expectRefused("idempotency key") {
                    _ = try await tx.messages.find(idempotencyKey: nul, instance: t.instance.id, in: org)
                }
                await Self.expectRefused("WhatsApp id") {
                    _ = try await tx.messages.find(whatsappID: nul, instance: t.instance.id, in: org)
                }
                await Self.expectRefused("event id") {
                    _ = try await tx.deliveries.find(eventID: nul, endpoint: t.endpoint.id, in: org)
                }
                await Self.expectRefused("enqueue") {
                    _ = try await tx.jobs.enqueue(r.job(key: nul, text: "x", number: 0))
                }
                await Self.expectRefused("enqueue") {
                    _ = try await tx.jobs.enqueue(r.job(key: "x", text: nul, number: 0))
                }
                await Self.expectRefused("lease owner") {
                    _ = try await tx.leases.acquire(
                        instance: f.ids.make(), in: org, owner: nul, duration: .seconds(5), now: f.now())
                }
                await Self.expectRefused("event type") {
                    _ = try await tx.eventLog.append(
                        WebhookEvent(type: WebhookEventType(rawValue: nul), organizationID: org, ids: f.ids))
                }
                await Self.expectRefused("event data") {
                    _ = try await tx.eventLog.append(
                        WebhookEvent(
                            type: "message.received", organizationID: org, data: ["text": .string(nul)], ids: f.ids))
                }
                await Self.expectRefused("event member name") {
                    _ = try await tx.eventLog.append(
                        WebhookEvent(type: "message.received", organizationID: org, data: [nul: true], ids: f.ids))
                }
                await Self.expectRefused("consumer name") {
                    _ = try await tx.eventLog.save(EventLogConsumer(name: nul, organizationID: org))
                }
                await Self.expectRefused("consumer lookup") { _ = try await tx.eventLog.consumer(nul, in: org) }
                // The transaction is still usable: this job (zeros in its payload are bytes, not text) commits.
                var job = r.job(key: "after the refusals", text: "zeros", number: 0)
                job.payload = [0, 0x27, 0, 0x5C, 0]
                _ = try await tx.jobs.enqueue(job)
            }

            let claimed = try await store.transaction(.system) { tx in
                try await tx.jobs.claim(
                    queues: ["after the refusals"], worker: "worker", limit: 1, lease: .seconds(60), now: f.now())
            }
            #expect(claimed.first?.payload == [0, 0x27, 0, 0x5C, 0])
            try await store.transaction(.system) { tx in
                await Self.expectRefused("worker name") {
                    _ = try await tx.jobs.claim(
                        queues: ["after the refusals"], worker: nul, limit: 1, lease: .seconds(1), now: f.now())
                }
                await Self.expectRefused("claimed queue") {
                    _ = try await tx.jobs.claim(queues: [nul], worker: "w", limit: 1, lease: .seconds(1), now: f.now())
                }
                await Self.expectRefused("lane") {
                    _ = try await tx.jobs.claim(
                        queues: ["q"], worker: "w", limit: 1, lease: .seconds(1), now: f.now(), lanes: .only([nul]))
                }
                await Self.expectRefused("queue of the next claim time") {
                    _ = try await tx.jobs.nextClaimTime(queues: [nul], now: f.now())
                }
            }
            if let job = claimed.first {
                try await store.transaction(.organization(t.id)) { tx in
                    await Self.expectRefused("retry error") {
                        _ = try await tx.jobs.retry(job.id, in: t.id, attempt: 1, at: f.now(), error: nul)
                    }
                    await Self.expectRefused("fail error") {
                        _ = try await tx.jobs.fail(job.id, in: t.id, attempt: 1, error: nul, now: f.now())
                    }
                    let failed = try await tx.jobs.fail(job.id, in: t.id, attempt: 1, error: "no NUL", now: f.now())
                    #expect(failed.state == .failed && failed.lastError == "no NUL")
                }
            }
        }
    }

    // MARK: - Support

    /// Runs `body` on a store over a fresh, migrated database with a tenant (``TenantFixture``), then checks that
    /// the schema is what the migrations made: the same tables, indexes, triggers, policies and functions.
    static func withStore(_ body: (PostgresStore, TenantFixture, Fixtures) async throws -> Void) async throws {
        try await TestDatabase.withFreshDatabase { client, _ in
            try await TestDatabase.migrate(client)
            let before = try await catalog(client)
            let tables = Set(before.filter { $0.hasPrefix("table ") }.map { String($0.dropFirst("table ".count)) })
            #expect(
                tables.isSuperset(of: ["organizations", "contacts", "messages", "audit_events", "jobs", "global_names"])
            )
            let store = PostgresStore(client: client, logger: TestDatabase.logger)
            let fixtures = Fixtures()
            let tenant = try await TenantFixture.create(in: store, using: fixtures)
            try await body(store, tenant, fixtures)
            let after = try await catalog(client)
            #expect(after == before, "the schema changed: \(Set(before).symmetricDifference(after).sorted())")
        }
    }

    /// The schema's objects, one line each: `table contacts`, `index …`, `trigger … on …`, `policy … on …`,
    /// `function …`.
    static func catalog(_ client: PostgresClient) async throws -> [String] {
        try await client.withConnection { connection in
            try await connection.strings(
                """
                SELECT 'table ' || c.relname FROM pg_class c
                    WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p')
                UNION ALL SELECT 'index ' || c.relname FROM pg_class c
                    WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'i'
                UNION ALL SELECT 'trigger ' || t.tgname || ' on ' || t.tgrelid::regclass::text FROM pg_trigger t
                    WHERE NOT t.tgisinternal
                UNION ALL SELECT 'policy ' || p.polname || ' on ' || p.polrelid::regclass::text FROM pg_policy p
                UNION ALL SELECT 'function ' || p.proname FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace
                ORDER BY 1
                """)
        }
    }

    /// Inserts `records` through `repository` (each organization's in one transaction of its own), expects the
    /// insert to return the record at version 1, and reads each back by id and in a list of everything,
    /// expecting it verbatim.
    static func roundTrip<Entity: StoredEntity>(
        _ records: [Entity], in store: PostgresStore,
        sourceLocation: SourceLocation = #_sourceLocation,
        _ repository: @escaping @Sendable (any StoreTransaction) -> any Repository<Entity>
    ) async throws {
        var stored: [Entity] = []
        for (organization, group) in Dictionary(grouping: records, by: \.organizationID) {
            stored += try await store.transaction(.organization(organization)) { tx in
                var inserted: [Entity] = []
                for record in group {
                    let result = try await repository(tx).insert(record)
                    var expected = record
                    expected.version = 1
                    try expectVerbatim(result, expected, "inserted", sourceLocation)
                    inserted.append(result)
                }
                return inserted
            }
        }
        for (organization, group) in Dictionary(grouping: stored, by: \.organizationID) {
            try await store.transaction(.organization(organization)) { tx in
                let listed = try await everything(repository(tx), in: organization, where: Entity.Filter())
                let byID = Dictionary(listed.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
                #expect(
                    byID.count == listed.count, "\(Entity.self): a record listed twice", sourceLocation: sourceLocation)
                for record in group {
                    try expectVerbatim(
                        try await repository(tx).find(record.id, in: organization), record, "found", sourceLocation)
                    try expectVerbatim(byID[record.id], record, "listed", sourceLocation)
                }
            }
        }
        #expect(stored.count == records.count, sourceLocation: sourceLocation)
    }

    /// Inserts the record `make` builds with U+0000 in the fields behind unique keys and indexes, then in the other
    /// text fields (types without either are skipped), expecting `invalid_argument` each time; then the same record
    /// without it, which must go in (nothing the refused inserts claimed stands in its way) in the same transaction.
    static func expectNULRefused<Entity: StoredEntity>(
        _ make: (String, String, Int) -> Entity, in store: PostgresStore,
        scope: TransactionScope? = nil, sourceLocation: SourceLocation = #_sourceLocation,
        _ repository: @escaping @Sendable (any StoreTransaction) -> any Repository<Entity>
    ) async throws {
        let clean = make("clean key", "clean text", 500)
        let dirty = [make("nul\u{0}key", "clean text", 500), make("clean key", "nul\u{0}text", 500)]
            .filter { record in
                (try? JSONEncoder().encode(record)).map { Array("\\u0000".utf8).occurs(in: Array($0)) } ?? false
            }
        #expect(!dirty.isEmpty, "\(Entity.self) has no text field", sourceLocation: sourceLocation)
        try await store.transaction(scope ?? .organization(clean.organizationID)) { tx in
            for record in dirty {
                await expectRefused("\(Entity.self) insert", sourceLocation: sourceLocation) {
                    _ = try await repository(tx).insert(record)
                }
            }
            _ = try await repository(tx).insert(clean)
        }
        let count = try await store.transaction(.organization(clean.organizationID)) { tx in
            try await repository(tx).count(in: clean.organizationID, where: Entity.Filter())
        }
        let found = try await store.transaction(.organization(clean.organizationID)) { tx in
            try await dirty.asyncMap { try await repository(tx).find($0.id, in: clean.organizationID) }
        }
        #expect(found.allSatisfy { $0 == nil } && count >= 1, "\(Entity.self)", sourceLocation: sourceLocation)
    }

    /// A specific repository (`any MemberRepository`) as the plain one the helpers take.
    static func plain<R: Repository>(_ repository: R) -> any Repository<R.Entity> { repository }

    /// Every record of `org` that `filter` selects, page by page.
    static func everything<Entity: StoredEntity>(
        _ repository: any Repository<Entity>, in org: OrganizationID, where filter: Entity.Filter
    ) async throws -> [Entity] {
        var items: [Entity] = []
        var cursor: Cursor?
        repeat {
            let page = try await repository.list(
                in: org, where: filter, page: PageRequest(limit: 100, cursor: cursor, order: .oldestFirst))
            items += page.items
            cursor = page.nextCursor
        } while cursor != nil
        return items
    }

    /// ``everything(_:in:where:)`` in a transaction of its own.
    static func everything<Entity: StoredEntity>(
        in store: PostgresStore, _ org: OrganizationID, where filter: Entity.Filter,
        _ repository: @escaping @Sendable (any StoreTransaction) -> any Repository<Entity>
    ) async throws -> [Entity] {
        try await store.transaction(.organization(org)) { tx in
            try await everything(repository(tx), in: org, where: filter)
        }
    }

    /// Claims `job` by its queue and lane, as `worker`.
    static func claim(_ job: Job, by worker: String, _ store: PostgresStore, _ f: Fixtures) async throws -> [Job] {
        try await store.transaction(.system) { tx in
            try await tx.jobs.claim(
                queues: [job.queue], worker: worker, limit: 5, lease: .seconds(60), now: f.now(),
                lanes: .only([job.lane ?? ""]))
        }
    }

    /// Expects `actual` to be `expected` (`==`) with every string the same scalar for scalar.
    static func expectVerbatim<Entity: Encodable & Equatable>(
        _ actual: Entity?, _ expected: Entity, _ how: String, _ sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        guard let actual else {
            Issue.record("\(Entity.self) \(how): missing", sourceLocation: sourceLocation)
            return
        }
        let equal = actual == expected
        let sameText = try Verbatim.strings(of: actual) == Verbatim.strings(of: expected)
        #expect(
            equal && sameText, "\(Entity.self) \(how): equal \(equal), same text \(sameText)",
            sourceLocation: sourceLocation)
    }

    /// Expects `actual` to be exactly the records `expected` names (by id, each once).
    static func expectSame<Entity: StoredEntity>(
        _ actual: [Entity], _ expected: [Entity], _ what: String, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let missing = expected.filter { record in !actual.contains { $0.id == record.id } }.count
        let extra = actual.filter { record in !expected.contains { $0.id == record.id } }.count
        #expect(
            missing == 0 && extra == 0 && actual.count == expected.count,
            "\(what): \(missing) missing, \(extra) more than expected (\(actual.count) of \(expected.count))",
            sourceLocation: sourceLocation)
    }

    /// Expects `body` to fail with `code`.
    static func expect(
        _ code: WAError.Code, _ what: String, sourceLocation: SourceLocation = #_sourceLocation,
        _ body: () async throws -> Void
    ) async {
        let error = await failure(body)
        #expect(
            error?.code == code, "\(what): \(error.map { "\($0.code): \($0.message)" } ?? "no error")",
            sourceLocation: sourceLocation)
    }

    /// Expects `body` to fail with `invalid_argument`.
    static func expectRefused(
        _ what: String, sourceLocation: SourceLocation = #_sourceLocation, _ body: () async throws -> Void
    ) async {
        await expect(.invalidArgument, what, sourceLocation: sourceLocation, body)
    }

    /// The ``WACore/WAError`` `body` throws (another error as an `internal_error` saying what it was), or `nil`.
    static func failure(_ body: () async throws -> Void) async -> WAError? {
        do {
            try await body()
            return nil
        } catch let error as WAError {
            return error
        } catch {
            return WAError(.internalError, "not a WAError: \(error)")
        }
    }

    /// ``failure(_:)`` for synchronous code.
    static func thrown(_ body: () throws -> Void) -> WAError? {
        do {
            try body()
            return nil
        } catch let error as WAError {
            return error
        } catch {
            return WAError(.internalError, "not a WAError: \(error)")
        }
    }

    /// A hostile string, short enough for a test's message.
    static func show(_ text: String) -> String {
        text.unicodeScalars.count > 40
            ? "\(String(reflecting: String(text.prefix(40))))… (\(text.count) characters)" : String(reflecting: text)
    }
}

// MARK: - Hostile text

/// Text built to break a statement, a JSON document or a pattern if the store ever put it anywhere but in a bound
/// parameter, or to be mangled by anything that normalizes: SQL injections, quotes, dollar quotes, placeholders,
/// `E''` escapes, LIKE's wildcards and escape character, JSON terminators, direction marks, emoji sequences,
/// combining marks, a precomposed letter beside its decomposed twin, and control characters other than NUL.
enum HostileText {
    /// Each fits every column, indexed ones included (an index entry holds at most about 2.7 KB).
    static let strings: [String] = [
        "'; DROP TABLE contacts; --",
        "' OR '1'='1",
        "' OR 1=1 --",
        "\" OR \"\"=\"",
        "1'); DELETE FROM messages; TRUNCATE audit_events; --",
        "'||(SELECT string_agg(rolname, ',') FROM pg_roles)||'",
        "x' UNION SELECT data::text FROM api_keys --",
        "\\'",
        "\\",
        "\\\\",
        "$$",
        "$1",
        "$1 $2 $99",
        "$body$; DROP SCHEMA public CASCADE; $body$",
        "E'\\x00'",
        "E'\\\\'",
        "%",
        "_",
        "%%",
        "a%b",
        "a_b",
        "axb",
        "%_%",
        "\\%",
        "\\_",
        "\"",
        "\"}",
        "\"}]}, \"version\": 99, \"organizationID\": \"00000000-0000-0000-0000-000000000000\", \"x\": [{\"",
        "\\u0000",
        "\\u0027\\u005c\\n\\t",
        "{\"$ne\": null}",
        "/* */ -- ;",
        ";",
        "NULL",
        "null",
        "",
        " leading and trailing ",
        "<script>alert('x')</script>",
        "\u{202E}gnp.exe\u{202C}",
        "\u{200F}שלום\u{200E} مرحبا",
        "😀👨‍👩‍👧‍👦🏳️‍🌈",
        "é",
        "e\u{301}",
        "e\u{301}\u{302}\u{303}\u{304}",
        "Z\u{324}\u{354}\u{367}a\u{308}\u{356}l\u{36E}g\u{30C}o\u{319}",
        "\u{1}\u{2}\u{7}\u{8}\t\n\r\u{B}\u{C}\u{1B}[31m\u{7F}\u{85}\u{2028}\u{2029}",
        "\u{FEFF}\u{200B}\u{FFFD}\u{FFFF}\u{10FFFF}",
        "中文 日本語 한국어",
        String(repeating: "'; DROP TABLE contacts; -- %_\\ \"}$$ ", count: 32),
    ]

    /// About 100,000 characters of all of the above, for the fields without an index.
    static let veryLong: String = {
        let block = strings.joined(separator: " | ")
        return String(repeating: block, count: 100_000 / block.count + 1)
    }()

    /// What the round trips store: each string in every field, then the very long text in the fields without an
    /// index (and a plain key in the others).
    static let samples: [(key: String, text: String)] =
        strings.map { ($0, $0) } + [("a key beside very long text", veryLong)]
}

/// Records of every stored type with hostile text in every text field: `text` everywhere, except that the fields
/// behind a unique key or an index get `key`. `number` keeps apart what must differ (phone numbers, proxy ports).
struct HostileRecords: Sendable {
    let f: Fixtures
    let t: TenantFixture

    private var org: OrganizationID { t.id }

    /// A German mobile number, distinct for each `number` below a million.
    func phone(_ number: Int) -> PhoneNumber {
        // Valid by construction.
        try! PhoneNumber("+491701" + String(format: "%06d", number))
    }

    func optOut(_ text: String) -> OptOutSettings {
        OptOutSettings(
            isEnabled: true, keywords: [text, "STOP"], optInKeywords: [text], confirmation: text,
            optInConfirmation: text)
    }

    func organization(key: String, text: String, number _: Int) -> Organization {
        Organization(id: f.ids.make(), name: text, slug: key, plan: .starter, optOut: optOut(text), createdAt: f.now())
    }

    func member(key: String, text: String, number _: Int) -> Member {
        Member(id: f.ids.make(), organizationID: org, email: key, displayName: text, role: .viewer, createdAt: f.now())
    }

    func memberCredential(key _: String, text: String, number _: Int) -> MemberCredential {
        MemberCredential(memberID: f.ids.make(), organizationID: org, passwordHash: text, updatedAt: f.now())
    }

    func apiKey(key: String, text: String, number _: Int) -> APIKey {
        APIKey(
            id: f.ids.make(), organizationID: org, createdBy: t.admin.id, name: text, lookupID: key,
            digest: Array(text.utf8.prefix(32)), hint: text, scopes: [.messagesSend], createdAt: f.now())
    }

    func instance(key: String, text: String, number: Int) -> Instance {
        let phone = phone(200_000 + number)
        var instance = Instance(
            id: f.ids.make(), organizationID: org, name: key, phone: phone, jid: phone.jid,
            fingerprint: Fingerprint(
                userAgent: text, platform: text,
                clientHints: .init(
                    brands: [.init(brand: text, version: text)], platform: text, platformVersion: text,
                    architecture: text, mobile: true),
                languages: [text, "en"], timeZone: text, screen: .init(width: 390, height: 844, deviceScaleFactor: 3),
                deviceName: text),
            createdAt: f.now())
        instance.optOut = optOut(text)
        return instance
    }

    func sessionArchive(key _: String, text: String, number _: Int) -> SealedSessionArchive {
        SealedSessionArchive(
            instanceID: f.ids.make(), organizationID: org, sealed: Array(text.utf8), updatedAt: f.now())
    }

    func riskMonitor(key _: String, text: String, number _: Int) -> RiskMonitorRecord {
        RiskMonitorRecord(instanceID: f.ids.make(), organizationID: org, state: Array(text.utf8), updatedAt: f.now())
    }

    func contact(key _: String, text: String, number: Int) -> Contact {
        let phone = phone(number)
        return Contact(
            id: f.ids.make(), organizationID: org, jid: phone.jid, phone: phone, name: text, tags: [text, "vip"],
            createdAt: f.now())
    }

    func chat(key _: String, text: String, number: Int) -> Chat {
        Chat(
            id: f.ids.make(), organizationID: org, instanceID: t.instance.id, jid: phone(100_000 + number).jid,
            name: text, createdAt: f.now())
    }

    func message(key: String, text: String, number: Int) -> Message {
        Message(
            id: f.ids.make(), organizationID: org, instanceID: t.instance.id, chatJID: phone(300_000 + number).jid,
            direction: .outbound, kind: .document, body: text,
            media: .init(mediaID: f.ids.make(), mimeType: text, fileName: text, byteCount: 42),
            location: .init(latitude: 52.52, longitude: 13.405, name: text, address: text), contactCard: text,
            status: .queued, whatsappID: key, idempotencyKey: key,
            error: MessageError(code: text, message: text, isRetryable: true), createdAt: f.now())
    }

    func template(key: String, text: String, number _: Int) -> Template {
        Template(id: f.ids.make(), organizationID: org, name: key, body: text, language: text, createdAt: f.now())
    }

    func tagCampaign(key _: String, text: String, number _: Int) -> Campaign {
        Campaign(
            id: f.ids.make(), organizationID: org, instanceID: t.instance.id, name: text, templateID: t.template.id,
            audience: .tags([text, "vip"]), schedule: .init(timeZone: text), createdBy: t.admin.id, createdAt: f.now())
    }

    func segmentCampaign(key _: String, text: String, number _: Int) -> Campaign {
        Campaign(
            id: f.ids.make(), organizationID: org, instanceID: t.instance.id, name: text, templateID: t.template.id,
            audience: .segment(text), schedule: .init(timeZone: text), createdAt: f.now())
    }

    private func automation(_ text: String, _ trigger: Automation.Trigger) -> Automation {
        Automation(
            id: f.ids.make(), organizationID: org, instanceID: t.instance.id, name: text, trigger: trigger,
            actions: [
                .tagContact(text), .emitWebhookEvent(text), .replyWithTemplate(t.template.id),
                .assignMember(t.admin.id),
            ],
            createdAt: f.now())
    }

    func keywordAutomation(key _: String, text: String, number _: Int) -> Automation {
        automation(text, .keyword(text, wholeMessage: true))
    }

    func regexAutomation(key _: String, text: String, number _: Int) -> Automation {
        automation(text, .regex(text))
    }

    func businessHoursAutomation(key _: String, text: String, number _: Int) -> Automation {
        automation(
            text,
            .outsideBusinessHours(.init(timeZone: text, weekdays: [1, 7], opensAtMinute: 540, closesAtMinute: 1_020)))
    }

    func webhookEndpoint(key _: String, text: String, number _: Int) -> WebhookEndpoint {
        WebhookEndpoint(
            id: f.ids.make(), organizationID: org, url: text, label: text, eventFilters: [text, "message.*"],
            sealedSecrets: [Array(text.utf8.prefix(60))], isEnabled: false, disabledReason: text, createdAt: f.now())
    }

    func delivery(key: String, text: String, number _: Int) -> Delivery {
        let now = f.now()
        return Delivery(
            id: f.ids.make(), organizationID: org, endpointID: t.endpoint.id, eventID: key, eventType: text,
            payload: Array(text.utf8),
            state: .failed(reason: .attemptsExhausted(lastOutcome: .connectionFailed(text)), attempts: 1),
            attempts: [.init(startedAt: now, statusCode: nil, error: text, durationMilliseconds: 12)], createdAt: now)
    }

    func auditEvent(key _: String, text: String, number _: Int) -> AuditEvent {
        AuditEvent(
            id: f.ids.make(), organizationID: org, actor: .apiKey(f.ids.make(), onBehalfOf: t.admin.id), action: text,
            resourceType: text, resourceID: text, metadata: [text: text, "note": text], ipAddress: text,
            occurredAt: f.now())
    }

    func mediaObject(key _: String, text: String, number _: Int) -> MediaObject {
        MediaObject(
            id: f.ids.make(), organizationID: org, mimeType: text, kind: .document, byteCount: 7, sha256: text,
            fileName: text, createdAt: f.now())
    }

    func proxyServer(key: String, text: String, number: Int) -> ProxyServer {
        ProxyServer(
            id: f.ids.make(), organizationID: org, scheme: .socks5, host: key, port: 10_000 + number, username: text,
            sealedPassword: Array(text.utf8.prefix(40)), createdAt: f.now())
    }

    func riskAlert(key _: String, text: String, number _: Int) -> RiskAlert {
        RiskAlert(
            id: f.ids.make(), organizationID: org, instanceID: t.instance.id, severity: .critical, score: 99.5,
            rules: [text], evidence: [text: text], actionsTaken: [text], createdAt: f.now())
    }

    /// Queue and unique key `key`, lane, payload, worker and last error `text`.
    func job(key: String, text: String, number _: Int) -> Job {
        let now = f.now()
        var job = Job(
            id: f.ids.make(), organizationID: org, queue: key, payload: Array(text.utf8), scheduledAt: now,
            uniqueKey: key, lane: text, createdAt: now)
        job.lockedBy = text
        job.lastError = text
        return job
    }
}

// MARK: - Comparing text exactly

/// Comparisons of text scalar for scalar. Swift's `==` on `String` takes canonically equivalent text as equal (`é`
/// and `e` + U+0301), so it cannot tell whether a store kept text verbatim; PostgreSQL compares text byte for byte.
enum Verbatim {
    /// Every string of `value`'s JSON (member names and values) as the bytes the encoder wrote, sorted, so that
    /// sets and dictionaries compare whatever order they list their elements in.
    static func strings(of value: some Encodable) throws -> [[UInt8]] {
        let json = Array(try JSONEncoder().encode(value))
        var strings: [[UInt8]] = []
        var index = 0
        while index < json.count {
            guard json[index] == UInt8(ascii: "\"") else {
                index += 1
                continue
            }
            var string: [UInt8] = []
            index += 1
            while json[index] != UInt8(ascii: "\"") {
                if json[index] == UInt8(ascii: "\\") {
                    string.append(json[index])
                    index += 1
                }
                string.append(json[index])
                index += 1
            }
            index += 1
            strings.append(string)
        }
        return strings.sorted { $0.lexicographicallyPrecedes($1) }
    }

    static func same(_ a: String?, _ b: String?) -> Bool {
        switch (a, b) {
        case (nil, nil): true
        case (let a?, let b?): a.unicodeScalars.elementsEqual(b.unicodeScalars)
        default: false
        }
    }

    /// Whether `text` holds `part` as a run of scalars (PostgreSQL's `strpos`).
    static func contains(_ text: String?, _ part: String) -> Bool {
        guard let text else { return false }
        let scalars = Array(text.unicodeScalars)
        let part = Array(part.unicodeScalars)
        guard part.count <= scalars.count else { return false }
        return (0...(scalars.count - part.count)).contains { scalars[$0..<($0 + part.count)].elementsEqual(part) }
    }

    static func hasPrefix(_ text: String, _ prefix: String) -> Bool {
        text.unicodeScalars.starts(with: prefix.unicodeScalars)
    }

    static func same(_ a: JSONValue, _ b: JSONValue) -> Bool {
        switch (a, b) {
        case (.string(let a), .string(let b)): same(a, b)
        case (.array(let a), .array(let b)): a.count == b.count && zip(a, b).allSatisfy { same($0, $1) }
        case (.object(let a), .object(let b)):
            a.members.count == b.members.count
                && zip(a.members, b.members).allSatisfy { same($0.key, $1.key) && same($0.value, $1.value) }
        default: a == b
        }
    }
}

extension Array {
    /// The elements `transform` gives, in order, one at a time.
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var results: [T] = []
        for element in self { results.append(try await transform(element)) }
        return results
    }
}

extension Array where Element: Equatable {
    /// Whether the elements appear in `other` in order, one after another.
    func occurs(in other: [Element]) -> Bool {
        guard count <= other.count else { return false }
        return isEmpty || (0...(other.count - count)).contains { other[$0..<($0 + count)].elementsEqual(self) }
    }
}
