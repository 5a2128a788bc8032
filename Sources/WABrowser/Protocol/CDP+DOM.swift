extension CDP {
    /// The `DOM` domain.
    public enum DOM {
        /// `DOM.setFileInputFiles`: puts files (paths on the browser's machine) into an `<input type=file>`, as a
        /// person choosing them would; the input fires `input` and `change`.
        public struct SetFileInputFiles: CDPCommand {
            public static let method = "DOM.setFileInputFiles"
            public typealias Response = CDPEmptyResponse
            public var files: [String]
            /// The input, as a `Runtime` object id.
            public var objectId: String
            public init(files: [String], objectId: String) {
                self.files = files
                self.objectId = objectId
            }
        }
    }
}
