package cognitojwt

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// FromAuthorizer returns the claims that an API Gateway Cognito authorizer
// has already verified (a REST API's requestContext.authorizer.claims, an
// HTTP API JWT authorizer's claims), so the token need not be verified a
// second time. It accepts them only when they are this Verifier's: issued by
// its pool for its app client, with the wanted token_use. API Gateway sends
// every claim as a string: groups as "a,b" (REST) or "[a b]" (HTTP API),
// exp as "Tue Apr 04 18:39:39 UTC 2023" (REST) or Unix seconds (HTTP API).
func (v *Verifier) FromAuthorizer(m map[string]any, want TokenUse) (*Claims, bool) {
	str := func(k string) string {
		switch x := m[k].(type) {
		case string:
			return x
		case nil:
			return ""
		default:
			return fmt.Sprint(x)
		}
	}
	c := &Claims{
		Subject:  str("sub"),
		Email:    str("email"),
		TokenUse: str("token_use"),
		Issuer:   str("iss"),
		Groups:   authorizerList(m["cognito:groups"]),
	}
	if c.Issuer != v.issuer || c.Subject == "" {
		return nil, false
	}
	switch c.TokenUse {
	case "id":
		if !authorizerContains(m["aud"], v.clientID) {
			return nil, false
		}
		c.ClientID, c.Username = v.clientID, str("cognito:username")
	case "access":
		if str("client_id") != v.clientID {
			return nil, false
		}
		c.ClientID, c.Username, c.Scopes = v.clientID, str("username"), strings.Fields(str("scope"))
	default:
		return nil, false
	}
	if (want == IDToken && c.TokenUse != "id") || (want == AccessToken && c.TokenUse != "access") {
		return nil, false
	}
	c.Expiry, _ = authorizerTime(m["exp"])
	c.IssuedAt, _ = authorizerTime(m["iat"])
	return c, true
}

// authorizerList reads a list claim as API Gateway passes it on.
func authorizerList(v any) []string {
	switch x := v.(type) {
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			if s, ok := e.(string); ok && s != "" {
				out = append(out, s)
			}
		}
		return out
	case []string:
		return x
	case string:
		x = strings.TrimSpace(x)
		if strings.HasPrefix(x, "[") && strings.HasSuffix(x, "]") {
			return strings.Fields(strings.ReplaceAll(x[1:len(x)-1], ",", " "))
		}
		var out []string
		for _, s := range strings.Split(x, ",") {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

func authorizerContains(v any, want string) bool {
	for _, s := range authorizerList(v) {
		if s == want {
			return true
		}
	}
	return false
}

// authorizerTime reads exp or iat: Unix seconds (number or string) or the
// REST API's "Mon Jan 02 15:04:05 UTC 2006".
func authorizerTime(v any) (time.Time, bool) {
	switch x := v.(type) {
	case float64:
		return time.Unix(int64(x), 0), true
	case string:
		if n, err := strconv.ParseInt(x, 10, 64); err == nil {
			return time.Unix(n, 0), true
		}
		if t, err := time.Parse(time.UnixDate, x); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}
