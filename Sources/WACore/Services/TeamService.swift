import Foundation
import Logging

/// Organizations and their people: sign-up, invitations, roles, deactivation, passwords, sign-in and instance
/// assignment.
///
/// Invariants it keeps: an organization always has at least one active admin; active members never exceed the
/// plan's limit; nobody grants a role above their own; tokens are single-use and expire; a member's
/// ``Member/sessionEpoch`` moves forward whenever their sessions must end. Every change writes an audit event in the
/// same transaction.
///
/// Invitation and password-reset tokens go to the environment's ``ServiceEnvironment/accountNotifier`` once the
/// transaction that made them has committed, so that an API in front of the service never has to return them
/// (``invite(email:displayName:role:by:)`` and ``requestPasswordReset(organizationSlug:email:)`` still return the
/// token, for library users who deliver it themselves).
public struct TeamService: Sendable {
    private let env: ServiceEnvironment
    /// How long an invitation link stays valid.
    public var invitationLifetime: Duration
    /// How long a password-reset link stays valid.
    public var passwordResetLifetime: Duration
    /// How fast one account may be guessed at: sign-in attempts per account (organization slug and e-mail, whether
    /// or not such a member exists), counted in the environment's rate-limit store; a successful sign-in clears
    /// them. See ``defaultSignInThrottle``.
    public var signInThrottle: TieredRateLimit

    /// The default ``signInThrottle``: 5 attempts a minute, 20 an hour, 50 a day, each tier allowing its whole
    /// allowance at once. Guessing therefore meets a growing delay — none for the first 5 attempts, then 12 s
    /// between attempts, 3 min after 20 in an hour, about 29 min after 50 in a day — and never a lockout: the
    /// longest wait is one attempt's share of a day, after which the right password works again.
    public static let defaultSignInThrottle: TieredRateLimit = {
        // Valid by construction (positive counts and periods).
        try! TieredRateLimit([
            RateLimit(count: 5, per: .seconds(60)), RateLimit(count: 20, per: .seconds(3_600)),
            RateLimit(count: 50, per: .seconds(86_400)),
        ])
    }()

    /// A service over `environment`, of which it uses the store, clock, random source, identifier generator, access
    /// policy, password hasher, password policy, rate-limit store (for ``signInThrottle``) and logger.
    public init(
        environment: ServiceEnvironment, invitationLifetime: Duration = .seconds(7 * 86_400),
        passwordResetLifetime: Duration = .seconds(3_600), signInThrottle: TieredRateLimit = Self.defaultSignInThrottle
    ) {
        self.env = environment
        self.invitationLifetime = invitationLifetime
        self.passwordResetLifetime = passwordResetLifetime
        self.signInThrottle = signInThrottle
    }

    // MARK: Organizations

    /// Creates an organization with its first admin, who signs in with `adminPassword`.
    public func createOrganization(
        name: String, slug: String, plan: Plan = .starter, adminEmail: String, adminName: String,
        adminPassword: String
    ) async throws -> (organization: Organization, admin: Member) {
        let name = try Self.displayName(name, field: "name")
        try Organization.validateSlug(slug)
        let email = try Member.normalizeEmail(adminEmail, field: "admin_email")
        let adminName = try Self.displayName(adminName, field: "admin_name")
        try validatePassword(adminPassword, email: email)
        let hash = try await env.hashPassword(adminPassword)
        let now = env.clock.now()
        let organization = Organization(id: env.ids.make(), name: name, slug: slug, plan: plan, createdAt: now)
        let admin = Member(
            id: env.ids.make(), organizationID: organization.id, email: email, displayName: adminName, role: .admin,
            createdAt: now)
        return try await env.store.transaction(.system) { tx in
            let stored = try await tx.organizations.insert(organization)
            let member = try await tx.members.insert(admin)
            try await tx.memberCredentials.setPasswordHash(hash, of: member.id, in: stored.id, at: now)
            _ = try await tx.auditEvents.insert(
                env.auditEvent(
                    "organization.created", by: .member(member.id), in: stored.id, resourceType: "organization",
                    resourceID: stored.id.description, metadata: ["slug": slug, "plan": plan.rawValue]))
            return (stored, member)
        }
    }

