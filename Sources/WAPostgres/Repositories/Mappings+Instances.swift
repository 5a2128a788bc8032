import WACore

/// `instances`: name unique per organization.
enum InstanceMapping: PostgresEntityMapping {
    typealias Entity = Instance
    static let table = "instances"
    static func columns(of i: Instance) -> [(name: String, value: SQLValue)] {
        [
            ("name", .text(i.name)), ("status", .text(i.status.rawValue)),
            ("desired_state", .text(i.desiredState.rawValue)), ("proxy_id", .id(i.proxyID)),
        ]
    }
    static func conditions(_ filter: Instance.Filter, into sql: inout SQLBuilder) {
        if let status = filter.status { sql.whereEqual("status", .text(status.rawValue)) }
        if let ids = filter.ids {
            sql.append(" AND id = ANY(")
            sql.append(bound: .ids(ids))
            sql.append(")")
        }
        if let hasProxy = filter.hasProxy { sql.append(hasProxy ? " AND proxy_id IS NOT NULL" : " AND proxy_id IS NULL") }
        if let proxy = filter.proxyID { sql.whereEqual("proxy_id", .id(proxy)) }
    }
    static func uniqueColumns(of key: String) -> [String] { key == "name" ? ["name"] : [] }
}

/// `session_archives`: one per instance, keyed by the instance's id.
enum SessionArchiveMapping: PostgresEntityMapping {
    typealias Entity = SealedSessionArchive
    static let table = "session_archives"
    static func columns(of _: SealedSessionArchive) -> [(name: String, value: SQLValue)] { [] }
}

/// `risk_monitors`: one per instance, keyed by the instance's id.
enum RiskMonitorMapping: PostgresEntityMapping {
    typealias Entity = RiskMonitorRecord
    static let table = "risk_monitors"
    static func columns(of _: RiskMonitorRecord) -> [(name: String, value: SQLValue)] { [] }
}

/// `proxy_servers`: the address (scheme, lower-cased host, port) unique per organization.
enum ProxyServerMapping: PostgresEntityMapping {
    typealias Entity = ProxyServer
    static let table = "proxy_servers"
    static func columns(of p: ProxyServer) -> [(name: String, value: SQLValue)] {
        [("address", .text("\(p.scheme.rawValue)://\(p.host.lowercased()):\(p.port)"))]
    }
    static func uniqueColumns(of key: String) -> [String] { key == "address" ? ["address"] : [] }
}

/// `risk_alerts`.
enum RiskAlertMapping: PostgresEntityMapping {
    typealias Entity = RiskAlert
    static let table = "risk_alerts"
    static func columns(of a: RiskAlert) -> [(name: String, value: SQLValue)] {
        [
            ("instance_id", .id(a.instanceID)), ("severity", .text(a.severity.rawValue)),
            ("acknowledged_at", .date(a.acknowledgedAt)),
        ]
    }
    static func conditions(_ filter: RiskAlert.Filter, into sql: inout SQLBuilder) {
        if let instance = filter.instanceID { sql.whereEqual("instance_id", .id(instance)) }
        if let instances = filter.instanceIDs {
            sql.append(" AND instance_id = ANY(")
            sql.append(bound: .ids(instances))
            sql.append(")")
        }
        if filter.unacknowledgedOnly { sql.append(" AND acknowledged_at IS NULL") }
    }
}
