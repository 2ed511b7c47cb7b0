package main

// End-to-end: run serves the synthesized stack (infra's checked-in
// synthesis, infra/testdata/R2RStack.template.json, kept equal to the synth
// by infra's TestSnapshot) with the real bootstraps under the Runtime
// Interface Emulator and the user pool in moto_server, and is driven over
// HTTP and with the aws CLI commands it prints.

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/r2r/r2r/internal/apigw"
	"github.com/r2r/r2r/internal/apigw/apigwtest"
	"github.com/r2r/r2r/internal/logtest"
	"github.com/r2r/r2r/internal/rie/rietest"
)

var stackTemplate = filepath.Join("..", "..", "infra", "testdata", "R2RStack.template.json")

// stack is a running stacklocal.
type stack struct {
	base         string // http://127.0.0.1:port/prod
	signInScript string // the printed sign-in commands
	stderr       *logtest.Buffer
	stopped      chan error
}

// buildBootstraps builds the API (with the test-only routes) and /hello
// functions for this machine.
func buildBootstraps(t testing.TB) (api, hello string) {
	t.Helper()
	dir := t.TempDir()
	api, hello = filepath.Join(dir, "api"), filepath.Join(dir, "hello")
	for _, b := range []struct{ out, pkg, tags string }{{api, "../api", "lambda.norpc,r2rtest"}, {hello, "../hello", "lambda.norpc"}} {
		cmd := exec.Command("go", "build", "-tags", b.tags, "-o", b.out, b.pkg)
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go build %s: %v\n%s", b.pkg, err, out)
		}
	}
	return api, hello
}

// editedTemplate writes, to a cdk.out folder of its own, the checked-in
// synthesis with edit applied to the properties of the resource id, and
// returns the folder.
func editedTemplate(t *testing.T, id string, edit func(props map[string]any)) (cdkOut string) {
	t.Helper()
	data, err := os.ReadFile(stackTemplate)
	if err != nil {
		t.Fatal(err)
	}
	var tpl map[string]any
	if err := json.Unmarshal(data, &tpl); err != nil {
		t.Fatal(err)
	}
	edit(tpl["Resources"].(map[string]any)[id].(map[string]any)["Properties"].(map[string]any))
	if data, err = json.Marshal(tpl); err != nil {
		t.Fatal(err)
	}
	cdkOut = t.TempDir()
	if err := os.WriteFile(filepath.Join(cdkOut, "R2RStack.template.json"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	return cdkOut
}

func startStack(t *testing.T) *stack {
	t.Helper()
	rieBin := rietest.RIE(t)
	if _, err := exec.LookPath("moto_server"); err != nil {
		rietest.Need(t, "moto_server is not on PATH (pip install 'moto[server]')")
	}
	if _, err := exec.LookPath("aws"); err != nil {
		rietest.Need(t, "the aws CLI is not on PATH")
	}
	api, hello := buildBootstraps(t)
	// An integration timeout of 2 s on /api/{proxy+} (the stack's is 29 s),
	// so the test sees the 504 soon.
	cdkOut := editedTemplate(t, "RestApiapiproxyANY9A5715D2", func(props map[string]any) {
		props["Integration"].(map[string]any)["TimeoutInMillis"] = 2000
	})
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	s := &stack{stderr: &logtest.Buffer{}, stopped: make(chan error, 1)}
	args := []string{"-cdk-out", cdkOut, "-addr", "127.0.0.1:0", "-pool", "2", "-rie", rieBin, "-build-dir", t.TempDir(),
		"-bootstrap", "ApiFunctionCE271BD4=" + api, "-bootstrap", "ApiStreamFunction8ECA32E0=" + api,
		"-bootstrap", "HelloFunctionD909AE8C=" + hello}
	go func() {
		err := run(ctx, args, os.Getenv, pw, s.stderr)
		pw.CloseWithError(errors.Join(err, io.EOF))
		s.stopped <- err
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-s.stopped; err != nil {
			t.Errorf("run: %v", err)
		}
		if t.Failed() {
			t.Logf("stacklocal's log:\n%s", s.stderr.String())
		}
	})
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	var printed []string
	timeout := time.After(2 * time.Minute)
	for s.base == "" || !strings.Contains(s.signInScript, "curl") {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("stacklocal ended before serving:\n%s\n%s", strings.Join(printed, "\n"), s.stderr.String())
			}
			printed = append(printed, l)
			if m := regexp.MustCompile(`serving (http://\S+)/ `).FindStringSubmatch(l); m != nil {
				s.base = m[1]
			}
			if s.base != "" && strings.HasPrefix(l, "    ") {
				s.signInScript += strings.TrimSpace(l) + "\n"
			}
		case <-timeout:
			t.Fatalf("stacklocal not serving after 2 minutes:\n%s\n%s", strings.Join(printed, "\n"), s.stderr.String())
		}
	}
	go func() {
		for range lines {
		}
	}()
	return s
}

