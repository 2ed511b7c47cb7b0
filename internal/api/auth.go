package api

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"
	"github.com/r2r/r2r/internal/cognitojwt"
)

// The 503 texts of protected routes. They say what is missing, never a
// cause, so detailFor lets them through.
const (
	detailAuthNotConfigured = "Authentication is not configured."
	detailAuthUnavailable   = "Authentication is unavailable now; try again later."
)

// securityScheme names the bearer-token scheme in the OpenAPI document.
const securityScheme = "cognito"

// Requirement is what a protected route asks of its caller, beyond a valid
// token of the configured user pool and app client.
type Requirement struct {
	Token cognitojwt.TokenUse // which token: AnyToken (the zero value), IDToken or AccessToken
	Group string              // a Cognito group the user must be in (cognito:groups), if set
	Scope string              // an OAuth scope the access token must carry (scope), if set
}

// WithAuthorizerClaims tells the server where to find the claims that an
// API Gateway Cognito authorizer has verified for a request (on Lambda,
// requestContext.authorizer.claims of the event). Claims found there, of the
// configured pool and app client, are taken without verifying the token a
// second time. f must read only what the platform established, never request
// headers a client could set.
func WithAuthorizerClaims(f func(context.Context) map[string]any) Option {
	return func(o *options) { o.auth.authorizerClaims = f }
}

// authOptions are the options of the authenticator.
type authOptions struct {
	authorizerClaims func(context.Context) map[string]any
	operations       []func(huma.API, *authenticator) // more operations, for tests
	verifier         func(*cognitojwt.Config)         // changes to the verifier's configuration, for tests
}

// withOperations registers more huma operations, protected or not: for tests only.
func withOperations(add func(huma.API, *authenticator)) Option {
	return func(o *options) { o.auth.operations = append(o.auth.operations, add) }
}

// withVerifierConfig changes the verifier's configuration (its clock, its
// refresh interval): for tests only.
func withVerifierConfig(f func(*cognitojwt.Config)) Option {
	return func(o *options) { o.auth.verifier = f }
}

type claimsKey struct{}

// ClaimsFromContext returns the verified claims of the signed-in caller of a
// protected route; false on a public route.
func ClaimsFromContext(ctx context.Context) (*cognitojwt.Claims, bool) {
	c, ok := ctx.Value(claimsKey{}).(*cognitojwt.Claims)
	return c, ok
}

// authenticator checks the callers of protected routes.
type authenticator struct {
	verifier   *cognitojwt.Verifier // nil when no user pool is configured
	authorizer func(context.Context) map[string]any
}

// newAuthenticator returns the authenticator for cfg and declares its
// security scheme in the API's document. Nothing is fetched here: the pool's
// keys are fetched by the first protected request that needs them.
func newAuthenticator(api huma.API, cfg Cognito, o authOptions) *authenticator {
	a := &authenticator{authorizer: o.authorizerClaims}
	if cfg.Configured() {
		vc := cognitojwt.Config{
			Region:     cfg.Region,
			UserPoolID: cfg.UserPoolID,
			ClientID:   cfg.ClientID,
			JWKSURL:    cfg.JWKSURL,
		}
		if o.verifier != nil {
			o.verifier(&vc)
		}
		a.verifier = cognitojwt.New(vc)
	}
	oapi := api.OpenAPI()
	if oapi.Components.SecuritySchemes == nil {
		oapi.Components.SecuritySchemes = map[string]*huma.SecurityScheme{}
	}
	oapi.Components.SecuritySchemes[securityScheme] = &huma.SecurityScheme{
		Type:         "http",
		Scheme:       "bearer",
		BearerFormat: "JWT",
		Description: "A token of the API's Cognito user pool: the ID token or the access token " +
			"that `aws cognito-idp initiate-auth` returns. Sent as `Authorization: Bearer <token>`; " +
			"the bare token is accepted too.",
	}
	return a
}

