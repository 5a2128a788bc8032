#!/usr/bin/env python3
"""Adds `additionalProperties: false` to every component schema a JSON request body reaches that is an object with
properties and does not say otherwise (OpenAPIDocumentTests.requestBodiesAreClosedAndNeverNull checks the result).
Edits Sources/WAOpenAPI/openapi.yaml in place, line by line, so comments and layout stay."""
import re, sys, yaml

path = sys.argv[1] if len(sys.argv) > 1 else "Sources/WAOpenAPI/openapi.yaml"
text = open(path).read()
doc = yaml.safe_load(text)
schemas = doc["components"]["schemas"]

pending, seen = [], set()
for item in doc["paths"].values():
    for operation in item.values():
        if isinstance(operation, dict):
            body = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
            if "schema" in body:
                pending.append(body["schema"])
targets = set()
while pending:
    schema = pending.pop()
    if not isinstance(schema, dict):
        continue
    if "$ref" in schema:
        name = schema["$ref"].split("/")[-1]
        if name not in seen:
            seen.add(name)
            target = schemas[name]
            if target.get("type") == "object" and "properties" in target and "additionalProperties" not in target:
                targets.add(name)
            pending.append(target)
        continue
    pending.extend(schema.get("properties", {}).values())
    for key in ("items", "additionalProperties"):
        if isinstance(schema.get(key), dict):
            pending.append(schema[key])
    for key in ("oneOf", "anyOf", "allOf"):
        pending.extend(schema.get(key, []))

lines = text.split("\n")
current = None
out = []
for line in lines:
    match = re.match(r"^    ([A-Za-z0-9_]+):\s*$", line)
    if match:
        current = match.group(1)
    out.append(line)
    if current in targets and line == "      type: object":
        out.append("      additionalProperties: false")
        targets.discard(current)
open(path, "w").write("\n".join(out))
if targets:
    print("not closed (no `      type: object` line):", ", ".join(sorted(targets)), file=sys.stderr)
    sys.exit(1)