func get(t *testing.T, url string, header ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return apigwtest.Do(t, req)
}

// signIn runs the printed commands (create the user, set the password,
// initiate-auth) and returns the ID and access tokens.
func (s *stack) signIn(t *testing.T) (idToken, accessToken string) {
	t.Helper()
	script := strings.Replace(s.signInScript, "--query AuthenticationResult.IdToken --output text", "--query '[AuthenticationResult.IdToken,AuthenticationResult.AccessToken]' --output text", 1)
	var lines []string
	for _, l := range strings.Split(script, "\n") {
		if strings.HasPrefix(l, "curl ") {
			l = `printf '%s' "$TOKEN"`
		}
		lines = append(lines, l)
	}
	cmd := exec.Command("sh", "-ec", strings.Join(lines, "\n"))
	cmd.Env = append(os.Environ(), "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null")
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		errors.As(err, &ee)
		t.Fatalf("the printed sign-in commands: %v\n%s\n%s", err, script, ee.Stderr)
	}
	// admin-create-user prints the user first; the tokens are the last line.
	lines = strings.Split(strings.TrimSpace(string(out)), "\n")
	f := strings.Fields(lines[len(lines)-1])
	if len(f) != 2 {
		t.Fatalf("initiate-auth printed %q, want an ID token and an access token", out)
	}
	return f[0], f[1]
}

