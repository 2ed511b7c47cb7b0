package cognitojwt

import (
	"context"
	"crypto/rsa"
	"testing"
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
