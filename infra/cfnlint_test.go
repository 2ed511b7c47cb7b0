package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestCfnLint runs AWS's CloudFormation linter over every configuration's
// templates (stage and account stacks), for each supported region: zero
// errors, zero warnings beyond those .cfnlintrc ignores with a reason. The
// configurations with a Function URL are checked in the regions that have
// Function URLs, the one without in every supported region.
func TestCfnLint(t *testing.T) {
	if _, err := exec.LookPath("cfn-lint"); err != nil {
		t.Fatal("cfn-lint is not installed (it comes with the machine image: pip install cfn-lint==1.51.0 where the Python registry is reachable)")
	}
	// R2R_CFN_TEMPLATES keeps the templates linted, e.g. to run cfn-lint by hand.
	dir := os.Getenv("R2R_CFN_TEMPLATES")
	if dir == "" {
		dir = t.TempDir()
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	var withURL, withoutURL []string
	for _, c := range configurations {
		s := c.synth(t)
		for suffix, doc := range s.templates() {
			path := filepath.Join(dir, c.name+suffix+".template.json")
			b, err := json.MarshalIndent(doc, "", " ")
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, b, 0o644); err != nil {
				t.Fatal(err)
			}
			if suffix == "" && len(s.resources("AWS::Lambda::Url")) > 0 {
				withURL = append(withURL, path)
			} else {
				withoutURL = append(withoutURL, path)
			}
		}
	}
	if len(withoutURL) < 2 {
		t.Fatalf("no configuration without a Function URL: %v", withoutURL)
	}
	for _, run := range []struct {
		regions, files []string
	}{
		{functionURLRegions(), withURL},
		{supportedRegions, withoutURL},
	} {
		// .cfnlintrc (in this directory) lists the ignored checks, each with its reason.
		args := append([]string{"--config-file", ".cfnlintrc", "--format", "parseable", "--regions"}, run.regions...)
		cmd := exec.Command("cfn-lint", append(append(args, "--"), run.files...)...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		findings := 0
		sc := bufio.NewScanner(bytes.NewReader(out))
		for sc.Scan() {
			findings++
			t.Errorf("cfn-lint: %s", strings.TrimPrefix(sc.Text(), dir+string(filepath.Separator)))
		}
		if err != nil && findings == 0 {
			t.Errorf("cfn-lint %v: %v\n%s", run.files, err, stderr.Bytes())
		}
		t.Logf("cfn-lint: %d templates x %d regions: %d findings", len(run.files), len(run.regions), findings)
	}
}
