package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
)

func helloOperation(cfg Config) huma.Operation {
	return huma.Operation{
		OperationID:  "hello",
		Method:       http.MethodGet,
		Path:         "/api/hello",
		Summary:      "Say hello",
		Description:  "Greets the world, or the caller by the name given.",
		Tags:         []string{"hello"},
		Errors:       []int{http.StatusUnprocessableEntity},
		MaxBodyBytes: cfg.MaxRequestBytes,
	}
}

type helloInput struct {
	Name string `query:"name" minLength:"1" maxLength:"64" pattern:"^[\\p{L}\\p{N} '-]+$" patternDescription:"letters, digits, spaces, '-' and apostrophes" doc:"Who to greet: 1 to 64 letters, digits, spaces, '-' or apostrophes. Without it, the world." example:"Ada"`
}

type helloOutput struct {
	Body struct {
		Message string `json:"message" example:"Hello World" doc:"The greeting."`
	}
}

func handleHello() func(context.Context, *helloInput) (*helloOutput, error) {
	return func(_ context.Context, in *helloInput) (*helloOutput, error) {
		name := in.Name
		if name == "" {
			name = "World"
		}
		out := &helloOutput{}
		out.Body.Message = "Hello " + name
		return out, nil
	}
}
