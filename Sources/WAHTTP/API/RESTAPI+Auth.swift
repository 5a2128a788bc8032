import WACore
import WAOpenAPI

extension RESTAPI {
    func login(_ input: Operations.Login.Input) async throws -> Operations.Login.Output {
        guard case .json(let body) = input.body else { throw APIInput.unsupportedBody }
        let organization = try APIInput.text(body.organization, field: "organization", maxLength: 200)
        let email = try APIInput.text(body.email, field: "email", maxLength: 320)
        let password = try APIInput.text(body.password, field: "password", maxLength: 1024)
        let member = try await countingFailures {
            try await gateway.team.signIn(organizationSlug: organization, email: email, password: password)
        }
        return .ok(.init(body: .json(.init(try await sessions.issue(for: member)))))
    }

    func logout(_ input: Operations.Logout.Input) async throws -> Operations.Logout.Output {
        let principal = try RequestPrincipal.require()
        try await gateway.team.signOut(by: principal)
        return .noContent(.init())
    }

    func changePassword(_ input: Operations.ChangePassword.Input) async throws -> Operations.ChangePassword.Output {
        let principal = try RequestPrincipal.require()
        guard case .json(let body) = input.body else { throw APIInput.unsupportedBody }
        // The change ends every session of the member, this one included: the answer is a token for the new epoch.
        let member = try await gateway.team.changePassword(
            current: body.currentPassword, new: body.newPassword, by: principal)
        return .ok(.init(body: .json(.init(try await sessions.issue(for: member)))))
    }

    func requestPasswordReset(_ input: Operations.RequestPasswordReset.Input) async throws
        -> Operations.RequestPasswordReset.Output
    {
        guard case .json(let body) = input.body else { throw APIInput.unsupportedBody }
        // The token goes to the member through the account notifier; the answer is the same whether or not the
        // account exists.
        try await gateway.team.requestPasswordReset(
            organizationSlug: try APIInput.text(body.organization, field: "organization", maxLength: 200),
            email: try APIInput.text(body.email, field: "email", maxLength: 320))
        return .accepted(.init())
    }

    func confirmPasswordReset(_ input: Operations.ConfirmPasswordReset.Input) async throws
        -> Operations.ConfirmPasswordReset.Output
    {
        guard case .json(let body) = input.body else { throw APIInput.unsupportedBody }
        _ = try await countingFailures {
            try await gateway.team.resetPassword(token: body.token, newPassword: body.password)
        }
        return .noContent(.init())
    }

    func acceptInvitation(_ input: Operations.AcceptInvitation.Input) async throws
        -> Operations.AcceptInvitation.Output
    {
        guard case .json(let body) = input.body else { throw APIInput.unsupportedBody }
        let member = try await countingFailures {
            try await gateway.team.acceptInvitation(token: body.token, password: body.password)
        }
        return .ok(.init(body: .json(.init(try await sessions.issue(for: member)))))
    }

    /// Runs `work`; when it refuses credentials (a wrong password, an unknown or expired token), the refusal counts
    /// against the client's address like a failed authentication, so guessing from one address is slowed down on
    /// top of WACore's per-account throttle. Past the address's limit the answer is 429.
    private func countingFailures<Value: Sendable>(_ work: () async throws -> Value) async throws -> Value {
        do {
            return try await work()
        } catch let error as WAError where error.kind == .unauthenticated {
            try await limiter?.recordFailure()
            throw error
        }
    }
}

extension Components.Schemas.SessionToken {
    init(_ issued: IssuedSessionToken) {
        self.init(
            token: issued.token, tokenType: .bearer, expiresAt: issued.expiresAt,
            memberId: issued.member.id.description, organizationId: issued.member.organizationID.description,
            role: .init(issued.member.role))
    }
}