    /// Replaces the organization's opt-out settings (``OptOutSettings``: the keywords that opt contacts out and back
    /// in, the confirmations, on or off), which apply to every instance without settings of its own. Needs
    /// `organization:manage`; invalid settings are `invalid_argument` (see ``OptOutSettings/validated()``). Audited
    /// as `organization.opt_out_updated`.
    public func updateOptOutSettings(_ settings: OptOutSettings, by principal: Principal) async throws -> Organization {
        let org = principal.organizationID
        try env.policy.require(principal, .organizationManage, on: .organization(org))
        let settings = try settings.validated()
        let now = env.clock.now()
        return try await env.transaction(by: principal) { tx in
            var organization = try await tx.organizations.get(org, in: org)
            guard organization.optOut != settings else { return organization }
            organization.optOut = settings
            organization.updatedAt = now
            let stored = try await tx.organizations.update(organization)
            _ = try await tx.auditEvents.insert(
                env.auditEvent(
                    "organization.opt_out_updated", by: principal.auditActor, in: org, resourceType: "organization",
                    resourceID: org.description, metadata: Self.describe(settings)))
            return stored
        }
    }

    /// Audit metadata for opt-out settings (their shape, not the texts).
    static func describe(_ settings: OptOutSettings) -> [String: String] {
        [
            "enabled": String(settings.isEnabled), "keywords": settings.keywords.joined(separator: ","),
            "opt_in_keywords": settings.optInKeywords.joined(separator: ","),
            "confirmation": String(settings.confirmation != nil),
            "opt_in_confirmation": String(settings.optInConfirmation != nil),
        ]
    }

    // MARK: Members

    /// Adds a member and returns the invitation token (shown once). They choose a password with
    /// ``acceptInvitation(token:password:)``.
    ///
    /// Once the invitation is stored, the token also goes to the environment's
    /// ``ServiceEnvironment/accountNotifier`` (an ``AccountNotification`` of kind
    /// ``AccountNotification/Kind/invitation``), whose failure is logged and does not undo the invitation. An API
    /// in front of the service answers with the member only: the token reaches the invitee through the notifier.
    public func invite(email: String, displayName: String, role: Role, by principal: Principal) async throws
        -> (member: Member, invitation: CredentialToken)
    {
        let org = principal.organizationID
        try env.policy.require(principal, .membersManage, on: .organization(org))
        try env.policy.validateRoleAssignment(role, by: principal)
        let email = try Member.normalizeEmail(email)
        let displayName = try Self.displayName(displayName, field: "display_name")
        let now = env.clock.now()
        let id: MemberID = env.ids.make()
        let token = CredentialToken(organizationID: org, memberID: id, random: env.random)
        let member = Member(
            id: id, organizationID: org, email: email, displayName: displayName, role: role,
            credentialToken: token.stored(purpose: .invitation, expiresAt: now.adding(invitationLifetime)),
            createdAt: now)
        let (organization, stored) = try await env.transaction(by: principal) { tx in
            let organization = try await requireMemberCapacity(tx, org)
            let stored = try await tx.members.insert(member)
            _ = try await tx.auditEvents.insert(
                env.auditEvent(
                    "member.invited", by: principal.auditActor, in: org, resourceType: "member",
                    resourceID: id.description, metadata: ["role": role.rawValue, "email": email]))
            return (organization, stored)
        }
        await notify(
            AccountNotification(
                kind: .invitation, organization: organization, member: stored, token: token,
                expiresAt: now.adding(invitationLifetime), requestedBy: principal.auditActor))
        return (stored, token)
    }

    /// Sets the invited member's password and consumes the invitation.
    public func acceptInvitation(token: String, password: String) async throws -> Member {
        try await redeem(token, purpose: .invitation, newPassword: password, action: "member.joined")
    }

