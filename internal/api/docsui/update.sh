#!/usr/bin/env bash
# Refreshes the embedded Swagger UI assets from the npm registry (run by `go generate ./internal/api`).
# The files are stored gzipped: the binary serves them as they are to clients that accept gzip,
# which is every browser, and keeps the Lambda bootstrap small.
set -euo pipefail
version=5.35.0
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "swagger-ui-dist@$version" >/dev/null && tar xzf "swagger-ui-dist-$version.tgz")
# The source map is not shipped, so its reference would only produce a 404 in the console.
sed '/sourceMappingURL=/d' "$tmp/package/swagger-ui.css" | gzip -9n > swagger-ui.css.gz
gzip -9n < "$tmp/package/swagger-ui-bundle.js" > swagger-ui-bundle.js.gz
cp "$tmp/package/LICENSE" LICENSE.swagger-ui
echo "$version" > VERSION
