package cicheck

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/rhysd/actionlint"
	"go.yaml.in/yaml/v4"
)

// repo is the repository root, two levels up.
const repo = "../.."

// workflows parses every workflow file with actionlint's parser.
func workflows(t *testing.T) map[string]*actionlint.Workflow {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(repo, ".github", "workflows", "*.yml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("workflows: %v, %v", files, err)
	}
	out := map[string]*actionlint.Workflow{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		w, errs := actionlint.Parse(b)
		for _, e := range errs {
			t.Errorf("%s: %s", f, e)
		}
		out[filepath.Base(f)] = w
	}
	return out
}

// makeTargets are the Makefile's targets.
func makeTargets(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repo, "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	var targets []string
	for _, m := range regexp.MustCompile(`(?m)^([A-Za-z0-9_-]+):([^=]|$)`).FindAllStringSubmatch(string(b), -1) {
		targets = append(targets, m[1])
	}
	return targets
}

// commands splits a run: script into its commands (continued lines joined,
// comments and blank lines left out).
func commands(script string) []string {
	var out []string
	var cur strings.Builder
	for _, line := range strings.Split(script, "\n") {
		line = strings.TrimSpace(line)
		if cont, ok := strings.CutSuffix(line, "\\"); ok {
			cur.WriteString(strings.TrimSpace(cont) + " ")
			continue
		}
		cur.WriteString(line)
		if c := strings.TrimSpace(cur.String()); c != "" && !strings.HasPrefix(c, "#") {
			out = append(out, c)
		}
		cur.Reset()
	}
	return out
}

// summaryLine is the one other command a workflow may run: a message written
// to the job summary.
var summaryLine = regexp.MustCompile(`^echo "[^"$` + "`" + `]*" >> "\$GITHUB_STEP_SUMMARY"$`)

// TestWorkflowsRunLocalCommands: every command of every workflow is a make
// target or .ci/run, so the pipeline and a developer's machine cannot drift
// apart.
func TestWorkflowsRunLocalCommands(t *testing.T) {
	targets := makeTargets(t)
	if !slices.Contains(targets, "test") || !slices.Contains(targets, "deploy") {
		t.Fatalf("Makefile targets = %v: the parser is broken", targets)
	}
	n := 0
	for name, w := range workflows(t) {
		for id, job := range w.Jobs {
			for _, step := range job.Steps {
				run, ok := step.Exec.(*actionlint.ExecRun)
				if !ok {
					continue
				}
				for _, c := range commands(run.Run.Value) {
					n++
					fields := strings.Fields(c)
					switch {
					case c == "bash .ci/run":
					case fields[0] == "make" && len(fields) > 1 && slices.Contains(targets, fields[1]):
					case summaryLine.MatchString(c):
					default:
						t.Errorf("%s job %s runs %q: want a make target, bash .ci/run, or an echo to the job summary", name, id, c)
					}
				}
			}
		}
	}
	if n == 0 {
		t.Fatal("no commands found in the workflows")
	}
}

// TestCommands: the splitter sees what a shell would run.
func TestCommands(t *testing.T) {
	got := commands("# a comment\nmake test \\\n  STAGE=dev\n\nbash .ci/run\n")
	want := []string{"make test STAGE=dev", "bash .ci/run"}
	if !slices.Equal(got, want) {
		t.Errorf("commands = %q, want %q", got, want)
	}
}

// TestActionsArePinned: every action names an exact release or a commit, so
// a moved tag cannot change what runs with the deploy credentials.
func TestActionsArePinned(t *testing.T) {
	pinned := regexp.MustCompile(`^[A-Za-z0-9_.-]+/[A-Za-z0-9_./-]+@(v\d+\.\d+\.\d+|[0-9a-f]{40})$`)
	for name, w := range workflows(t) {
		for id, job := range w.Jobs {
			for _, step := range job.Steps {
				if a, ok := step.Exec.(*actionlint.ExecAction); ok && !pinned.MatchString(a.Uses.Value) {
					t.Errorf("%s job %s uses %s: want owner/action@vX.Y.Z or a commit", name, id, a.Uses.Value)
				}
			}
		}
	}
}

