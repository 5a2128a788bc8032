extension RiskMonitorRecord: StoredEntity {
    public static var entityName: String { "risk_monitor" }
    public typealias Filter = NoFilter<RiskMonitorRecord>
}
