package api

import (
	"context"
	"crypto"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/google/go-cmp/cmp"
	"github.com/r2r/r2r/internal/cognitojwt"
	"github.com/r2r/r2r/internal/cognitotest"
)

const (
	testUser     = "alice@example.com"
	testPassword = "Corr3ct-Horse-Battery!"
)

// cognitoFixture is a moto user pool with a signed-in user, and what the
// tests forge tokens from.
type cognitoFixture struct {
	moto   *cognitotest.Moto
	pool   *cognitotest.Pool
	sub    string
	tokens cognitotest.Tokens
}

func newCognitoFixture(t *testing.T) *cognitoFixture {
	t.Helper()
	m := cognitotest.Start(t)
	pool := m.CreatePool(t, "r2r-test")
	sub := pool.CreateUser(t, testUser, testPassword, "admins")
	return &cognitoFixture{moto: m, pool: pool, sub: sub, tokens: pool.SignIn(t, testUser, testPassword)}
}

// protectedTestOperations adds routes with each kind of requirement beside /api/me.
func protectedTestOperations(api huma.API, auth *authenticator) {
	type out struct {
		Body struct {
			Sub string `json:"sub"`
		}
	}
	handler := func(ctx context.Context, _ *struct{}) (*out, error) {
		c, _ := ClaimsFromContext(ctx)
		o := &out{}
		o.Body.Sub = c.Subject
		return o, nil
	}
	for _, route := range []struct {
		path string
		req  Requirement
	}{
		{"/api/test/id-token", Requirement{Token: cognitojwt.IDToken}},
		{"/api/test/access-token", Requirement{Token: cognitojwt.AccessToken}},
		{"/api/test/admins", Requirement{Group: "admins"}},
		{"/api/test/auditors", Requirement{Group: "auditors"}},
		{"/api/test/scoped", Requirement{Scope: "aws.cognito.signin.user.admin"}},
	} {
		op := huma.Operation{OperationID: "test" + strings.ReplaceAll(route.path, "/", "-"), Method: http.MethodGet, Path: route.path}
		huma.Register(api, auth.require(op, route.req), handler)
	}
}

func getWithAuth(t *testing.T, h http.Handler, path string, authorization ...string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(http.MethodGet, path, nil)
	for _, a := range authorization {
		r.Header.Add("Authorization", a)
	}
	return serve(h, r)
}

// jwtParts splits a compact JWS, decoding its header.
func jwtParts(t *testing.T, token string) (header map[string]any, payload string) {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("token %q has %d parts, want 3", token, len(parts))
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &header); err != nil {
		t.Fatal(err)
	}
	return header, parts[1]
}

func b64JSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// signRS256 signs header.payload with key.
func signRS256(t *testing.T, key *rsa.PrivateKey, header map[string]any, payload string) string {
	t.Helper()
	input := b64JSON(t, header) + "." + payload
	sum := sha256.Sum256([]byte(input))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	return input + "." + base64.RawURLEncoding.EncodeToString(sig)
}

// poolPublicKeyPEM returns the pool's RSA key (from its JWKS) as PEM: the
// "secret" of the HS256 key-confusion attack.
func poolPublicKeyPEM(t *testing.T, jwksURL string) []byte {
	t.Helper()
	res, err := http.Get(jwksURL)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var set struct{ Keys []struct{ N, E string } }
	if err := json.NewDecoder(res.Body).Decode(&set); err != nil || len(set.Keys) == 0 {
		t.Fatalf("JWKS at %s: %v, %d keys", jwksURL, err, len(set.Keys))
	}
	n, _ := base64.RawURLEncoding.DecodeString(set.Keys[0].N)
	e, _ := base64.RawURLEncoding.DecodeString(set.Keys[0].E)
	pub := &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}

