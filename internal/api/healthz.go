package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
)

func healthzOperation(cfg Config) huma.Operation {
	return huma.Operation{
		OperationID:  "healthz",
		Method:       http.MethodGet,
		Path:         "/api/healthz",
		Summary:      "Report health",
		Description:  "Answers 200 while the service can serve requests, with its stage and build version.",
		Tags:         []string{"operations"},
		MaxBodyBytes: cfg.MaxRequestBytes,
	}
}

type healthzOutput struct {
	Body struct {
		Status  string `json:"status" enum:"ok" doc:"Always ok: a service that can answer is healthy."`
		Stage   string `json:"stage" example:"prod" doc:"The deployment stage (STAGE)."`
		Version string `json:"version" example:"v1.2.3" doc:"The build version."`
	}
}

func handleHealthz(cfg Config) func(context.Context, *struct{}) (*healthzOutput, error) {
	out := &healthzOutput{}
	out.Body.Status, out.Body.Stage, out.Body.Version = "ok", cfg.Stage, cfg.Version
	return func(context.Context, *struct{}) (*healthzOutput, error) {
		return out, nil
	}
}
