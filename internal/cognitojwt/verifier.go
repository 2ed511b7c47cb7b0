package cognitojwt

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// Defaults of Config.
const (
	// DefaultLeeway is the clock skew allowed on exp, nbf and iat.
	DefaultLeeway = time.Minute
	// DefaultMinRefresh is the least time between two fetches of the key set.
	DefaultMinRefresh = time.Minute
	// DefaultFetchTimeout bounds one fetch of the key set.
	DefaultFetchTimeout = 5 * time.Second
	// MaxTokenBytes is the longest token looked at. Cognito's tokens are a
	// few kilobytes; API Gateway refuses request headers over 10 KB anyway.
	MaxTokenBytes = 16 << 10
)

// TokenUse says which of a user pool's tokens is wanted.
type TokenUse int

// The tokens a Verifier can be asked for.
const (
	AnyToken    TokenUse = iota // an ID token or an access token
	IDToken                     // token_use "id": aud is the app client
	AccessToken                 // token_use "access": client_id is the app client
)

// Config says which pool and app client a Verifier accepts tokens of.
type Config struct {
	Region     string // the pool's region, as ParsePoolID returns it
	UserPoolID string
	ClientID   string
	// JWKSURL is where the pool's keys are fetched: JWKSURL(Region,
	// UserPoolID) if empty. Tokens must carry the pool's real issuer wherever
	// the keys come from.
	JWKSURL    string
	HTTPClient *http.Client     // for the key set; a client with DefaultFetchTimeout if nil
	Leeway     time.Duration    // DefaultLeeway if 0
	MinRefresh time.Duration    // DefaultMinRefresh if 0
	Now        func() time.Time // time.Now if nil
}

// Verifier checks tokens of one user pool and app client. It is safe for
// concurrent use, and cheap to create: nothing is fetched until a token is
// verified.
type Verifier struct {
	issuer   string
	clientID string
	leeway   time.Duration
	now      func() time.Time
	keys     *keySet
}

// New returns a Verifier for cfg.
func New(cfg Config) *Verifier {
	v := &Verifier{
		issuer:   Issuer(cfg.Region, cfg.UserPoolID),
		clientID: cfg.ClientID,
		leeway:   cfg.Leeway,
		now:      cfg.Now,
	}
	if v.leeway == 0 {
		v.leeway = DefaultLeeway
	}
	if v.now == nil {
		v.now = time.Now
	}
	ks := &keySet{url: cfg.JWKSURL, client: cfg.HTTPClient, minRefresh: cfg.MinRefresh, now: v.now}
	if ks.url == "" {
		ks.url = JWKSURL(cfg.Region, cfg.UserPoolID)
	}
	if ks.client == nil {
		ks.client = &http.Client{Timeout: DefaultFetchTimeout}
	}
	if ks.minRefresh == 0 {
		ks.minRefresh = DefaultMinRefresh
	}
	v.keys = ks
	return v
}

// Issuer returns the iss claim the Verifier accepts.
func (v *Verifier) Issuer() string { return v.issuer }

// Claims is what a verified token says of the user.
type Claims struct {
	Subject  string    // sub: the user's stable id
	Username string    // cognito:username (ID token) or username (access token)
	Email    string    // email (ID tokens only), "" if absent
	Groups   []string  // cognito:groups: the user's groups in the pool
	Scopes   []string  // scope (access tokens only), split at spaces
	TokenUse string    // "id" or "access"
	ClientID string    // the app client the token was issued for
	Issuer   string    // iss
	Expiry   time.Time // exp
	IssuedAt time.Time // iat; zero if absent
}

// InGroup reports whether the user belongs to the Cognito group.
func (c *Claims) InGroup(group string) bool { return slices.Contains(c.Groups, group) }

// HasScope reports whether the token carries the OAuth scope.
func (c *Claims) HasScope(scope string) bool { return slices.Contains(c.Scopes, scope) }

// cognitoClaims are the claims beyond the registered ones.
type cognitoClaims struct {
	TokenUse        string   `json:"token_use"`
	ClientID        string   `json:"client_id"`
	Email           string   `json:"email"`
	Groups          []string `json:"cognito:groups"`
	Scope           string   `json:"scope"`
	CognitoUsername string   `json:"cognito:username"`
	Username        string   `json:"username"`
}

