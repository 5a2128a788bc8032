import Logging

/// The organization as a whole: deleting it with everything it owns.
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