    /// Changes a member's role. Only admins assign roles; the last active admin cannot be demoted. An outstanding
    /// password-reset link ends (it was asked for by someone with the old access), and so do the member's sign-in
    /// sessions (``Member/sessionEpoch`` moves forward): they sign in again under the new role.
    public func changeRole(of memberID: MemberID, to role: Role, by principal: Principal) async throws -> Member {
        let org = principal.organizationID
        try env.policy.validateRoleAssignment(role, by: principal)
        return try await env.transaction(by: principal) { tx in
            var member = try await tx.members.get(memberID, in: org)
            guard member.role != role else { return member }
            if member.role == .admin, member.isActive { try await requireAnotherActiveAdmin(tx, org, besides: memberID) }
            let previous = member.role
            member.role = role
            member.endPasswordReset()
            member.sessionEpoch += 1
            member.updatedAt = env.clock.now()
            let updated = try await tx.members.update(member)
            _ = try await tx.auditEvents.insert(
                env.auditEvent(
                    "member.role_changed", by: principal.auditActor, in: org, resourceType: "member",
                    resourceID: memberID.description, metadata: ["from": previous.rawValue, "to": role.rawValue]))
            return updated
        }
    }

    /// Deactivates a member: they cannot sign in, principals built for them stop acting, their API keys are
    /// revoked (each with an `api_key.revoked` event, `reason: member_deactivated`), an outstanding invitation
    /// or password-reset link ends and so do their sign-in sessions (``Member/sessionEpoch`` moves forward, so that
    /// reactivation brings none back); their history stays. The last active admin cannot be deactivated.
    public func deactivate(_ memberID: MemberID, by principal: Principal) async throws -> Member {
        try await setActive(false, memberID, by: principal)
    }

    /// Reactivates a member, within the plan's member limit. Nothing they held comes back: the keys revoked at
    /// deactivation stay revoked (they issue new ones), and a reset link from before stays ended.
    public func reactivate(_ memberID: MemberID, by principal: Principal) async throws -> Member {
        try await setActive(true, memberID, by: principal)
    }

    /// Removes a member from the organization for good: their record is deleted (so the e-mail address may be
    /// invited again and the seat is free), every API key they created is revoked (`reason: member_removed`; the
    /// revoked records stay for the history), their outstanding invitation or reset link goes with the record,
    /// and any principal or session built for them stops acting. Audit events and what they created stay, under
    /// their member id. Needs `members:remove`; the last active admin cannot be removed. Writes `member.removed`.
    public func remove(_ memberID: MemberID, by principal: Principal) async throws {
        let org = principal.organizationID
        try env.policy.require(principal, .membersRemove, on: .organization(org))
        let now = env.clock.now()
        try await env.transaction(by: principal) { tx in
            let member = try await tx.members.get(memberID, in: org)
            if member.role == .admin, member.isActive { try await requireAnotherActiveAdmin(tx, org, besides: memberID) }
            try await APIKeyService.revokeAll(
                of: memberID, in: org, reason: "member_removed", by: principal.auditActor, at: now, ids: env.ids, in: tx)
            try await tx.memberCredentials.removePasswordHash(of: memberID, in: org)
            try await tx.members.delete(memberID, in: org)
            _ = try await tx.auditEvents.insert(
                env.auditEvent(
                    "member.removed", by: principal.auditActor, in: org, resourceType: "member",
                    resourceID: memberID.description, metadata: ["role": member.role.rawValue, "email": member.email]))
        }
    }

    /// Gives an agent exactly these instances (replacing earlier assignments). Every instance must exist in the
    /// organization.
    public func assign(instances: Set<InstanceID>, to memberID: MemberID, by principal: Principal) async throws
        -> Member
    {
        let org = principal.organizationID
        try env.policy.require(principal, .instancesAssign, on: .organization(org))
        return try await env.transaction(by: principal) { tx in
            for instance in instances where try await tx.instances.find(instance, in: org) == nil {
                throw WAError(.notFound, "instance \(instance) not found", field: "instances")
            }
            var member = try await tx.members.get(memberID, in: org)
            member.assignedInstances = instances
            member.updatedAt = env.clock.now()
            let updated = try await tx.members.update(member)
            _ = try await tx.auditEvents.insert(
                env.auditEvent(
                    "member.instances_assigned", by: principal.auditActor, in: org, resourceType: "member",
                    resourceID: memberID.description,
                    metadata: ["instances": instances.sorted().map(\.description).joined(separator: " ")]))
            return updated
        }
    }

