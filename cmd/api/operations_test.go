//go:build r2rtest

package main

// The stack's saved Logs Insights queries and its dashboard read the app's
// log lines and EMF metrics by name, and nothing but this test ties the names
// in infra/ to the names the app writes: a renamed log field or metric would
// leave an operator's first query empty, and no deploy would fail.

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/r2r/r2r/internal/api"
	"github.com/r2r/r2r/internal/lambdahttp"
	"github.com/r2r/r2r/internal/lambdahttp/lambdahttptest"
	"github.com/r2r/r2r/internal/logtest"
)

// stackTemplate is the synthesized stack, kept equal to the synth by infra's
// TestSnapshot.
var stackTemplate = filepath.Join("..", "..", "infra", "testdata", "R2RStack.template.json")

// TestOperationsReadWhatTheAppWrites: the API, configured with the API
// function's environment from the synthesized template, serves a success, a
// panic and a request that outlives its deadline. Then every snake_case field
// a saved query or the dashboard names (the app's own; API Gateway's access
// log and Lambda's platform lines are camelCase), every msg and level they
// filter on, and every namespace, dimension set and metric the dashboard
// searches appear in what it wrote.
func TestOperationsReadWhatTheAppWrites(t *testing.T) {
	tmpl := readTemplate(t)
	env := tmpl.functionEnv(t, "buffered")

	cfg, err := api.LoadConfig(func(k string) string { return env[k] })
	if err != nil {
		t.Fatalf("the API function's environment %v: %v", env, err)
	}
	var out logtest.Buffer
	logger := newLogger(&out, cfg)
	metrics := newMetrics(&out, cfg)
	opts := append(buildOptions(), api.WithMetrics(metrics))
	h := lambdahttp.New(api.NewServer(cfg, logger, append(opts, lambdaAPIOptions()...)...), lambdaOptions(cfg, logger)...)

	front := lambdahttptest.Front{Domain: "abc123.execute-api.eu-west-1.amazonaws.com", Stage: cfg.Stage,
		RequestID: "c6af9ac6-7b61-11e6-9a41-93e8deadbeef", SourceIP: "203.0.113.9", UserAgent: "test"}
	trace := [2]string{"X-Amzn-Trace-Id", "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"}
	for _, target := range []string{"/api/hello", "/api/_test/panic", "/api/_test/slow?ms=400"} {
		ev := front.EventV1(t, lambdahttptest.Request{Method: "GET", Target: target, Header: [][2]string{trace}})
		ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: "8476a536-e9f4-11e8-9739-2dfe598c3fcd"})
		ctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
		if _, err := h.Invoke(ctx, ev); err != nil {
			t.Fatalf("GET %s: %v", target, err)
		}
		cancel()
	}
	metrics.Close()

	var lines []map[string]any
	for l := range strings.Lines(out.String()) {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("a line the app wrote is not JSON: %v\n%s", err, l)
		}
		lines = append(lines, m)
	}
	written := func(field string) bool {
		return slices.ContainsFunc(lines, func(m map[string]any) bool { _, ok := m[field]; return ok })
	}
	wrote := func(field, value string) bool {
		return slices.ContainsFunc(lines, func(m map[string]any) bool { return m[field] == value })
	}

	queries := tmpl.logQueries(t)
	if len(queries) < 5 { // four saved queries and the dashboard's log widget
		t.Fatalf("found %d Logs Insights queries in the template, want the saved ones and the dashboard's", len(queries))
	}
	for _, q := range queries {
		for _, f := range snakeCaseFields(q) {
			if !written(f) {
				t.Errorf("query reads %q, which no line of the app has:\n%s", f, q)
			}
		}
		for _, m := range regexp.MustCompile(`\b(msg|level) = "([^"]*)"`).FindAllStringSubmatch(q, -1) {
			if !wrote(m[1], m[2]) {
				t.Errorf("query filters on %s = %q, which no line of the app has:\n%s", m[1], m[2], q)
			}
		}
	}

	var searches [][]string
	for _, s := range tmpl.dashboard(t) {
		searches = append(searches, regexp.MustCompile(`\{([^}]*)\} MetricName="([^"]*)"`).FindAllStringSubmatch(s, -1)...)
	}
	if len(searches) == 0 {
		t.Fatal("the dashboard searches no EMF metric")
	}
	for _, s := range searches {
		schema, metric := strings.Split(s[1], ","), s[2]
		if !slices.ContainsFunc(lines, func(m map[string]any) bool { return emitsMetric(m, schema[0], schema[1:], metric) }) {
			t.Errorf("the dashboard searches {%s} MetricName=%q, which no EMF line of the app has", s[1], metric)
		}
	}
}

