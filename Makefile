# r2r: every command a developer or CI runs. GOTOOLCHAIN pins Go 1.27.3: the
# machine's Go 1.26.8 has known net/http and crypto/tls vulnerabilities.
export GOTOOLCHAIN := go1.27.3
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20

GO        ?= go
TOOL      := $(GO) tool -modfile=tools/go.mod
FUZZTIME  ?= 30s
CDK       := npx --yes aws-cdk@$(CDK_VERSION)
CDK_VERSION ?= 2.1033.0

.PHONY: run dev test test-go test-infra fuzz lint vet staticcheck vulncheck bench \
        synth diff deploy destroy clean

## run: serve the API locally on :8000 (PORT overrides)
run:
	$(GO) run ./cmd/api

## dev: serve the API with hot reload
dev:
	$(TOOL) air -c .air.toml

## test: every test of the repository (what CI runs)
test: test-go test-infra fuzz lint vulncheck

## test-go: the app module's tests, with the race detector and the test-only routes
test-go:
	$(GO) test -race -count=1 -tags r2rtest ./...

## test-infra: the CDK stack's tests (synthesis, assertions, cdk-nag)
test-infra:
	cd infra && $(GO) test -count=1 ./...

## fuzz: each fuzz target for FUZZTIME
fuzz:
	@for pkg in $$($(GO) list ./...); do \
	  for target in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
	    echo "fuzz: $$pkg $$target ($(FUZZTIME))"; \
	    $(GO) test -run '^$$' -fuzz "^$$target$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	  done; \
	done

## lint: go vet and staticcheck over every module
lint: vet staticcheck

vet:
	$(GO) vet -tags r2rtest ./...
	cd infra && $(GO) vet ./...

staticcheck:
	$(TOOL) staticcheck -tags r2rtest ./...
	cd infra && $(GO) tool -modfile=../tools/go.mod staticcheck ./...

## vulncheck: govulncheck over every module, offline
vulncheck:
	bash scripts/vulncheck.sh

## bench: the benchmarks
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

## synth, diff, deploy, destroy: the CDK stack (deploy needs AWS credentials and Docker)
synth:
	cd infra && $(CDK) synth
diff:
	cd infra && $(CDK) diff
deploy:
	cd infra && $(CDK) deploy
destroy:
	cd infra && $(CDK) destroy

clean:
	rm -rf bin tmp infra/cdk.out
