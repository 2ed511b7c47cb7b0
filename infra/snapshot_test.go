package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/R2RStack.template.json from the synthesized template")

// TestSnapshot compares the whole template, asset hashes normalized, with
// testdata/R2RStack.template.json; refresh it with `go test -run TestSnapshot -update`.
func TestSnapshot(t *testing.T) {
	s := prod(t)
	got, err := json.MarshalIndent(s.json, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = normalizeHashes(append(got, '\n'))
	golden := filepath.Join("testdata", "R2RStack.template.json")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (create it with go test -run TestSnapshot -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("template differs from %s (-want +got):\n%s\nIf the change is intended: go test -run TestSnapshot -update", golden, lineDiff(string(want), string(got)))
	}
}

// assetHash matches the 64-hex asset hashes (S3 keys, image tags) that vary
// with the code and the Go toolchain, not with the infrastructure; versionHash
// the suffix of the API function's version, a hash over its image tag too.
var (
	assetHash   = regexp.MustCompile(`\b[0-9a-f]{64}\b`)
	versionHash = regexp.MustCompile(`(CurrentVersion[0-9A-F]{8})[0-9a-f]{32}\b`)
)

func normalizeHashes(b []byte) []byte {
	b = assetHash.ReplaceAll(b, []byte("<asset-hash>"))
	return versionHash.ReplaceAll(b, []byte("${1}<version-hash>"))
}

// lineDiff lists the lines only in want (-) or only in got (+), at most 40.
func lineDiff(want, got string) string {
	count := func(s string) map[string]int {
		m := map[string]int{}
		for _, l := range strings.Split(s, "\n") {
			m[l]++
		}
		return m
	}
	w, g := count(want), count(got)
	// Brackets alone say nothing about what changed.
	for l := range g {
		if strings.Trim(l, " {}[],") == "" {
			w[l], g[l] = 0, 0
		}
	}
	var out []string
	for _, l := range strings.Split(want, "\n") {
		if strings.Trim(l, " {}[],") != "" && g[l] < w[l] {
			out = append(out, "- "+l)
			g[l]++
		}
	}
	w, g = count(want), count(got)
	for _, l := range strings.Split(got, "\n") {
		if strings.Trim(l, " {}[],") != "" && w[l] < g[l] {
			out = append(out, "+ "+l)
			w[l]++
		}
	}
	if len(out) > 40 {
		out = append(out[:40], fmt.Sprintf("... %d more", len(out)-40))
	}
	return strings.Join(out, "\n")
}