    /// One member of the principal's organization, for principals with `members:read`; `not_found` when there is
    /// none (another organization's member included).
    ///
    /// A member record carries no password hash (that is a ``MemberCredential`` of its own, which no read returns);
    /// an outstanding invitation or reset link appears only as its purpose, expiry and digest, never as the token.
    public func member(_ memberID: MemberID, by principal: Principal) async throws -> Member {
        let org = principal.organizationID
        try env.policy.require(principal, .membersRead, on: .organization(org))
        return try await env.transaction(by: principal) { tx in try await tx.members.get(memberID, in: org) }
    }

    /// The organization's members, for principals with `members:read`. Like ``member(_:by:)``, no password hash.
    public func members(by principal: Principal, where filter: Member.Filter = .init(), page: PageRequest = .first)
        async throws -> Page<Member>
    {
        let org = principal.organizationID
        try env.policy.require(principal, .membersRead, on: .organization(org))
        return try await env.transaction(by: principal) { tx in
            try await tx.members.list(in: org, where: filter, page: page)
        }
    }

    // MARK: Passwords and sign-in

    /// Verifies e-mail and password for an organization (by slug) and returns the member.
    ///
    /// Every failure is the same `invalid_credentials` (unknown organization, unknown e-mail, no password yet,
    /// wrong password, deactivated), and an unknown account costs the same hashing work as a known one, so
    /// neither the answer nor its timing reveals who has an account. Outdated hashes are upgraded on success.
    ///
    /// Attempts are throttled per account (``signInThrottle``, in the environment's rate-limit store and by its
    /// clock): past the allowance the answer is `rate_limited` with ``WAError/retryAfter``, before any look-up or
    /// hashing, for an account that does not exist exactly as for one that does. A successful sign-in clears the
    /// count and writes `member.signed_in`; a failure for a known member (wrong password, deactivated, no password
    /// yet) writes `member.sign_in_failed` with the reason, which only the organization's admins read.
    public func signIn(organizationSlug: String, email: String, password: String) async throws -> Member {
        let invalid = WAError(.invalidCredentials, "e-mail or password is wrong")
        // A malformed address matches nobody; it is still looked up (and hashed for) like any other.
        let normalized = Self.normalizedOrNil(email) ?? email.lowercased()
        let throttleKey = RateLimitKey.signIn(organizationSlug: organizationSlug, email: normalized)
        let decision = try await env.rateLimits.throttle(
            throttleKey, tiers: signInThrottle, now: RateLimitInstant(env.clock.now()))
        if let wait = decision.retryAfter {
            throw WAError(
                .rateLimited, WAError.rateLimitMessage("too many sign-in attempts for this account", wait),
                retryAfter: wait)
        }
        let found = try await env.store.transaction(.system) { tx -> (Member, String?)? in
            guard let org = try await tx.organizations.find(slug: organizationSlug),
                let member = try await tx.members.find(email: normalized, in: org.id)
            else { return nil }
            return (member, try await tx.memberCredentials.passwordHash(of: member.id, in: org.id))
        }
        guard let (member, storedHash) = found, let hash = storedHash, member.isActive else {
            // A member who cannot sign in (deactivated, or invited without a password yet) still has a log to write to.
            if let (known, _) = found { try await auditSignInFailure(known, reason: known.isActive ? "no_password" : "inactive") }
            // The same hashing work as a known account, so timing reveals nothing. Its result (or a refusal of an
            // unusable password) is irrelevant: the answer is `invalid_credentials` either way.
            do {
                _ = try await env.hashPassword(String(password.prefix(72)))
            } catch {
                throw invalid
            }
            throw invalid
        }
        guard try await env.verifyPassword(password, against: hash) else {
            try await auditSignInFailure(member, reason: "wrong_password")
            throw invalid
        }
        var rehash: String?
        if env.passwordHasher.needsRehash(hash) {
            // Upgrading the hash is an improvement, not a condition of signing in.
            do {
                rehash = try await env.hashPassword(password)
            } catch {
                env.logFailure(
                    "upgrading an outdated password hash", error,
                    ["organization_id": "\(member.organizationID)", "member_id": "\(member.id)"])
            }
        }
        let signedIn = try await env.store.transaction(.organization(member.organizationID)) { tx in
            var current = try await tx.members.get(member.id, in: member.organizationID)
            let now = env.clock.now()
            current.lastSignInAt = now
            if let rehash {
                try await tx.memberCredentials.setPasswordHash(rehash, of: member.id, in: member.organizationID, at: now)
            }
            let updated = try await tx.members.update(current)
            _ = try await tx.auditEvents.insert(
                env.auditEvent(
                    "member.signed_in", by: .member(member.id), in: member.organizationID, resourceType: "member",
                    resourceID: member.id.description))
            return updated
        }
        // The attempts before this one were the owner's. Clearing them is an improvement, not a condition of
        // signing in: if it fails, the count simply runs out on its own.
        await env.bestEffort(
            "clearing the sign-in throttle",
            ["organization_id": "\(member.organizationID)", "member_id": "\(member.id)"]
        ) {
            try await env.rateLimits.update(throttleKey, now: RateLimitInstant(env.clock.now())) { $0 = nil }
        }
        return signedIn
    }

