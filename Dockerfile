# syntax=docker/dockerfile:1.28
# check=error=true

# The r2r API as a Lambda container image: the Go binary as the bootstrap of
# the OS-only runtime image. arm64 by default, as the function runs:
#
#   docker build --platform linux/arm64 -t r2r-api .
#   docker run --platform linux/arm64 -p 9000:8080 r2r-api
#
# The build stage runs on the builder's own platform and cross-compiles (no
# emulation, so an arm64 image builds at native speed on amd64), with the flags
# of scripts/build.sh, the same script `make build` runs.
#
# The check directive above makes a build fail on any of BuildKit's lint
# rules (`docker build --check .`); CI runs the same rules offline with
# `make lint-docker`. The syntax directive pins the Dockerfile frontend to
# 1.28, the one of the BuildKit release tools/dockerlint lints with (a test
# keeps them equal): a later frontend's new rule cannot fail a deploy that
# passed the lint. Patch releases (1.28.x) carry fixes, not rules.

# Go 1.27.3, the release the Makefile pins (GOTOOLCHAIN), from ECR Public's
# mirror of Docker's official images: Docker Hub's anonymous pull limit fails
# builds on shared CI addresses. Pinned by tag only: this file was written
# offline, where no registry could give the digest; pin it
# (...golang:1.27.3-trixie@sha256:...) once `docker buildx imagetools inspect`
# can be run.
FROM --platform=$BUILDPLATFORM public.ecr.aws/docker/library/golang:1.27.3-trixie AS build
WORKDIR /src

# Modules first: this layer stays cached until go.mod or go.sum change.
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod \
    go mod download

COPY scripts/build.sh scripts/build.sh
COPY cmd/api cmd/api
COPY internal internal
COPY weborigin weborigin
COPY stagename stagename
COPY apierror apierror
# Declared here, not above: a RUN sees the build arguments declared before
# it, so another version or architecture does not redo the module download.
# BuildKit sets TARGETARCH from --platform; the default serves builders that
# do not.
ARG TARGETARCH=arm64
ARG VERSION=devel
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    GOARCH="$TARGETARCH" VERSION="$VERSION" OUT=/out/bootstrap scripts/build.sh

# Lambda's OS-only runtime (Amazon Linux 2023). Its ENTRYPOINT,
# /lambda-entrypoint.sh, execs ${LAMBDA_RUNTIME_DIR}/bootstrap when Lambda
# runs it, and the built-in Runtime Interface Emulator (port 8080) otherwise,
# which is what `docker run` gets locally. A tag AWS moves with every patch
# release of the image, on purpose: each build gets the patched OS (pin a
# digest for byte-identical rebuilds).
FROM public.ecr.aws/lambda/provided:al2023
COPY --from=build /out/bootstrap ${LAMBDA_RUNTIME_DIR}/bootstrap
# The entrypoint wants exactly one argument, the handler name (it becomes
# _HANDLER); a Go bootstrap ignores it, so any name will do.
CMD ["bootstrap"]