// Verify checks raw, a compact JWS, and returns its claims. want says which
// token the caller accepts. Every failure is an *Error.
func (v *Verifier) Verify(ctx context.Context, raw string, want TokenUse) (*Claims, error) {
	if len(raw) > MaxTokenBytes {
		return nil, &Error{Reason: TooLarge}
	}
	// The algorithm is ours, never the token's: only RS256 is parsed at all,
	// so "none", HS256 (with the public key as the secret) and the rest fail here.
	tok, err := jwt.ParseSigned(raw, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		return nil, &Error{Reason: Malformed, Err: err}
	}
	kid := tok.Headers[0].KeyID
	if kid == "" {
		return nil, &Error{Reason: UnknownKey, Err: errors.New("the token names no key (kid)")}
	}
	key, err := v.keys.key(ctx, kid)
	if err != nil {
		var unavailable *unavailableError
		if errors.As(err, &unavailable) {
			return nil, &Error{Reason: KeysUnavailable, Err: err}
		}
		return nil, &Error{Reason: UnknownKey, Err: err}
	}
	var std jwt.Claims
	var cog cognitoClaims
	if err := tok.Claims(key, &std, &cog); err != nil {
		if errors.Is(err, jose.ErrCryptoFailure) {
			return nil, &Error{Reason: BadSignature, Err: err}
		}
		return nil, &Error{Reason: Malformed, Err: err}
	}
	// Every pool of a region may share keys with others (moto's do): the
	// issuer is what tells a foreign pool's token apart, so it comes first.
	if std.Issuer != v.issuer {
		return nil, &Error{Reason: WrongIssuer}
	}
	c := &Claims{
		Subject:  std.Subject,
		Email:    cog.Email,
		Groups:   cog.Groups,
		TokenUse: cog.TokenUse,
		Issuer:   std.Issuer,
	}
	switch cog.TokenUse {
	case "id":
		if !std.Audience.Contains(v.clientID) {
			return nil, &Error{Reason: WrongAudience}
		}
		c.ClientID, c.Username = v.clientID, cog.CognitoUsername
	case "access":
		if cog.ClientID != v.clientID {
			return nil, &Error{Reason: WrongAudience}
		}
		c.ClientID, c.Username, c.Scopes = cog.ClientID, cog.Username, strings.Fields(cog.Scope)
	default:
		return nil, &Error{Reason: WrongTokenUse, Err: errors.New("token_use is neither id nor access")}
	}
	if want == IDToken && c.TokenUse != "id" {
		return nil, &Error{Reason: WrongTokenUse, Want: want}
	}
	if want == AccessToken && c.TokenUse != "access" {
		return nil, &Error{Reason: WrongTokenUse, Want: want}
	}
	if std.Expiry == nil || std.Subject == "" {
		return nil, &Error{Reason: Malformed, Err: errors.New("the token lacks exp or sub")}
	}
	switch err := std.ValidateWithLeeway(jwt.Expected{Time: v.now()}, v.leeway); {
	case errors.Is(err, jwt.ErrExpired):
		return nil, &Error{Reason: Expired}
	case errors.Is(err, jwt.ErrNotValidYet), errors.Is(err, jwt.ErrIssuedInTheFuture):
		return nil, &Error{Reason: NotYetValid}
	case err != nil:
		return nil, &Error{Reason: Malformed, Err: err}
	}
	c.Expiry = std.Expiry.Time()
	if std.IssuedAt != nil {
		c.IssuedAt = std.IssuedAt.Time()
	}
	return c, nil
}

// Reason says why a token was refused.
type Reason int

// The reasons of Error.
const (
	Malformed       Reason = iota + 1 // not a compact RS256 JWS with well-typed claims
	TooLarge                          // longer than MaxTokenBytes
	UnknownKey                        // signed with a key the pool does not publish
	BadSignature                      // the signature does not match the pool's key
	WrongIssuer                       // issued by another user pool or issuer
	WrongAudience                     // issued for another app client
	WrongTokenUse                     // an ID token where an access token is wanted, or the reverse
	Expired                           // exp has passed
	NotYetValid                       // nbf or iat is in the future
	KeysUnavailable                   // the pool's keys could not be fetched: no fault of the token
)

// Error is a refused token: Reason says why, Err (when set) has the detail
// for the logs.
type Error struct {
	Reason Reason
	Want   TokenUse // for WrongTokenUse: the token that was wanted
	Err    error
}

// Detail is a sentence for the client saying what is wrong with its token;
// it names no key, no issuer and no client id.
func (e *Error) Detail() string {
	switch e.Reason {
	case TooLarge:
		return "The token is too large."
	case UnknownKey:
		return "The token is not signed with a key of this user pool."
	case BadSignature:
		return "The token's signature is not valid."
	case WrongIssuer:
		return "The token was issued by another user pool."
	case WrongAudience:
		return "The token was issued for another app client."
	case WrongTokenUse:
		switch e.Want {
		case IDToken:
			return "An ID token is required."
		case AccessToken:
			return "An access token is required."
		}
		return "The token is neither an ID token nor an access token."
	case Expired:
		return "The token has expired."
	case NotYetValid:
		return "The token is not valid yet."
	case KeysUnavailable:
		return "The token cannot be verified now: the user pool's keys are unavailable."
	}
	return "The token is not a valid RS256-signed JWT."
}

func (e *Error) Error() string {
	if e.Err != nil {
		return e.Detail() + " " + e.Err.Error()
	}
	return e.Detail()
}

func (e *Error) Unwrap() error { return e.Err }
