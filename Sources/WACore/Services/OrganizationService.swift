import Foundation
import Logging

/// The organization as a whole: reading it, changing its settings, its use of the plan's limits, and deleting it
/// with everything it owns.
///
/// Reading it and its usage needs `organization:read`; changing its settings `organization:manage` (audited as
/// `organization.updated`).
///
/// Deletion is for admins (`organization:delete`) and must name the organization's slug, so that no client deletes
/// an organization by accident. It stops the organization's sessions on this node, removes its media bytes, and then
/// deletes every record in one transaction (``OrganizationRepository/purge(_:)``): members, keys, instances and
/// their session archives, contacts, chats, messages, campaigns, automations, webhooks and their deliveries, jobs,
/// leases, the event log, rollups, and the organization's audit log with them. Because that audit log goes too, the
/// deletion is recorded in the gateway's own log (the environment's logger, at `notice`: organization, slug, actor),
/// which is the operator's record of it. Instances that run on other nodes stop there when their leases, deleted
/// with everything else, can no longer be renewed.
public struct OrganizationService: Sendable {
    private let env: ServiceEnvironment
    private let supervisor: InstanceSupervisor

    /// A service over `environment` that stops sessions through `supervisor`.
    ///
    /// Uses the environment's store, media store, clock, access policy and logger.
    public init(environment: ServiceEnvironment, supervisor: InstanceSupervisor) {
        env = environment
        self.supervisor = supervisor
    }

    /// The principal's organization. Needs `organization:read`.
    public func organization(by principal: Principal) async throws -> Organization {
        let org = principal.organizationID
        try env.policy.require(principal, .organizationRead, on: .organization(org))
        return try await env.transaction(by: principal) { try await $0.organizations.get(org, in: org) }
    }

    /// Changes the principal's organization's settings (its name, its slug) and returns it. Needs
    /// `organization:manage`. A name must be 1–100 characters on one line (`invalid_argument`, field `name`); a slug
    /// must be valid (field `slug`) and not another organization's (`already_exists`, field `slug`). A change writes
    /// `organization.updated` with the fields changed (old and new values); an update that changes nothing writes
    /// nothing.
    public func update(_ update: OrganizationUpdate, by principal: Principal) async throws -> Organization {
        let org = principal.organizationID
        try env.policy.require(principal, .organizationManage, on: .organization(org))
        let name = try update.name.map { name throws(WAError) in
            let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
            guard (1...100).contains(trimmed.count), !trimmed.contains(where: { $0.isNewline }) else {
                throw WAError.invalid("name", "must be 1–100 characters on one line")
            }
            return trimmed
        }
        if let slug = update.slug { try Organization.validateSlug(slug) }
        let now = env.clock.now()
        return try await env.transaction(by: principal) { tx in
            var organization = try await tx.organizations.get(org, in: org)
            var metadata: [String: String] = [:]
            if let name, name != organization.name {
                metadata["name"] = "\(organization.name) → \(name)"
                organization.name = name
            }
            if let slug = update.slug, slug != organization.slug {
                metadata["slug"] = "\(organization.slug) → \(slug)"
                organization.slug = slug
            }
            guard !metadata.isEmpty else { return organization }
            organization.updatedAt = now
            let stored = try await tx.organizations.update(organization)
            _ = try await tx.auditEvents.insert(
                env.auditEvent(
                    "organization.updated", by: principal.auditActor, in: org, resourceType: "organization",
                    resourceID: org.description, metadata: metadata))
            return stored
        }
    }

    /// The principal's organization's use of its limits (``OrganizationUsage``), read in one transaction from
    /// counts and counters the store keeps: instances and active members counted, messages from the daily quota's
    /// counter, media bytes from ``Organization/mediaBytesUsed``, webhook endpoints counted. Needs
    /// `organization:read`.
    public func usage(by principal: Principal) async throws -> OrganizationUsage {
        let org = principal.organizationID
        try env.policy.require(principal, .organizationRead, on: .organization(org))
        let now = env.clock.now()
        let instant = RateLimitInstant(now)
        return try await env.transaction(by: principal) { tx in
            let organization = try await tx.organizations.get(org, in: org)
            let limits = organization.limits
            let instances = try await tx.instances.count(in: org, where: .init())
            let members = try await tx.members.count(in: org, where: .init(isActive: true))
            let endpoints = try await tx.webhookEndpoints.count(in: org, where: .init())
            // A state the store returns is in force now (an expired one reads as none); a day later than today
            // (the clock went back) stays in force, as the quota itself keeps it.
            let quota = try await tx.rateLimits.state(of: .organizationMessages(org), now: instant)?.dailyQuota
            let countedDay = max(quota?.day ?? instant.utcDay, instant.utcDay)
            return OrganizationUsage(
                organizationID: org, plan: organization.plan, hasLimitOverrides: organization.limitOverrides != nil,
                instances: .init(used: Int64(instances), limit: Int64(limits.instances)),
                activeMembers: .init(used: Int64(members), limit: Int64(limits.members)),
                messagesToday: .init(used: quota?.used ?? 0, limit: Int64(limits.messagesPerDay)),
                messagesResetAt: RateLimitInstant.startOfUTCDay(countedDay + 1).date,
                mediaStorageBytes: .init(used: organization.mediaBytesUsed, limit: limits.mediaStorageBytes),
                webhookEndpoints: .init(used: Int64(endpoints), limit: Int64(limits.webhookEndpoints)),
                retentionDays: limits.retentionDays, measuredAt: now)
        }
    }

    /// Deletes the principal's organization and everything it owns; `slug` must be the organization's slug
    /// (`invalid_argument`, field `slug`, otherwise). Afterwards nothing of it can be read, and its credentials
    /// no longer authenticate.
    public func delete(confirmingSlug slug: String, by principal: Principal) async throws -> OrganizationDeletion {
        let org = principal.organizationID
        try env.policy.require(principal, .organizationDelete, on: .organization(org))
        let organization = try await env.transaction(by: principal) { try await $0.organizations.get(org, in: org) }
        guard organization.slug == slug else {
            throw WAError.invalid("slug", "type the organization's slug to confirm its deletion")
        }
        var instances: [InstanceID] = []
        try await env.transaction(by: principal) { tx in
            try await tx.instances.forEachPage(in: org, where: Instance.Filter()) { instances += $0.map(\.id) }
        }
        for instance in instances { try await supervisor.stopForDeletion(instance, in: org) }
        try await env.media.removeAll(in: org)
        try await env.transaction(by: principal, retryingConflicts: 5) { tx in
            try await tx.organizations.purge(org)
        }
        let deletion = OrganizationDeletion(
            organizationID: org, slug: slug, instances: instances.count, deletedAt: env.clock.now())
        var metadata = Logger.Metadata.organization(org)
        metadata["slug"] = "\(slug)"
        metadata["actor"] = "\(String(describing: principal.auditActor))"
        env.logger.notice("organization deleted with everything it owned", metadata: metadata)
        return deletion
    }
}
