package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// TestMain closes the jsii kernel (a node process) once all tests are done.
// It also removes the cloud assemblies the tests wrote.
func TestMain(m *testing.M) {
	code := m.Run()
	jsii.Close()
	for _, dir := range tempDirs {
		os.RemoveAll(dir)
	}
	os.Exit(code)
}

// synthesized is one synthesized configuration, shared by the tests of a
// process: synthesis starts node, builds cmd/hello and stages the image
// context, so it runs once per configuration, not per test.
type synthesized struct {
	stack       awscdk.Stack
	accessStack awscdk.Stack // nil without githubRepository
	template    assertions.Template
	json        map[string]any // the stage stack's template, decoded
	account     map[string]any // the account stack's template, decoded
	access      map[string]any // the access stack's template, decoded; nil without githubRepository
	outdir      string         // the cloud assembly
	imageDir    string         // the API image's build context used
}

// configuration is one way to deploy the stack, as context overrides of
// cdk.json. Every configuration is synthesized at most once per test run.
type configuration struct {
	name      string
	overrides map[string]any
	fakeRepo  bool // image context: a made-up repository (else the real one)

	once sync.Once
	s    *synthesized
	err  error
}

func (c *configuration) synth(t *testing.T) *synthesized {
	t.Helper()
	c.once.Do(func() {
		img, err := imageDir()
		if c.fakeRepo {
			img, err = fakeRepo()
		}
		if err != nil {
			c.err = err
			return
		}
		c.s, c.err = synth(c.overrides, img)
	})
	if c.err != nil {
		t.Fatalf("%s: %v", c.name, c.err)
	}
	return c.s
}

// The configurations the deploy-time checks (dependency graph, cfn-lint,
// cdk-nag) run over: each branch of every context key, each deployment
// configuration.
var (
	// prodConfig is what `cdk synth` makes of cdk.json's defaults (canary10-5).
	prodConfig = &configuration{name: "prod"}
	// devConfig is a non-production stage with an alarm e-mail and a list of
	// CORS origins (all-at-once, the default outside prod). Its image context
	// is a made-up repository holding what must never be sent to Docker.
	devConfig = &configuration{name: "dev", fakeRepo: true, overrides: map[string]any{
		ContextStage:            "dev",
		ContextCORSAllowOrigins: []any{"https://app.example.com", "http://localhost:5173"},
		ContextLogLevel:         "DEBUG",
		ContextAlarmEmail:       "ops@example.com",
	}}
	// stagingConfig makes the choices neither prod nor dev makes: a linear
	// deployment, a public (NONE) streaming Function URL, one exact origin.
	stagingConfig = &configuration{name: "staging", fakeRepo: true, overrides: map[string]any{
		ContextStage:            "staging",
		ContextCORSAllowOrigins: []any{"https://app.example.com"},
		ContextDeploymentConfig: DeployLinear10Every1,
		ContextStreamURLAuth:    StreamURLAuthNone,
		ContextVersion:          "v1.2.3",
	}}
	// allKeysConfig sets every context key, as -c strings (what the CLI
	// passes), with the one deployment configuration the others leave out.
	allKeysConfig = &configuration{name: "all-keys", fakeRepo: true, overrides: map[string]any{
		ContextStage:                "qa",
		ContextCORSAllowOrigins:     "https://app.example.com,https://admin.example.com",
		ContextLogLevel:             "WARN",
		ContextThrottlingRateLimit:  "50",
		ContextThrottlingBurstLimit: "25",
		ContextAlarmEmail:           "ops@example.com",
		ContextDeploymentConfig:     DeployCanary10For10,
		ContextStreamURLAuth:        StreamURLAuthNone,
		ContextStreamFunctionURL:    "true",
		ContextWAF:                  "true",
		ContextWAFRateLimit:         "500",
		ContextAPIConcurrency:       "50",
		ContextStreamConcurrency:    "5",
		ContextStreamRateLimit:      "5",
		ContextStreamBurstLimit:     "10",
		ContextVersion:              "1a2b3c4-dirty",
		ContextGitHubRepository:     "octo-org/r2r",
		ContextDeployStages:         "dev,qa,prod",
	}}
	// noURLConfig is the stack for regions without Lambda Function URLs.
	noURLConfig = &configuration{name: "no-function-url", fakeRepo: true, overrides: map[string]any{
		ContextStage:             "eu",
		ContextStreamFunctionURL: false,
		// The access stack with the account's existing GitHub provider.
		ContextGitHubRepository:   "octo-org/r2r",
		ContextGitHubOIDCProvider: "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com",
	}}

	configurations = []*configuration{prodConfig, devConfig, stagingConfig, allKeysConfig, noURLConfig}
)

func prod(t *testing.T) *synthesized    { return prodConfig.synth(t) }
func dev(t *testing.T) *synthesized     { return devConfig.synth(t) }
func staging(t *testing.T) *synthesized { return stagingConfig.synth(t) }

