import WACore

/// `organizations`: the slug is a global name (`global_names`), not a column constraint.
enum OrganizationMapping: PostgresEntityMapping {
    typealias Entity = Organization
    static let table = "organizations"
    static func columns(of o: Organization) -> [(name: String, value: SQLValue)] {
        [("slug", .text(o.slug)), ("media_bytes_used", .integer(Int(o.mediaBytesUsed)))]
    }
}

/// `members`: e-mail unique per organization; the session epoch never moves back (`0004_member_session_epoch`).
enum MemberMapping: PostgresEntityMapping {
    typealias Entity = Member
    static let table = "members"
    static func columns(of m: Member) -> [(name: String, value: SQLValue)] {
        [
            ("email", .text(m.email)), ("role", .text(m.role.rawValue)), ("is_active", .boolean(m.isActive)),
            ("assigned_instances", .ids(m.assignedInstances.sorted())), ("session_epoch", .integer(m.sessionEpoch)),
        ]
    }
    static func conditions(_ filter: Member.Filter, into sql: inout SQLBuilder) {
        if let role = filter.role { sql.whereEqual("role", .text(role.rawValue)) }
        if let isActive = filter.isActive { sql.whereEqual("is_active", .boolean(isActive)) }
        if let assigned = filter.assignedTo {
            sql.append(" AND ")
            sql.append(bound: .id(assigned))
            sql.append(" = ANY(assigned_instances)")
        }
    }
    static func uniqueColumns(of key: String) -> [String] { key == "email" ? ["email"] : [] }
}

/// `member_credentials`: one per member, keyed by the member's id.
enum MemberCredentialMapping: PostgresEntityMapping {
    typealias Entity = MemberCredential
    static let table = "member_credentials"
    static func columns(of _: MemberCredential) -> [(name: String, value: SQLValue)] { [] }
}

/// `api_keys`: the lookup id is a global name (`global_names`).
enum APIKeyMapping: PostgresEntityMapping {
    typealias Entity = APIKey
    static let table = "api_keys"
    static func columns(of k: APIKey) -> [(name: String, value: SQLValue)] {
        [
            ("lookup_id", .text(k.lookupID)), ("created_by", .id(k.createdBy)), ("revoked_at", .date(k.revokedAt)),
            ("replaced_by", .id(k.replacedBy)),
        ]
    }
    static func conditions(_ filter: APIKey.Filter, into sql: inout SQLBuilder) {
        if let createdBy = filter.createdBy { sql.whereEqual("created_by", .id(createdBy)) }
        if filter.excludeRevoked { sql.append(" AND revoked_at IS NULL") }
        if let replacedBy = filter.replacedBy { sql.whereEqual("replaced_by", .id(replacedBy)) }
    }
}
