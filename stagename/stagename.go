// Package stagename holds the rule for a deployment stage's name, which the
// API checks in STAGE and the CDK app (a module of its own, which cannot
// import internal packages) checks in its stage context key: a stage valid
// in one place is valid in the other.
//
// A stage names the API Gateway stage ([A-Za-z0-9_-]{1,128}) and the
// CloudFormation stack R2RStack-<stage> (stack names match
// [A-Za-z][A-Za-z0-9-]*, 128 characters at most): the rule is both at once.
package stagename

import "fmt"

// MaxLen is the longest stage name: 128 characters of stack name minus the
// "R2RStack-" prefix.
const MaxLen = 128 - len("R2RStack-")

// Rule says what Check wants, for error messages.
var Rule = fmt.Sprintf("want a letter, then letters, digits or '-', %d characters at most: "+
	"the stack is named R2RStack-<stage>, and CloudFormation stack names match [A-Za-z][A-Za-z0-9-]* up to 128 characters", MaxLen)

// Valid reports whether s is a stage name. (No regexp: one with {0,118}
// compiles to 118 copies at start-up, and cold start counts.)
func Valid(s string) bool {
	if s == "" || len(s) > MaxLen || !isLetter(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if c := s[i]; !isLetter(c) && !('0' <= c && c <= '9') && c != '-' {
			return false
		}
	}
	return true
}

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
