public import Foundation
public import Logging

/// Issues, authenticates, lists, rotates and revokes API keys.
///
/// A key's text is returned once, by ``issue(name:scopes:expiresAt:by:)``; the store keeps only its SHA-256
/// digest and public lookup id. Authentication parses the presented text (a typo or a random string fails the
/// checksum without touching the store), finds the record by lookup id, compares digests in constant time, checks
/// revocation and expiry, and builds a ``Principal`` from the creator's *current* role, so a key never exceeds
/// its creator. Every change writes an audit event in the same transaction.
public struct APIKeyService: Sendable {
    /// A newly issued key: the stored record and the secret text, which is shown to the user once and never again.
    public struct IssuedKey: Sendable {
        public let record: APIKey
        public let secret: APIKeySecret
    }

    private let store: any Store
    private let clock: any WallClock
    private let random: any RandomSource
    private let ids: IdentifierGenerator
    private let policy: AccessPolicy
    private let environment: APIKeySecret.Environment
    private let lastUsedResolution: Duration
    private let logger: Logger

    /// - Parameters:
    ///   - random: must be ``SystemRandomSource`` in production: the key's secret comes from it.
    ///   - environment: the prefix of issued keys (`wa_live_` or `wa_test_`).
    ///   - lastUsedResolution: `lastUsedAt` is written at most this often per key, so authentication does not
    ///     write on every request.
    ///   - logger: where a corrupt stored key is reported (by its id, never its digest).
    public init(
        store: any Store, clock: any WallClock, random: any RandomSource, ids: IdentifierGenerator,
        policy: AccessPolicy = AccessPolicy(), environment: APIKeySecret.Environment = .live,
        lastUsedResolution: Duration = .seconds(60), logger: Logger = Logger(label: "wa-gateway")
    ) {
        self.store = store
        self.clock = clock
        self.random = random
        self.ids = ids
        self.policy = policy
        self.environment = environment
        self.lastUsedResolution = lastUsedResolution
        self.logger = logger
    }

    /// A service over a ``ServiceEnvironment`` (its store, clock, random source, identifiers and access policy).
    public init(
        environment: ServiceEnvironment, keyEnvironment: APIKeySecret.Environment = .live,
        lastUsedResolution: Duration = .seconds(60)
    ) {
        self.init(
            store: environment.store, clock: environment.clock, random: environment.random, ids: environment.ids,
            policy: environment.policy, environment: keyEnvironment, lastUsedResolution: lastUsedResolution,
            logger: environment.logger)
    }

