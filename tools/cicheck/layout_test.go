package cicheck

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestREADMELayoutNamesEveryPackage: the README's layout section names
// every directory that holds Go code, so a newcomer's map matches the tree.
// A directory counts as named when it, or its parent for a package nested
// in one the section describes (emf/emftest), starts a line of the section.
func TestREADMELayoutNamesEveryPackage(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(repo, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	start := strings.Index(readme, "\ncmd/api/ ")
	if start < 0 {
		t.Fatal("README.md: no layout section (a line starting with cmd/api/)")
	}
	section := readme[start:]
	section = section[:strings.Index(section, "```")]
	named := map[string]bool{}
	for _, line := range strings.Split(section, "\n") {
		if f := strings.Fields(line); len(f) > 0 && strings.HasSuffix(f[0], "/") && !strings.HasPrefix(line, " ") {
			named[strings.TrimSuffix(f[0], "/")] = true
		}
	}
	err = filepath.WalkDir(repo, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() && path != repo && (strings.HasPrefix(name, ".") || name == "testdata" || name == "tmp" || name == "node_modules" || name == "cdk.out" || name == "bin") {
			return fs.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(name, ".go") {
			return nil
		}
		dir, _ := filepath.Rel(repo, filepath.Dir(path))
		dir = filepath.ToSlash(dir)
		if dir == "." || named[dir] {
			return nil
		}
		for parent := filepath.Dir(dir); parent != "."; parent = filepath.Dir(parent) {
			if named[parent] {
				return nil
			}
		}
		t.Errorf("README.md's layout section does not name %s/", dir)
		named[dir] = true // once
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
