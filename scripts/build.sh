#!/bin/sh
# Builds the API's Lambda bootstrap (cmd/api) for linux: the one place that
# says how. PKG builds another package with the same flags (cmd/coldstart's
# floor, bench/lambdafloor). `make build` and the Dockerfile both run this script, so the binary
# in bin/ and the one in the image come from the same flags (cmd/api's
# TestBuildFlags checks the flags in the binary this script builds).
#
#   GOARCH   target architecture: arm64 (default, what Lambda runs) or amd64
#   VERSION  reported by /api/healthz (main.version); default: the git
#            revision when there is a checkout, else "devel"
#   OUT      output file; default bin/bootstrap
#   PKG      the package to build; default ./cmd/api
#
# The flags, and why:
#   CGO_ENABLED=0      a static binary: provided.al2023 has a glibc, but a static
#                      one also runs under qemu-user and in any base image
#   -trimpath          no build machine paths in the binary (reproducible)
#   -buildvcs=false    the image's build context has no .git; leaving VCS
#                      stamping on would make local and image binaries differ
#   -tags lambda.norpc drops aws-lambda-go's net/rpc runtime (go1.x only;
#                      provided.al2023 uses the Runtime API): smaller, faster init
#   -s -w              no symbol table or DWARF: a smaller image, same code
#   -X main.version    the version /api/healthz reports
set -eu
cd "$(dirname "$0")/.."

# The Go release: the Makefile's GOTOOLCHAIN and the Dockerfile's golang
# image tag name the same one (TestBuildFlags checks the binary's release is
# the Makefile's).
GO_RELEASE=go1.27.3
export GOTOOLCHAIN="${GOTOOLCHAIN:-$GO_RELEASE}"

GOARCH="${GOARCH:-arm64}"
OUT="${OUT:-bin/bootstrap}"
PKG="${PKG:-./cmd/api}"
if [ -z "${VERSION:-}" ]; then
  VERSION=$(git describe --always --dirty 2>/dev/null || echo devel)
fi

have=$(go env GOVERSION)
if [ "$have" != "$GO_RELEASE" ]; then
  echo "build.sh: want $GO_RELEASE, have $have (set GOTOOLCHAIN=$GO_RELEASE)" >&2
  exit 1
fi

# GOFLAGS from the caller's environment would change the binary silently.
env -u GOFLAGS CGO_ENABLED=0 GOOS=linux GOARCH="$GOARCH" \
  go build -trimpath -buildvcs=false -tags lambda.norpc \
  -ldflags "-s -w -X main.version=$VERSION" \
  -o "$OUT" "$PKG"
