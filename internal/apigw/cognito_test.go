package apigw

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

func rsaKey(t *testing.T) *rsa.PrivateKey {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func sign(t *testing.T, key *rsa.PrivateKey, kid string, claims map[string]any) string {
	t.Helper()
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: key}, (&jose.SignerOptions{}).WithHeader("kid", kid).WithType("JWT"))
	if err != nil {
		t.Fatal(err)
	}
	tok, err := jwt.Signed(s).Claims(claims).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// TestCognitoVerifier: the checks of API Gateway's Cognito authorizer.
func TestCognitoVerifier(t *testing.T) {
	poolKey, otherKey := rsaKey(t), rsaKey(t)
	jwks := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &poolKey.PublicKey, KeyID: "k1", Algorithm: "RS256", Use: "sig"}}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(jwks)
	}))
	defer srv.Close()
	const iss = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_abc"
	now := time.Unix(1_800_000_000, 0)
	v := &CognitoVerifier{
		Pools: map[string]PoolKeys{"Pool": {Issuer: iss, JWKSURL: srv.URL, ClientIDs: []string{"client1"}}},
		Now:   func() time.Time { return now },
	}
	claims := func(change map[string]any) map[string]any {
		c := map[string]any{"iss": iss, "aud": "client1", "token_use": "id", "sub": "u1", "email": "alice@example.com",
			"exp": now.Add(time.Hour).Unix(), "iat": now.Add(-time.Minute).Unix()}
		for k, v := range change {
			if v == nil {
				delete(c, k)
			} else {
				c[k] = v
			}
		}
		return c
	}
	tests := []struct {
		name  string
		token string
		ok    bool
	}{
		{"ID token of the pool", sign(t, poolKey, "k1", claims(nil)), true},
		{"signed by another key", sign(t, otherKey, "k1", claims(nil)), false},
		{"unknown key id", sign(t, poolKey, "k2", claims(nil)), false},
		{"expired", sign(t, poolKey, "k1", claims(map[string]any{"exp": now.Add(-time.Second).Unix()})), false},
		{"no exp", sign(t, poolKey, "k1", claims(map[string]any{"exp": nil})), false},
		{"access token", sign(t, poolKey, "k1", claims(map[string]any{"token_use": "access", "aud": nil, "client_id": "client1"})), false},
		{"other app client", sign(t, poolKey, "k1", claims(map[string]any{"aud": "client2"})), false},
		{"other pool", sign(t, poolKey, "k1", claims(map[string]any{"iss": iss + "x"})), false},
		{"not a JWT", "abc", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := v.VerifyIDToken(context.Background(), &UserPool{ID: "Pool"}, tt.token)
			if (err == nil) != tt.ok {
				t.Fatalf("VerifyIDToken = %v, %v; want ok %v", got, err, tt.ok)
			}
			if tt.ok && got["email"] != "alice@example.com" {
				t.Errorf("claims = %v, want the token's", got)
			}
		})
	}
}

// TestClaimStrings: claims reach the function as strings, as API Gateway's
// REST authorizer passes them.
func TestClaimStrings(t *testing.T) {
	got := claimStrings(map[string]any{"exp": float64(1_800_000_000), "email_verified": true, "cognito:groups": []any{"a", "b"}, "sub": "u1"})
	want := map[string]string{"exp": "Fri Jan 15 08:00:00 UTC 2027", "email_verified": "true", "cognito:groups": "a,b", "sub": "u1"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("claimStrings[%s] = %q, want %q", k, got[k], v)
		}
	}
}
