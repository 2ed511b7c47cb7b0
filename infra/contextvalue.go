package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/r2r/r2r/weborigin"
)

// parseOrigins accepts the origins as stringList does. The entries are
// checked and canonicalised by weborigin, as the functions check the list
// they are given.
func parseOrigins(v any) ([]string, error) {
	raw, err := stringList(v)
	if err != nil {
		return nil, err
	}
	return weborigin.CheckList(raw)
}

// stringList accepts a JSON list of strings (cdk.json), or a string holding
// a JSON list or comma-separated values (-c). Entries are trimmed.
func stringList(v any) ([]string, error) {
	var raw []string
	switch v := v.(type) {
	case []any:
		for _, e := range v {
			s, ok := e.(string)
			if !ok {
				return nil, fmt.Errorf("entry %s is not a string", show(e))
			}
			raw = append(raw, s)
		}
	case string:
		if strings.HasPrefix(strings.TrimSpace(v), "[") {
			if err := json.Unmarshal([]byte(v), &raw); err != nil {
				return nil, fmt.Errorf("not a JSON list of strings: %v", err)
			}
		} else {
			raw = strings.Split(v, ",")
		}
	default:
		return nil, errors.New(`want a list, like ["a", "b"] or "a,b"`)
	}
	for i := range raw {
		raw[i] = strings.TrimSpace(raw[i])
	}
	return raw, nil
}

// contextValue is a context key's value, and whether it is set: "-c key="
// and an empty string in cdk.json mean unset.
func contextValue(node constructs.Node, key string) (any, bool) {
	v := node.TryGetContext(jsii.String(key))
	if s, ok := v.(string); ok && strings.TrimSpace(s) == "" {
		return nil, false
	}
	return v, v != nil
}

// number accepts a JSON number (cdk.json) or its decimal string (-c).
func number(v any) (float64, error) {
	switch v := v.(type) {
	case float64:
		return v, nil
	case string:
		n, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil || math.IsNaN(n) || math.IsInf(n, 0) {
			return 0, errors.New("not a number")
		}
		return n, nil
	}
	return 0, errors.New("not a number")
}

// boolean accepts a JSON boolean (cdk.json) or "true"/"false" (-c).
func boolean(v any) (bool, error) {
	switch v := v.(type) {
	case bool:
		return v, nil
	case string:
		switch strings.ToLower(strings.TrimSpace(v)) {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
	}
	return false, errors.New("not a boolean")
}

// show renders a context value as the user wrote it, for error messages.
func show(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}
