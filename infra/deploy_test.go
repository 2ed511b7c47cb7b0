package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/jsii-runtime-go"
)

// Deploy-time facts that synthesis does not check and a first `cdk deploy`
// into a fresh account would find: each test walks the synthesized
// templates of every configuration.

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

// templates are the synthesized templates of a configuration, by a file-name
// suffix: the stage's, the account stack's, and the access stack's when defined.
func (s *synthesized) templates() map[string]map[string]any {
	out := map[string]map[string]any{"": s.json, ".account": s.account}
	if s.access != nil {
		out[".access"] = s.access
	}
	return out
}

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

// TestStreamFunctionURLIsOptional: without the Function URL the stream is
// still served through API Gateway, and no output points at a missing URL.
func TestStreamFunctionURLIsOptional(t *testing.T) {
	s := noURLConfig.synth(t)
	if n := len(s.resources("AWS::Lambda::Url")); n != 0 {
		t.Errorf("Function URLs = %d, want 0", n)
	}
	if _, ok := s.json["Outputs"].(map[string]any)["StreamFunctionUrl"]; ok {
		t.Error("output StreamFunctionUrl exists without a Function URL")
	}
	m := s.method(t, "/api/hello/stream", "GET")
	assertEqual(t, "stream integration mode", m["Integration"].(map[string]any)["ResponseTransferMode"], "STREAM")
}

// TestAlarmsCanNotify walks every alarm action to its topic, and checks that
// the topic's policy lets CloudWatch publish that alarm (a topic policy
// replaces SNS's default one, so a Deny alone blocks every notification),
// while publishing without TLS stays denied.
func TestAlarmsCanNotify(t *testing.T) {
	for _, c := range configurations {
		t.Run(c.name, func(t *testing.T) {
			s := c.synth(t)
			policies := s.resources("AWS::SNS::TopicPolicy")
			alarms := s.resources("AWS::CloudWatch::Alarm")
			if len(alarms) == 0 {
				t.Fatal("no alarms")
			}
			for id, a := range alarms {
				for _, key := range []string{"AlarmActions", "OKActions"} {
					actions, _ := props(a)[key].([]any)
					if len(actions) == 0 {
						t.Errorf("%s: no %s", id, key)
					}
					for _, action := range actions {
						topic := refID(action)
						if _, ok := s.resources("AWS::SNS::Topic")[topic]; !ok {
							t.Errorf("%s %s: %v is not a topic of the stack", id, key, action)
							continue
						}
						if !topicAllowsAlarm(policies, topic, id) {
							t.Errorf("%s %s: topic %s's policy does not let cloudwatch.amazonaws.com publish this alarm (this account's)", id, key, topic)
						}
					}
				}
			}
			for topic := range s.resources("AWS::SNS::Topic") {
				if !topicDeniesPlainHTTP(policies, topic) {
					t.Errorf("topic %s: policy lost the Deny of publishing without TLS", topic)
				}
			}
		})
	}
}

// policyStatements returns the statements of every policy on topic.
func policyStatements(policies map[string]map[string]any, topic string) []map[string]any {
	var out []map[string]any
	for _, p := range policies {
		topics, _ := props(p)["Topics"].([]any)
		if !slices.ContainsFunc(topics, func(v any) bool { return refID(v) == topic }) {
			continue
		}
		doc, _ := props(p)["PolicyDocument"].(map[string]any)
		for _, st := range doc["Statement"].([]any) {
			out = append(out, st.(map[string]any))
		}
	}
	return out
}

func asList(v any) []any {
	if l, ok := v.([]any); ok {
		return l
	}
	return []any{v}
}

func topicAllowsAlarm(policies map[string]map[string]any, topic, alarm string) bool {
	for _, st := range policyStatements(policies, topic) {
		principal, _ := st["Principal"].(map[string]any)
		cond, _ := st["Condition"].(map[string]any)
		if st["Effect"] != "Allow" || !slices.Contains(asList(principal["Service"]), any("cloudwatch.amazonaws.com")) ||
			!slices.Contains(asList(st["Action"]), any("sns:Publish")) ||
			!slices.ContainsFunc(asList(st["Resource"]), func(v any) bool { return refID(v) == topic }) {
			continue
		}
		account, _ := cond["StringEquals"].(map[string]any)
		arns, _ := cond["ArnEquals"].(map[string]any)
		if !contains(account["aws:SourceAccount"], ref("AWS::AccountId")) {
			continue
		}
		if slices.ContainsFunc(asList(arns["aws:SourceArn"]), func(v any) bool {
			return contains(v, map[string]any{"Fn::GetAtt": []any{alarm, "Arn"}})
		}) {
			return true
		}
	}
	return false
}