    /// Writes `member.sign_in_failed` for a known member (`reason`: `wrong_password`, `inactive`, `no_password`).
    private func auditSignInFailure(_ member: Member, reason: String) async throws {
        try await env.store.transaction(.organization(member.organizationID)) { tx in
            _ = try await tx.auditEvents.insert(
                env.auditEvent(
                    "member.sign_in_failed", by: .member(member.id), in: member.organizationID,
                    resourceType: "member", resourceID: member.id.description, metadata: ["reason": reason]))
        }
    }

    /// Signs a member in with e-mail and password (``signIn(organizationSlug:email:password:)``, with its
    /// throttling and audit) and returns the principal they act as, with the member.
    public func authenticate(organizationSlug: String, email: String, password: String) async throws
        -> (principal: Principal, member: Member)
    {
        let member = try await signIn(organizationSlug: organizationSlug, email: email, password: password)
        return (.member(member), member)
    }

    /// The principal of a member identified earlier, resolved from the store now: their current role and
    /// assignments. Resolve it per request, so deactivation, removal and role changes take effect on the next one.
    /// Sessions that a sign-in started use ``principal(for:in:epoch:)``, which also refuses an ended session.
    ///
    /// - Throws: `unauthenticated` when the member does not exist in `organization` or is deactivated.
    public func principal(for memberID: MemberID, in organization: OrganizationID) async throws -> Principal {
        let member = try await env.store.transaction(.organization(organization)) { tx in
            try await tx.members.find(memberID, in: organization)
        }
        guard let member, member.isActive else {
            throw WAError(.unauthenticated, "the member is no longer active; sign in again")
        }
        return .member(member)
    }

    /// The principal of a sign-in session: the member a session token names, resolved from the store now (current
    /// role and assignments), provided the session has not ended.
    ///
    /// A session-token issuer records the member's ``Member/sessionEpoch`` when it issues a token (the member that
    /// ``authenticate(organizationSlug:email:password:)`` or ``signIn(organizationSlug:email:password:)`` returns
    /// carries it) and presents it here on every request. The epoch moves forward on sign-out, a password change or
    /// reset, a role change and deactivation, so every token issued before any of them is refused; removal deletes
    /// the member, which refuses them too. The principal carries the epoch, and services re-check it inside their
    /// transaction, so a session that ends while a request runs acts no further.
    ///
    /// - Throws: `unauthenticated` when the member does not exist in `organization`, is deactivated, or `epoch` is
    ///   no longer their session epoch (the same answer in each case).
    public func principal(for memberID: MemberID, in organization: OrganizationID, epoch: Int) async throws
        -> Principal
    {
        let member = try await env.store.transaction(.organization(organization)) { tx in
            try await tx.members.find(memberID, in: organization)
        }
        guard let member, member.isActive, member.sessionEpoch == epoch else { throw Principal.sessionEnded }
        return .member(member, sessionEpoch: epoch)
    }

