package apigw

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// PoolKeys says where the tokens of one user pool come from: their issuer,
// where the pool publishes its keys, and its app clients.
type PoolKeys struct {
	Issuer    string
	JWKSURL   string
	ClientIDs []string
}

// CognitoVerifier verifies ID tokens as API Gateway's COGNITO_USER_POOLS
// authorizer does: RS256 signature by a key of the pool's JWKS, iss the
// pool's issuer, aud one of the pool's app clients, token_use "id", not
// expired. It implements TokenVerifier.
type CognitoVerifier struct {
	// Pools by the template's logical id of the user pool.
	Pools  map[string]PoolKeys
	Client *http.Client     // nil: a client with a 5 s timeout
	Now    func() time.Time // nil: time.Now

	mu   sync.Mutex
	keys map[string]*jose.JSONWebKeySet // by JWKS URL
}

// VerifyIDToken implements TokenVerifier.
func (v *CognitoVerifier) VerifyIDToken(ctx context.Context, pool *UserPool, token string) (map[string]any, error) {
	pk, ok := v.Pools[pool.ID]
	if !ok {
		return nil, fmt.Errorf("no keys for user pool %s", pool.ID)
	}
	tok, err := jwt.ParseSigned(token, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		return nil, fmt.Errorf("not a signed JWT: %w", err)
	}
	if len(tok.Headers) != 1 {
		return nil, errors.New("want one signature")
	}
	keys, err := v.keySet(ctx, pk.JWKSURL)
	if err != nil {
		return nil, err
	}
	candidates := keys.Key(tok.Headers[0].KeyID)
	if len(candidates) == 0 {
		return nil, fmt.Errorf("no key %q in %s", tok.Headers[0].KeyID, pk.JWKSURL)
	}
	var std jwt.Claims
	var all map[string]any
	if err := tok.Claims(candidates[0].Key, &std, &all); err != nil {
		return nil, fmt.Errorf("signature: %w", err)
	}
	now := time.Now
	if v.Now != nil {
		now = v.Now
	}
	if std.Expiry == nil {
		return nil, errors.New("no exp claim")
	}
	if err := std.ValidateWithLeeway(jwt.Expected{Issuer: pk.Issuer, Time: now()}, 0); err != nil {
		return nil, err
	}
	if use, _ := all["token_use"].(string); use != "id" {
		return nil, fmt.Errorf("token_use %q, want id", all["token_use"])
	}
	if !slices.ContainsFunc(std.Audience, func(a string) bool { return slices.Contains(pk.ClientIDs, a) }) {
		return nil, fmt.Errorf("aud %v is not an app client of the pool", std.Audience)
	}
	return all, nil
}

// keySet returns the JWKS at url, fetched once.
func (v *CognitoVerifier) keySet(ctx context.Context, url string) (*jose.JSONWebKeySet, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if ks, ok := v.keys[url]; ok {
		return ks, nil
	}
	client := v.Client
	if client == nil {
		client = &http.Client{Timeout: 5 * time.Second}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("JWKS: %w", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil || resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("JWKS %s: %s %v", url, resp.Status, err)
	}
	var ks jose.JSONWebKeySet
	if err := json.Unmarshal(b, &ks); err != nil {
		return nil, fmt.Errorf("JWKS %s: %w", url, err)
	}
	if v.keys == nil {
		v.keys = map[string]*jose.JSONWebKeySet{}
	}
	v.keys[url] = &ks
	return &ks, nil
}

// claimStrings turns a token's claims into the strings API Gateway's
// Cognito authorizer passes: times (exp, iat, auth_time) in Java's
// Date.toString form, lists joined with commas, the rest as printed.
func claimStrings(claims map[string]any) map[string]string {
	out := make(map[string]string, len(claims))
	for k, v := range claims {
		switch x := v.(type) {
		case string:
			out[k] = x
		case float64:
			if k == "exp" || k == "iat" || k == "auth_time" {
				out[k] = time.Unix(int64(x), 0).UTC().Format("Mon Jan 02 15:04:05 MST 2006")
			} else {
				out[k] = strconv.FormatFloat(x, 'f', -1, 64)
			}
		case json.Number:
			out[k] = x.String()
		case bool:
			out[k] = strconv.FormatBool(x)
		case []any:
			parts := make([]string, 0, len(x))
			for _, e := range x {
				parts = append(parts, fmt.Sprint(e))
			}
			out[k] = strings.Join(parts, ",")
		default:
			b, _ := json.Marshal(x)
			out[k] = string(b)
		}
	}
	return out
}