func topicDeniesPlainHTTP(policies map[string]map[string]any, topic string) bool {
	for _, st := range policyStatements(policies, topic) {
		b, _ := json.Marshal(st["Condition"])
		if st["Effect"] == "Deny" && string(b) == `{"Bool":{"aws:SecureTransport":"false"}}` {
			return true
		}
	}
	return false
}

// TestFailedCreateLeavesNothing: no stage stack retains a resource that a
// rolled-back first create made (DeletionPolicy Retain would orphan it);
// prod keeps its data on deletion and replacement (RetainExceptOnCreate),
// and every other stage deletes completely.
func TestFailedCreateLeavesNothing(t *testing.T) {
	for _, c := range configurations {
		t.Run(c.name, func(t *testing.T) {
			s := c.synth(t)
			prod := c == prodConfig
			for id, r := range s.json["Resources"].(map[string]any) {
				r := r.(map[string]any)
				deletion, _ := r["DeletionPolicy"].(string)
				replace, _ := r["UpdateReplacePolicy"].(string)
				switch {
				case deletion == "Retain" || deletion == "Snapshot":
					t.Errorf("%s (%s): DeletionPolicy %s survives a rolled-back create; want RetainExceptOnCreate", id, r["Type"], deletion)
				case !prod && (deletion != "" && deletion != "Delete" || replace != "" && replace != "Delete"):
					t.Errorf("%s (%s): DeletionPolicy %q, UpdateReplacePolicy %q in stage %s; want it deleted with the stack", id, r["Type"], deletion, replace, c.name)
				}
			}
			if !prod {
				return
			}
			// What holds data in prod is kept on deletion and replacement.
			for _, typ := range []string{"AWS::Cognito::UserPool", "AWS::Logs::LogGroup"} {
				for id, r := range s.resources(typ) {
					if r["DeletionPolicy"] != "RetainExceptOnCreate" || r["UpdateReplacePolicy"] != "Retain" {
						t.Errorf("prod %s (%s): DeletionPolicy %v, UpdateReplacePolicy %v; want RetainExceptOnCreate and Retain",
							id, typ, r["DeletionPolicy"], r["UpdateReplacePolicy"])
					}
				}
			}
		})
	}
}

// TestAccountSettingsHaveOneOwner: API Gateway's account-wide CloudWatch role
// is defined by the account stack alone, which every stage stack depends on.
func TestAccountSettingsHaveOneOwner(t *testing.T) {
	for _, c := range configurations {
		t.Run(c.name, func(t *testing.T) {
			s := c.synth(t)
			if n := len(s.resources("AWS::ApiGateway::Account")); n != 0 {
				t.Errorf("stage stack defines %d AWS::ApiGateway::Account, want 0 (the account stack owns it)", n)
			}
			for id, r := range s.resources("AWS::IAM::Role") {
				if b, _ := json.Marshal(props(r)["AssumeRolePolicyDocument"]); strings.Contains(string(b), "apigateway.amazonaws.com") {
					t.Errorf("stage stack role %s is assumed by API Gateway, want none (the account stack's)", id)
				}
			}
			var deps []string
			for _, d := range *s.stack.Dependencies() {
				deps = append(deps, *d.StackName())
			}
			assertEqual(t, "stage stack dependencies", deps, []string{AccountStackName})

			accounts := map[string]map[string]any{}
			roles := map[string]map[string]any{}
			for id, r := range s.account["Resources"].(map[string]any) {
				r := r.(map[string]any)
				switch r["Type"] {
				case "AWS::ApiGateway::Account":
					accounts[id] = r
				case "AWS::IAM::Role":
					roles[id] = r
				}
			}
			if len(accounts) != 1 || len(roles) != 1 {
				t.Fatalf("account stack: %d accounts, %d roles, want 1 and 1", len(accounts), len(roles))
			}
			for _, a := range accounts {
				role := props(a)["CloudWatchRoleArn"].(map[string]any)["Fn::GetAtt"].([]any)[0].(string)
				if _, ok := roles[role]; !ok {
					t.Errorf("account CloudWatchRoleArn = %v, want the stack's role", props(a)["CloudWatchRoleArn"])
				}
			}
		})
	}
}

