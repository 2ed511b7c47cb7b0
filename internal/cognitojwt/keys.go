package cognitojwt

import (
	"context"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// maxJWKSBytes bounds the key set read from the network; Cognito's holds two
// RSA keys, under 1 KB.
const maxJWKSBytes = 1 << 20

var errUnknownKey = errors.New("no key with that id in the user pool's key set")

// keySet is the pool's public keys by key id, fetched on demand. A fetch
// happens when a key id is not known and the last fetch (successful or not)
// is at least minRefresh old; concurrent callers share one fetch.
type keySet struct {
	url        string
	client     *http.Client
	minRefresh time.Duration
	now        func() time.Time

	mu        sync.Mutex
	keys      map[string]*rsa.PublicKey
	loaded    bool          // keys holds a fetched set (possibly empty)
	lastFetch time.Time     // when the last fetch ended
	lastErr   error         // the last fetch's error, nil if it succeeded
	inflight  chan struct{} // closed when the fetch under way ends; nil if none
	fetches   int           // fetches started, for tests and benchmarks
}

// key returns the RSA key with id kid. It fails with errUnknownKey if the
// set, as fresh as the refresh bound allows, has no such key, or with an
// *unavailableError if the set cannot be had.
func (s *keySet) key(ctx context.Context, kid string) (*rsa.PublicKey, error) {
	s.mu.Lock()
	for {
		if k, ok := s.keys[kid]; ok {
			s.mu.Unlock()
			return k, nil
		}
		if s.inflight != nil {
			wait := s.inflight
			s.mu.Unlock()
			select {
			case <-wait:
			case <-ctx.Done():
				return nil, &unavailableError{ctx.Err()}
			}
			s.mu.Lock()
			if _, ok := s.keys[kid]; !ok {
				// The fetch we waited for is the fresh look: do not start another.
				defer s.mu.Unlock()
				return nil, s.missing()
			}
			continue
		}
		if !s.lastFetch.IsZero() && s.now().Sub(s.lastFetch) < s.minRefresh {
			defer s.mu.Unlock()
			return nil, s.missing()
		}
		done := make(chan struct{})
		s.inflight = done
		s.fetches++
		s.mu.Unlock()

		keys, err := s.fetch(ctx)

		s.mu.Lock()
		if err == nil {
			s.keys, s.loaded = keys, true
		}
		s.lastErr, s.lastFetch, s.inflight = err, s.now(), nil
		close(done)
		if _, ok := s.keys[kid]; !ok {
			defer s.mu.Unlock()
			return nil, s.missing()
		}
	}
}

// missing is the error for a key id not in the set; s.mu must be held.
func (s *keySet) missing() error {
	if !s.loaded && s.lastErr != nil {
		return &unavailableError{s.lastErr}
	}
	return errUnknownKey
}

// fetch reads the key set, keeping the RSA signing keys and ignoring keys of
// other types, as RFC 7517 section 5 asks.
func (s *keySet) fetch(ctx context.Context) (map[string]*rsa.PublicKey, error) {
	// The fetch serves every waiting request, so one caller's cancellation
	// must not end it; the client's timeout bounds it.
	req, err := http.NewRequestWithContext(context.WithoutCancel(ctx), http.MethodGet, s.url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	res, err := s.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetch the user pool's keys: %w", err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetch the user pool's keys: GET %s: %s", s.url, res.Status)
	}
	body, err := io.ReadAll(io.LimitReader(res.Body, maxJWKSBytes+1))
	if err != nil {
		return nil, fmt.Errorf("fetch the user pool's keys: %w", err)
	}
	if len(body) > maxJWKSBytes {
		return nil, fmt.Errorf("fetch the user pool's keys: GET %s: more than %d bytes", s.url, maxJWKSBytes)
	}
	var set struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(body, &set); err != nil {
		return nil, fmt.Errorf("the user pool's key set from %s is not a JWKS: %w", s.url, err)
	}
	keys := make(map[string]*rsa.PublicKey, len(set.Keys))
	for _, raw := range set.Keys {
		var k jose.JSONWebKey
		if err := k.UnmarshalJSON(raw); err != nil {
			continue // a key type go-jose does not know
		}
		pub, ok := k.Key.(*rsa.PublicKey)
		if !ok || k.KeyID == "" || (k.Use != "" && k.Use != "sig") || (k.Algorithm != "" && k.Algorithm != string(jose.RS256)) {
			continue
		}
		keys[k.KeyID] = pub
	}
	return keys, nil
}

// unavailableError says the key set could not be had: the token could not
// be checked, which is no fault of the token.
type unavailableError struct{ err error }

func (e *unavailableError) Error() string { return e.err.Error() }
func (e *unavailableError) Unwrap() error { return e.err }