func TestAuthWithCognito(t *testing.T) {
	fx := newCognitoFixture(t)
	env := fx.pool.Env()

	t.Run("me", func(t *testing.T) {
		h, _ := newTestServer(t, env)
		for _, tt := range []struct {
			name, authorization, wantUse string
		}{
			{"ID token, Bearer", "Bearer " + fx.tokens.ID, "id"},
			{"ID token, bare", fx.tokens.ID, "id"},
			{"access token, Bearer", "Bearer " + fx.tokens.Access, "access"},
			{"access token, lower-case scheme", "bearer " + fx.tokens.Access, "access"},
		} {
			t.Run(tt.name, func(t *testing.T) {
				w := getWithAuth(t, h, "/api/me", tt.authorization)
				if w.Code != http.StatusOK {
					t.Fatalf("GET /api/me = %d %s, want 200", w.Code, w.Body)
				}
				got := decodeJSON(t, w)
				exp, err := time.Parse(time.RFC3339, got["expires_at"].(string))
				if err != nil || time.Until(exp) < 50*time.Minute || time.Until(exp) > 61*time.Minute {
					t.Errorf("expires_at = %v, want about an hour from now", got["expires_at"])
				}
				delete(got, "expires_at")
				delete(got, "scopes")
				want := map[string]any{"sub": fx.sub, "username": testUser, "cognito:groups": []any{"admins"}, "token_use": tt.wantUse}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("GET /api/me body (-want +got):\n%s", diff)
				}
			})
		}
	})

	t.Run("refused", func(t *testing.T) {
		otherPool := fx.moto.CreatePool(t, "r2r-other") // the same key as every moto pool, another issuer
		otherPool.CreateUser(t, testUser, testPassword)
		foreign := otherPool.SignIn(t, testUser, testPassword)
		otherClient := fx.pool.WithClient(t, "other-client")
		forAnotherClient := otherClient.SignIn(t, testUser, testPassword)

		header, payload := jwtParts(t, fx.tokens.ID)
		ourKey, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			t.Fatal(err)
		}
		wrongSignature := signRS256(t, ourKey, header, payload)
		unknownKid := signRS256(t, ourKey, map[string]any{"alg": "RS256", "kid": "not-a-key-of-the-pool", "typ": "JWT"}, payload)
		algNone := b64JSON(t, map[string]any{"alg": "none", "kid": header["kid"], "typ": "JWT"}) + "." + payload + "."
		hsInput := b64JSON(t, map[string]any{"alg": "HS256", "kid": header["kid"], "typ": "JWT"}) + "." + payload
		mac := hmac.New(sha256.New, poolPublicKeyPEM(t, fx.pool.JWKSURL()))
		mac.Write([]byte(hsInput))
		hs256 := hsInput + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
		huge := "Bearer " + strings.Repeat("A", 100<<10)

		later := func(d time.Duration) Option {
			return withVerifierConfig(func(c *cognitojwt.Config) { c.Now = func() time.Time { return time.Now().Add(d) } })
		}

		for _, tt := range []struct {
			name          string
			path          string
			authorization []string
			opts          []Option
			wantStatus    int
			wantDetail    string // a part of it
		}{
			{"no header", "/api/me", nil, nil, 401, "Sign-in required"},
			{"empty header", "/api/me", []string{""}, nil, 401, "Sign-in required"},
			{"Bearer and nothing", "/api/me", []string{"Bearer "}, nil, 401, "Sign-in required"},
			{"Basic scheme", "/api/me", []string{"Basic YWxpY2U6cHc="}, nil, 401, "Bearer token"},
			{"garbage", "/api/me", []string{"Bearer not-a-jwt"}, nil, 401, "not a valid RS256-signed JWT"},
			{"three garbage parts", "/api/me", []string{"Bearer a.b.c"}, nil, 401, "not a valid RS256-signed JWT"},
			{"100 KB token", "/api/me", []string{huge}, nil, 401, "too large"},
			{"wrong signature", "/api/me", []string{"Bearer " + wrongSignature}, nil, 401, "signature is not valid"},
			{"unknown kid", "/api/me", []string{"Bearer " + unknownKid}, nil, 401, "not signed with a key of this user pool"},
			{"alg none", "/api/me", []string{"Bearer " + algNone}, nil, 401, "not a valid RS256-signed JWT"},
			{"HS256 with the public key", "/api/me", []string{"Bearer " + hs256}, nil, 401, "not a valid RS256-signed JWT"},
			{"another pool's token", "/api/me", []string{"Bearer " + foreign.ID}, nil, 401, "another user pool"},
			{"another pool's access token", "/api/me", []string{"Bearer " + foreign.Access}, nil, 401, "another user pool"},
			{"another client's ID token", "/api/me", []string{"Bearer " + forAnotherClient.ID}, nil, 401, "another app client"},
			{"another client's access token", "/api/me", []string{"Bearer " + forAnotherClient.Access}, nil, 401, "another app client"},
			{"expired", "/api/me", []string{"Bearer " + fx.tokens.ID}, []Option{later(2 * time.Hour)}, 401, "expired"},
			{"not yet valid", "/api/me", []string{"Bearer " + fx.tokens.ID}, []Option{later(-2 * time.Hour)}, 401, "not valid yet"},
			{"access token for an ID-token route", "/api/test/id-token", []string{"Bearer " + fx.tokens.Access}, nil, 401, "An ID token is required"},
			{"ID token for an access-token route", "/api/test/access-token", []string{"Bearer " + fx.tokens.ID}, nil, 401, "An access token is required"},
			{"not in the group", "/api/test/auditors", []string{"Bearer " + fx.tokens.ID}, nil, 403, "group auditors"},
			{"ID token for a scoped route", "/api/test/scoped", []string{"Bearer " + fx.tokens.ID}, nil, 403, "scope"},
			{"keys unreachable", "/api/me", []string{"Bearer " + fx.tokens.ID},
				[]Option{withVerifierConfig(func(c *cognitojwt.Config) { c.JWKSURL = "http://127.0.0.1:1/jwks.json" })}, 503, "unavailable"},
		} {
			t.Run(tt.name, func(t *testing.T) {
				h, _ := newTestServer(t, env, append(tt.opts, withOperations(protectedTestOperations))...)
				w := getWithAuth(t, h, tt.path, tt.authorization...)
				if w.Code != tt.wantStatus {
					t.Fatalf("GET %s = %d %s, want %d", tt.path, w.Code, w.Body, tt.wantStatus)
				}
				body := decodeJSON(t, w)
				if d, _ := body["detail"].(string); !strings.Contains(d, tt.wantDetail) {
					t.Errorf("detail = %q, want it to contain %q", d, tt.wantDetail)
				}
				if body["status_code"] != float64(tt.wantStatus) || body["request_id"] == "" {
					t.Errorf("body = %v, want the error body with status_code %d and a request_id", body, tt.wantStatus)
				}
				if www := w.Header().Get("WWW-Authenticate"); tt.wantStatus != 503 && !strings.HasPrefix(www, "Bearer") {
					t.Errorf("WWW-Authenticate = %q, want Bearer...", www)
				}
			})
		}
	})

	t.Run("allowed", func(t *testing.T) {
		h, _ := newTestServer(t, env, withOperations(protectedTestOperations))
		for _, tt := range []struct{ path, token string }{
			{"/api/test/id-token", fx.tokens.ID},
			{"/api/test/access-token", fx.tokens.Access},
			{"/api/test/admins", fx.tokens.ID},
			{"/api/test/admins", fx.tokens.Access},
			{"/api/test/scoped", fx.tokens.Access},
		} {
			w := getWithAuth(t, h, tt.path, "Bearer "+tt.token)
			if w.Code != http.StatusOK {
				t.Errorf("GET %s = %d %s, want 200", tt.path, w.Code, w.Body)
				continue
			}
			if got := decodeJSON(t, w)["sub"]; got != fx.sub {
				t.Errorf("GET %s: sub = %v, want %s", tt.path, got, fx.sub)
			}
		}
	})
}