// snakeCaseFields returns the field names a Logs Insights query reads that
// are the app's: not @-fields, not dotted or camelCase names, not keywords,
// and not "type", which Lambda's JSON platform lines have (with record.*).
func snakeCaseFields(q string) []string {
	var out []string
	for _, stage := range strings.Split(q, "|") {
		stage = strings.TrimSpace(stage)
		cmd, rest, _ := strings.Cut(stage, " ")
		if cmd != "fields" && cmd != "filter" && cmd != "sort" {
			continue
		}
		rest = regexp.MustCompile(`"[^"]*"`).ReplaceAllString(rest, "")
		for _, w := range regexp.MustCompile(`[@A-Za-z_][A-Za-z0-9_.]*`).FindAllString(rest, -1) {
			switch {
			case strings.HasPrefix(w, "@"), strings.ContainsAny(w, ".ABCDEFGHIJKLMNOPQRSTUVWXYZ"):
			case slices.Contains([]string{"and", "or", "not", "asc", "desc", "ispresent", "like", "in", "type"}, w):
			default:
				out = append(out, w)
			}
		}
	}
	return out
}

// emitsMetric reports whether m is an EMF line of namespace with exactly
// the dimensions dims that has the metric.
func emitsMetric(m map[string]any, namespace string, dims []string, metric string) bool {
	var line struct {
		AWS struct {
			CloudWatchMetrics []struct {
				Namespace  string
				Dimensions [][]string
				Metrics    []struct{ Name string }
			}
		} `json:"_aws"`
	}
	b, _ := json.Marshal(m)
	if json.Unmarshal(b, &line) != nil {
		return false
	}
	for _, d := range line.AWS.CloudWatchMetrics {
		if d.Namespace != namespace {
			continue
		}
		hasDims := slices.ContainsFunc(d.Dimensions, func(set []string) bool {
			return slices.Equal(slices.Sorted(slices.Values(set)), slices.Sorted(slices.Values(dims)))
		})
		if hasDims && slices.ContainsFunc(d.Metrics, func(x struct{ Name string }) bool { return x.Name == metric }) {
			return true
		}
	}
	return false
}

type template struct {
	Resources map[string]struct {
		Type       string
		Properties map[string]any
	}
}

func readTemplate(t *testing.T) template {
	t.Helper()
	b, err := os.ReadFile(stackTemplate)
	if err != nil {
		t.Fatal(err)
	}
	var tmpl template
	if err := json.Unmarshal(b, &tmpl); err != nil {
		t.Fatal(err)
	}
	return tmpl
}

// functionEnv returns the string-valued environment of the API function
// with LAMBDA_RESPONSE_MODE mode (references to other resources left out).
func (tmpl template) functionEnv(t *testing.T, mode string) map[string]string {
	t.Helper()
	for _, r := range tmpl.Resources {
		if r.Type != "AWS::Lambda::Function" {
			continue
		}
		vars, _ := r.Properties["Environment"].(map[string]any)["Variables"].(map[string]any)
		if vars["LAMBDA_RESPONSE_MODE"] != mode {
			continue
		}
		env := map[string]string{}
		for k, v := range vars {
			if s, ok := v.(string); ok {
				env[k] = s
			}
		}
		return env
	}
	t.Fatalf("no function with LAMBDA_RESPONSE_MODE=%s in %s", mode, stackTemplate)
	return nil
}

// logQueries returns the saved queries' strings and the dashboard's log
// widgets' queries.
func (tmpl template) logQueries(t *testing.T) []string {
	t.Helper()
	var qs []string
	for _, r := range tmpl.Resources {
		if r.Type == "AWS::Logs::QueryDefinition" {
			qs = append(qs, r.Properties["QueryString"].(string))
		}
	}
	for _, s := range tmpl.dashboard(t) {
		if src, q, ok := strings.Cut(s, "|"); ok && strings.HasPrefix(src, "SOURCE ") {
			qs = append(qs, q)
		}
	}
	return qs
}

// dashboard returns every string in the dashboard's body (titles, metric
// math, log queries), the references to other resources left out.
func (tmpl template) dashboard(t *testing.T) []string {
	t.Helper()
	for _, r := range tmpl.Resources {
		if r.Type != "AWS::CloudWatch::Dashboard" {
			continue
		}
		// The body is an Fn::Join of JSON text and references; a reference
		// sits inside a JSON string, so a placeholder keeps the text JSON.
		parts := r.Properties["DashboardBody"].(map[string]any)["Fn::Join"].([]any)[1].([]any)
		var body strings.Builder
		for _, p := range parts {
			if s, ok := p.(string); ok {
				body.WriteString(s)
			} else {
				body.WriteString("REF")
			}
		}
		var v any
		if err := json.Unmarshal([]byte(body.String()), &v); err != nil {
			t.Fatalf("the dashboard body is not JSON: %v", err)
		}
		var out []string
		var walk func(any)
		walk = func(v any) {
			switch v := v.(type) {
			case string:
				out = append(out, v)
			case []any:
				for _, e := range v {
					walk(e)
				}
			case map[string]any:
				for _, e := range v {
					walk(e)
				}
			}
		}
		walk(v)
		return out
	}
	t.Fatalf("no dashboard in %s", stackTemplate)
	return nil
}