// TestDeploys: each stage deploys in its own GitHub environment (prod after
// dev), one at a time, never cancelled, with OIDC credentials of that
// stage's role; no workflow holds an access key.
func TestDeploys(t *testing.T) {
	all := workflows(t)
	w, ok := all["deploy.yml"]
	if !ok {
		t.Fatal("no deploy.yml")
	}
	for _, stage := range []string{"dev", "prod"} {
		job, ok := w.Jobs[stage]
		if !ok {
			t.Errorf("deploy.yml has no %s job", stage)
			continue
		}
		if job.Environment == nil || job.Environment.Name.Value != stage {
			t.Errorf("%s job: environment %v, want %s", stage, job.Environment, stage)
		}
		if c := job.Concurrency; c == nil || c.Group.Value != "deploy-"+stage || c.CancelInProgress == nil || c.CancelInProgress.Value {
			t.Errorf("%s job: concurrency %+v, want group deploy-%s, cancel-in-progress false", stage, c, stage)
		}
		if p := job.Permissions; p == nil || p.Scopes["id-token"] == nil || p.Scopes["id-token"].Value.Value != "write" {
			t.Errorf("%s job: permissions %+v, want id-token: write", stage, p)
		}
		var role string
		var deploys []string
		for _, step := range job.Steps {
			switch e := step.Exec.(type) {
			case *actionlint.ExecAction:
				if strings.HasPrefix(e.Uses.Value, "aws-actions/configure-aws-credentials@") {
					if in := e.Inputs["role-to-assume"]; in != nil {
						role = in.Value.Value
					}
				}
			case *actionlint.ExecRun:
				for _, c := range commands(e.Run.Value) {
					if strings.HasPrefix(c, "make deploy ") || strings.HasPrefix(c, "make diff ") {
						deploys = append(deploys, c)
					}
				}
			}
		}
		// The access stack outputs each role as AWS_ROLE_<STAGE>.
		if want := "${{ vars.AWS_ROLE_" + strings.ToUpper(stage) + " }}"; role != want {
			t.Errorf("%s job: role-to-assume %q, want %s", stage, role, want)
		}
		want := []string{
			`make diff STAGE=` + stage + ` SUMMARY="$GITHUB_STEP_SUMMARY"`,
			`make deploy STAGE=` + stage + ` DEPLOY_FLAGS="--require-approval never"`,
		}
		if !slices.Equal(deploys, want) {
			t.Errorf("%s job runs %q, want %q", stage, deploys, want)
		}
	}
	if prod := w.Jobs["prod"]; prod == nil || len(prod.Needs) != 1 || prod.Needs[0].Value != "dev" {
		t.Error("prod job: want needs: dev")
	}
	for name := range all {
		b, err := os.ReadFile(filepath.Join(repo, ".github", "workflows", name))
		if err != nil {
			t.Fatal(err)
		}
		for _, key := range []string{"aws-access-key-id", "aws-secret-access-key", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"} {
			if strings.Contains(string(b), key) {
				t.Errorf("%s mentions %s: credentials come from OIDC only", name, key)
			}
		}
		if name != "deploy.yml" && strings.Contains(string(b), "--require-approval") {
			t.Errorf("%s skips the CDK CLI's approval: only the deploy workflow, behind its environments' review, may", name)
		}
	}
}

// TestDependabotCoversEveryModule: Dependabot updates the actions and every
// Go module of the repository.
func TestDependabotCoversEveryModule(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(repo, ".github", "dependabot.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		Updates []struct {
			Ecosystem   string   `yaml:"package-ecosystem"`
			Directory   string   `yaml:"directory"`
			Directories []string `yaml:"directories"`
		} `yaml:"updates"`
	}
	if err := yaml.Unmarshal(b, &cfg); err != nil {
		t.Fatal(err)
	}
	listed := map[string][]string{}
	for _, u := range cfg.Updates {
		dirs := u.Directories
		if u.Directory != "" {
			dirs = append(dirs, u.Directory)
		}
		listed[u.Ecosystem] = append(listed[u.Ecosystem], dirs...)
	}
	if !slices.Contains(listed["github-actions"], "/") {
		t.Error("dependabot.yml does not update github-actions")
	}
	var modules []string
	err = filepath.WalkDir(repo, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "node_modules" || d.Name() == "tmp" || d.Name() == "bin" || d.Name() == "cdk.out") {
			return filepath.SkipDir
		}
		if d.Name() == "go.mod" {
			rel, _ := filepath.Rel(repo, filepath.Dir(path))
			modules = append(modules, "/"+strings.TrimPrefix(filepath.ToSlash(rel), "."))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(modules)
	if len(modules) < 2 {
		t.Fatalf("modules = %v: the walk is broken", modules)
	}
	for _, m := range modules {
		if !slices.Contains(listed["gomod"], m) {
			t.Errorf("Go module %s is not in dependabot.yml", m)
		}
	}
}