    /// Signs the principal's member out everywhere: ``Member/sessionEpoch`` moves forward, which ends every session
    /// token issued to them (there is one epoch per member, so signing out of one session signs out of all). API
    /// keys are not sessions and stay. Writes `member.signed_out` and returns the member with the new epoch.
    ///
    /// - Throws: `permission_denied` for a principal that is not a member (an API key, the system);
    ///   `unauthenticated` when the principal no longer stands (a session that has already ended included).
    @discardableResult
    public func signOut(by principal: Principal) async throws -> Member {
        guard case .member(let memberID) = principal.kind else {
            throw WAError(.permissionDenied, "only a signed-in member can sign out")
        }
        return try await env.transaction(by: principal) { tx in
            try await endSessions(of: memberID, action: "member.signed_out", by: principal, in: tx)
        }
    }

    /// Ends every sign-in session of another member (a lost laptop, a suspected leak), without deactivating them:
    /// ``Member/sessionEpoch`` moves forward. Needs `members:manage` (a member ending their own sessions uses
    /// ``signOut(by:)``, which needs nothing). Writes `member.sessions_ended`; API keys stay.
    @discardableResult
    public func endSessions(of memberID: MemberID, by principal: Principal) async throws -> Member {
        let org = principal.organizationID
        try env.policy.require(principal, .membersManage, on: .organization(org))
        return try await env.transaction(by: principal) { tx in
            try await endSessions(of: memberID, action: "member.sessions_ended", by: principal, in: tx)
        }
    }

    private func endSessions(of memberID: MemberID, action: String, by principal: Principal, in tx: any StoreTransaction)
        async throws -> Member
    {
        let org = principal.organizationID
        var member = try await tx.members.get(memberID, in: org)
        member.sessionEpoch += 1
        member.updatedAt = env.clock.now()
        let updated = try await tx.members.update(member)
        _ = try await tx.auditEvents.insert(
            env.auditEvent(
                action, by: principal.auditActor, in: org, resourceType: "member", resourceID: memberID.description,
                metadata: ["session_epoch": String(updated.sessionEpoch)]))
        return updated
    }

    /// Changes the signed-in member's own password after checking the current one, and ends any outstanding
    /// reset link and every sign-in session (``Member/sessionEpoch`` moves forward; the session that made the
    /// change ends too, and a session-token issuer gives a new token for the returned member). A wrong current
    /// password writes `member.password_change_failed`.
    @discardableResult
    public func changePassword(current: String, new: String, by principal: Principal) async throws -> Member {
        guard case .member(let memberID) = principal.kind, principal.isActive else {
            throw WAError(.permissionDenied, "only a signed-in member can change their password")
        }
        let org = principal.organizationID
        let (member, storedHash) = try await env.transaction(by: principal) { tx in
            (try await tx.members.get(memberID, in: org), try await tx.memberCredentials.passwordHash(of: memberID, in: org))
        }
        guard let hash = storedHash, try await env.verifyPassword(current, against: hash) else {
            try await env.store.transaction(.organization(org)) { tx in
                _ = try await tx.auditEvents.insert(
                    env.auditEvent(
                        "member.password_change_failed", by: principal.auditActor, in: org, resourceType: "member",
                        resourceID: memberID.description))
            }
            throw WAError(.invalidCredentials, "the current password is wrong", field: "current_password")
        }
        try validatePassword(new, email: member.email)
        let newHash = try await env.hashPassword(new)
        return try await env.transaction(by: principal) { tx in
            var member = try await tx.members.get(memberID, in: org)
            let now = env.clock.now()
            try await tx.memberCredentials.setPasswordHash(newHash, of: memberID, in: org, at: now)
            member.credentialToken = nil
            member.sessionEpoch += 1
            member.updatedAt = now
            let updated = try await tx.members.update(member)
            _ = try await tx.auditEvents.insert(
                env.auditEvent(
                    "member.password_changed", by: principal.auditActor, in: org, resourceType: "member",
                    resourceID: memberID.description))
            return updated
        }
    }

