extension Template: StoredEntity {
    public typealias Filter = NoFilter<Template>
    public static var entityName: String { "template" }
    public var uniqueKeys: [UniqueKey] { [UniqueKey("name", name)] }
}
