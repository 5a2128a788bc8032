import Logging

/// How services and workers report failures they do not hand to a caller.
extension ServiceEnvironment {
    /// Runs a step whose failure must not fail the caller (a best-effort clean-up, a hint such as proxy health,
    /// a risk signal that must not cost a message its automations). A failure is logged at `level` with
    /// `metadata` and the error's safe description, never swallowed.
    func bestEffort(
        _ what: String, level: Logger.Level = .warning, _ metadata: Logger.Metadata,
        _ body: () async throws -> Void
    ) async {
        do {
            try await body()
        } catch {
            logFailure(what, error, metadata, level: level)
        }
    }

    /// Logs that `what` failed with `error`.
    func logFailure(_ what: String, _ error: any Error, _ metadata: Logger.Metadata, level: Logger.Level = .warning) {
        var metadata = metadata
        metadata["error"] = "\(Self.safeDescription(error))"
        logger.log(level: level, "\(what) failed", metadata: metadata)
    }

    /// A description of `error` that is safe to log: a ``WAError``'s code, message and field; otherwise only the
    /// error's type (adapter errors can carry connection strings, SQL or payloads).
    static func safeDescription(_ error: any Error) -> String {
        if let error = error as? WAError { return error.description }
        return String(describing: type(of: error))
    }
}

extension Logger.Metadata {
    /// The ids that locate an instance in the logs.
    static func instance(_ id: InstanceID, in organization: OrganizationID) -> Logger.Metadata {
        ["organization_id": "\(organization)", "instance_id": "\(id)"]
    }

    /// The ids that locate a job in the logs.
    static func job(_ job: Job) -> Logger.Metadata {
        ["organization_id": "\(job.organizationID)", "job_id": "\(job.id)", "queue": "\(job.queue)"]
    }

    /// The organization alone.
    static func organization(_ id: OrganizationID) -> Logger.Metadata {
        ["organization_id": "\(id)"]
    }
}
