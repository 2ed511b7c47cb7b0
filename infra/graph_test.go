package main

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// The dependency graph of a CloudFormation template, as CloudFormation builds
// it before it creates anything: a resource depends on every resource and
// condition it names, wherever it names it (Properties, DependsOn,
// UpdatePolicy, CreationPolicy, Metadata), and a cycle anywhere makes
// CreateStack and UpdateStack fail with "Circular dependency between
// resources". Synthesis, the template assertions and cdk-nag never look at
// this graph, so a cycle passes all of them.

// edge is one dependency: From needs To, named at Where (a path in From's
// definition, e.g. "UpdatePolicy.CodeDeployLambdaAliasUpdate.DeploymentGroupName").
type edge struct {
	From, To, Where string
}

// Node names: resources by logical id; conditions and outputs in their own
// namespaces, since a condition or an output may share a resource's id.
func conditionNode(id string) string { return "Conditions." + id }
func outputNode(id string) string    { return "Outputs." + id }

// dependencyEdges returns every edge of the template.
func dependencyEdges(template map[string]any) ([]edge, error) {
	section := func(name string) map[string]any {
		m, _ := template[name].(map[string]any)
		return m
	}
	resources, conditions, outputs := section("Resources"), section("Conditions"), section("Outputs")
	if len(resources) == 0 {
		return nil, fmt.Errorf("template has no Resources")
	}
	w := &edgeWalker{resources: resources, conditions: conditions}
	for id, r := range resources {
		def, ok := r.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("resource %s is not an object", id)
		}
		for key, v := range def {
			switch key {
			case "Type":
			case "DependsOn":
				deps := []any{v}
				if list, ok := v.([]any); ok {
					deps = list
				}
				for _, d := range deps {
					name, _ := d.(string)
					if _, ok := resources[name]; !ok {
						return nil, fmt.Errorf("%s: DependsOn %v names no resource", id, d)
					}
					w.add(id, name, "DependsOn")
				}
			case "Condition":
				name, _ := v.(string)
				w.add(id, conditionNode(name), "Condition")
			default:
				w.walk(id, key, v)
			}
		}
	}
	for id, c := range conditions {
		w.walk(conditionNode(id), "", c)
	}
	for id, o := range outputs {
		w.walk(outputNode(id), "", o)
	}
	if w.err != nil {
		return nil, w.err
	}
	sort.Slice(w.edges, func(i, j int) bool {
		a, b := w.edges[i], w.edges[j]
		return a.From+"\x00"+a.To+"\x00"+a.Where < b.From+"\x00"+b.To+"\x00"+b.Where
	})
	return w.edges, nil
}

type edgeWalker struct {
	resources, conditions map[string]any
	edges                 []edge
	err                   error
}

func (w *edgeWalker) add(from, to, where string) {
	w.edges = append(w.edges, edge{From: from, To: to, Where: where})
}

// target is the node an intrinsic function's name refers to, or "" for a
// parameter or a pseudo parameter (AWS::Region), which depend on nothing.
func (w *edgeWalker) target(name string) string {
	if _, ok := w.resources[name]; ok {
		return name
	}
	return ""
}

// subVariable matches ${Name} and ${Name.Attribute} in Fn::Sub, not ${!Literal}.
var subVariable = regexp.MustCompile(`\$\{([^!}][^}]*)\}`)

func (w *edgeWalker) walk(from, where string, v any) {
	join := func(k string) string {
		if where == "" {
			return k
		}
		return where + "." + k
	}
	switch v := v.(type) {
	case []any:
		for i, e := range v {
			w.walk(from, fmt.Sprintf("%s[%d]", where, i), e)
		}
	case map[string]any:
		if len(v) == 1 {
			for fn, arg := range v {
				if w.intrinsic(from, join(fn), fn, arg) {
					return
				}
			}
		}
		for k, e := range v {
			w.walk(from, join(k), e)
		}
	}
}

// intrinsic records the edges of one intrinsic function and reports whether
// fn was one whose arguments it has walked.
func (w *edgeWalker) intrinsic(from, where, fn string, arg any) bool {
	switch fn {
	case "Ref":
		name, _ := arg.(string)
		if to := w.target(name); to != "" {
			w.add(from, to, where)
		}
		return true
	case "Fn::GetAtt":
		var name string
		switch a := arg.(type) {
		case string: // "Resource.Attribute"
			name, _, _ = strings.Cut(a, ".")
		case []any:
			if len(a) > 0 {
				name, _ = a[0].(string)
			}
			if len(a) > 1 {
				w.walk(from, where+"[1]", a[1]) // the attribute may be a Ref
			}
		}
		if to := w.target(name); to != "" {
			w.add(from, to, where)
		} else if w.err == nil {
			w.err = fmt.Errorf("%s: %s names no resource (%v)", from, where, arg)
		}
		return true
	case "Fn::Sub":
		var text string
		local := map[string]bool{}
		switch a := arg.(type) {
		case string:
			text = a
		case []any:
			if len(a) > 0 {
				text, _ = a[0].(string)
			}
			if len(a) > 1 {
				vars, _ := a[1].(map[string]any)
				for name, value := range vars {
					local[name] = true
					w.walk(from, where+"[1]."+name, value)
				}
			}
		}
		for _, m := range subVariable.FindAllStringSubmatch(text, -1) {
			name, _, _ := strings.Cut(m[1], ".")
			if local[name] {
				continue
			}
			if to := w.target(name); to != "" {
				w.add(from, to, where)
			}
		}
		return true
	case "Fn::If":
		if a, ok := arg.([]any); ok && len(a) == 3 {
			name, _ := a[0].(string)
			w.add(from, conditionNode(name), where+"[0]")
			w.walk(from, where+"[1]", a[1])
			w.walk(from, where+"[2]", a[2])
			return true
		}
	case "Condition": // inside Conditions: {"Condition": "Other"}
		if name, ok := arg.(string); ok {
			if _, isCondition := w.conditions[name]; isCondition {
				w.add(from, conditionNode(name), where)
				return true
			}
		}
	}
	return false
}

