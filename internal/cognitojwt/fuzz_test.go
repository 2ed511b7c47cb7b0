package cognitojwt

import (
	"context"
	"crypto/rsa"
	"errors"
	"testing"

	"github.com/go-jose/go-jose/v4"
)

// Whatever a token holds, Verify answers with claims or an *Error, never a
// panic: raw strings, and claims of any shape correctly signed by the pool.
func FuzzVerify(f *testing.F) {
	k := testKeys(f)
	srv := newJWKSServer(f, map[string]*rsa.PrivateKey{"k1": k[0]})
	v := newTestVerifier(srv.URL, nil)
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: k[0]},
		(&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", "k1"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add("", []byte(`{}`))
	f.Add(sign(f, k[0], "k1", nil), []byte(`{"iss":"`+Issuer(testRegion, testPool)+`","sub":"s","aud":"`+testClient+`","token_use":"id","exp":99999999999}`))
	f.Add("a.b.c", []byte(`{"iss":1,"aud":{"x":1},"exp":"x","cognito:groups":"a","iat":1e400}`))
	f.Add("eyJhbGciOiJub25lIn0.e30.", []byte(`null`))
	f.Fuzz(func(t *testing.T, raw string, payload []byte) {
		check := func(what string, c *Claims, err error) {
			var e *Error
			switch {
			case err == nil && (c == nil || c.Subject == "" || c.Expiry.IsZero()):
				t.Errorf("Verify(%s) = %+v, nil: claims without sub or exp accepted", what, c)
			case err != nil && !errors.As(err, &e):
				t.Errorf("Verify(%s) error %T %v, want *Error", what, err, err)
			}
		}
		c, err := v.Verify(context.Background(), raw, AnyToken)
		check("raw", c, err)
		obj, err := signer.Sign(payload)
		if err != nil {
			return
		}
		tok, err := obj.CompactSerialize()
		if err != nil {
			return
		}
		c, err = v.Verify(context.Background(), tok, AnyToken)
		check("signed payload", c, err)
	})
}
