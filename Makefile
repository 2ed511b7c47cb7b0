# r2r: every command a developer or CI runs. GOTOOLCHAIN pins Go 1.27.3: the
# machine's Go 1.26.8 has known net/http and crypto/tls vulnerabilities.
export GOTOOLCHAIN := go1.27.3
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20

GO        ?= go
TOOL      := $(GO) tool -modfile=tools/go.mod
FUZZTIME  ?= 30s
# The fuzzer spends up to a minute minimizing each new input by default,
# which in a 30 s run leaves it no time to fuzz.
FUZZMINIMIZETIME ?= 5s
# The repository's Go modules: vet and staticcheck loop over them (the app's
# with the test-only routes' build tag). Every go.mod git tracks is one;
# scripts/check.sh and scripts/vulncheck.sh find them the same way.
MODULES   := $(patsubst %/go.mod,%,$(patsubst go.mod,.,$(shell git ls-files -- go.mod '*/go.mod')))
CDK_VERSION ?= 2.1148.1
CDK       := npx --yes aws-cdk@$(CDK_VERSION)
# Variables used in prerequisites must be set before the rules that use them.
GOARCH         ?= arm64
COLDSTART_ARCH ?= amd64
RIE_VERSION    := v0.0.0-20261030222936-bef5c4ba774d
RIE            := bin/aws-lambda-rie
# bin/bootstrap is arm64 (what the image holds); other architectures get a
# suffix, so an amd64 build never passes for the arm64 one.
bootstrap_path = bin/bootstrap$(if $(filter arm64,$(1)),,-$(1))

.PHONY: help check run dev test test-go test-adapters test-infra lint-cfn lint-workflows fuzz lint vet staticcheck vulncheck bench bench-load \
        synth diff deploy destroy clean \
        build image coldstart lint-docker rie test-image local

## run: serve the API locally on :8000 (PORT overrides)
run:
	$(GO) run ./cmd/api

## local: the synthesized stack of STAGE on localhost (http://127.0.0.1:3000/STAGE/): the REST API as API Gateway serves it, each function under RIE, the user pool in moto_server; no Docker (LOCAL_FLAGS for -cdk-out, -addr, -pool, -user-pool-id)
local: $(RIE)
	$(GO) run ./cmd/stacklocal -stage $(STAGE) -rie $(RIE) $(LOCAL_FLAGS)

## dev: serve the API with hot reload
dev:
	$(TOOL) air -c .air.toml

## test: every test of the repository (what CI runs)
test: test-go test-adapters test-infra fuzz lint lint-workflows vulncheck test-image

## check: the edit loop: go vet and the short tests of the modules the working tree changes (scripts/check.sh); make test is the full run
check:
	bash scripts/check.sh

## test-go: the app module's tests, with the race detector and the test-only routes
test-go: $(RIE)
	$(GO) test -race -count=1 -tags r2rtest ./...

## test-adapters: lambdahttp's correctness beside the other Go adapters (bench/adapters, its own module)
test-adapters:
	cd bench/adapters && $(GO) test -count=1 ./...

## test-infra: the CDK stack's tests: every configuration synthesized once, then assertions, cdk-nag, the dependency graph and cfn-lint (lint-cfn's test)
test-infra:
	cd infra && $(GO) test -count=1 ./...

## lint-cfn: cfn-lint (AWS's CloudFormation linter) over the synthesized templates of every configuration, for each supported region (test-infra runs it too)
lint-cfn:
	cd infra && $(GO) test -count=1 -run '^TestCfnLint$$' ./...

## fuzz: each fuzz target for FUZZTIME (minimizing a new input for at most FUZZMINIMIZETIME), printing the executions each ran
fuzz:
	@mkdir -p tmp
	@for pkg in $$($(GO) list ./...); do \
	  for target in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
	    echo "fuzz: $$pkg $$target ($(FUZZTIME))"; \
	    $(GO) test -run '^$$' -fuzz "^$$target$$" -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZETIME) $$pkg >tmp/fuzz.log 2>&1; \
	    status=$$?; \
	    grep -v '^fuzz: elapsed' tmp/fuzz.log; \
	    echo "fuzz: $$target ran $$(grep -o 'execs: [0-9]*' tmp/fuzz.log | tail -1 | cut -d' ' -f2) executions"; \
	    [ $$status -eq 0 ] || { cat tmp/fuzz.log; exit 1; }; \
	  done; \
	done

## lint: go vet and staticcheck over every module
lint: vet staticcheck

vet:
	@for m in $(MODULES); do echo "vet: $$m"; (cd $$m && $(GO) vet -tags r2rtest ./...) || exit 1; done

staticcheck:
	@for m in $(MODULES); do echo "staticcheck: $$m"; (cd $$m && $(GO) tool -modfile=$(CURDIR)/tools/go.mod staticcheck -tags r2rtest ./...) || exit 1; done

## help: the targets and what they do
help:
	@sed -n 's/^## \([a-z0-9, -]*\): /\1\t/p' $(MAKEFILE_LIST) | awk -F'\t' '{ printf "  %-22s %s\n", $$1, $$2 }'