// resign signs the claims of token with a key of its own: a token that
// looks right but is not the pool's.
func resign(t *testing.T, token string, change func(map[string]any)) string {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("token %q is not a JWT", token)
	}
	head, err := base64.RawURLEncoding.DecodeString(parts[0])
	if err != nil {
		t.Fatal(err)
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var h struct {
		Kid string `json:"kid"`
	}
	var claims map[string]any
	if json.Unmarshal(head, &h) != nil || json.Unmarshal(payload, &claims) != nil {
		t.Fatalf("token %q: undecodable", token)
	}
	if change != nil {
		change(claims)
	}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: key}, (&jose.SignerOptions{}).WithHeader("kid", h.Kid))
	if err != nil {
		t.Fatal(err)
	}
	out, err := jwt.Signed(signer).Claims(claims).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestStack(t *testing.T) {
	s := startStack(t)

	t.Run("api hello", func(t *testing.T) {
		resp, body := get(t, s.base+"/api/hello")
		if resp.StatusCode != 200 || body != `{"message":"Hello World"}`+"\n" && body != `{"message":"Hello World"}` {
			t.Errorf("GET /prod/api/hello = %d %q, want 200 Hello World", resp.StatusCode, body)
		}
		if resp.Header.Get("x-amzn-RequestId") == "" || resp.Header.Get("X-Amzn-Trace-Id") == "" {
			t.Errorf("headers %v: want x-amzn-RequestId and X-Amzn-Trace-Id", resp.Header)
		}
		if got, want := resp.Header.Get("X-Request-Id"), resp.Header.Get("x-amzn-RequestId"); got != want {
			t.Errorf("X-Request-Id = %q, want API Gateway's request id %q", got, want)
		}
	})
	t.Run("docs", func(t *testing.T) {
		// That the page loads the document under the stage prefix is
		// TestBrowser's; here both answer.
		resp, body := get(t, s.base+"/api/docs")
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
			t.Errorf("GET /prod/api/docs = %d %s, want 200 text/html:\n%.300s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
		}
		resp, body = get(t, s.base+"/api/openapi.json")
		if resp.StatusCode != 200 || !strings.Contains(body, `"openapi"`) {
			t.Errorf("GET /prod/api/openapi.json = %d %.200q, want the OpenAPI document", resp.StatusCode, body)
		}
	})
	t.Run("preflight", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodOptions, s.base+"/api/hello", nil)
		req.Header.Set("Origin", "https://app.example.com")
		req.Header.Set("Access-Control-Request-Method", "POST")
		resp, _ := apigwtest.Do(t, req)
		want := map[string]string{
			"Access-Control-Allow-Origin":  "*",
			"Access-Control-Allow-Methods": "GET,POST,PUT,DELETE,OPTIONS",
			"Access-Control-Allow-Headers": "Content-Type,Authorization",
		}
		if resp.StatusCode != 204 {
			t.Errorf("OPTIONS /prod/api/hello = %d, want 204", resp.StatusCode)
		}
		for k, v := range want {
			if resp.Header.Get(k) != v {
				t.Errorf("preflight %s = %q, want %q", k, resp.Header.Get(k), v)
			}
		}
	})
	t.Run("unknown path", func(t *testing.T) {
		resp, body := get(t, s.base+"/nope")
		if resp.StatusCode != 404 || !strings.Contains(body, `"detail":"Not Found","status_code":404`) {
			t.Errorf("GET /prod/nope = %d %q, want the MISSING_AUTHENTICATION_TOKEN gateway response (404)", resp.StatusCode, body)
		}
	})
	t.Run("stream", func(t *testing.T) {
		resp, body := get(t, s.base+"/api/hello/stream")
		if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Type"), "text/event-stream") || !strings.Contains(body, "data: Hello") {
			t.Errorf("GET /prod/api/hello/stream = %d %s %q, want 200 text/event-stream", resp.StatusCode, resp.Header.Get("Content-Type"), body)
		}
	})
	t.Run("panic", func(t *testing.T) {
		resp, body := get(t, s.base+"/api/_test/panic")
		var e struct {
			StatusCode int    `json:"status_code"`
			RequestID  string `json:"request_id"`
		}
		if resp.StatusCode != 500 || json.Unmarshal([]byte(body), &e) != nil || e.StatusCode != 500 {
			t.Errorf("GET /prod/api/_test/panic = %d %q, want the API's 500 JSON", resp.StatusCode, body)
		}
		for range 4 {
			if resp, _ := get(t, s.base+"/api/hello"); resp.StatusCode != 200 {
				t.Errorf("after the panic, GET /prod/api/hello = %d, want 200", resp.StatusCode)
			}
		}
		if strings.Contains(s.stderr.String(), "restarting an emulator") {
			t.Errorf("an emulator was restarted: the function process did not survive the panic")
		}
	})
	t.Run("integration timeout", func(t *testing.T) {
		resp, body := get(t, s.base+"/api/_test/slow?ms=4000")
		if resp.StatusCode != 504 || !strings.Contains(body, `"detail":"Gateway Timeout","status_code":504`) {
			t.Errorf("GET /prod/api/_test/slow?ms=4000 = %d %q, want the INTEGRATION_TIMEOUT gateway response", resp.StatusCode, body)
		}
		// The emulator stuck in that invocation is replaced: both of the
		// pool's answer again.
		for range 4 {
			if resp, _ := get(t, s.base+"/api/hello"); resp.StatusCode != 200 {
				t.Errorf("after the timeout, GET /prod/api/hello = %d, want 200", resp.StatusCode)
			}
		}
	})
	t.Run("burst", func(t *testing.T) {
		var wg sync.WaitGroup
		errs := make(chan string, 40)
		for range 40 {
			wg.Go(func() {
				resp, err := http.Get(s.base + "/api/hello")
				if err != nil {
					errs <- err.Error()
					return
				}
				resp.Body.Close()
				if resp.StatusCode != 200 {
					errs <- resp.Status
				}
			})
		}
		wg.Wait()
		close(errs)
		for e := range errs {
			t.Errorf("concurrent GET /prod/api/hello: %s", e)
		}
	})
	t.Run("cognito", func(t *testing.T) {
		idToken, accessToken := s.signIn(t)
		tests := []struct {
			name, token string
			want        int
		}{
			{"no token", "", 401},
			{"ID token", idToken, 200},
			{"access token", accessToken, 401},
			{"signed by another key", resign(t, idToken, nil), 401},
			{"expired, signed by another key", resign(t, idToken, func(c map[string]any) { c["exp"] = float64(time.Now().Add(-time.Hour).Unix()) }), 401},
			{"Bearer prefix", "Bearer " + idToken, 401},
		}
		t.Run("browser", func(t *testing.T) { browserTest(t, s, idToken) })
		for _, tt := range tests {
			var h []string
			if tt.token != "" {
				h = []string{"Authorization", tt.token}
			}
			resp, body := get(t, s.base+"/hello", h...)
			if resp.StatusCode != tt.want {
				t.Errorf("%s: GET /prod/hello = %d %q, want %d", tt.name, resp.StatusCode, body, tt.want)
			}
			if tt.want == 200 && body != `{"message":"Hello alice@example.com"}` {
				t.Errorf("%s: body %q, want Hello alice@example.com", tt.name, body)
			}
			// The function answers 401 too when the claims lack a name: the
			// error type says the authorizer refused, before the function ran.
			if tt.want == 401 && (!strings.Contains(body, `"detail":"Unauthorized","status_code":401`) || resp.Header.Get("x-amzn-ErrorType") != "UnauthorizedException") {
				t.Errorf("%s: body %q, x-amzn-ErrorType %q, want the UNAUTHORIZED gateway response", tt.name, body, resp.Header.Get("x-amzn-ErrorType"))
			}
		}
	})
}

