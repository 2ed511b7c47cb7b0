package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"
)

func meOperation(cfg Config) huma.Operation {
	return huma.Operation{
		OperationID: "me",
		Method:      http.MethodGet,
		Path:        "/api/me",
		Summary:     "Who am I",
		Description: "Answers the signed-in caller's identity from the verified claims of their token " +
			"(an ID token or an access token of the API's Cognito user pool).",
		Tags:         []string{"users"},
		MaxBodyBytes: cfg.MaxRequestBytes,
	}
}

type meOutput struct {
	Body struct {
		Sub       string     `json:"sub" doc:"The user's stable id in the user pool (sub)." example:"7d8b1a6e-0000-4000-8000-000000000001"`
		Username  string     `json:"username,omitempty" doc:"The user name (cognito:username of an ID token, username of an access token)." example:"alice@example.com"`
		Email     string     `json:"email,omitempty" doc:"The e-mail address (email), when the token carries it: ID tokens do." example:"alice@example.com"`
		Groups    []string   `json:"cognito:groups" doc:"The user's groups in the pool (cognito:groups); empty if none." example:"[\"admins\"]"`
		Scopes    []string   `json:"scopes,omitempty" doc:"The OAuth scopes of an access token (scope)." example:"[\"aws.cognito.signin.user.admin\"]"`
		TokenUse  string     `json:"token_use" enum:"id,access" doc:"Which token was sent (token_use)." example:"id"`
		ExpiresAt *time.Time `json:"expires_at,omitempty" doc:"When the token expires (exp)." example:"2026-12-02T17:00:00Z"`
	}
}

func handleMe() func(context.Context, *struct{}) (*meOutput, error) {
	return func(ctx context.Context, _ *struct{}) (*meOutput, error) {
		c, ok := ClaimsFromContext(ctx)
		if !ok { // only if the route lost its requirement: a bug, answered as 500
			return nil, huma.Error500InternalServerError("", errNoClaims)
		}
		out := &meOutput{}
		out.Body.Sub, out.Body.Username, out.Body.Email = c.Subject, c.Username, c.Email
		out.Body.Groups = append([]string{}, c.Groups...)
		out.Body.Scopes = c.Scopes
		out.Body.TokenUse = c.TokenUse
		if !c.Expiry.IsZero() {
			exp := c.Expiry.UTC()
			out.Body.ExpiresAt = &exp
		}
		return out, nil
	}
}
