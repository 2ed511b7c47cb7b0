package main

import (
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/r2r/r2r/internal/api"
	"github.com/r2r/r2r/weborigin"
)

// deployTimeValues stand in for the references a function's environment
// holds, in the form they take once deployed (a user pool id is
// "<region>_<id>", an app client id 26 letters and digits).
var deployTimeValues = map[string]string{
	"COGNITO_USER_POOL_ID": "eu-west-1_AbCdEf123",
	"COGNITO_CLIENT_ID":    "1example23456789abcdefghij",
}

// TestFunctionEnvironmentsAreValid: in every configuration, the environment
// the stack gives each API function is one the app's own LoadConfig
// accepts, with nothing in it the app does not read, and with the stage,
// origins and response mode the stack was configured with; the hello
// function's origins parse as cmd/hello parses them. A value the app refused
// would fail the function at init, after the deploy had started.
func TestFunctionEnvironmentsAreValid(t *testing.T) {
	for _, c := range configurations {
		t.Run(c.name, func(t *testing.T) {
			s := c.synth(t)
			cfg := s.config()
			for _, fn := range []struct {
				description string
				stream      bool
			}{{"r2r API (", false}, {"r2r streaming API", true}} {
				_, p := s.function(t, fn.description)
				env := environment(t, p)
				var read []string
				got, err := api.LoadConfig(func(k string) string {
					read = append(read, k)
					return env[k]
				})
				if err != nil {
					t.Fatalf("%s: the app refuses the stack's environment %v: %v", fn.description, env, err)
				}
				for k := range env {
					if !slices.Contains(read, k) {
						t.Errorf("%s: the stack sets %s, which the app never reads", fn.description, k)
					}
				}
				if got.Stage != cfg.Stage || got.StreamResponses != fn.stream {
					t.Errorf("%s: the app sees stage %q, streaming %v; want %q, %v", fn.description, got.Stage, got.StreamResponses, cfg.Stage, fn.stream)
				}
				if diff := cmp.Diff(cfg.CORSAllowOrigins, got.CORSAllowOrigins); diff != "" {
					t.Errorf("%s: CORS origins mismatch (-stack +app):\n%s", fn.description, diff)
				}
			}
			_, hello := s.function(t, "r2r GET /hello")
			origins, err := weborigin.ParseList(environment(t, hello)["ALLOW_ORIGINS"])
			if err != nil {
				t.Fatalf("the hello function's ALLOW_ORIGINS: %v", err)
			}
			if diff := cmp.Diff(cfg.CORSAllowOrigins, origins); diff != "" {
				t.Errorf("the hello function's origins mismatch (-stack +function):\n%s", diff)
			}
		})
	}
}

// environment returns a function's environment variables, references
// replaced by deployTimeValues.
func environment(t *testing.T, fn map[string]any) map[string]string {
	t.Helper()
	vars, _ := fn["Environment"].(map[string]any)["Variables"].(map[string]any)
	env := map[string]string{}
	for k, v := range vars {
		switch v := v.(type) {
		case string:
			env[k] = v
		default:
			dv, ok := deployTimeValues[k]
			if !ok {
				t.Fatalf("%s is %v: give deployTimeValues the form it takes once deployed", k, v)
			}
			env[k] = dv
		}
	}
	return env
}
