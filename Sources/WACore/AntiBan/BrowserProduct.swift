/// Which browser build the brand list names.
public enum BrowserProduct: String, Sendable, Hashable, Codable, CaseIterable {
    /// Open-source Chromium (Debian's `chromium` package): brands `Chromium` + GREASE.
    case chromium
    /// Google Chrome: brands `Google Chrome`, `Chromium` + GREASE.
    case googleChrome = "google_chrome"
}
