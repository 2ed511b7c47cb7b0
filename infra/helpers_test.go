package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"
)

// resources returns the template's resources of one type by logical id.
func (s *synthesized) resources(typ string) map[string]map[string]any {
	out := map[string]map[string]any{}
	for id, r := range s.json["Resources"].(map[string]any) {
		r := r.(map[string]any)
		if r["Type"] == typ {
			out[id] = r
		}
	}
	return out
}

// one returns the single resource of typ whose properties contain want
// (compared by JSON meaning); it fails the test otherwise.
func (s *synthesized) one(t *testing.T, typ string, want map[string]any) (string, map[string]any) {
	t.Helper()
	var ids []string
	for id, r := range s.resources(typ) {
		if contains(r["Properties"], want) {
			ids = append(ids, id)
		}
	}
	if len(ids) != 1 {
		t.Fatalf("%s with %v: found %d (%v), want 1", typ, want, len(ids), ids)
	}
	return ids[0], s.resources(typ)[ids[0]]
}

// contains reports whether got holds want: maps by subset, the rest equal.
func contains(got, want any) bool {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return false
		}
		for k, wv := range w {
			if !contains(g[k], wv) {
				return false
			}
		}
		return true
	default:
		return reflect.DeepEqual(got, want)
	}
}

func ref(id string) map[string]any { return map[string]any{"Ref": id} }

// props returns a resource's Properties.
func props(r map[string]any) map[string]any { return r["Properties"].(map[string]any) }

// apiResource returns the logical id of the API Gateway resource at path
// (e.g. "/api/{proxy+}").
func (s *synthesized) apiResource(t *testing.T, path string) string {
	t.Helper()
	parent := map[string]any{"Fn::GetAtt": []any{s.restAPI(t), "RootResourceId"}}
	var id string
	for _, part := range strings.Split(strings.Trim(path, "/"), "/") {
		id, _ = s.one(t, "AWS::ApiGateway::Resource", map[string]any{"PathPart": part, "ParentId": parent})
		parent = ref(id)
	}
	return id
}

func (s *synthesized) restAPI(t *testing.T) string {
	t.Helper()
	id, _ := s.one(t, "AWS::ApiGateway::RestApi", map[string]any{"Name": "R2R API"})
	return id
}

// method returns the Method resource for an HTTP method on path.
func (s *synthesized) method(t *testing.T, path, httpMethod string) map[string]any {
	t.Helper()
	_, m := s.one(t, "AWS::ApiGateway::Method", map[string]any{
		"HttpMethod": httpMethod, "ResourceId": ref(s.apiResource(t, path)),
	})
	return props(m)
}

// function returns the logical id and properties of the Lambda function
// whose Description starts with prefix.
func (s *synthesized) function(t *testing.T, prefix string) (string, map[string]any) {
	t.Helper()
	for id, r := range s.resources("AWS::Lambda::Function") {
		if d, _ := props(r)["Description"].(string); strings.HasPrefix(d, prefix) {
			return id, props(r)
		}
	}
	t.Fatalf("no Lambda function described %q...", prefix)
	return "", nil
}

// byIDPrefix returns the logical id and resource of the one resource of typ
// whose logical id is prefix followed by CDK's 8-character hash.
func (s *synthesized) byIDPrefix(t *testing.T, typ, prefix string) (string, map[string]any) {
	t.Helper()
	for id, r := range s.resources(typ) {
		if strings.HasPrefix(id, prefix) && len(id) == len(prefix)+8 {
			return id, r
		}
	}
	t.Fatalf("no %s with logical id %s<hash>", typ, prefix)
	return "", nil
}

// ref is {"Ref": id} of the stack's one resource of typ.
func (s *synthesized) ref(t *testing.T, typ string) map[string]any {
	t.Helper()
	id, _ := s.one(t, typ, map[string]any{})
	return map[string]any{"Ref": id}
}

// hasResourceProperties runs CDK's Template.HasResourceProperties, whose
// failure (a jsii panic naming the closest match) becomes a test error.
func hasResourceProperties(t *testing.T, s *synthesized, typ string, props map[string]any) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Errorf("%s with %v: %v", typ, props, r)
		}
	}()
	s.template.HasResourceProperties(jsii.String(typ), assertions.Match_ObjectLike(&props))
}

func assertEqual(t *testing.T, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		g, _ := json.Marshal(got)
		w, _ := json.Marshal(want)
		t.Errorf("%s = %s, want %s", what, g, w)
	}
}

func describe(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

func refID(v any) string {
	m, _ := v.(map[string]any)
	id, _ := m["Ref"].(string)
	return id
}

func keys(m map[string]any) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

func orEmpty(v any) map[string]any {
	if m, ok := v.(map[string]any); ok {
		return m
	}
	return map[string]any{}
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

// config is the configuration a synthesized stack was built with.
func (s *synthesized) config() Config {
	cfg, err := ConfigFromContext(s.stack.Node())
	if err != nil {
		panic(err)
	}
	return cfg
}

func readREADME(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
