#!/usr/bin/env python3
"""Cross-implementation check for WACore's Standard Webhooks signer, driven by the Swift test suite.

Reads JSON lines on stdin, one delivery each:
    {"secret": "whsec_...", "payload_b64": "<base64 of the exact body bytes>",
     "headers": {"webhook-id": "...", "webhook-timestamp": "...", "webhook-signature": "..."},
     "expect": true}
and verifies each with the reference library, `standardwebhooks.Webhook(secret).verify(payload, headers)`
(which also checks the timestamp against this machine's clock, 5 minutes both ways). It writes one JSON object:
    {"checked": N, "verified": N, "rejected": N, "unexpected": [{"line": i, "error": "..."}, ...],
     "canonical": N,      # payloads equal to canonical_json(json.loads(p)): an independent writer of the documented format
     "noncanonical": [{"line": i, "ours": "...", "python": "..."}, ...],  # the first differences, for diagnosis
     "signatures": [...], # the library's own `sign()` of each line, for the reverse check in Swift
     "standardwebhooks": "<version>"}
Exits with status 3 when the module is missing (pip install standardwebhooks).
"""
import base64
import json
import sys
from datetime import datetime, timezone

try:
    import standardwebhooks
    from standardwebhooks import Webhook
except ImportError:
    print("python module 'standardwebhooks' is not installed (pip install standardwebhooks)", file=sys.stderr)
    sys.exit(3)


def version() -> str:
    try:
        from importlib.metadata import version as package_version

        return package_version("standardwebhooks")
    except Exception:
        return getattr(standardwebhooks, "__version__", "unknown")


def es_number(value: float) -> str:
    """A float as ECMAScript's Number::toString (RFC 8785 §3.2.2.3) from Python's shortest repr digits."""
    if value != value or value in (float("inf"), float("-inf")):
        return "null"
    if value == 0:
        return "0"
    sign = "-" if value < 0 else ""
    mantissa, _, exponent = repr(abs(value)).partition("e")
    whole, _, fraction = mantissa.partition(".")
    digits = whole + fraction
    point = len(whole) + (int(exponent) if exponent else 0)
    stripped = digits.lstrip("0")
    point -= len(digits) - len(stripped)
    digits = stripped.rstrip("0")
    k, n = len(digits), point
    if k <= n <= 21:
        text = digits + "0" * (n - k)
    elif 0 < n <= 21:
        text = digits[:n] + "." + digits[n:]
    elif -6 < n <= 0:
        text = "0." + "0" * -n + digits
    else:
        text = digits[0] + ("." + digits[1:] if k > 1 else "") + "e" + ("+" if n - 1 >= 0 else "-") + str(abs(n - 1))
    return sign + text


def canonical_json(value) -> str:
    """The documented WACore webhook JSON: compact, members in order, UTF-8 text, ECMAScript numbers."""
    if isinstance(value, dict):
        return "{" + ",".join(canonical_json(k) + ":" + canonical_json(v) for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ",".join(canonical_json(v) for v in value) + "]"
    if isinstance(value, float):
        return es_number(value)
    return json.dumps(value, ensure_ascii=False)


def main() -> None:
    checked = verified = rejected = canonical = 0
    unexpected = []
    signatures = []
    noncanonical = []
    for index, line in enumerate(sys.stdin):
        if not line.strip():
            continue
        item = json.loads(line)
        payload = base64.b64decode(item["payload_b64"])
        headers = item["headers"]
        hook = Webhook(item["secret"])
        checked += 1
        try:
            hook.verify(payload, headers)
            ok, error = True, None
        except Exception as exc:  # WebhookVerificationError, or a malformed header the library chokes on
            ok, error = False, f"{type(exc).__name__}: {exc}"
        if ok:
            verified += 1
        else:
            rejected += 1
        if ok != item.get("expect", True):
            unexpected.append({"line": index, "error": error or "verified but expected to fail"})
        text = payload.decode("utf-8", errors="replace")
        try:
            python = canonical_json(json.loads(text))
            if python == text:
                canonical += 1
            elif len(noncanonical) < 5:
                at = next(i for i in range(min(len(python), len(text)) + 1) if python[i : i + 1] != text[i : i + 1])
                noncanonical.append({"line": index, "ours": text[max(0, at - 40) : at + 40], "python": python[max(0, at - 40) : at + 40]})
        except ValueError as exc:
            noncanonical.append({"line": index, "ours": text[:80], "python": f"not JSON: {exc}"})
        timestamp = datetime.fromtimestamp(int(headers["webhook-timestamp"]), tz=timezone.utc)
        signatures.append(hook.sign(headers["webhook-id"], timestamp, text))
    json.dump(
        {
            "checked": checked,
            "verified": verified,
            "rejected": rejected,
            "unexpected": unexpected[:20],
            "canonical": canonical,
            "noncanonical": noncanonical[:5],
            "signatures": signatures,
            "standardwebhooks": version(),
        },
        sys.stdout,
    )


if __name__ == "__main__":
    main()