// TestDependencyEdges: each way a template names another node is an edge.
func TestDependencyEdges(t *testing.T) {
	template := map[string]any{
		"Conditions": map[string]any{
			"IsProd":  map[string]any{"Fn::Equals": []any{map[string]any{"Ref": "Stage"}, "prod"}},
			"HasMail": map[string]any{"Fn::And": []any{map[string]any{"Condition": "IsProd"}, true}},
		},
		"Parameters": map[string]any{"Stage": map[string]any{"Type": "String"}},
		"Resources": map[string]any{
			"A": map[string]any{"Type": "T", "Properties": map[string]any{
				"Ref":  map[string]any{"Ref": "B"},
				"Att":  map[string]any{"Fn::GetAtt": []any{"C", "Arn"}},
				"Att2": map[string]any{"Fn::GetAtt": "D.Arn"},
				"Sub":  map[string]any{"Fn::Sub": "${E}/${F.Arn}/${!G}/${AWS::Region}/${Stage}"},
				"SubVars": map[string]any{"Fn::Sub": []any{"${Local}-${H}", map[string]any{
					"Local": map[string]any{"Ref": "I"},
				}}},
				"If":    map[string]any{"Fn::If": []any{"HasMail", map[string]any{"Ref": "J"}, "x"}},
				"Param": map[string]any{"Ref": "Stage"},
			}},
			"B": map[string]any{"Type": "T", "DependsOn": "C", "Condition": "IsProd"},
			"C": map[string]any{"Type": "T", "DependsOn": []any{"D"}},
			"D": map[string]any{"Type": "T", "UpdatePolicy": map[string]any{"P": map[string]any{"Name": map[string]any{"Ref": "E"}}}},
			"E": map[string]any{"Type": "T"}, "F": map[string]any{"Type": "T"}, "G": map[string]any{"Type": "T"},
			"H": map[string]any{"Type": "T"}, "I": map[string]any{"Type": "T"}, "J": map[string]any{"Type": "T"},
			"Local": map[string]any{"Type": "T"},
		},
		"Outputs": map[string]any{"Out": map[string]any{"Value": map[string]any{"Ref": "A"}}},
	}
	edges, err := dependencyEdges(template)
	if err != nil {
		t.Fatal(err)
	}
	want := []edge{
		{"A", "B", "Properties.Ref.Ref"},
		{"A", "C", "Properties.Att.Fn::GetAtt"},
		{"A", "Conditions.HasMail", "Properties.If.Fn::If[0]"},
		{"A", "D", "Properties.Att2.Fn::GetAtt"},
		{"A", "E", "Properties.Sub.Fn::Sub"},
		{"A", "F", "Properties.Sub.Fn::Sub"},
		{"A", "H", "Properties.SubVars.Fn::Sub"},
		{"A", "I", "Properties.SubVars.Fn::Sub[1].Local.Ref"},
		{"A", "J", "Properties.If.Fn::If[1].Ref"},
		{"B", "C", "DependsOn"},
		{"B", "Conditions.IsProd", "Condition"},
		{"C", "D", "DependsOn"},
		{"Conditions.HasMail", "Conditions.IsProd", "Fn::And[0].Condition"},
		{"D", "E", "UpdatePolicy.P.Name.Ref"},
		{"Outputs.Out", "A", "Value.Ref"},
	}
	assertEqual(t, "dependencyEdges", edges, want)
	if c := cycles(edges); len(c) != 0 {
		t.Errorf("cycles(acyclic) = %v, want none", c)
	}

	// Closing the loop E -> A makes one cycle through the UpdatePolicy edge.
	template["Resources"].(map[string]any)["E"] = map[string]any{"Type": "T", "DependsOn": "A"}
	edges, err = dependencyEdges(template)
	if err != nil {
		t.Fatal(err)
	}
	found := cycles(edges)
	if len(found) != 1 {
		t.Fatalf("cycles = %v, want 1", found)
	}
	got := describeCycle(found[0])
	if want := "between A, B, C, D, E; for example:\nA\n  --Properties.Sub.Fn::Sub--> E\n  --DependsOn--> A"; got != want {
		t.Errorf("cycle = %s, want %s", got, want)
	}
}
