package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/r2r/r2r/internal/cognitotest"
	"github.com/r2r/r2r/internal/lambdahttp"
)

const (
	meUser     = "alice@example.com"
	mePassword = "Corr3ct-Horse-Battery!"
)

// meEvent is the REST API's event for GET /api/me with the Authorization
// header (none if ""), and requestContext.authorizer set to authorizer (left
// out if nil).
func meEvent(t *testing.T, authorization string, authorizer map[string]any) []byte {
	t.Helper()
	var ev map[string]any
	if err := json.Unmarshal(event(t, "apigw-v1-request-hello.json"), &ev); err != nil {
		t.Fatal(err)
	}
	ev["path"] = "/api/me"
	rc := ev["requestContext"].(map[string]any)
	rc["path"] = "/prod/api/me"
	if authorization != "" {
		ev["headers"].(map[string]any)["Authorization"] = authorization
		ev["multiValueHeaders"].(map[string]any)["Authorization"] = []string{authorization}
	}
	if authorizer != nil {
		rc["authorizer"] = authorizer
	}
	b, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// invokeMe invokes h with ev and returns the status and the decoded body.
func invokeMe(t *testing.T, h *lambdahttp.Handler, ev []byte) (int, map[string]any) {
	t.Helper()
	raw, err := h.Invoke(context.Background(), ev)
	if err != nil {
		t.Fatalf("Invoke: %v", err)
	}
	var res struct {
		StatusCode int    `json:"statusCode"`
		Body       string `json:"body"`
	}
	if err := json.Unmarshal(raw, &res); err != nil {
		t.Fatalf("response %s: %v", raw, err)
	}
	var body map[string]any
	if err := json.Unmarshal([]byte(res.Body), &body); err != nil {
		t.Fatalf("body %q: %v", res.Body, err)
	}
	return res.StatusCode, body
}

// GET /api/me with real Cognito tokens, through the local server that run
// starts and through the Lambda adapter with a REST API event.
func TestMeWithCognitoTokens(t *testing.T) {
	m := cognitotest.Start(t)
	pool := m.CreatePool(t, "r2r-cmd")
	sub := pool.CreateUser(t, meUser, mePassword)
	tokens := pool.SignIn(t, meUser, mePassword)
	env := pool.Env()
	env["PORT"] = "0"

	base, _, _ := startRun(t, env)
	lambda := lambdaHandler(t, env, io.Discard)
	for _, tt := range []struct {
		name, authorization string
		wantStatus          int
		wantUse             string
	}{
		{"ID token", "Bearer " + tokens.ID, 200, "id"},
		{"bare ID token", tokens.ID, 200, "id"},
		{"access token", "Bearer " + tokens.Access, 200, "access"},
		{"no token", "", 401, ""},
		{"broken token", "Bearer " + tokens.ID[:len(tokens.ID)-4], 401, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, base+"/api/me", nil)
			if tt.authorization != "" {
				req.Header.Set("Authorization", tt.authorization)
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			var local map[string]any
			if err := json.NewDecoder(res.Body).Decode(&local); err != nil {
				t.Fatal(err)
			}
			status, onLambda := invokeMe(t, lambda, meEvent(t, tt.authorization, nil))
			for where, got := range map[string]struct {
				status int
				body   map[string]any
			}{"local server": {res.StatusCode, local}, "Lambda": {status, onLambda}} {
				if got.status != tt.wantStatus {
					t.Errorf("%s: GET /api/me = %d %v, want %d", where, got.status, got.body, tt.wantStatus)
					continue
				}
				if tt.wantStatus == 200 && (got.body["sub"] != sub || got.body["token_use"] != tt.wantUse || got.body["username"] != meUser) {
					t.Errorf("%s: GET /api/me = %v, want sub %s, token_use %s, username %s", where, got.body, sub, tt.wantUse, meUser)
				}
			}
		})
	}
}

// Claims an API Gateway Cognito authorizer verified are taken as they are:
// the token is not verified again (the keys are never fetched). Claims of
// another pool, or a Lambda authorizer's context, are not taken.
func TestMeWithAuthorizerClaims(t *testing.T) {
	var fetches atomic.Int64
	jwks := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fetches.Add(1)
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"keys":[]}`)
	}))
	defer jwks.Close()
	const pool, client = "eu-central-1_R2rTest1", "r2rclient1"
	h := lambdaHandler(t, map[string]string{"COGNITO_USER_POOL_ID": pool, "COGNITO_CLIENT_ID": client, "COGNITO_JWKS_URL": jwks.URL}, io.Discard)
	iss := "https://cognito-idp.eu-central-1.amazonaws.com/" + pool
	ours := map[string]any{"claims": map[string]any{
		"sub": "7d8b1a6e-0000-4000-8000-000000000001", "iss": iss, "aud": client, "token_use": "id",
		"cognito:username": "ada", "email": "ada@example.com", "cognito:groups": "admins",
		"exp": "Wed Dec 02 18:00:00 UTC 2026", "iat": "Wed Dec 02 17:00:00 UTC 2026",
	}}
	status, body := invokeMe(t, h, meEvent(t, "", ours))
	if status != 200 || body["sub"] != "7d8b1a6e-0000-4000-8000-000000000001" || body["email"] != "ada@example.com" ||
		body["expires_at"] != "2026-12-02T18:00:00Z" {
		t.Errorf("GET /api/me with the authorizer's claims = %d %v, want 200 with them", status, body)
	}
	if n := fetches.Load(); n != 0 {
		t.Errorf("the keys were fetched %d times, want 0: the authorizer verified the token", n)
	}
	for name, authorizer := range map[string]map[string]any{
		"another pool's claims":             {"claims": map[string]any{"sub": "x", "iss": iss + "x", "aud": client, "token_use": "id"}},
		"no issuer (the adapter's fixture)": {"claims": map[string]any{"sub": "x", "email": "ada@example.com", "cognito:username": "ada"}, "principalId": "ada"},
		"a Lambda authorizer's context":     {"principalId": "ada", "sub": "x", "iss": iss, "aud": client, "token_use": "id"},
	} {
		status, body := invokeMe(t, h, meEvent(t, "", authorizer))
		if status != 401 || !strings.Contains(body["detail"].(string), "Sign-in required") {
			t.Errorf("%s, no token: GET /api/me = %d %v, want 401", name, status, body)
		}
	}
}