// require marks op as needing a signed-in caller that meets req: the
// operation's security requirement in the OpenAPI document (with the group
// or scope as its role) and the check before its handler runs.
func (a *authenticator) require(op huma.Operation, req Requirement) huma.Operation {
	var roles []string
	for _, r := range []string{req.Group, req.Scope} {
		if r != "" {
			roles = append(roles, r)
		}
	}
	if roles == nil {
		roles = []string{}
	}
	op.Security = append(op.Security, map[string][]string{securityScheme: roles})
	op.Errors = append(op.Errors, http.StatusUnauthorized, http.StatusForbidden, http.StatusServiceUnavailable)
	op.Middlewares = append(op.Middlewares, func(hctx huma.Context, next func(huma.Context)) {
		r, w := humago.Unwrap(hctx)
		claims, ok := a.authenticate(w, r, req)
		if !ok {
			return
		}
		next(huma.WithValue(hctx, claimsKey{}, claims))
	})
	return op
}

// authenticate returns the caller's claims, or answers the request with the
// error and returns false.
func (a *authenticator) authenticate(w http.ResponseWriter, r *http.Request, req Requirement) (*cognitojwt.Claims, bool) {
	if a.verifier == nil {
		writeError(w, r, http.StatusServiceUnavailable, detailAuthNotConfigured, nil)
		return nil, false
	}
	claims, ok := a.fromAuthorizer(r.Context(), req)
	if !ok {
		token, detail := bearerToken(r.Header)
		if detail != "" {
			w.Header().Set("WWW-Authenticate", "Bearer")
			writeError(w, r, http.StatusUnauthorized, detail, nil)
			return nil, false
		}
		var err error
		claims, err = a.verifier.Verify(r.Context(), token, req.Token)
		if err != nil {
			var verr *cognitojwt.Error
			if !errors.As(err, &verr) { // Verify returns no other error
				verr = &cognitojwt.Error{Err: err}
			}
			if verr.Reason == cognitojwt.KeysUnavailable {
				writeError(w, r, http.StatusServiceUnavailable, detailAuthUnavailable, err)
				return nil, false
			}
			w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token", error_description="`+verr.Detail()+`"`)
			writeError(w, r, http.StatusUnauthorized, verr.Detail(), err)
			return nil, false
		}
	}
	switch {
	case req.Group != "" && !claims.InGroup(req.Group):
		w.Header().Set("WWW-Authenticate", `Bearer error="insufficient_scope"`)
		writeError(w, r, http.StatusForbidden, "This route is for members of the group "+req.Group+".", nil)
		return nil, false
	case req.Scope != "" && !claims.HasScope(req.Scope):
		w.Header().Set("WWW-Authenticate", `Bearer error="insufficient_scope", scope="`+req.Scope+`"`)
		writeError(w, r, http.StatusForbidden, "This route needs an access token with the scope "+req.Scope+".", nil)
		return nil, false
	}
	return claims, true
}

// fromAuthorizer returns the claims an API Gateway authorizer verified, when
// they are of the configured pool and client and of the required token.
func (a *authenticator) fromAuthorizer(ctx context.Context, req Requirement) (*cognitojwt.Claims, bool) {
	if a.authorizer == nil {
		return nil, false
	}
	m := a.authorizer(ctx)
	if m == nil {
		return nil, false
	}
	return a.verifier.FromAuthorizer(m, req.Token)
}

// What a caller without a usable Authorization header is told.
const (
	detailNoToken   = "Sign-in required: send a token of the user pool in the Authorization header."
	detailNotBearer = "The Authorization header must carry a Bearer token."
)

// bearerToken returns the token of the Authorization header: "Bearer
// <token>", or the bare token as API Gateway's Cognito authorizer takes it.
// Without one it returns what the caller is told instead.
func bearerToken(h http.Header) (token, detail string) {
	v := strings.TrimSpace(h.Get("Authorization"))
	if v == "" || strings.EqualFold(v, "Bearer") {
		return "", detailNoToken
	}
	scheme, rest, found := strings.Cut(v, " ")
	if !found {
		return v, "" // the bare token
	}
	if !strings.EqualFold(scheme, "Bearer") {
		return "", detailNotBearer
	}
	if token = strings.TrimSpace(rest); token == "" {
		return "", detailNoToken
	}
	return token, ""
}

var errNoClaims = errors.New("a protected handler ran without verified claims")
