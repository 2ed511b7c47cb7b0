package cognitojwt

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/google/go-cmp/cmp"
)

const (
	testRegion = "eu-west-1"
	testPool   = "eu-west-1_TestPool1"
	testClient = "testclient123"
)

var (
	keyOnce sync.Once
	keys    [2]*rsa.PrivateKey
)

// testKeys are two RSA keys, generated once per run.
func testKeys(t testing.TB) [2]*rsa.PrivateKey {
	t.Helper()
	keyOnce.Do(func() {
		for i := range keys {
			k, err := rsa.GenerateKey(rand.Reader, 2048)
			if err != nil {
				panic(err)
			}
			keys[i] = k
		}
	})
	return keys
}

// jwksServer serves the public halves of the keys it is given, by kid, and
// counts the fetches.
type jwksServer struct {
	*httptest.Server
	fetches atomic.Int64
	mu      sync.Mutex
	keys    map[string]*rsa.PrivateKey
}

func newJWKSServer(t testing.TB, keys map[string]*rsa.PrivateKey) *jwksServer {
	t.Helper()
	s := &jwksServer{keys: keys}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.fetches.Add(1)
		s.mu.Lock()
		var set jose.JSONWebKeySet
		for kid, k := range s.keys {
			set.Keys = append(set.Keys, jose.JSONWebKey{Key: &k.PublicKey, KeyID: kid, Algorithm: "RS256", Use: "sig"})
		}
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(set)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *jwksServer) setKeys(keys map[string]*rsa.PrivateKey) {
	s.mu.Lock()
	s.keys = keys
	s.mu.Unlock()
}

// sign makes a token with Cognito's claims for the test pool, changed by edit.
func sign(t testing.TB, key *rsa.PrivateKey, kid string, edit func(map[string]any)) string {
	t.Helper()
	now := time.Now()
	claims := map[string]any{
		"iss":              Issuer(testRegion, testPool),
		"sub":              "7d8b1a6e-0000-4000-8000-000000000001",
		"aud":              testClient,
		"token_use":        "id",
		"email":            "alice@example.com",
		"cognito:username": "alice",
		"cognito:groups":   []string{"admins"},
		"iat":              now.Unix(),
		"exp":              now.Add(time.Hour).Unix(),
	}
	if edit != nil {
		edit(claims)
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: key},
		(&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", kid))
	if err != nil {
		t.Fatal(err)
	}
	tok, err := jwt.Signed(signer).Claims(claims).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func newTestVerifier(url string, now func() time.Time) *Verifier {
	return New(Config{Region: testRegion, UserPoolID: testPool, ClientID: testClient, JWKSURL: url, Now: now})
}

func reasonOf(err error) Reason {
	var e *Error
	if errors.As(err, &e) {
		return e.Reason
	}
	return 0
}

func TestVerifyClaims(t *testing.T) {
	k := testKeys(t)
	srv := newJWKSServer(t, map[string]*rsa.PrivateKey{"k1": k[0]})
	v := newTestVerifier(srv.URL, nil)
	for _, tt := range []struct {
		name string
		edit func(map[string]any)
		want TokenUse
		err  Reason
	}{
		{name: "ID token", want: IDToken},
		{name: "ID token, any wanted", want: AnyToken},
		{name: "access token", edit: func(c map[string]any) {
			delete(c, "aud")
			c["token_use"], c["client_id"], c["scope"] = "access", testClient, "a b"
		}, want: AccessToken},
		{name: "aud among several", edit: func(c map[string]any) { c["aud"] = []string{"x", testClient} }},
		{name: "expired within the leeway", edit: func(c map[string]any) { c["exp"] = time.Now().Add(-30 * time.Second).Unix() }},
		{name: "expired beyond the leeway", edit: func(c map[string]any) { c["exp"] = time.Now().Add(-2 * time.Minute).Unix() }, err: Expired},
		{name: "issued in the future", edit: func(c map[string]any) { c["iat"] = time.Now().Add(5 * time.Minute).Unix() }, err: NotYetValid},
		{name: "nbf in the future", edit: func(c map[string]any) { c["nbf"] = time.Now().Add(5 * time.Minute).Unix() }, err: NotYetValid},
		{name: "no exp", edit: func(c map[string]any) { delete(c, "exp") }, err: Malformed},
		{name: "no sub", edit: func(c map[string]any) { delete(c, "sub") }, err: Malformed},
		{name: "exp a string", edit: func(c map[string]any) { c["exp"] = "soon" }, err: Malformed},
		{name: "groups a string", edit: func(c map[string]any) { c["cognito:groups"] = "admins" }, err: Malformed},
		{name: "other issuer", edit: func(c map[string]any) { c["iss"] = Issuer(testRegion, "eu-west-1_Other") }, err: WrongIssuer},
		{name: "issuer with a trailing slash", edit: func(c map[string]any) { c["iss"] = Issuer(testRegion, testPool) + "/" }, err: WrongIssuer},
		{name: "other audience", edit: func(c map[string]any) { c["aud"] = "someoneelse" }, err: WrongAudience},
		{name: "access token of another client", edit: func(c map[string]any) {
			c["token_use"], c["client_id"] = "access", "someoneelse"
		}, err: WrongAudience},
		{name: "access token with aud but no client_id", edit: func(c map[string]any) { c["token_use"] = "access" }, err: WrongAudience},
		{name: "refresh-like token_use", edit: func(c map[string]any) { c["token_use"] = "refresh" }, err: WrongTokenUse},
		{name: "access token wanted", want: AccessToken, err: WrongTokenUse},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := v.Verify(context.Background(), sign(t, k[0], "k1", tt.edit), tt.want)
			if got := reasonOf(err); got != tt.err {
				t.Errorf("Verify = %v (reason %d), want reason %d", err, got, tt.err)
			}
		})
	}
}

