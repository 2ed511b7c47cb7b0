package api

import (
	"net/url"

	"github.com/r2r/r2r/internal/cognitojwt"
)

// Cognito is the user pool and app client whose tokens the protected routes
// accept. The zero value means none: those routes answer 503.
type Cognito struct {
	UserPoolID string // COGNITO_USER_POOL_ID: "<region>_<id>"
	Region     string // the region part of UserPoolID
	ClientID   string // COGNITO_CLIENT_ID: the app client tokens must be issued for
	JWKSURL    string // COGNITO_JWKS_URL: where the pool's keys are fetched; "" for the pool's own address on AWS
}

// Configured reports whether a user pool is configured.
func (c Cognito) Configured() bool { return c.UserPoolID != "" }

// loadCognito reads the COGNITO_* variables, reporting bad values through bad.
func loadCognito(getenv func(string) string, bad func(name, value, why string)) Cognito {
	var c Cognito
	pool, hasPool := lookup(getenv, "COGNITO_USER_POOL_ID")
	client, hasClient := lookup(getenv, "COGNITO_CLIENT_ID")
	jwks, hasJWKS := lookup(getenv, "COGNITO_JWKS_URL")
	switch {
	case hasPool && !hasClient:
		bad("COGNITO_CLIENT_ID", client, "want the app client id when COGNITO_USER_POOL_ID is set")
	case hasClient && !hasPool:
		bad("COGNITO_USER_POOL_ID", pool, "want the user pool id when COGNITO_CLIENT_ID is set")
	case hasJWKS && !hasPool:
		bad("COGNITO_USER_POOL_ID", pool, "want the user pool id when COGNITO_JWKS_URL is set")
	}
	if hasPool {
		region, err := cognitojwt.ParsePoolID(pool)
		if err != nil {
			bad("COGNITO_USER_POOL_ID", pool, err.Error())
		}
		c.UserPoolID, c.Region = pool, region
	}
	if hasClient {
		if !cognitojwt.ValidClientID(client) {
			bad("COGNITO_CLIENT_ID", client, "want 1 to 128 letters, digits, '_' or '+'")
		}
		c.ClientID = client
	}
	if hasJWKS {
		u, err := url.Parse(jwks)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || u.Fragment != "" {
			bad("COGNITO_JWKS_URL", jwks, "want an http:// or https:// address of a JWKS")
		}
		c.JWKSURL = jwks
	}
	return c
}
