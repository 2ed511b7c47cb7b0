package lambdahttp_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/google/go-cmp/cmp"

	"github.com/r2r/r2r/internal/lambdahttp"
	"github.com/r2r/r2r/internal/lambdahttp/lambdahttptest"
)

// TestRequestContext checks what the handler can reach from r.Context().
func TestRequestContext(t *testing.T) {
	type ctxSeen struct {
		EventType     string
		Source        string
		RequestID     string
		TraceID       string
		Authorizer    map[string]any
		StageVars     map[string]string
		LambdaReqID   string
		DeadlineEqual bool
	}
	get := func(t *testing.T, payload []byte, ctx context.Context) ctxSeen {
		t.Helper()
		var s ctxSeen
		h := lambdahttp.New(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ctx := r.Context()
			ev, _ := lambdahttp.EventFromContext(ctx)
			s.EventType = strings.TrimPrefix(reflectType(ev), "*events.")
			s.Source = lambdahttp.SourceFromContext(ctx).String()
			s.RequestID = lambdahttp.RequestIDFromContext(ctx)
			s.TraceID = lambdahttp.TraceIDFromContext(ctx)
			s.Authorizer = lambdahttp.AuthorizerFromContext(ctx)
			s.StageVars = lambdahttp.StageVariablesFromContext(ctx)
			if lc, ok := lambdacontext.FromContext(ctx); ok {
				s.LambdaReqID = lc.AwsRequestID
			}
			want, _ := ctx.Deadline()
			s.DeadlineEqual = want.Equal(deadline)
		}))
		if _, err := h.Invoke(ctx, payload); err != nil {
			t.Fatalf("Invoke = %v", err)
		}
		return s
	}
	base := func() context.Context {
		ctx, cancel := context.WithDeadline(context.Background(), deadline)
		t.Cleanup(cancel)
		return lambdacontext.NewContext(ctx, &lambdacontext.LambdaContext{AwsRequestID: "lambda-req-1"})
	}
	//lint:ignore SA1029 aws-lambda-go stores the runtime trace id under this plain string key.
	runtimeTrace := context.WithValue(base(), "x-amzn-trace-id", "Root=1-runtime")

	c := lambdahttptest.Request{Method: "GET", Target: "/", Header: [][2]string{{"X-Amzn-Trace-Id", "Root=1-header"}}}
	v1Cognito := eventWith(t, restAPI.EventV1(t, c), func(ev map[string]any) {
		ev["requestContext"].(map[string]any)["authorizer"] = map[string]any{
			"claims":      map[string]any{"sub": "user-1", "email": "a@example.com"},
			"principalId": "user-1",
		}
	})
	v2JWT := eventWith(t, httpAPI.EventV2(t, c), func(ev map[string]any) {
		ev["requestContext"].(map[string]any)["authorizer"] = map[string]any{
			"jwt": map[string]any{"claims": map[string]string{"sub": "user-2"}, "scopes": []string{"read"}},
		}
	})
	v2Lambda := eventWith(t, httpAPI.EventV2(t, c), func(ev map[string]any) {
		ev["requestContext"].(map[string]any)["authorizer"] = map[string]any{"lambda": map[string]any{"tenant": "t1"}}
	})
	furlIAM := eventWith(t, functionURL.EventFunctionURL(t, c), func(ev map[string]any) {
		ev["requestContext"].(map[string]any)["authorizer"] = map[string]any{"iam": map[string]any{"accessKey": "AKIA", "accountId": "111122223333", "callerId": "AIDA", "userArn": "arn:aws:iam::111122223333:user/u", "userId": "AIDA"}}
	})
	tests := []struct {
		name    string
		payload []byte
		ctx     context.Context
		want    ctxSeen
	}{
		{"v1 cognito", v1Cognito, base(), ctxSeen{"APIGatewayProxyRequest", "apigateway-v1", testRequestID, "Root=1-header",
			map[string]any{"claims": map[string]any{"sub": "user-1", "email": "a@example.com"}, "principalId": "user-1"},
			map[string]string{"color": "blue"}, "lambda-req-1", true}},
		{"v1 runtime trace id wins", restAPI.EventV1(t, c), runtimeTrace, ctxSeen{"APIGatewayProxyRequest", "apigateway-v1", testRequestID, "Root=1-runtime",
			nil, map[string]string{"color": "blue"}, "lambda-req-1", true}},
		{"v2 jwt", v2JWT, base(), ctxSeen{"APIGatewayV2HTTPRequest", "apigateway-v2", testRequestID, "Root=1-header",
			map[string]any{"claims": map[string]any{"sub": "user-2"}, "scopes": []string{"read"}},
			map[string]string{"color": "green"}, "lambda-req-1", true}},
		{"v2 lambda authorizer", v2Lambda, base(), ctxSeen{"APIGatewayV2HTTPRequest", "apigateway-v2", testRequestID, "Root=1-header",
			map[string]any{"tenant": "t1"}, map[string]string{"color": "green"}, "lambda-req-1", true}},
		{"function url iam", furlIAM, base(), ctxSeen{"LambdaFunctionURLRequest", "function-url", testRequestID, "Root=1-header",
			map[string]any{"iam": map[string]any{"accessKey": "AKIA", "accountId": "111122223333", "callerId": "AIDA", "userArn": "arn:aws:iam::111122223333:user/u", "userId": "AIDA"}},
			nil, "lambda-req-1", true}},
		{"alb has no request id", targetGroup.EventALB(t, c, true), base(), ctxSeen{"ALBTargetGroupRequest", "alb", "", "Root=1-header",
			nil, nil, "lambda-req-1", true}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := get(t, tc.payload, tc.ctx)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("request context mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

var deadline = time.Now().Add(time.Hour).Round(time.Second)

func reflectType(v any) string {
	switch v.(type) {
	case *events.APIGatewayProxyRequest:
		return "*events.APIGatewayProxyRequest"
	case *events.APIGatewayV2HTTPRequest:
		return "*events.APIGatewayV2HTTPRequest"
	case *events.ALBTargetGroupRequest:
		return "*events.ALBTargetGroupRequest"
	case *events.LambdaFunctionURLRequest:
		return "*events.LambdaFunctionURLRequest"
	}
	return "unknown"
}