func TestVerifyReturnsClaims(t *testing.T) {
	k := testKeys(t)
	srv := newJWKSServer(t, map[string]*rsa.PrivateKey{"k1": k[0]})
	exp := time.Now().Add(time.Hour).Truncate(time.Second)
	tok := sign(t, k[0], "k1", func(c map[string]any) { c["exp"] = exp.Unix(); delete(c, "iat") })
	got, err := newTestVerifier(srv.URL, nil).Verify(context.Background(), tok, IDToken)
	if err != nil {
		t.Fatal(err)
	}
	want := &Claims{Subject: "7d8b1a6e-0000-4000-8000-000000000001", Username: "alice", Email: "alice@example.com",
		Groups: []string{"admins"}, TokenUse: "id", ClientID: testClient, Issuer: Issuer(testRegion, testPool), Expiry: exp}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Verify claims (-want +got):\n%s", diff)
	}
}

// A flood of unknown kids costs one fetch per refresh interval, not one per
// token; a rotated-in key is found once the interval has passed.
func TestKeyRefreshIsBounded(t *testing.T) {
	k := testKeys(t)
	srv := newJWKSServer(t, map[string]*rsa.PrivateKey{"k1": k[0]})
	var mu sync.Mutex
	now := time.Now()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	v := New(Config{Region: testRegion, UserPoolID: testPool, ClientID: testClient, JWKSURL: srv.URL, Now: clock, MinRefresh: time.Minute})
	ctx := context.Background()

	if srv.fetches.Load() != 0 {
		t.Fatalf("New fetched the keys %d times, want 0 (nothing before the first token)", srv.fetches.Load())
	}
	if _, err := v.Verify(ctx, sign(t, k[0], "k1", nil), AnyToken); err != nil {
		t.Fatalf("Verify(k1) = %v", err)
	}
	var wg sync.WaitGroup
	for i := range 200 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			kid := "bogus-" + string(rune('a'+i%26)) + string(rune('a'+i/26))
			if _, err := v.Verify(ctx, sign(t, k[1], kid, nil), AnyToken); reasonOf(err) != UnknownKey {
				t.Errorf("Verify(kid %s) = %v, want UnknownKey", kid, err)
			}
		}()
	}
	wg.Wait()
	if got := srv.fetches.Load(); got > 2 {
		t.Errorf("200 tokens with unknown kids made %d fetches, want at most 2 (the first, one refresh)", got)
	}

	// The pool rotates in k2; within the interval it is not fetched again...
	srv.setKeys(map[string]*rsa.PrivateKey{"k1": k[0], "k2": k[1]})
	mu.Lock()
	now = now.Add(2 * time.Minute)
	mu.Unlock()
	before := srv.fetches.Load()
	if _, err := v.Verify(ctx, sign(t, k[1], "k2", nil), AnyToken); err != nil {
		t.Fatalf("Verify(k2) after the interval = %v, want it found by a refresh", err)
	}
	if got := srv.fetches.Load() - before; got != 1 {
		t.Errorf("finding the rotated key made %d fetches, want 1", got)
	}
}

