// Package cicheck holds the tests of the repository's GitHub Actions
// workflows and Dependabot configuration (make lint-workflows runs them):
// that the pipeline runs only what a developer can run locally (make targets
// and .ci/run), that every action is pinned, that deploys use short-lived
// credentials, one at a time per stage, and that Dependabot watches every
// Go module. It has no code of its own.
package cicheck