// TestRefusesUnsupported: a template with a construct it cannot emulate
// stops it at start, naming the resource and the property.
func TestRefusesUnsupported(t *testing.T) {
	dir := editedTemplate(t, "RestApiapiANYC8556C58", func(props map[string]any) {
		props["Integration"].(map[string]any)["Type"] = "HTTP_PROXY"
	})
	err := run(context.Background(), []string{"-cdk-out", dir, "-addr", "127.0.0.1:0"}, os.Getenv, io.Discard, io.Discard)
	var ue *apigw.UnsupportedError
	if !errors.As(err, &ue) || ue.Resource != "RestApiapiANYC8556C58" || ue.Property != "Integration.Type" {
		t.Errorf("run = %v, want the refusal of RestApiapiANYC8556C58's Integration.Type", err)
	}
}

// TestFunctionEnv: the template's references to the user pool and app client
// become their local ids, with the local endpoint's keys for the app.
func TestFunctionEnv(t *testing.T) {
	c := &cognito{endpoint: "http://127.0.0.1:5000", pools: []createdPool{{
		logicalID: "Pool", poolID: "us-east-1_abc", clientIDs: []string{"client1"}, clientLogicalIDs: []string{"Client"}}}}
	fn := &apigw.Function{ID: "Fn", EnvRefs: map[string]string{"COGNITO_USER_POOL_ID": "Pool", "COGNITO_CLIENT_ID": "Client"}}
	got, err := c.functionEnv(fn)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"COGNITO_CLIENT_ID=client1", "COGNITO_USER_POOL_ID=us-east-1_abc", "COGNITO_JWKS_URL=http://127.0.0.1:5000/us-east-1_abc/.well-known/jwks.json"}
	if !slices.Equal(got, want) {
		t.Errorf("functionEnv = %q, want %q", got, want)
	}
	if _, err := c.functionEnv(&apigw.Function{EnvRefs: map[string]string{"X": "Other"}}); err == nil {
		t.Error("functionEnv of a reference to a resource not created locally succeeded, want an error")
	}
}