    /// Starts a password reset and returns the token, or `nil` when there is no such active member. Callers must
    /// answer the client identically in both cases (never reveal whether an account exists). A new request replaces
    /// an earlier token.
    ///
    /// Once the request is stored, the token also goes to the environment's ``ServiceEnvironment/accountNotifier``
    /// (kind ``AccountNotification/Kind/passwordReset``); its failure is logged, never reported, so the answer stays
    /// the same whether or not an account exists. An API in front of the service answers with nothing: the token
    /// reaches the member through the notifier.
    @discardableResult
    public func requestPasswordReset(organizationSlug: String, email: String) async throws -> CredentialToken? {
        guard let normalized = Self.normalizedOrNil(email) else { return nil }
        let now = env.clock.now()
        let requested = try await env.store.transaction(.system) { tx -> AccountNotification? in
            guard let org = try await tx.organizations.find(slug: organizationSlug),
                var member = try await tx.members.find(email: normalized, in: org.id), member.isActive
            else { return nil }
            let token = CredentialToken(organizationID: org.id, memberID: member.id, random: env.random)
            member.credentialToken = token.stored(
                purpose: .passwordReset, expiresAt: now.adding(passwordResetLifetime))
            member.updatedAt = now
            _ = try await tx.members.update(member)
            _ = try await tx.auditEvents.insert(
                env.auditEvent(
                    "member.password_reset_requested", by: .member(member.id), in: org.id, resourceType: "member",
                    resourceID: member.id.description))
            return AccountNotification(
                kind: .passwordReset, organization: org, member: member, token: token,
                expiresAt: now.adding(passwordResetLifetime), requestedBy: nil)
        }
        guard let requested else { return nil }
        await notify(requested)
        return requested.token
    }

    /// Sets a new password with a reset token and consumes it; every sign-in session of the member ends
    /// (``Member/sessionEpoch`` moves forward).
    public func resetPassword(token: String, newPassword: String) async throws -> Member {
        try await redeem(token, purpose: .passwordReset, newPassword: newPassword, action: "member.password_reset")
    }

    // MARK: Internals

    private func redeem(_ text: String, purpose: CredentialToken.Purpose, newPassword: String, action: String)
        async throws -> Member
    {
        let token = try CredentialToken(parsing: text)
        let invalid = WAError(.invalidCredentials, "the link is invalid or has expired")
        let org = token.organizationID
        let now = env.clock.now()
        let member = try await env.store.transaction(.system) { tx in
            try await tx.members.find(token.memberID, in: org)
        }
        guard let member else { throw invalid }
        guard member.isActive, let stored = member.credentialToken, token.matches(stored, purpose: purpose, at: now)
        else {
            // The token names a real member: someone holds a link that is not (or no longer) theirs to use.
            try await env.store.transaction(.organization(org)) { tx in
                _ = try await tx.auditEvents.insert(
                    env.auditEvent(
                        purpose == .invitation ? "member.invitation_failed" : "member.password_reset_failed",
                        by: .member(member.id), in: org, resourceType: "member", resourceID: member.id.description))
            }
            throw invalid
        }
        try validatePassword(newPassword, email: member.email)
        let hash = try await env.hashPassword(newPassword)
        return try await env.store.transaction(.organization(org)) { tx in
            var current = try await tx.members.get(member.id, in: org)
            // Re-check inside the transaction: the token is single-use even against a concurrent redemption.
            guard let stored = current.credentialToken, token.matches(stored, purpose: purpose, at: now) else {
                throw invalid
            }
            try await tx.memberCredentials.setPasswordHash(hash, of: member.id, in: org, at: now)
            current.credentialToken = nil
            // A reset is how a member takes their account back: sessions someone else may hold end here.
            if purpose == .passwordReset { current.sessionEpoch += 1 }
            current.updatedAt = now
            let updated = try await tx.members.update(current)
            _ = try await tx.auditEvents.insert(
                env.auditEvent(
                    action, by: .member(member.id), in: org, resourceType: "member", resourceID: member.id.description))
            return updated
        }
    }

