#!/usr/bin/env python3
"""Cross-implementation check for WACore's BcryptPasswordHasher, driven by the Swift test suite.

Reads one JSON object on stdin:
    {"verify": [{"password": "...", "hash": "$2b$..."}, ...],
     "hash":   [{"password": "...", "cost": 4}, ...]}
and writes one JSON object on stdout:
    {"verified": [true, ...], "hashes": ["$2b$04$...", ...], "bcrypt": "<module version>"}

Passwords are JSON strings and are encoded as UTF-8, as the Swift side does. Uses pyca/bcrypt
(`pip install bcrypt`); exits with status 3 when it is missing so callers can skip.
"""
import json
import sys

try:
    import bcrypt
except ImportError:
    print("python module 'bcrypt' is not installed (pip install bcrypt)", file=sys.stderr)
    sys.exit(3)


def main() -> None:
    request = json.load(sys.stdin)
    verified = [
        bcrypt.checkpw(item["password"].encode("utf-8"), item["hash"].encode("ascii"))
        for item in request.get("verify", [])
    ]
    hashes = [
        bcrypt.hashpw(item["password"].encode("utf-8"), bcrypt.gensalt(rounds=item.get("cost", 4))).decode("ascii")
        for item in request.get("hash", [])
    ]
    json.dump({"verified": verified, "hashes": hashes, "bcrypt": bcrypt.__version__}, sys.stdout)


if __name__ == "__main__":
    main()
