// Package adapters compares internal/lambdahttp with the Go Lambda HTTP
// adapters it replaces (algnhsa, aws-lambda-go-api-proxy's httpadapter and
// aws-lambda-go's lambdaurl), for speed and for correctness. It is its own
// module so that the peers never enter the application's go.mod; all of it
// is in the tests (see README.md).
package adapters