## lint-workflows: actionlint over .github/workflows (with shellcheck on their run: scripts), shellcheck over the repository's scripts, and the workflows' own tests (commands are make targets, actions pinned, every module in Dependabot)
lint-workflows:
	$(TOOL) actionlint -shellcheck=shellcheck
	shellcheck .ci/run scripts/*.sh internal/api/docsui/update.sh
	cd tools && $(GO) test -count=1 ./...

## vulncheck: govulncheck over every module, offline
vulncheck:
	bash scripts/vulncheck.sh

## bench: the benchmarks
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

## bench-load: bin/api under wrk beside a bare net/http server, in one run: requests/s, p50, p99 and the ratios (needs wrk; DURATION, WRK_FLAGS)
bench-load:
	bash scripts/bench-load.sh

## synth, diff, deploy, destroy: the stage STAGE (default prod: stack R2RStack, else R2RStack-STAGE; deploy also deploys the account stack R2RAccount when missing; deploy needs AWS credentials and Docker)
STAGE ?= prod
STACK := $(if $(filter prod,$(STAGE)),R2RStack,R2RStack-$(STAGE))
synth:
	cd infra && $(CDK) synth -c stage=$(STAGE)
# SUMMARY=file also appends the diff to file as Markdown (the deploy
# workflow's job summary); the exit status stays cdk's.
diff:
	@mkdir -p tmp
	cd infra && $(CDK) diff -c stage=$(STAGE) $(STACK) >../tmp/diff-$(STAGE).txt 2>&1; status=$$?; \
	  cat ../tmp/diff-$(STAGE).txt; \
	  if [ -n "$(SUMMARY)" ]; then printf '### cdk diff %s\n\n```\n' "$(STACK)" >>"$(SUMMARY)"; \
	    cat ../tmp/diff-$(STAGE).txt >>"$(SUMMARY)"; printf '\n```\n' >>"$(SUMMARY)"; fi; \
	  exit $$status
# DEPLOY_FLAGS: extra cdk deploy flags (the deploy workflow passes
# --require-approval never: its environment's review is the approval).
deploy:
	cd infra && $(CDK) deploy -c stage=$(STAGE) -c version=$$(git describe --always --dirty) $(DEPLOY_FLAGS) $(STACK)
destroy:
	cd infra && $(CDK) destroy -c stage=$(STAGE) $(STACK)

# The Lambda bootstrap and its container image. scripts/build.sh holds the
# build flags; the Dockerfile runs the same script.

## build: the Lambda bootstrap for linux/arm64 in bin/bootstrap (GOARCH=amd64: bin/bootstrap-amd64), built as the image builds it
build:
	GOARCH=$(GOARCH) OUT=$(call bootstrap_path,$(GOARCH)) scripts/build.sh

## image: the container image r2r-api for linux/GOARCH (needs a Docker engine with BuildKit)
image:
	docker build --platform linux/$(GOARCH) \
	  --build-arg VERSION=$(or $(VERSION),$(shell git describe --always --dirty 2>/dev/null),devel) -t r2r-api .

## coldstart: cold and warm start figures of the production bootstrap under RIE, beside a bare aws-lambda-go handler's (bench/lambdafloor, same flags) in the same run (COLDSTART_ARCH=arm64 runs both through qemu; COLDSTART_FLAGS for -n, -m)
coldstart: $(RIE)
	GOARCH=$(COLDSTART_ARCH) OUT=$(call bootstrap_path,$(COLDSTART_ARCH)) scripts/build.sh
	GOARCH=$(COLDSTART_ARCH) OUT=bin/lambdafloor-$(COLDSTART_ARCH) PKG=./bench/lambdafloor scripts/build.sh
	$(GO) run ./cmd/coldstart -rie $(RIE) -bootstrap $(call bootstrap_path,$(COLDSTART_ARCH)) \
	  -floor bin/lambdafloor-$(COLDSTART_ARCH) $(COLDSTART_FLAGS)

## lint-docker: the Dockerfile against BuildKit's checks (those of docker build --check), offline
lint-docker:
	$(GO) build -C tools/dockerlint -o $(CURDIR)/bin/dockerlint .
	bin/dockerlint Dockerfile

## rie: install the Lambda Runtime Interface Emulator into bin/ (the end-to-end tests run the binary under it)
rie: $(RIE)
$(RIE):
	GOBIN=$(CURDIR)/bin $(GO) install github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie@$(RIE_VERSION)

## test-image: Dockerfile lint (and the linter's own tests); make build for arm64 and amd64, both run under RIE (arm64 through qemu)
test-image: lint-docker $(RIE)
	cd tools/dockerlint && $(GO) test -count=1 ./...
	$(MAKE) build GOARCH=arm64
	$(MAKE) build GOARCH=amd64
	R2R_BOOTSTRAP_ARM64=$(CURDIR)/bin/bootstrap R2R_BOOTSTRAP_AMD64=$(CURDIR)/bin/bootstrap-amd64 \
	  $(GO) test -count=1 -run '^TestProductionBootstrap$$' ./cmd/api

clean:
	rm -rf bin tmp infra/cdk.out