// Without a user pool the protected routes say so, and the rest of the API works.
func TestAuthNotConfigured(t *testing.T) {
	h, _ := newTestServer(t, nil)
	w := getWithAuth(t, h, "/api/me", "Bearer x.y.z")
	if w.Code != http.StatusServiceUnavailable {
		t.Fatalf("GET /api/me = %d %s, want 503", w.Code, w.Body)
	}
	if d := decodeJSON(t, w)["detail"]; d != detailAuthNotConfigured {
		t.Errorf("detail = %q, want %q", d, detailAuthNotConfigured)
	}
	if w := getWithAuth(t, h, "/api/hello"); w.Code != http.StatusOK {
		t.Errorf("GET /api/hello = %d %s, want 200", w.Code, w.Body)
	}
}

func TestLoadConfigCognito(t *testing.T) {
	for _, tt := range []struct {
		name    string
		env     map[string]string
		want    Cognito
		wantErr []string // parts of the error
	}{
		{name: "none", env: nil},
		{
			name: "pool and client",
			env:  map[string]string{"COGNITO_USER_POOL_ID": "eu-west-1_AbCdEf123", "COGNITO_CLIENT_ID": "1example23456789"},
			want: Cognito{UserPoolID: "eu-west-1_AbCdEf123", Region: "eu-west-1", ClientID: "1example23456789"},
		},
		{
			name: "with a JWKS address",
			env: map[string]string{"COGNITO_USER_POOL_ID": "us-gov-west-1_x", "COGNITO_CLIENT_ID": "c",
				"COGNITO_JWKS_URL": "http://127.0.0.1:5000/us-gov-west-1_x/.well-known/jwks.json"},
			want: Cognito{UserPoolID: "us-gov-west-1_x", Region: "us-gov-west-1", ClientID: "c",
				JWKSURL: "http://127.0.0.1:5000/us-gov-west-1_x/.well-known/jwks.json"},
		},
		{name: "pool without client", env: map[string]string{"COGNITO_USER_POOL_ID": "eu-west-1_AbC"}, wantErr: []string{`COGNITO_CLIENT_ID=""`}},
		{name: "client without pool", env: map[string]string{"COGNITO_CLIENT_ID": "abc"}, wantErr: []string{`COGNITO_USER_POOL_ID=""`}},
		{
			name:    "bad pool ids",
			env:     map[string]string{"COGNITO_USER_POOL_ID": "AbCdEf123", "COGNITO_CLIENT_ID": "abc"},
			wantErr: []string{`COGNITO_USER_POOL_ID="AbCdEf123"`, "<region>_<id>"},
		},
		{name: "no region", env: map[string]string{"COGNITO_USER_POOL_ID": "_AbC", "COGNITO_CLIENT_ID": "abc"}, wantErr: []string{`COGNITO_USER_POOL_ID="_AbC"`}},
		{name: "no id", env: map[string]string{"COGNITO_USER_POOL_ID": "eu-west-1_", "COGNITO_CLIENT_ID": "abc"}, wantErr: []string{`COGNITO_USER_POOL_ID="eu-west-1_"`}},
		{name: "path in pool id", env: map[string]string{"COGNITO_USER_POOL_ID": "eu-west-1_a/../b", "COGNITO_CLIENT_ID": "abc"}, wantErr: []string{`COGNITO_USER_POOL_ID="eu-west-1_a/../b"`}},
		{name: "bad client id", env: map[string]string{"COGNITO_USER_POOL_ID": "eu-west-1_AbC", "COGNITO_CLIENT_ID": "a b"}, wantErr: []string{`COGNITO_CLIENT_ID="a b"`}},
		{
			name:    "bad JWKS address",
			env:     map[string]string{"COGNITO_USER_POOL_ID": "eu-west-1_AbC", "COGNITO_CLIENT_ID": "abc", "COGNITO_JWKS_URL": "file:///etc/passwd"},
			wantErr: []string{`COGNITO_JWKS_URL="file:///etc/passwd"`},
		},
		{name: "JWKS without pool", env: map[string]string{"COGNITO_JWKS_URL": "http://127.0.0.1/jwks.json"}, wantErr: []string{`COGNITO_USER_POOL_ID=""`}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := LoadConfig(func(k string) string { return tt.env[k] })
			if len(tt.wantErr) > 0 {
				if err == nil {
					t.Fatalf("LoadConfig(%v) = nil error, want one naming %v", tt.env, tt.wantErr)
				}
				for _, w := range tt.wantErr {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("LoadConfig(%v) = %q, want it to contain %q", tt.env, err, w)
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("LoadConfig(%v) = %v", tt.env, err)
			}
			if diff := cmp.Diff(tt.want, cfg.Cognito); diff != "" {
				t.Errorf("LoadConfig(%v).Cognito (-want +got):\n%s", tt.env, diff)
			}
		})
	}
}

