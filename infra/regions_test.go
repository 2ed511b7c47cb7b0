package main

import (
	"slices"
	"strings"
	"testing"
)

// TestSupportedRegions: the README lists the regions the linter checks, and
// which of them need streamFunctionUrl=false.
func TestSupportedRegions(t *testing.T) {
	readme := readREADME(t)
	_, section, ok := strings.Cut(readme, "### Supported regions")
	if !ok {
		t.Fatal("README has no Supported regions section")
	}
	section, _, _ = strings.Cut(section, "\n### ")
	all, noURL, ok := strings.Cut(section, "Lambda has no Function URLs in")
	if !ok || !strings.Contains(noURL, "streamFunctionUrl=false") {
		t.Fatal("README does not say where streamFunctionUrl=false is needed")
	}
	for _, r := range supportedRegions {
		if !strings.Contains(all, "`"+r+"`") {
			t.Errorf("README does not list supported region %s", r)
		}
	}
	for _, r := range regionsWithoutFunctionURLs {
		if !slices.Contains(supportedRegions, r) {
			t.Errorf("region without Function URLs %s is not a supported region", r)
		}
		if !strings.Contains(noURL, "`"+r+"`") {
			t.Errorf("README does not say %s needs streamFunctionUrl=false", r)
		}
	}
}

// TestRegionCheck: synthesizing for a region without Function URLs while the
// stack would create one stops with a message saying what to set.
func TestRegionCheck(t *testing.T) {
	cfg := DefaultConfig()
	if err := checkRegion(cfg, "eu-west-1"); err != nil {
		t.Errorf("checkRegion(default, eu-west-1) = %v, want nil", err)
	}
	if err := checkRegion(cfg, ""); err != nil {
		t.Errorf("checkRegion(default, no region) = %v, want nil", err)
	}
	err := checkRegion(cfg, "il-central-1")
	if err == nil || !strings.Contains(err.Error(), "streamFunctionUrl=false") {
		t.Errorf("checkRegion(default, il-central-1) = %v, want an error naming streamFunctionUrl=false", err)
	}
	cfg.StreamFunctionURL = false
	if err := checkRegion(cfg, "il-central-1"); err != nil {
		t.Errorf("checkRegion(no URL, il-central-1) = %v, want nil", err)
	}
}
