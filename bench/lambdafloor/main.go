// Command lambdafloor is the bare aws-lambda-go handler cmd/coldstart
// measures beside the API's bootstrap: one function answering every API
// Gateway proxy event with the JSON body GET /api/hello returns, no router, no
// middleware, so the ratio between the two is what the API's stack costs a
// cold start and a warm invocation. scripts/build.sh builds it (PKG) with the
// bootstrap's flags.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

func main() {
	resp := events.APIGatewayProxyResponse{
		StatusCode: 200,
		Headers:    map[string]string{"Content-Type": "application/json"},
		Body:       `{"message":"Hello World"}` + "\n",
	}
	lambda.Start(func(context.Context, events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
		return resp, nil
	})
}
