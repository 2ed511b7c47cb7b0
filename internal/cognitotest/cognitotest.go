// Package cognitotest gives tests real Cognito user pool tokens: it starts
// moto_server on a free loopback port and drives it with the same
// `aws cognito-idp` calls as the README's deploy guide. It is for tests only.
package cognitotest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Region is the region of every pool the tests create.
const Region = "eu-west-1"

// Moto is a running moto_server.
type Moto struct {
	URL string // http://127.0.0.1:PORT
}

// Start starts moto_server and stops it when the test ends. A machine
// without moto_server or the aws CLI fails the test: both come with the
// machine image, and .ci/run checks that they are there. With -short
// (make check, the edit loop) the test is skipped: moto_server takes seconds
// to start, and make test runs it.
func Start(t testing.TB) *Moto {
	t.Helper()
	if testing.Short() {
		t.Skip("starts moto_server; skipped with -short (make test runs it)")
	}
	for _, tool := range []string{"moto_server", "aws"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is not installed: the Cognito tests need moto_server (Python package moto[server]) "+
				"and the aws CLI (awscli) from the machine image; the Python registry is not reachable here to install them", tool)
		}
	}
	port := freePort(t)
	cmd := exec.Command("moto_server", "-H", "127.0.0.1", "-p", strconv.Itoa(port))
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatalf("start moto_server: %v", err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-done
	})
	m := &Moto{URL: "http://127.0.0.1:" + strconv.Itoa(port)}
	deadline := time.Now().Add(60 * time.Second)
	for {
		res, err := http.Get(m.URL + "/moto-api/")
		if err == nil {
			res.Body.Close()
			break
		}
		select {
		case <-done:
			t.Fatalf("moto_server exited: %s", out.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("moto_server did not answer on %s within 60s: %v\n%s", m.URL, err, out.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	return m
}

func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("find a free port: %v", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// aws runs `aws cognito-idp args...` against moto and decodes its JSON output into out.
func (m *Moto) aws(t testing.TB, out any, args ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "aws", append(append([]string{"cognito-idp"}, args...), "--endpoint-url", m.URL, "--output", "json")...)
	// Dummy credentials, and nothing of the developer's own AWS setup.
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") {
			env = append(env, kv)
		}
	}
	cmd.Env = append(env, "AWS_ACCESS_KEY_ID=testing", "AWS_SECRET_ACCESS_KEY=testing",
		"AWS_DEFAULT_REGION="+Region, "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("aws cognito-idp %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	if out == nil {
		return
	}
	if err := json.Unmarshal(stdout.Bytes(), out); err != nil {
		t.Fatalf("aws cognito-idp %s: output %q: %v", strings.Join(args, " "), stdout.String(), err)
	}
}

// Pool is a user pool with one app client.
type Pool struct {
	moto     *Moto
	ID       string // "<region>_<id>"
	ClientID string
}

// JWKSURL is where moto serves the pool's keys.
func (p *Pool) JWKSURL() string { return p.moto.URL + "/" + p.ID + "/.well-known/jwks.json" }

// Issuer is the iss claim of the pool's tokens: the pool's address on AWS.
func (p *Pool) Issuer() string { return "https://cognito-idp." + Region + ".amazonaws.com/" + p.ID }

// Env is the API's configuration for the pool.
func (p *Pool) Env() map[string]string {
	return map[string]string{"COGNITO_USER_POOL_ID": p.ID, "COGNITO_CLIENT_ID": p.ClientID, "COGNITO_JWKS_URL": p.JWKSURL()}
}

// CreatePool creates a user pool and an app client that allows
// USER_PASSWORD_AUTH, as the stack's client does.
func (m *Moto) CreatePool(t testing.TB, name string) *Pool {
	t.Helper()
	var pool struct{ UserPool struct{ Id string } }
	m.aws(t, &pool, "create-user-pool", "--pool-name", name)
	var client struct{ UserPoolClient struct{ ClientId string } }
	m.aws(t, &client, "create-user-pool-client", "--user-pool-id", pool.UserPool.Id, "--client-name", name+"-client",
		"--explicit-auth-flows", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH")
	return &Pool{moto: m, ID: pool.UserPool.Id, ClientID: client.UserPoolClient.ClientId}
}

// CreateUser creates a user whose name is its e-mail, with a permanent
// password, as the README's deploy guide does, adds it to groups (creating
// them) and returns its sub.
func (p *Pool) CreateUser(t testing.TB, email, password string, groups ...string) string {
	t.Helper()
	var user struct {
		User struct {
			Attributes []struct{ Name, Value string }
		}
	}
	p.moto.aws(t, &user, "admin-create-user", "--user-pool-id", p.ID, "--username", email,
		"--user-attributes", "Name=email,Value="+email, "Name=email_verified,Value=true",
		"--message-action", "SUPPRESS")
	p.moto.aws(t, nil, "admin-set-user-password", "--user-pool-id", p.ID, "--username", email,
		"--password", password, "--permanent")
	for _, g := range groups {
		p.moto.aws(t, nil, "create-group", "--user-pool-id", p.ID, "--group-name", g)
		p.moto.aws(t, nil, "admin-add-user-to-group", "--user-pool-id", p.ID, "--username", email, "--group-name", g)
	}
	for _, a := range user.User.Attributes {
		if a.Name == "sub" {
			return a.Value
		}
	}
	t.Fatalf("admin-create-user %s: no sub attribute in %+v", email, user)
	return ""
}

// Tokens are what initiate-auth returns.
type Tokens struct {
	ID     string // IdToken
	Access string // AccessToken
}

// SignIn signs the user in with USER_PASSWORD_AUTH.
func (p *Pool) SignIn(t testing.TB, email, password string) Tokens {
	t.Helper()
	var res struct {
		AuthenticationResult struct{ IdToken, AccessToken string }
	}
	p.moto.aws(t, &res, "initiate-auth", "--client-id", p.ClientID, "--auth-flow", "USER_PASSWORD_AUTH",
		"--auth-parameters", fmt.Sprintf("USERNAME=%s,PASSWORD=%s", email, password))
	if res.AuthenticationResult.IdToken == "" || res.AuthenticationResult.AccessToken == "" {
		t.Fatalf("initiate-auth for %s returned no tokens: %+v", email, res)
	}
	return Tokens{ID: res.AuthenticationResult.IdToken, Access: res.AuthenticationResult.AccessToken}
}

// WithClient returns the pool with another app client of its own, for
// tokens issued to an audience other than p's.
func (p *Pool) WithClient(t testing.TB, name string) *Pool {
	t.Helper()
	var client struct{ UserPoolClient struct{ ClientId string } }
	p.moto.aws(t, &client, "create-user-pool-client", "--user-pool-id", p.ID, "--client-name", name,
		"--explicit-auth-flows", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH")
	return &Pool{moto: p.moto, ID: p.ID, ClientID: client.UserPoolClient.ClientId}
}
