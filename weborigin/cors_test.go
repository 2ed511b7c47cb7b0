package weborigin_test

import (
	"fmt"
	"strings"

	"github.com/r2r/r2r/weborigin"
)

// The header values the API sends in a preflight answer and on every
// response to an allowed origin.
func ExampleAllowMethods() {
	fmt.Println("Access-Control-Allow-Methods:", strings.Join(weborigin.AllowMethods(), ", "))
	fmt.Println("Access-Control-Allow-Headers:", strings.Join(weborigin.AllowHeaders(), ", "))
	fmt.Println("Access-Control-Expose-Headers:", strings.Join(weborigin.ExposeHeaders(), ", "))
	// Output:
	// Access-Control-Allow-Methods: GET, POST, PUT, DELETE, OPTIONS
	// Access-Control-Allow-Headers: Content-Type, Authorization
	// Access-Control-Expose-Headers: X-Request-Id
}
