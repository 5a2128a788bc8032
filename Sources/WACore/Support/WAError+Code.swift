extension WAError {
    /// Every stable, machine-readable error code WACore and its adapters raise: the error catalogue.
    ///
    /// The list is closed, so a code that is not listed here cannot be thrown. Each code has a transport-neutral
    /// ``kind`` (which an adapter maps to its own status, e.g. an HTTP status) and says whether retrying the same
    /// request may succeed (``isRetryable``). `Docs/Errors.md` documents the same list; a test keeps the two equal.
    public enum Code: String, CaseIterable, Sendable, Hashable, Codable, CustomStringConvertible {
        // MARK: Input validation

        /// An input value is not acceptable; ``WAError/field`` names it.
        case invalidArgument = "invalid_argument"
        /// A phone number cannot be parsed or is not a valid E.164 number.
        case invalidPhoneNumber = "invalid_phone_number"
        /// A WhatsApp JID cannot be parsed.
        case invalidJID = "invalid_jid"
        /// An identifier is not in its canonical form.
        case invalidIdentifier = "invalid_identifier"
        /// A password does not meet the password policy.
        case weakPassword = "weak_password"
        /// A pagination cursor is malformed.
        case invalidCursor = "invalid_cursor"
        /// CSV input could not be read.
        case invalidCSV = "invalid_csv"
        /// A template uses a variable that was not given a value.
        case templateVariableMissing = "template_variable_missing"
        /// A value was given for a variable the template does not use.
        case templateVariableUnknown = "template_variable_unknown"
        /// Two rollups with different time zones, dimensions or latency configurations were merged.
        case incompatibleRollups = "incompatible_rollups"
        /// A browser fingerprint whose parts contradict each other (see ``FingerprintValidator``).
        case inconsistentFingerprint = "inconsistent_fingerprint"

        // MARK: Authentication and authorisation

        /// No valid credentials were presented, or their owner is no longer active (a principal whose member was
        /// deactivated or removed, or whose API key was revoked, since it was built: authenticate again).
        case unauthenticated = "unauthenticated"
        /// The email and password (or other credentials) do not match.
        case invalidCredentials = "invalid_credentials"
        /// The API key does not have the gateway's key format.
        case malformedAPIKey = "malformed_api_key"
        /// The API key has expired.
        case apiKeyExpired = "api_key_expired"
        /// The API key was revoked.
        case apiKeyRevoked = "api_key_revoked"
        /// The principal does not hold the permission the operation needs.
        case permissionDenied = "permission_denied"
        /// An API key was asked for scopes its creator does not hold (or rotated when its owner's role holds none of
        /// its scopes).
        case scopeExceedsCreator = "scope_exceeds_creator"

        // MARK: Organization and team

        /// The organization's plan does not allow more of something (members, instances, endpoints …).
        case planLimitReached = "plan_limit_reached"
        /// The change would leave the organization without an active admin.
        case lastAdmin = "last_admin"
        /// The member exists but is deactivated, so nothing can be assigned to them.
        case memberInactive = "member_inactive"

        // MARK: Storage

        /// The record does not exist in the caller's organization.
        case notFound = "not_found"
        /// A record with the same unique key already exists.
        case alreadyExists = "already_exists"
        /// The record was changed by someone else since it was read (optimistic concurrency): read it again and
        /// retry.
        case versionConflict = "version_conflict"
        /// The store gave up the transaction to keep concurrent transactions consistent (a serialization failure,
        /// a deadlock, a lock that could not be had in time): nothing was written; running the transaction again
        /// usually succeeds.
        case storageConflict = "storage_conflict"
        /// The store cannot be reached now: the database is restarting or unreachable, or dropped the connection.
        /// Retry later. When it happened while committing, whether the transaction was kept is unknown, so retry
        /// only work that is safe to repeat.
        case storageUnavailable = "storage_unavailable"
        /// A repository call named another organization than its transaction's (a bug in the caller).
        case tenantMismatch = "tenant_mismatch"
        /// A transaction was nested or used after it ended (a bug in the caller).
        case transactionMisuse = "transaction_misuse"
        /// An append-only record (the audit log) was to be changed or deleted.
        case immutableRecord = "immutable_record"
        /// A worker acted on a job or lease it no longer holds (its lease expired and was taken over).
        case leaseLost = "lease_lost"
        /// An event log read started at a position whose events were pruned: the events between it and the oldest
        /// kept one are gone. Start again from the oldest kept event (or now) and reconcile.
        case eventLogPositionPruned = "event_log_position_pruned"

        // MARK: Cryptography

        /// A sealed secret does not open: truncated, tampered with, or sealed for another context.
        case decryptionFailed = "decryption_failed"
        /// A sealed secret names a key the keyring no longer holds.
        case unknownKey = "unknown_key"

        // MARK: Rate limits and quotas

        /// A rate limit refused the request; ``WAError/retryAfter`` says when it would pass (absent: never, the
        /// request is larger than the limit).
        case rateLimited = "rate_limited"
        /// The organization's daily message quota is used up; it resets at 00:00 UTC (``WAError/retryAfter``).
        case quotaExceeded = "quota_exceeded"

        // MARK: Instances and transport

        /// Another gateway node runs the instance (holds its lease); the request must go to that node, or wait
        /// until it lets the instance go.
        case instanceOwnedElsewhere = "instance_owned_elsewhere"
        /// The instance is not in a state that allows the request (a pairing code for an instance that is already
        /// linked, for example).
        case invalidInstanceState = "invalid_instance_state"
        /// The instance's proxy policy asks for a proxy from the pool and none can take it now (all disabled,
        /// cooling down, unhealthy or full). The instance never falls back to a direct connection.
        case noProxyAvailable = "no_proxy_available"
        /// The proxy is assigned to an instance (fixed, or the pool's choice), so it cannot be deleted; disable it
        /// and move its instances first.
        case proxyInUse = "proxy_in_use"
        /// The instance cannot send now: never linked, logged out or failed. Link it again first.
        case instanceUnavailable = "instance_unavailable"
        /// A session command was given before the session was ready, or after it stopped.
        case sessionNotReady = "session_not_ready"
        /// WhatsApp restricted the account for a while; retrying before the restriction ends does not help (and
        /// looks worse to WhatsApp). A rate limit WhatsApp imposes: ``WAError/retryAfter`` says when it ends when
        /// that is known, and without it the error is not retryable.
        case accountRestricted = "account_restricted"
        /// WhatsApp (or the network on its way) failed or refused the command; usually worth retrying. The risk
        /// monitor counts a failed send of this kind against the account.
        case transportError = "transport_error"
        /// The gateway's own side of the session failed before WhatsApp was asked: the browser crashed, DevTools
        /// stopped answering, a page script failed. Worth retrying; never counted against the account.
        case transportUnavailable = "transport_unavailable"

        // MARK: Messaging

        /// The recipient's number has no WhatsApp account.
        case recipientNotOnWhatsApp = "recipient_not_on_whatsapp"
        /// The recipient asked not to be messaged.
        case recipientOptedOut = "recipient_opted_out"

        // MARK: Media

        /// The file's content is not a format the gateway accepts (or the declared MIME type is unknown).
        case mediaUnsupportedType = "media_unsupported_type"
        /// The declared MIME type (or message kind) does not match what the content is.
        case mediaTypeMismatch = "media_type_mismatch"
        /// The file is larger than the cap for its message kind.
        case mediaTooLarge = "media_too_large"
        /// The file has no bytes.
        case mediaEmpty = "media_empty"
        /// The file ends (or the bytes passed end) inside the header that identifies its format.
        case mediaTruncatedHeader = "media_truncated_header"
        /// The file ends before its format says it does (no end marker, a chunk running past the end).
        case mediaTruncated = "media_truncated"
        /// The file's structure is not what its type requires (bad chunk lengths or checksums, parts out of order).
        case mediaMalformed = "media_malformed"
        /// The file decodes to more than the limit (an image's pixels × frames, an archive's declared bytes, entries
        /// or compression ratio, entries sharing data): a decompression bomb.
        case mediaDecompressionBomb = "media_decompression_bomb"
        /// More bytes follow the file's end marker than the tolerance: a second file riding along (a polyglot).
        case mediaTrailingData = "media_trailing_data"
        /// An archive entry's name would write outside the folder it is extracted to: an absolute path, a `..`
        /// component, a backslash or a NUL (zip slip).
        case mediaUnsafePath = "media_unsafe_path"
        /// Text that a viewer may run or render as a page: HTML, SVG, XML with a style sheet, or a script.
        case mediaActiveContent = "media_active_content"
        /// Storing the file would exceed the organization's media storage quota.
        case mediaOverQuota = "media_over_quota"
        /// The organization's allow-list does not include the file's type.
        case mediaTypeNotAllowed = "media_type_not_allowed"

        // MARK: Campaigns and automations

        /// The campaign's status does not allow the operation (pausing a draft, editing a running campaign …).
        case campaignInvalidState = "campaign_invalid_state"
        /// The campaign's audience resolved to nobody who can be messaged (everyone opted out, has no number, or
        /// the tags, segment or list match no contact).
        case campaignAudienceEmpty = "campaign_audience_empty"
        /// An automation's regular expression does not compile (or is empty or too long).
        case invalidRegex = "invalid_regex"
        /// An automation's business hours are not a valid weekly schedule (weekdays, minutes, opening vs closing).
        case invalidBusinessHours = "invalid_business_hours"
        /// A time zone identifier is not one Foundation knows (use IANA names such as `Europe/Berlin`).
        case unknownTimeZone = "unknown_time_zone"
        /// A template used by an automation reply has a variable that automations cannot fill in.
        case unsupportedTemplateVariable = "unsupported_template_variable"

        // MARK: Webhooks

        /// A webhook endpoint URL is malformed, too long, not `https`, or carries credentials or a fragment.
        case invalidWebhookURL = "invalid_webhook_url"
        /// A webhook endpoint URL targets a loopback, private, link-local or otherwise non-public address or an
        /// internal host name, and private targets are not allowed.
        case webhookTargetForbidden = "webhook_target_forbidden"
        /// The webhook endpoint is disabled, so the operation (replaying a delivery) cannot run; enable it first.
        case webhookEndpointDisabled = "webhook_endpoint_disabled"
        /// Only failed deliveries can be replayed.
        case deliveryNotReplayable = "delivery_not_replayable"
        /// A webhook signing secret could not be parsed or generated (empty, not base64, wrong length).
        case invalidWebhookSecret = "invalid_webhook_secret"
        /// A required webhook header (`webhook-id`, `webhook-timestamp`, `webhook-signature`) is missing or empty;
        /// ``WAError/field`` names it.
        case webhookMissingHeader = "webhook_missing_header"
        /// The `webhook-timestamp` header is not an integer number of Unix seconds.
        case webhookInvalidTimestamp = "webhook_invalid_timestamp"
        /// The `webhook-timestamp` lies further in the past than the verifier's tolerance (replay protection).
        case webhookTimestampTooOld = "webhook_timestamp_too_old"
        /// The `webhook-timestamp` lies further in the future than the verifier's tolerance.
        case webhookTimestampTooNew = "webhook_timestamp_too_new"
        /// No signature in the header matches the payload under any of the verifier's secrets.
        case webhookSignatureMismatch = "webhook_signature_mismatch"
        /// A webhook event type name does not follow the grammar of ``WebhookEventType``.
        case invalidEventType = "invalid_event_type"
        /// A webhook event filter pattern does not follow the grammar of ``WebhookEventFilter``.
        case invalidEventFilter = "invalid_event_filter"

        // MARK: Protocol

        /// The request cannot be read: its body is not well-formed for its content type, or a parameter is
        /// missing or of the wrong type.
        case malformedRequest = "malformed_request"
        /// No operation exists at the request's path.
        case routeNotFound = "route_not_found"
        /// The path exists, but not with the request's method (an HTTP adapter lists the allowed ones).
        case methodNotAllowed = "method_not_allowed"
        /// The request's body is larger than the operation accepts.
        case requestTooLarge = "request_too_large"
        /// The request's body has a content type the operation does not accept.
        case unsupportedContentType = "unsupported_content_type"
        /// The operation cannot answer in any of the content types the request accepts.
        case notAcceptable = "not_acceptable"

        // MARK: Everything else

        /// Something failed that the caller cannot fix; details went to the log, never to the client.
        case internalError = "internal_error"

        /// Whether a transaction failed only because a concurrent one won a race (``versionConflict``,
        /// ``storageConflict``): run again in a new transaction, it reads the current rows and usually succeeds.
        /// ``Store/transaction(_:retryingConflicts:_:)`` does that.
        public var isTransactionConflict: Bool { self == .versionConflict || self == .storageConflict }

        /// The raw value (`invalid_phone_number`).
        public var description: String { rawValue }

        /// The transport-neutral kind of the failure, which an adapter maps to its own status in one place.
        public var kind: Kind {
            switch self {
            case .invalidArgument, .invalidPhoneNumber, .invalidJID, .invalidIdentifier, .weakPassword,
                .invalidCursor, .invalidCSV, .templateVariableMissing, .templateVariableUnknown,
                .incompatibleRollups, .inconsistentFingerprint, .mediaTypeMismatch, .mediaEmpty,
                .mediaTruncatedHeader, .mediaTruncated, .mediaMalformed, .mediaTrailingData, .mediaUnsafePath,
                .campaignAudienceEmpty, .invalidRegex, .invalidBusinessHours,
                .unknownTimeZone, .unsupportedTemplateVariable, .invalidWebhookURL, .webhookTargetForbidden,
                .invalidWebhookSecret, .webhookInvalidTimestamp, .invalidEventType, .invalidEventFilter,
                .malformedRequest:
                .invalidInput
            case .unauthenticated, .invalidCredentials, .malformedAPIKey, .apiKeyExpired, .apiKeyRevoked,
                .webhookMissingHeader, .webhookTimestampTooOld, .webhookTimestampTooNew, .webhookSignatureMismatch:
                .unauthenticated
            case .permissionDenied, .scopeExceedsCreator, .recipientOptedOut:
                .forbidden
            case .notFound, .recipientNotOnWhatsApp, .eventLogPositionPruned, .routeNotFound, .methodNotAllowed:
                .notFound
            case .alreadyExists, .versionConflict, .storageConflict, .leaseLost, .planLimitReached, .lastAdmin, .memberInactive,
                .instanceOwnedElsewhere, .invalidInstanceState, .instanceUnavailable, .proxyInUse, .campaignInvalidState,
                .webhookEndpointDisabled, .deliveryNotReplayable:
                .conflict
            case .mediaTooLarge, .mediaOverQuota, .mediaDecompressionBomb, .requestTooLarge:
                .tooLarge
            case .mediaUnsupportedType, .mediaTypeNotAllowed, .mediaActiveContent, .unsupportedContentType,
                .notAcceptable:
                .unsupportedType
            case .rateLimited, .quotaExceeded, .accountRestricted:
                .rateLimited
            case .storageUnavailable, .noProxyAvailable, .sessionNotReady, .transportError, .transportUnavailable:
                .unavailable
            case .tenantMismatch, .transactionMisuse, .immutableRecord, .decryptionFailed, .unknownKey,
                .internalError:
                .internal
            }
        }

        /// Whether the same request may succeed later without being changed: rate limits and quotas (after
        /// ``WAError/retryAfter``), unavailable services, and the transaction conflicts (``isTransactionConflict``).
        public var isRetryable: Bool {
            switch kind {
            case .rateLimited, .unavailable: true
            case .conflict: isTransactionConflict
            case .invalidInput, .unauthenticated, .forbidden, .notFound, .tooLarge, .unsupportedType, .internal: false
            }
        }
    }
}
