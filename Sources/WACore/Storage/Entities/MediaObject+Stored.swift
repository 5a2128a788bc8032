extension MediaObject: StoredEntity {
    public typealias Filter = NoFilter<MediaObject>
    public static var entityName: String { "media_object" }
}
