extension ProxyServer: StoredEntity {
    public typealias Filter = NoFilter<ProxyServer>
    public static var entityName: String { "proxy_server" }
    public var uniqueKeys: [UniqueKey] { [UniqueKey("address", "\(scheme.rawValue)://\(host.lowercased()):\(port)")] }
}
