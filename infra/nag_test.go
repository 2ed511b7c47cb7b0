package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"
)

// TestNoUnsuppressedNagFindings: every AwsSolutions error and warning is fixed
// or suppressed with a reason, in both stage variants.
func TestNoUnsuppressedNagFindings(t *testing.T) {
	for name, s := range map[string]*synthesized{"prod": prod(t), "dev": dev(t), "staging": staging(t)} {
		annotations := assertions.Annotations_FromStack(s.stack)
		rule := assertions.Match_StringLikeRegexp(jsii.String("AwsSolutions-.*"))
		// Messages are printed whole (JSON): their fields are deprecated aliases
		// in the Go bindings.
		for _, m := range *annotations.FindError(jsii.String("*"), rule) {
			t.Errorf("%s: cdk-nag error: %s", name, describe(m))
		}
		for _, m := range *annotations.FindWarning(jsii.String("*"), rule) {
			t.Errorf("%s: cdk-nag warning: %s", name, describe(m))
		}
		// The checks did run: their report lists the suppressions, each with a reason.
		matches, _ := filepath.Glob(filepath.Join(s.outdir, "AwsSolutions-*"+*s.stack.StackName()+"-NagReport.csv"))
		if len(matches) != 1 {
			t.Fatalf("%s: cdk-nag reports %v, want 1", name, matches)
		}
		report, err := os.ReadFile(matches[0])
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{`"AwsSolutions-APIG4","` + *s.stack.StackName() + `/RestApi/Default/api/ANY/Resource","Suppressed"`} {
			if !strings.Contains(string(report), want) {
				t.Errorf("%s: cdk-nag report lacks %s", name, want)
			}
		}
		if strings.Contains(string(report), `"Non-Compliant"`) {
			t.Errorf("%s: cdk-nag report has non-compliant rows:\n%s", name, report)
		}
	}
}