    private func setActive(_ active: Bool, _ memberID: MemberID, by principal: Principal) async throws -> Member {
        let org = principal.organizationID
        try env.policy.require(principal, .membersManage, on: .organization(org))
        return try await env.transaction(by: principal) { tx in
            var member = try await tx.members.get(memberID, in: org)
            guard member.isActive != active else { return member }
            if active {
                try await requireMemberCapacity(tx, org)
            } else if member.role == .admin {
                try await requireAnotherActiveAdmin(tx, org, besides: memberID)
            }
            member.isActive = active
            let now = env.clock.now()
            if active {
                member.endPasswordReset()
            } else {
                // Neither a link, a key nor a session outlives deactivation; reactivation brings back none.
                member.credentialToken = nil
                member.sessionEpoch += 1
                try await APIKeyService.revokeAll(
                    of: memberID, in: org, reason: "member_deactivated", by: principal.auditActor, at: now,
                    ids: env.ids, in: tx)
            }
            member.updatedAt = now
            let updated = try await tx.members.update(member)
            _ = try await tx.auditEvents.insert(
                env.auditEvent(
                    active ? "member.reactivated" : "member.deactivated", by: principal.auditActor, in: org,
                    resourceType: "member", resourceID: memberID.description))
            return updated
        }
    }

    /// Checks the plan's member limit. The organization row is locked, so that two invitations cannot both count
    /// below the limit, then both insert.
    @discardableResult
    private func requireMemberCapacity(_ tx: any StoreTransaction, _ org: OrganizationID) async throws -> Organization {
        let organization = try await tx.organizations.getForUpdate(org, in: org)
        let active = try await tx.members.count(in: org, where: .init(isActive: true))
        guard active < organization.limits.members else {
            throw WAError(
                .planLimitReached,
                "the \(organization.plan.rawValue) plan allows \(organization.limits.members) active members")
        }
        return organization
    }

    /// Hands `notification` to the environment's notifier, after the transaction that made its token committed. A
    /// failure is logged (never the token): the invitation or reset stands, and the caller's answer does not change.
    private func notify(_ notification: AccountNotification) async {
        await env.bestEffort(
            "delivering the \(notification.kind.rawValue) notification",
            ["organization_id": "\(notification.organization.id)", "member_id": "\(notification.member.id)"]
        ) {
            try await env.accountNotifier.deliver(notification)
        }
    }

    private func requireAnotherActiveAdmin(_ tx: any StoreTransaction, _ org: OrganizationID, besides id: MemberID)
        async throws
    {
        // Locked: two admins who demote or remove each other at once cannot both see the other still active.
        _ = try await tx.organizations.getForUpdate(org, in: org)
        let admins = try await tx.members.list(in: org, where: .init(role: .admin, isActive: true), page: .all)
        guard admins.items.contains(where: { $0.id != id }) else {
            throw WAError(.lastAdmin, "an organization needs at least one active admin")
        }
    }

    private func validatePassword(_ password: String, email: String) throws(WAError) {
        try env.passwordPolicy.validate(password, email: email)
    }

    private static func displayName(_ text: String, field: String) throws(WAError) -> String {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...100).contains(trimmed.count), !trimmed.contains(where: { $0.isNewline }) else {
            throw WAError.invalid(field, "must be 1–100 characters on one line")
        }
        return trimmed
    }

    /// The normalised e-mail address, or `nil` for one that is not valid (it then matches no member).
    private static func normalizedOrNil(_ email: String) -> String? {
        do {
            return try Member.normalizeEmail(email)
        } catch {
            return nil
        }
    }
}

extension Member {
    /// Ends an outstanding password-reset link (an invitation stays: it is how the member gets a password at all).
    fileprivate mutating func endPasswordReset() {
        if credentialToken?.purpose == .passwordReset { credentialToken = nil }
    }
}