    /// Issues a key acting for the member behind `principal`, with `scopes` (a non-empty subset of that member's
    /// permissions) and an optional expiry in the future. Only members issue keys; a key cannot mint keys.
    public func issue(name: String, scopes: Set<Permission>, expiresAt: Date? = nil, by principal: Principal)
        async throws -> IssuedKey
    {
        guard case .member(let memberID) = principal.kind else {
            throw WAError(.permissionDenied, "only signed-in members can create API keys")
        }
        try policy.require(principal, .apiKeysManageOwn, on: .ownedBy(memberID, in: principal.organizationID))
        try policy.validateScopes(scopes, requestedBy: principal)
        let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...100).contains(trimmed.count) else {
            throw WAError.invalid("name", "a key name is 1–100 characters")
        }
        let now = clock.now()
        if let expiresAt, expiresAt <= now {
            throw WAError.invalid("expires_at", "the expiry must be in the future")
        }
        let secret = APIKeySecret.generate(environment: environment, using: random)
        let record = APIKey(
            id: ids.make(), organizationID: principal.organizationID, createdBy: memberID, name: trimmed,
            lookupID: secret.lookupID, digest: secret.digest.bytes, hint: secret.lastFour, scopes: scopes,
            expiresAt: expiresAt, createdAt: now)
        let audit = AuditEvent(
            id: ids.make(), organizationID: principal.organizationID, actor: principal.auditActor,
            action: "api_key.created", resourceType: "api_key", resourceID: record.id.description,
            metadata: [
                "name": trimmed, "scopes": scopes.sorted().map(\.rawValue).joined(separator: " "),
                "expires_at": expiresAt.map { "\($0.timeIntervalSince1970)" } ?? "never",
            ], occurredAt: now)
        let stored = try await store.transaction(by: principal, at: now) { tx in
            let stored = try await tx.apiKeys.insert(record)
            _ = try await tx.auditEvents.insert(audit)
            return stored
        }
        return IssuedKey(record: stored, secret: secret)
    }

    /// Authenticates a presented key and returns the principal it acts as, with the stored record.
    ///
    /// Unknown keys and wrong secrets give the same `invalid_credentials` error, so the answer reveals nothing
    /// about which lookup ids exist. A key of the other environment (a `wa_test_` key presented to a live service,
    /// or a `wa_live_` key to a test one) gets the same answer without a look-up: live and test never mix. Revoked and expired keys give `api_key_revoked` / `api_key_expired`; a key
    /// whose creator is deactivated gives `unauthenticated`.
    public func authenticate(_ presented: String) async throws -> (principal: Principal, key: APIKey) {
        let secret: APIKeySecret
        do {
            secret = try APIKeySecret(parsing: presented)
        } catch {
            throw WAError(.invalidCredentials, "the API key is not valid")
        }
        guard secret.environment == environment else { throw WAError(.invalidCredentials, "the API key is not valid") }
        let now = clock.now()
        let resolution = lastUsedResolution.timeInterval
        return try await store.transaction(.system) { tx in
            guard let key = try await tx.apiKeys.find(lookupID: secret.lookupID) else {
                throw WAError(.invalidCredentials, "the API key is not valid")
            }
            let digest: APIKeyDigest
            do {
                digest = try APIKeyDigest(bytes: key.digest)
            } catch {
                logger.error(
                    "stored API key digest is malformed; the key cannot authenticate",
                    metadata: ["organization_id": "\(key.organizationID)", "api_key_id": "\(key.id)"])
                throw WAError(.invalidCredentials, "the API key is not valid")
            }
            guard secret.matches(digest) else {
                throw WAError(.invalidCredentials, "the API key is not valid")
            }
            if key.revokedAt != nil { throw WAError(.apiKeyRevoked, "the API key was revoked") }
            if let expiresAt = key.expiresAt, now >= expiresAt {
                throw WAError(.apiKeyExpired, "the API key expired")
            }
            guard let creator = try await tx.members.find(key.createdBy, in: key.organizationID), creator.isActive
            else {
                throw WAError(.unauthenticated, "the API key's owner is no longer active")
            }
            var current = key
            if key.lastUsedAt.map({ now.timeIntervalSince($0) >= resolution }) ?? true {
                current.lastUsedAt = now
                do {
                    current = try await tx.apiKeys.update(current)
                } catch let error as WAError where error.code == .versionConflict {
                    current = key  // another request recorded the use at the same moment
                }
            }
            return (Principal.apiKey(current, creator: creator), current)
        }
    }

    /// Revokes a key. Members revoke their own keys; revoking another member's key needs `api_keys:manage_all`.
    /// Revoking a revoked key changes nothing and succeeds.
    ///
    /// Revoking a key that replaced others (``rotate(_:overlap:by:)``) also ends their overlap: the keys it
    /// replaced, and the ones those replaced, stop at once too, each with its own `api_key.revoked` event
    /// (`reason: replacement_revoked`). Whoever revokes a leaked replacement does not leave its predecessor working.
    @discardableResult
    public func revoke(_ id: APIKeyID, by principal: Principal) async throws -> APIKey {
        let now = clock.now()
        let org = principal.organizationID
        return try await store.transaction(by: principal, at: now) { tx in
            let key = try await tx.apiKeys.get(id, in: org)
            try policy.require(principal, .apiKeysManageOwn, on: .ownedBy(key.createdBy, in: org))
            let revoked = try await Self.revoke(key, reason: nil, by: principal.auditActor, at: now, ids: ids, in: tx)
            var replaced = revoked.id
            while let predecessor = try await tx.apiKeys.list(
                in: org, where: .init(replacedBy: replaced), page: .first
            ).items.first {
                if predecessor.isUsable(at: now) {
                    try await Self.revoke(
                        predecessor, reason: "replacement_revoked", by: principal.auditActor, at: now, ids: ids, in: tx)
                }
                replaced = predecessor.id
            }
            return revoked
        }
    }

    /// Revokes `key` inside `tx` with an `api_key.revoked` audit event (with `reason` when given, e.g.
    /// `member_deactivated`); a revoked key is returned unchanged. Shared by every path that ends a key.
    @discardableResult
    static func revoke(
        _ key: APIKey, reason: String?, by actor: AuditEvent.Actor, at now: Date, ids: IdentifierGenerator,
        in tx: any StoreTransaction
    ) async throws -> APIKey {
        guard key.revokedAt == nil else { return key }
        var key = key
        key.revokedAt = now
        let revoked = try await tx.apiKeys.update(key)
        var metadata = ["name": key.name]
        if let reason { metadata["reason"] = reason }
        _ = try await tx.auditEvents.insert(
            AuditEvent(
                id: ids.make(), organizationID: key.organizationID, actor: actor, action: "api_key.revoked",
                resourceType: "api_key", resourceID: key.id.description, metadata: metadata, occurredAt: now))
        return revoked
    }

    /// Revokes every key `member` created that is not revoked yet (see ``revoke(_:reason:by:at:ids:in:)``).
    static func revokeAll(
        of member: MemberID, in org: OrganizationID, reason: String, by actor: AuditEvent.Actor, at now: Date,
        ids: IdentifierGenerator, in tx: any StoreTransaction
    ) async throws {
        // Revoked keys leave the filter, so each round reads the next ones.
        while true {
            let keys = try await tx.apiKeys.list(
                in: org, where: .init(createdBy: member, excludeRevoked: true), page: .all)
            guard !keys.items.isEmpty else { return }
            for key in keys.items {
                try await revoke(key, reason: reason, by: actor, at: now, ids: ids, in: tx)
            }
        }
    }

    /// The longest overlap ``rotate(_:overlap:by:)`` allows: 30 days.
    public static let maximumRotationOverlap: Duration = .seconds(30 * 86_400)

    /// Replaces a key with a new one with the same name, creator and expiry, and retires the old one: at once, or
    /// after `overlap` so that clients can switch over (the old key then expires at now + `overlap`, or at its own
    /// expiry if that is sooner). The new key's text is returned once.
    ///
    /// The new key's scopes are the old key's scopes that the owner's role holds at rotation: a key issued by an
    /// admin who has since become an agent comes back with the agent's share only, and keeps that share if the
    /// owner is promoted again (`api_key.rotated` names the scopes dropped). When the role holds none of them the
    /// rotation is `scope_exceeds_creator`: revoke the key and issue one that fits.
    ///
    /// Only the key's owner rotates it (the new secret acts for them; an admin revokes other members' keys instead).
    /// A revoked key, or one rotated before (``APIKey/replacedBy``), is `api_key_revoked`; an expired one
    /// `api_key_expired`; `overlap` outside 0…30 days is `invalid_argument`. A key that is not the principal's
    /// organization's is `not_found` whoever asks, API keys included (which never rotate: `permission_denied`).
    /// Writes `api_key.rotated` in the same transaction.
    public func rotate(_ id: APIKeyID, overlap: Duration = .zero, by principal: Principal) async throws -> IssuedKey {
        guard (.zero...Self.maximumRotationOverlap).contains(overlap) else {
            throw WAError.invalid("overlap", "the overlap is 0 to 30 days")
        }
        let now = clock.now()
        let org = principal.organizationID
        let secret = APIKeySecret.generate(environment: environment, using: random)
        let newID: APIKeyID = ids.make()
        let auditID: AuditEventID = ids.make()
        let stored = try await store.transaction(by: principal, at: now) { tx in
            var old = try await tx.apiKeys.get(id, in: org)
            // After the look-up, so that a key that is not the organization's is `not_found` for every caller.
            guard case .member = principal.kind else {
                throw WAError(.permissionDenied, "only signed-in members can rotate API keys")
            }
            try policy.require(principal, .apiKeysManageOwn, on: .ownedBy(old.createdBy, in: org))
            // The new secret goes to the caller, and the key acts for its creator: only the creator may hold it.
            guard principal.memberID == old.createdBy else {
                throw WAError(
                    .permissionDenied, "only the key's owner can rotate it; revoke it and let its owner create a new one")
            }
            if old.revokedAt != nil { throw WAError(.apiKeyRevoked, "the API key was revoked") }
            if old.replacedBy != nil {
                throw WAError(.apiKeyRevoked, "the API key was rotated already; rotate its replacement instead")
            }
            if let expiresAt = old.expiresAt, now >= expiresAt { throw WAError(.apiKeyExpired, "the API key expired") }
            let owner = try await tx.members.get(old.createdBy, in: org)
            let scopes = old.scopes.intersection(owner.role.permissions)
            guard !scopes.isEmpty else {
                throw WAError(
                    .scopeExceedsCreator, "your role holds none of this key's scopes; revoke it and create a new one",
                    field: "scopes")
            }
            let dropped = old.scopes.subtracting(scopes)
            let replacement = try await tx.apiKeys.insert(
                APIKey(
                    id: newID, organizationID: org, createdBy: old.createdBy, name: old.name,
                    lookupID: secret.lookupID, digest: secret.digest.bytes, hint: secret.lastFour, scopes: scopes,
                    expiresAt: old.expiresAt, createdAt: now))
            old.replacedBy = newID
            if overlap == .zero {
                old.revokedAt = now
            } else {
                let retireAt = now.adding(overlap)
                old.expiresAt = min(old.expiresAt ?? retireAt, retireAt)
            }
            _ = try await tx.apiKeys.update(old)
            _ = try await tx.auditEvents.insert(
                AuditEvent(
                    id: auditID, organizationID: org, actor: principal.auditActor, action: "api_key.rotated",
                    resourceType: "api_key", resourceID: id.description,
                    metadata: [
                        "name": old.name, "new_key_id": newID.description,
                        "overlap_seconds": "\(overlap.components.seconds)",
                        "scopes": scopes.sorted().map(\.rawValue).joined(separator: " "),
                        "dropped_scopes": dropped.sorted().map(\.rawValue).joined(separator: " "),
                    ],
                    occurredAt: now))
            return replacement
        }
        return IssuedKey(record: stored, secret: secret)
    }

    /// The keys `principal` may see: all of the organization's with `api_keys:manage_all`, else their own.
    public func list(by principal: Principal, includeRevoked: Bool = false, page: PageRequest = .first)
        async throws -> Page<APIKey>
    {
        let org = principal.organizationID
        try policy.require(principal, .apiKeysReadOwn, on: .organization(org))
        var filter = APIKey.Filter(excludeRevoked: !includeRevoked)
        if !principal.permissions.contains(.apiKeysManageAll) {
            guard let me = principal.memberID else { return Page(items: [], nextCursor: nil) }
            filter.createdBy = me
        }
        let query = filter
        return try await store.transaction(by: principal, at: clock.now()) { tx in
            try await tx.apiKeys.list(in: org, where: query, page: page)
        }
    }
}