// cdkJSONContext is the context of cdk.json: feature flags and defaults, so
// the tests see the template `cdk synth` produces.
func cdkJSONContext() (map[string]any, error) {
	b, err := os.ReadFile("cdk.json")
	if err != nil {
		return nil, err
	}
	var doc struct {
		Context map[string]any `json:"context"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("cdk.json: %w", err)
	}
	return doc.Context, nil
}

// imageDir returns the repository root when its Dockerfile exists, else a
// temporary context with a stub Dockerfile: synthesis only stages the build
// context (the image is built at deploy time), so the stub changes nothing
// but the asset hash, which the snapshot normalizes.
func imageDir() (string, error) {
	if _, err := os.Stat(filepath.Join("..", "Dockerfile")); err == nil {
		return "..", nil
	}
	dir, err := tempDir("r2r-image-context-")
	if err != nil {
		return "", err
	}
	fmt.Fprintln(os.Stderr, "infra tests: ../Dockerfile is missing; using a stub build context", dir)
	return dir, os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte("FROM scratch\n"), 0o644)
}

// synth synthesizes R2RStack with cdk.json's context plus overrides, with the
// AWS Solutions checks applied as main does.
func synth(overrides map[string]any, img string) (s *synthesized, err error) {
	defer func() {
		// jsii reports construct errors as panics.
		if r := recover(); r != nil {
			err = fmt.Errorf("synthesis panicked: %v", r)
		}
	}()
	ctx, err := cdkJSONContext()
	if err != nil {
		return nil, err
	}
	// What the CDK CLI adds to every synthesis: path metadata also feeds the
	// API deployment's logical id, so without it the tests would see another one.
	ctx["aws:cdk:enable-path-metadata"] = true
	ctx["aws:cdk:enable-asset-metadata"] = true
	for k, v := range overrides {
		ctx[k] = v
	}
	outdir, err := tempDir("r2r-cdk-out-")
	if err != nil {
		return nil, err
	}
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(outdir), Context: &ctx})
	// main adds the same checks to its app.
	awscdk.Aspects_Of(app).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{Verbose: jsii.Bool(true)}), nil)
	cfg, err := ConfigFromContext(app.Node())
	if err != nil {
		return nil, err
	}
	var accessStack awscdk.Stack
	if access, ok, err := AccessConfigFromContext(app.Node()); err != nil {
		return nil, err
	} else if ok {
		accessStack = NewAccessStack(app, AccessStackName, access, nil)
	}
	account, stack := defineStacks(app, cfg, R2RStackProps{ImageDir: img})
	template := assertions.Template_FromStack(stack, nil)
	doc, err := decodeTemplate(template)
	if err != nil {
		return nil, err
	}
	accountDoc, err := decodeTemplate(assertions.Template_FromStack(account, nil))
	if err != nil {
		return nil, err
	}
	s = &synthesized{stack: stack, template: template, json: doc, account: accountDoc, outdir: outdir, imageDir: img, accessStack: accessStack}
	if accessStack != nil {
		if s.access, err = decodeTemplate(assertions.Template_FromStack(accessStack, nil)); err != nil {
			return nil, err
		}
	}
	return s, nil
}

func decodeTemplate(template assertions.Template) (map[string]any, error) {
	b, err := json.Marshal(template.ToJSON())
	if err != nil {
		return nil, err
	}
	var doc map[string]any
	err = json.Unmarshal(b, &doc)
	return doc, err
}

// tempDirs are removed by TestMain (t.TempDir cannot outlive one test).
var tempDirs []string

func tempDir(pattern string) (string, error) {
	dir, err := os.MkdirTemp("", pattern)
	if err == nil {
		tempDirs = append(tempDirs, dir)
	}
	return dir, err
}

// fakeRepoFiles is a repository root as a build context sees it: what the
// image needs, and what must never reach Docker (a previous cloud assembly,
// git history, node_modules, a file named in .dockerignore).
var fakeRepoFiles = map[string]string{
	"Dockerfile":                  "FROM scratch\n",
	".dockerignore":               "secret.env\n",
	"go.mod":                      "module example.com/fake\n",
	"cmd/api/main.go":             "package main\n",
	"secret.env":                  "TOKEN=do-not-ship\n",
	".git/HEAD":                   "ref: refs/heads/main\n",
	"node_modules/x/index.js":     "\n",
	"infra/cdk.out/manifest.json": "{}\n",
	"infra/stack.go":              "package main\n",
}

func fakeRepo() (string, error) {
	dir, err := tempDir("r2r-fake-repo-")
	if err != nil {
		return "", err
	}
	for name, content := range fakeRepoFiles {
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return "", err
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			return "", err
		}
	}
	return dir, nil
}

// newTestApp is an app with the given context that never writes to cdk.out.
func newTestApp(ctx map[string]any) awscdk.App {
	return awscdk.NewApp(&awscdk.AppProps{Context: &ctx, AutoSynth: jsii.Bool(false)})
}
