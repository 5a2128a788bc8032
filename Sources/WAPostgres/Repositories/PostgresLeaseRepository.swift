import Foundation
import PostgresNIO
import WACore

/// WACore's ``WACore/LeaseRepository`` on `instance_leases`: one row per instance, its owner, fencing token and
/// expiry, with `data` (the lease's JSON) changed together with the columns in every statement, as the memory store
/// changes the lease (`MemoryRepository+Jobs.swift`).
struct PostgresLeaseRepository: LeaseRepository, PostgresForwardingRepository {
    typealias Entity = InstanceLease

    let base: PostgresEntityRepository<LeaseMapping>

    /// The repository of the transaction `context` belongs to; the plain `Repository` calls go to `base`
    /// (``PostgresForwardingRepository``).
    init(context: PostgresTransactionContext) {
        base = PostgresEntityRepository(context: context)
    }
    private var name: String { InstanceLease.entityName }

    // MARK: Leases

    /// One statement: `INSERT` a new lease (token 1), or on the instance's row `DO UPDATE` it when it is expired
    /// (a new owner, or the same one after a lapse: the token goes up) or already `owner`'s (extended, same token),
    /// `WHERE` nothing else; no row back means another owner holds it. The conflicting row is locked either way,
    /// so the statement waits for a transaction holding it (``isCurrent(instance:in:token:now:)``'s `FOR SHARE`).
    func acquire(
        instance: InstanceID, in organization: OrganizationID, owner: String, duration: Duration, now: Date
    ) async throws(WAError) -> InstanceLease? {
        try context.requireUsable(for: organization, name)
        let expiresAt = now.addingTimeInterval(duration.fractionalSeconds)
        var fresh = InstanceLease(
            instanceID: instance, organizationID: organization, owner: owner, token: 1, expiresAt: expiresAt)
        fresh.version = 1
        var sql = SQLBuilder("INSERT INTO instance_leases AS l (organization_id, id, version, owner, token, expires_at, data) VALUES (")
        let placeholders = [
            sql.bind(.id(organization)), sql.bind(.id(fresh.id)), "1", sql.bind(.text(owner)), "1",
            sql.bind(.date(expiresAt)), sql.bind(.json(try context.json(fresh))),
        ]
        let at = sql.bind(.date(now))
        let expiresJSON = sql.bind(.json(try context.json(expiresAt)))
        let token = "CASE WHEN l.expires_at > \(at) THEN l.token ELSE l.token + 1 END"
        let data = PostgresJobRepository.setting(
            "l.data",
            [
                ("owner", "to_jsonb(EXCLUDED.owner)"), ("token", "to_jsonb(\(token))"), ("expiresAt", expiresJSON),
                ("version", "to_jsonb(l.version + 1)"),
            ])
        sql.append(placeholders.joined(separator: ", "))
        sql.append("""
            ) ON CONFLICT (organization_id, id) DO UPDATE SET owner = EXCLUDED.owner, token = \(token),
                expires_at = EXCLUDED.expires_at, version = l.version + 1, data = \(data)
            WHERE l.owner = EXCLUDED.owner OR l.expires_at <= \(at)
            RETURNING l.data::text
            """)
        let texts = try await context.values(sql, as: String.self, doing: "acquiring an instance lease")
        return try texts.first.map { text throws(WAError) in try context.decode(text, as: InstanceLease.self) }
    }

    /// `UPDATE … WHERE token = $token AND owner = $owner AND expires_at > $now RETURNING`; nothing back is
    /// `lease_lost`.
    func renew(_ lease: InstanceLease, duration: Duration, now: Date) async throws(WAError) -> InstanceLease {
        try context.requireUsable(for: lease.organizationID, name)
        let expiresAt = now.addingTimeInterval(duration.fractionalSeconds)
        var sql = SQLBuilder()
        let expires = sql.bind(.date(expiresAt))
        let expiresJSON = sql.bind(.json(try context.json(expiresAt)))
        let data = PostgresJobRepository.setting(
            "data", [("expiresAt", expiresJSON), ("version", "to_jsonb(version + 1)")])
        sql.append("UPDATE instance_leases SET expires_at = \(expires), version = version + 1, data = \(data)")
        appendHeld(lease, into: &sql)
        sql.append(" AND expires_at > ")
        sql.append(bound: .date(now))
        sql.append(" RETURNING data::text")
        let texts = try await context.values(sql, as: String.self, doing: "renewing an instance lease")
        guard let text = texts.first else { throw WAError(.leaseLost, "the instance's lease was lost") }
        return try context.decode(text, as: InstanceLease.self)
    }

    /// Sets the expiry to `Date.distantPast` if the stored lease is still this one; otherwise does nothing.
    func release(_ lease: InstanceLease) async throws(WAError) {
        try context.requireUsable(for: lease.organizationID, name)
        var sql = SQLBuilder()
        let expires = sql.bind(.date(.distantPast))
        let expiresJSON = sql.bind(.json(try context.json(Date.distantPast)))
        let data = PostgresJobRepository.setting(
            "data", [("expiresAt", expiresJSON), ("version", "to_jsonb(version + 1)")])
        sql.append("UPDATE instance_leases SET expires_at = \(expires), version = version + 1, data = \(data)")
        appendHeld(lease, into: &sql)
        _ = try await context.count(sql, doing: "releasing an instance lease")
    }

    /// Reads the lease `FOR SHARE` (an ``acquire(instance:in:owner:duration:now:)`` then waits for this
    /// transaction) and compares in Swift, on the exact expiry in `data`.
    func isCurrent(instance: InstanceID, in organization: OrganizationID, token: Int64, now: Date)
        async throws(WAError) -> Bool
    {
        try context.requireUsable(for: organization, name)
        var sql = SQLBuilder("SELECT data::text FROM instance_leases WHERE organization_id = ")
        sql.append(bound: .id(organization))
        sql.append(" AND id = ")
        sql.append(bound: .id(instance))
        sql.append(" FOR SHARE")
        let texts = try await context.values(sql, as: String.self, doing: "checking an instance lease")
        guard let text = texts.first else { return false }
        let lease = try context.decode(text, as: InstanceLease.self)
        return lease.token == token && lease.expiresAt > now
    }

    /// ` WHERE` the row is `lease`'s instance and still has its token and owner.
    private func appendHeld(_ lease: InstanceLease, into sql: inout SQLBuilder) {
        sql.append(" WHERE organization_id = ")
        sql.append(bound: .id(lease.organizationID))
        sql.append(" AND id = ")
        sql.append(bound: .id(lease.id))
        sql.append(" AND token = ")
        sql.append(bound: .integer(Int(lease.token)))
        sql.append(" AND owner = ")
        sql.append(bound: .text(lease.owner))
    }
}