// TestPreflightOverrideRedeploys: a change to a method's property override
// gives the deployment a new logical id, so CloudFormation creates a new
// deployment and the stage serves the changed methods.
func TestPreflightOverrideRedeploys(t *testing.T) {
	deploymentID := func(value string) string {
		t.Helper()
		app := newTestApp(map[string]any{})
		stack := awscdk.NewStack(app, jsii.String("S"), nil)
		api := awsapigateway.NewRestApi(stack, jsii.String("Api"), &awsapigateway.RestApiProps{
			DefaultCorsPreflightOptions: &awsapigateway.CorsOptions{AllowOrigins: jsii.Strings("*")},
		})
		api.Root().AddMethod(jsii.String("GET"), awsapigateway.NewMockIntegration(nil), nil)
		overrideMethods(api, "OPTIONS", map[string]string{"Integration.ContentHandling": value})
		template := assertions.Template_FromStack(stack, nil)
		doc, err := decodeTemplate(template)
		if err != nil {
			t.Fatal(err)
		}
		s := &synthesized{json: doc}
		_, options := s.one(t, "AWS::ApiGateway::Method", map[string]any{"HttpMethod": "OPTIONS"})
		if got := props(options)["Integration"].(map[string]any)["ContentHandling"]; got != value {
			t.Errorf("OPTIONS ContentHandling = %v, want %s", got, value)
		}
		for id := range s.resources("AWS::ApiGateway::Deployment") {
			return id
		}
		t.Fatal("no deployment")
		return ""
	}
	a, b := deploymentID("CONVERT_TO_TEXT"), deploymentID("CONVERT_TO_BINARY")
	if a == b {
		t.Errorf("deployment logical id = %s for both overrides, want a new one when the override changes", a)
	}
}

// TestPhysicalNamesSideBySide: prod and dev deploy into one account and
// region, so no name that must be unique there may be the same in both
// (names built from the stack's own resources differ by construction).
func TestPhysicalNamesSideBySide(t *testing.T) {
	a, b := physicalNames(t, prod(t)), physicalNames(t, dev(t))
	if len(a) == 0 {
		t.Fatal("prod has no explicit physical names: the test sees nothing")
	}
	for name, where := range a {
		if other, ok := b[name]; ok {
			t.Errorf("%s is %s in prod and %s in dev: the second deploy fails", name, where, other)
		}
	}
	if StackName(prodConfig.synth(t).config()) == StackName(devConfig.synth(t).config()) {
		t.Error("prod and dev have the same stack name")
	}
}

// uniqueNames are the properties that name a resource uniquely per account
// and region, by type. RestApi's Name is not unique (the API's id is), so it
// is not here: both stages are "R2R API", and metrics add the stage name.
var uniqueNames = map[string]string{
	"AWS::Lambda::Function":            "FunctionName",
	"AWS::Logs::LogGroup":              "LogGroupName",
	"AWS::CloudWatch::Dashboard":       "DashboardName",
	"AWS::CloudWatch::Alarm":           "AlarmName",
	"AWS::Logs::QueryDefinition":       "Name",
	"AWS::SNS::Topic":                  "TopicName",
	"AWS::IAM::Role":                   "RoleName",
	"AWS::IAM::ManagedPolicy":          "ManagedPolicyName",
	"AWS::Cognito::UserPool":           "UserPoolName",
	"AWS::CodeDeploy::Application":     "ApplicationName",
	"AWS::CodeDeploy::DeploymentGroup": "DeploymentGroupName",
	"AWS::WAFv2::WebACL":               "Name",
}

// physicalNames renders each explicit unique name of the stage's template
// ("type value" -> logical id). A reference to one of the stack's resources
// renders as that stack and resource, which cannot collide with another stack.
func physicalNames(t *testing.T, s *synthesized) map[string]string {
	t.Helper()
	stack := *s.stack.StackName()
	var render func(v any) string
	render = func(v any) string {
		switch v := v.(type) {
		case string:
			return v
		case map[string]any:
			if r, ok := v["Ref"].(string); ok {
				if strings.HasPrefix(r, "AWS::") {
					return "${" + r + "}"
				}
				return "<" + stack + "/" + r + ">"
			}
			if att, ok := v["Fn::GetAtt"].([]any); ok {
				return fmt.Sprintf("<%s/%v.%v>", stack, att[0], att[1])
			}
			if j, ok := v["Fn::Join"].([]any); ok {
				var parts []string
				for _, p := range j[1].([]any) {
					parts = append(parts, render(p))
				}
				return strings.Join(parts, j[0].(string))
			}
		}
		t.Fatalf("%s: cannot render name %v", stack, v)
		return ""
	}
	names := map[string]string{}
	for id, r := range s.json["Resources"].(map[string]any) {
		r := r.(map[string]any)
		prop, ok := uniqueNames[r["Type"].(string)]
		if !ok {
			continue
		}
		if v, ok := orEmpty(r["Properties"])[prop]; ok {
			names[r["Type"].(string)+" "+render(v)] = id
		}
	}
	return names
}