func TestKeysUnavailable(t *testing.T) {
	k := testKeys(t)
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "no", http.StatusInternalServerError)
	}))
	defer down.Close()
	_, err := newTestVerifier(down.URL, nil).Verify(context.Background(), sign(t, k[0], "k1", nil), AnyToken)
	if reasonOf(err) != KeysUnavailable {
		t.Errorf("Verify with the JWKS answering 500 = %v, want KeysUnavailable", err)
	}
}

func TestParsePoolID(t *testing.T) {
	for _, tt := range []struct {
		id, region string
		ok         bool
	}{
		{"eu-west-1_AbCdEf123", "eu-west-1", true},
		{"us-gov-west-1_a", "us-gov-west-1", true},
		{"ap-southeast-2_c3db2146627e46c4b9277552112b0573", "ap-southeast-2", true},
		{"eu-west-1", "", false},
		{"eu-west-1_", "", false},
		{"_abc", "", false},
		{"eu-west_abc", "", false},
		{"EU-WEST-1_abc", "", false},
		{"eu-west-1_ab_c", "", false},
		{"eu-west-1_ab-c", "", false},
		{"eu--west-1_abc", "", false},
		{"eu-west-1_" + string(make([]byte, 50)), "", false},
	} {
		region, err := ParsePoolID(tt.id)
		if (err == nil) != tt.ok || region != tt.region {
			t.Errorf("ParsePoolID(%q) = %q, %v; want %q, ok %v", tt.id, region, err, tt.region, tt.ok)
		}
	}
}

func TestFromAuthorizer(t *testing.T) {
	v := newTestVerifier("http://127.0.0.1:1/unused", nil)
	iss := Issuer(testRegion, testPool)
	rest := map[string]any{ // a REST API Cognito authorizer's claims: every value a string
		"sub": "s-1", "iss": iss, "aud": testClient, "token_use": "id", "cognito:username": "alice",
		"email": "alice@example.com", "cognito:groups": "admins,ops",
		"exp": "Tue Apr 04 18:39:39 UTC 2023", "iat": "Tue Apr 04 17:39:39 UTC 2023",
	}
	got, ok := v.FromAuthorizer(rest, AnyToken)
	want := &Claims{Subject: "s-1", Username: "alice", Email: "alice@example.com", Groups: []string{"admins", "ops"},
		TokenUse: "id", ClientID: testClient, Issuer: iss,
		Expiry: time.Date(2023, 4, 4, 18, 39, 39, 0, time.UTC), IssuedAt: time.Date(2023, 4, 4, 17, 39, 39, 0, time.UTC)}
	if !ok {
		t.Fatal("FromAuthorizer(REST claims) = false, want them taken")
	}
	if diff := cmp.Diff(want, got, cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) })); diff != "" {
		t.Errorf("FromAuthorizer(REST claims) (-want +got):\n%s", diff)
	}
	httpAPI := map[string]any{ // an HTTP API JWT authorizer's claims of an access token
		"sub": "s-1", "iss": iss, "client_id": testClient, "token_use": "access", "username": "alice",
		"scope": "a b", "cognito:groups": "[admins ops]", "exp": "1796229685",
	}
	got, ok = v.FromAuthorizer(httpAPI, AccessToken)
	if !ok || !cmp.Equal(got.Groups, []string{"admins", "ops"}) || !cmp.Equal(got.Scopes, []string{"a", "b"}) || got.Expiry.Unix() != 1796229685 {
		t.Errorf("FromAuthorizer(HTTP API claims) = %+v, %v", got, ok)
	}
	for name, m := range map[string]map[string]any{
		"another pool":    {"sub": "s", "iss": Issuer(testRegion, "eu-west-1_Other"), "aud": testClient, "token_use": "id"},
		"another client":  {"sub": "s", "iss": iss, "aud": "other", "token_use": "id"},
		"no issuer":       {"sub": "s", "aud": testClient, "token_use": "id"},
		"no token_use":    {"sub": "s", "iss": iss, "aud": testClient},
		"no sub":          {"iss": iss, "aud": testClient, "token_use": "id"},
		"access, no cid":  {"sub": "s", "iss": iss, "aud": testClient, "token_use": "access"},
		"lambda context":  {"principalId": "x"},
		"wrong type iss":  {"sub": "s", "iss": 42.0, "aud": testClient, "token_use": "id"},
		"id, access want": {"sub": "s", "iss": iss, "aud": testClient, "token_use": "id", "want": "access"},
	} {
		want := AnyToken
		if m["want"] == "access" {
			want = AccessToken
		}
		if c, ok := v.FromAuthorizer(m, want); ok {
			t.Errorf("FromAuthorizer(%s) = %+v, want refused", name, c)
		}
	}
}
