module github.com/r2r/r2r/bench/adapters

go 1.27

require (
	github.com/akrylysov/algnhsa v1.1.0
	github.com/aws/aws-lambda-go v1.55.1
	github.com/awslabs/aws-lambda-go-api-proxy v0.16.2
	github.com/r2r/r2r v0.0.0
)

replace github.com/r2r/r2r => ../..
