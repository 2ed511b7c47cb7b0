// Package cognitojwt verifies the tokens of an Amazon Cognito user pool: ID
// and access tokens signed with RS256 by one of the pool's keys, issued by
// the pool for one app client, within their validity.
//
// The pool's public keys (its JWKS) are fetched on the first verification,
// not before, cached, and fetched again when a token names a key the cache
// does not hold, at most once per refresh interval, so a flood of tokens with
// made-up key ids cannot turn into a flood of fetches.
package cognitojwt

import (
	"errors"
	"fmt"
)

// ParsePoolID checks a user pool id, "<region>_<id>" such as
// "eu-west-1_AbCdEf123", and returns its region.
func ParsePoolID(poolID string) (region string, err error) {
	// AWS's pattern for UserPoolId is [\w-]+_[0-9a-zA-Z]+, at most 55 characters.
	if len(poolID) > 55 {
		return "", errors.New("want at most 55 characters")
	}
	for i := 0; i < len(poolID); i++ {
		if poolID[i] == '_' {
			region, id := poolID[:i], poolID[i+1:]
			if !validRegion(region) || id == "" || !alnum(id) {
				break
			}
			return region, nil
		}
	}
	return "", fmt.Errorf(`want "<region>_<id>", such as "eu-west-1_AbCdEf123"`)
}

// validRegion reports whether s reads like an AWS region: lower-case words
// joined by '-', the last one a number ("eu-west-1", "us-gov-west-1").
func validRegion(s string) bool {
	var words, last int
	start := 0
	for i := 0; i <= len(s); i++ {
		if i < len(s) && s[i] != '-' {
			c := s[i]
			if !('a' <= c && c <= 'z' || '0' <= c && c <= '9') {
				return false
			}
			continue
		}
		if i == start {
			return false
		}
		words++
		last = start
		start = i + 1
	}
	if words < 3 {
		return false
	}
	for i := last; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func alnum(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

// ValidClientID reports whether id can be an app client id: AWS's pattern
// [\w+]+, at most 128 characters.
func ValidClientID(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '+') {
			return false
		}
	}
	return true
}

// Issuer is the iss claim of the pool's tokens. It is the pool's address on
// AWS, also in tokens of a local Cognito-compatible endpoint.
func Issuer(region, poolID string) string {
	return "https://cognito-idp." + region + ".amazonaws.com/" + poolID
}

// JWKSURL is where AWS publishes the pool's public keys.
func JWKSURL(region, poolID string) string {
	return Issuer(region, poolID) + "/.well-known/jwks.json"
}
