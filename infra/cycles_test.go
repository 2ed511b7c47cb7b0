package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
)

// cycle is a set of nodes that depend on one another (a strongly connected
// component with more than one node, or a node naming itself), with one
// concrete loop through them and the place each of its edges comes from.
type cycle struct {
	nodes []string // sorted
	path  []edge
}

// cycles returns every cycle of the graph. Tarjan's algorithm; the output is
// sorted so a failure reads the same every run.
func cycles(edges []edge) []cycle {
	out := map[string][]edge{}
	var nodes []string
	seen := map[string]bool{}
	for _, e := range edges {
		out[e.From] = append(out[e.From], e)
		for _, n := range []string{e.From, e.To} {
			if !seen[n] {
				seen[n] = true
				nodes = append(nodes, n)
			}
		}
	}
	sort.Strings(nodes)

	index, low := map[string]int{}, map[string]int{}
	onStack := map[string]bool{}
	var stack []string
	var components [][]string
	var connect func(n string)
	connect = func(n string) {
		index[n] = len(index)
		low[n] = index[n]
		stack = append(stack, n)
		onStack[n] = true
		for _, e := range out[n] {
			if _, visited := index[e.To]; !visited {
				connect(e.To)
				low[n] = min(low[n], low[e.To])
			} else if onStack[e.To] {
				low[n] = min(low[n], index[e.To])
			}
		}
		if low[n] == index[n] {
			var c []string
			for {
				m := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				onStack[m] = false
				c = append(c, m)
				if m == n {
					break
				}
			}
			components = append(components, c)
		}
	}
	for _, n := range nodes {
		if _, visited := index[n]; !visited {
			connect(n)
		}
	}

	var found []cycle
	for _, c := range components {
		sort.Strings(c)
		in := map[string]bool{}
		for _, n := range c {
			in[n] = true
		}
		if len(c) == 1 && !slices.ContainsFunc(out[c[0]], func(e edge) bool { return e.To == c[0] }) {
			continue
		}
		found = append(found, cycle{nodes: c, path: cycleThrough(c[0], in, out)})
	}
	return found
}

// cycleThrough is a shortest cycle from start back to start inside one
// component (breadth-first, so the path shown is the simplest one).
func cycleThrough(start string, in map[string]bool, out map[string][]edge) []edge {
	via := map[string]edge{}
	queue := []string{start}
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		for _, e := range out[n] {
			if !in[e.To] {
				continue
			}
			if e.To == start {
				path := []edge{e}
				for m := n; m != start; m = via[m].From {
					path = append(path, via[m])
				}
				slices.Reverse(path)
				return path
			}
			if _, ok := via[e.To]; !ok {
				via[e.To] = e
				queue = append(queue, e.To)
			}
		}
	}
	return nil // unreachable for a strongly connected component
}

// describeCycle names the resources on a cycle, as CloudFormation's message
// lists them, and one loop through them with the property each dependency
// comes from.
func describeCycle(c cycle) string {
	var b strings.Builder
	fmt.Fprintf(&b, "between %s; for example:\n", strings.Join(c.nodes, ", "))
	for i, e := range c.path {
		if i == 0 {
			b.WriteString(e.From)
		}
		fmt.Fprintf(&b, "\n  --%s--> %s", e.Where, e.To)
	}
	return b.String()
}

// assertAcyclic fails the test with every cycle of the template.
func assertAcyclic(t *testing.T, name string, template map[string]any) {
	t.Helper()
	edges, err := dependencyEdges(template)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	for _, c := range cycles(edges) {
		t.Errorf("%s: CloudFormation refuses this template: circular dependency\n%s", name, describeCycle(c))
	}
}

// TestDependencyGraphIsAcyclic: every configuration synthesizes a template
// CloudFormation can order.
func TestDependencyGraphIsAcyclic(t *testing.T) {
	for _, c := range configurations {
		t.Run(c.name, func(t *testing.T) {
			for suffix, doc := range c.synth(t).templates() {
				assertAcyclic(t, c.name+suffix, doc)
			}
		})
	}
}

// TestDependencyGraphFindsCycles proves the graph test can fail: the template
// main synthesized before the alarms stopped naming the stage resource (kept
// in testdata as it was) holds the cycle CloudFormation rejected, through a
// reference inside UpdatePolicy.
func TestDependencyGraphFindsCycles(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "cycle-R2RStack.template.json"))
	if err != nil {
		t.Fatal(err)
	}
	var template map[string]any
	if err := json.Unmarshal(b, &template); err != nil {
		t.Fatal(err)
	}
	edges, err := dependencyEdges(template)
	if err != nil {
		t.Fatal(err)
	}
	found := cycles(edges)
	if len(found) != 1 {
		t.Fatalf("cycles(old template) = %d, want 1: %v", len(found), found)
	}
	// The resources cfn-lint's E3004 names, and the other alarms and methods
	// that closed the same loop.
	for _, id := range []string{
		"ApiFunctionLive1CDAB8CD", "ApiDeploymentGroup97F2E15D",
		"Api5xxAlarm31F257DC", "Api4xxRateAlarmDF9D1E6A", "ApiLatencyP99Alarm8892507F",
		"RestApiDeploymentStageprod3855DE66", "RestApiDeployment180EC50343afee52a4c90a0ea55b697adbb23521",
		"RestApiapiproxyANY9A5715D2",
	} {
		if !slices.Contains(found[0].nodes, id) {
			t.Errorf("cycle %s: want %s on it", describeCycle(found[0]), id)
		}
	}
	// The loop shown closes through the alias's UpdatePolicy.
	if !slices.ContainsFunc(found[0].path, func(e edge) bool {
		return e.From == "ApiFunctionLive1CDAB8CD" && strings.HasPrefix(e.Where, "UpdatePolicy.CodeDeployLambdaAliasUpdate")
	}) {
		t.Errorf("cycle %s: want the alias's UpdatePolicy edge on it", describeCycle(found[0]))
	}
}
