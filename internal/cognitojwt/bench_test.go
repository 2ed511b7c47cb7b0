package cognitojwt

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math/big"
	"net/http"
	"strings"
	"testing"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// BenchmarkVerifyWarm is the cost of one request's verification once the
// pool's keys are cached: parse, RSA-2048 signature check, claims.
func BenchmarkVerifyWarm(b *testing.B) {
	k := testKeys(b)
	srv := newJWKSServer(b, map[string]*rsa.PrivateKey{"k1": k[0]})
	v := newTestVerifier(srv.URL, nil)
	tok := sign(b, k[0], "k1", nil)
	ctx := context.Background()
	if _, err := v.Verify(ctx, tok, IDToken); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Verify(ctx, tok, IDToken); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyFirstRequest is the first protected request of a fresh
// process: the JWKS fetched (from a loopback server), then the verification.
func BenchmarkVerifyFirstRequest(b *testing.B) {
	k := testKeys(b)
	srv := newJWKSServer(b, map[string]*rsa.PrivateKey{"k1": k[0], "k2": k[1]})
	tok := sign(b, k[0], "k1", nil)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		v := newTestVerifier(srv.URL, nil)
		if _, err := v.Verify(ctx, tok, IDToken); err != nil {
			b.Fatal(err)
		}
	}
}

// The floors of the two benchmarks above: what any verifier of the same token
// must do, so the ratios say what this package adds. TestFloorsVerify checks
// that they accept the token and refuse a forged one, so they are not free.

// signedParts is a compact JWS split into what RS256 signs and the signature.
type signedParts struct {
	input []byte
	sig   []byte
}

func splitToken(tb testing.TB, tok string) signedParts {
	tb.Helper()
	input, sig, ok := cutLast(tok, ".")
	raw, err := base64.RawURLEncoding.DecodeString(sig)
	if !ok || err != nil {
		tb.Fatalf("splitToken(%q): not a compact JWS: %v", tok, err)
	}
	return signedParts{input: []byte(input), sig: raw}
}

func cutLast(s, sep string) (before, after string, found bool) {
	i := strings.LastIndex(s, sep)
	if i < 0 {
		return s, "", false
	}
	return s[:i], s[i+len(sep):], true
}

// floorRSAVerify is the irreducible crypto: SHA-256 of the signing input and
// one RSA PKCS #1 v1.5 check.
func floorRSAVerify(key *rsa.PublicKey, p signedParts) error {
	h := sha256.Sum256(p.input)
	return rsa.VerifyPKCS1v15(key, crypto.SHA256, h[:], p.sig)
}

// floorJose is the library's floor: go-jose parsing the token and checking
// its signature into the claims structs Verify decodes, with the key in hand.
func floorJose(key *rsa.PublicKey, tok string) error {
	t, err := jwt.ParseSigned(tok, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		return err
	}
	var std jwt.Claims
	var cog cognitoClaims
	return t.Claims(key, &std, &cog)
}

// floorFetchVerify is the first request's floor: GET the key set over
// loopback, decode it into RSA keys, check one signature with the key kid.
func floorFetchVerify(client *http.Client, url, kid string, p signedParts) error {
	res, err := client.Get(url)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	var set struct {
		Keys []struct{ Kty, Kid, N, E string }
	}
	if err := json.NewDecoder(res.Body).Decode(&set); err != nil {
		return err
	}
	keys := make(map[string]*rsa.PublicKey, len(set.Keys))
	for _, k := range set.Keys {
		n, err := base64.RawURLEncoding.DecodeString(k.N)
		if err != nil {
			return err
		}
		e, err := base64.RawURLEncoding.DecodeString(k.E)
		if err != nil {
			return err
		}
		keys[k.Kid] = &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
	}
	key, ok := keys[kid]
	if !ok {
		return errors.New("no key " + kid)
	}
	return floorRSAVerify(key, p)
}

// BenchmarkFloorRSAVerify is BenchmarkVerifyWarm's crypto floor.
func BenchmarkFloorRSAVerify(b *testing.B) {
	k := testKeys(b)
	p := splitToken(b, sign(b, k[0], "k1", nil))
	b.ReportAllocs()
	for b.Loop() {
		if err := floorRSAVerify(&k[0].PublicKey, p); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFloorJose is BenchmarkVerifyWarm's library floor.
func BenchmarkFloorJose(b *testing.B) {
	k := testKeys(b)
	tok := sign(b, k[0], "k1", nil)
	b.ReportAllocs()
	for b.Loop() {
		if err := floorJose(&k[0].PublicKey, tok); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFloorFirstRequest is BenchmarkVerifyFirstRequest's floor: the same
// server, key set and token, and a client like the Verifier's default one.
func BenchmarkFloorFirstRequest(b *testing.B) {
	k := testKeys(b)
	srv := newJWKSServer(b, map[string]*rsa.PrivateKey{"k1": k[0], "k2": k[1]})
	p := splitToken(b, sign(b, k[0], "k1", nil))
	client := &http.Client{Timeout: DefaultFetchTimeout}
	b.ReportAllocs()
	for b.Loop() {
		if err := floorFetchVerify(client, srv.URL, "k1", p); err != nil {
			b.Fatal(err)
		}
	}
}

func TestFloorsVerify(t *testing.T) {
	k := testKeys(t)
	srv := newJWKSServer(t, map[string]*rsa.PrivateKey{"k1": k[0], "k2": k[1]})
	good := sign(t, k[0], "k1", nil)
	// The same header and claims signed with the other key: a forgery.
	input, _, _ := cutLast(good, ".")
	h := sha256.Sum256([]byte(input))
	sig, err := rsa.SignPKCS1v15(nil, k[1], crypto.SHA256, h[:])
	if err != nil {
		t.Fatal(err)
	}
	forged := input + "." + base64.RawURLEncoding.EncodeToString(sig)
	if _, err := newTestVerifier(srv.URL, nil).Verify(context.Background(), forged, IDToken); reasonOf(err) != BadSignature {
		t.Fatalf("Verify(forged) = %v, want reason BadSignature", err)
	}
	floors := map[string]func(tok string) error{
		"rsa":   func(tok string) error { return floorRSAVerify(&k[0].PublicKey, splitToken(t, tok)) },
		"jose":  func(tok string) error { return floorJose(&k[0].PublicKey, tok) },
		"fetch": func(tok string) error { return floorFetchVerify(srv.Client(), srv.URL, "k1", splitToken(t, tok)) },
	}
	for name, floor := range floors {
		if err := floor(good); err != nil {
			t.Errorf("%s floor(good token) = %v, want nil", name, err)
		}
		if err := floor(forged); err == nil {
			t.Errorf("%s floor(forged token) = nil, want an error", name)
		}
	}
}
