/// How an ``EmbeddedPostgres`` cluster is laid out and run.
///
/// Only ``directory`` is required; everything else has a default that suits the gateway's zero-configuration
/// storage and the tests.
public struct EmbeddedPostgresConfiguration: Sendable, Hashable {
    /// The directory that belongs to the cluster: the data in `pgdata/`, the Unix socket in `run/`, the server log
    /// in `postgres.log`. A relative path is resolved against the current directory when the ``EmbeddedPostgres`` is created.
    /// When the process runs as root the directory is handed to ``systemUser``.
    public var directory: String

    /// The directory that holds `initdb` and `pg_ctl`. When `nil`, the highest version under
    /// `/usr/lib/postgresql/*/bin` (Debian's layout) is used, else `initdb` and `pg_ctl` found on `PATH`.
    public var binDirectory: String?

    /// The unprivileged operating-system user the server runs as when this process runs as root (PostgreSQL
    /// refuses to run as root). Ignored otherwise: the server then runs as the current user. Debian's `postgresql`
    /// package creates the user `postgres`.
    public var systemUser: String

    /// The port number. The cluster listens on no TCP address at all: the port only names the socket file,
    /// `run/.s.PGSQL.<port>`.
    public var port: Int

    /// How long ``EmbeddedPostgres/start()`` waits for the server to accept connections (crash recovery after an
    /// unclean stop counts), and ``EmbeddedPostgres/stop()`` for it to shut down.
    public var timeout: Duration

    /// Extra server settings passed as `-c name=value` when the server starts, e.g. `["fsync": "off"]` for
    /// throw-away test clusters. They cannot override the settings the cluster depends on
    /// (`listen_addresses`, `unix_socket_directories`, `unix_socket_permissions`, `port`).
    public var settings: [String: String]

    /// Creates a configuration for a cluster in `directory`.
    public init(
        directory: String,
        binDirectory: String? = nil,
        systemUser: String = "postgres",
        port: Int = 5432,
        timeout: Duration = .seconds(60),
        settings: [String: String] = [:]
    ) {
        self.directory = directory
        self.binDirectory = binDirectory
        self.systemUser = systemUser
        self.port = port
        self.timeout = timeout
        self.settings = settings
    }
}
