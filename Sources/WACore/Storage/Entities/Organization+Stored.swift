extension Organization: StoredEntity {
    public typealias Filter = NoFilter<Organization>
    public static var entityName: String { "organization" }
    public var uniqueKeys: [UniqueKey] { [UniqueKey("slug", slug, global: true)] }
}
