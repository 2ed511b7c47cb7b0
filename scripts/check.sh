#!/usr/bin/env bash
# The edit loop's check: go vet and the short tests (go test -short) of each
# Go module that the working tree changes against HEAD (or, with a clean
# tree, that the last commit changed). make test is the full run.
set -euo pipefail
cd "$(dirname "$0")/.."

# The modules (every go.mod git tracks, as the Makefile's MODULES), in
# reverse order so a nested module comes before the one holding it and a file
# belongs to its innermost module.
mapfile -t modules < <(git ls-files -- go.mod '*/go.mod' | xargs -n1 dirname | sort -r)

changed=$( { git diff --name-only HEAD; git ls-files --others --exclude-standard; } | sort -u)
if [ -z "$changed" ]; then
  changed=$(git diff --name-only HEAD~1 HEAD)
fi

declare -A hit=()
while IFS= read -r file; do
  [ -n "$file" ] || continue
  for m in "${modules[@]}"; do
    if [ "$m" = . ] || [[ "$file" == "$m/"* ]]; then
      hit[$m]=1
      break
    fi
  done
done <<<"$changed"

if [ ${#hit[@]} -eq 0 ]; then
  echo "check: no Go module changed"
  exit 0
fi
for m in "${modules[@]}"; do
  [ -n "${hit[$m]:-}" ] || continue
  echo "check: $m"
  (cd "$m" && go vet -tags r2rtest ./... && go test -short -count=1 -tags r2rtest ./...)
done