// The document declares the bearer scheme and /api/me's requirement, which
// is what gives the docs page its Authorize button; public routes have none.
func TestOpenAPISecurity(t *testing.T) {
	h, _ := newTestServer(t, nil)
	w := getWithAuth(t, h, "/api/openapi.json")
	var doc struct {
		Components struct {
			SecuritySchemes map[string]map[string]any `json:"securitySchemes"`
		} `json:"components"`
		Paths map[string]map[string]struct {
			Security  []map[string][]string `json:"security"`
			Responses map[string]any        `json:"responses"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	s := doc.Components.SecuritySchemes[securityScheme]
	if s["type"] != "http" || s["scheme"] != "bearer" || s["bearerFormat"] != "JWT" {
		t.Errorf("securitySchemes.%s = %v, want an http bearer JWT scheme", securityScheme, s)
	}
	me := doc.Paths["/api/me"]["get"]
	if diff := cmp.Diff([]map[string][]string{{securityScheme: {}}}, me.Security); diff != "" {
		t.Errorf("GET /api/me security (-want +got):\n%s", diff)
	}
	for _, code := range []string{"200", "401", "403", "503"} {
		if _, ok := me.Responses[code]; !ok {
			t.Errorf("GET /api/me documents no %s response", code)
		}
	}
	if sec := doc.Paths["/api/hello"]["get"].Security; sec != nil {
		t.Errorf("GET /api/hello security = %v, want none", sec)
	}
}
