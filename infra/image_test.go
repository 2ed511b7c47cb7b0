package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// TestRepoImageContext: with the real repository as the build context, the
// staged context holds the app and none of infra/ or .git.
func TestRepoImageContext(t *testing.T) {
	s := prod(t)
	if s.imageDir != ".." {
		t.Skip("../Dockerfile does not exist yet; TestImageContextExcludes covers the excludes")
	}
	for _, img := range readAssetManifest(t, s).DockerImages {
		dir := filepath.Join(s.outdir, img.Source.Directory)
		for _, name := range []string{"Dockerfile", "go.mod"} {
			if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
				t.Errorf("staged context lacks %s: %v", name, err)
			}
		}
		for _, name := range []string{"infra", ".git"} {
			if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
				t.Errorf("staged context contains %s, want it excluded", name)
			}
		}
	}
}

// TestImageVersion: a version in the context (make deploy passes the git
// revision) becomes the image's VERSION build argument, which /api/healthz
// reports; without one the Dockerfile's default stands.
func TestImageVersion(t *testing.T) {
	for _, tt := range []struct {
		name string
		s    *synthesized
		want map[string]string
	}{
		{"prod, no version", prod(t), nil},
		{"staging, version=v1.2.3", staging(t), map[string]string{"VERSION": "v1.2.3"}},
	} {
		for _, img := range readAssetManifest(t, tt.s).DockerImages {
			assertEqual(t, tt.name+" docker build args", img.Source.DockerBuildArgs, tt.want)
		}
	}
}

// TestImageContextExcludes: the API image's build context as staged by
// synthesis is what Docker receives at deploy time.
func TestImageContextExcludes(t *testing.T) {
	s := dev(t)
	assets := readAssetManifest(t, s)
	for _, img := range assets.DockerImages {
		dir := filepath.Join(s.outdir, img.Source.Directory)
		var got []string
		filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				rel, _ := filepath.Rel(dir, path)
				got = append(got, filepath.ToSlash(rel))
			}
			return err
		})
		sort.Strings(got)
		// .dockerignore itself is kept: Docker reads it from the context.
		assertEqual(t, "staged build context", got, []string{".dockerignore", "Dockerfile", "cmd/api/main.go", "go.mod"})
	}
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

// assetManifest is the part of <stack>.assets.json the tests read.
type assetManifest struct {
	DockerImages map[string]struct {
		Source struct {
			Directory       string            `json:"directory"`
			Platform        string            `json:"platform"`
			DockerBuildArgs map[string]string `json:"dockerBuildArgs"`
		} `json:"source"`
	} `json:"dockerImages"`
}

func readAssetManifest(t *testing.T, s *synthesized) assetManifest {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(s.outdir, *s.stack.StackName()+".assets.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m assetManifest
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}