func orEmpty(v any) map[string]any {
	if m, ok := v.(map[string]any); ok {
		return m
	}
	return map[string]any{}
}

// config is the configuration a synthesized stack was built with.
func (s *synthesized) config() Config {
	cfg, err := ConfigFromContext(s.stack.Node())
	if err != nil {
		panic(err)
	}
	return cfg
}

// TestDeployNeedsOnlyWhatTheGuideSays: the template needs no capability
// beyond CAPABILITY_IAM (the CDK CLI grants it; no named IAM resource, no
// macro or nested stack), and the README states the bootstrap stack version
// the assembly requires.
func TestDeployNeedsOnlyWhatTheGuideSays(t *testing.T) {
	named := []string{"RoleName", "ManagedPolicyName", "GroupName", "UserName", "InstanceProfileName"}
	for _, c := range configurations {
		s := c.synth(t)
		for suffix, doc := range s.templates() {
			stack := c.name + suffix
			if _, ok := doc["Transform"]; ok {
				t.Errorf("%s: template has a Transform: the deploy would need CAPABILITY_AUTO_EXPAND", stack)
			}
			for id, r := range doc["Resources"].(map[string]any) {
				r := r.(map[string]any)
				typ := r["Type"].(string)
				if typ == "AWS::CloudFormation::Stack" {
					t.Errorf("%s: nested stack %s", stack, id)
				}
				if strings.HasPrefix(typ, "AWS::IAM::") {
					for _, n := range named {
						if _, ok := orEmpty(r["Properties"])[n]; ok {
							t.Errorf("%s: %s has an explicit %s: the deploy would need CAPABILITY_NAMED_IAM", stack, id, n)
						}
					}
				}
			}
		}
	}

	s := prod(t)
	b, err := os.ReadFile(filepath.Join(s.outdir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var manifest struct {
		Artifacts map[string]struct {
			Type       string `json:"type"`
			Properties struct {
				RequiresBootstrapStackVersion int `json:"requiresBootstrapStackVersion"`
			} `json:"properties"`
		} `json:"artifacts"`
	}
	if err := json.Unmarshal(b, &manifest); err != nil {
		t.Fatal(err)
	}
	required := 0
	for _, a := range manifest.Artifacts {
		required = max(required, a.Properties.RequiresBootstrapStackVersion)
	}
	if required == 0 {
		t.Fatal("manifest requires no bootstrap version: the test reads the wrong field")
	}
	if want := fmt.Sprintf("bootstrap stack version %d", required); !strings.Contains(readREADME(t), want) {
		t.Errorf("README does not say %q (what the cloud assembly requires)", want)
	}
}

func readREADME(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestDockerfileBaseImages: the image build pulls nothing from Docker Hub,
// whose anonymous pull limit fails builds on shared CI addresses, and every
// base image has a fixed tag.
func TestDockerfileBaseImages(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	from := regexp.MustCompile(`(?mi)^FROM\s+(?:--platform=\S+\s+)?(\S+)`)
	matches := from.FindAllStringSubmatch(string(b), -1)
	if len(matches) < 2 {
		t.Fatalf("Dockerfile FROM lines = %v, want the build and runtime stages", matches)
	}
	for _, m := range matches {
		image := m[1]
		name, tag, ok := strings.Cut(image, ":")
		if !strings.HasPrefix(image, "public.ecr.aws/") {
			t.Errorf("FROM %s: want an image from ECR Public (public.ecr.aws/docker/library/... mirrors Docker's official images)", image)
		}
		if !ok || tag == "" || tag == "latest" || strings.Contains(name, "$") {
			t.Errorf("FROM %s: want a fixed tag", image)
		}
	}
}
