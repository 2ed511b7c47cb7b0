package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Tests of what limits abuse at the edge: AWS WAF on the stage, reserved
// concurrency, and the stream route's own throttle.

func TestWAF(t *testing.T) {
	for _, tt := range []struct {
		c    *configuration
		on   bool
		rate float64
	}{
		{prodConfig, true, 1000},   // on by default in prod
		{devConfig, false, 0},      // off elsewhere
		{allKeysConfig, true, 500}, // waf=true in another stage
	} {
		t.Run(tt.c.name, func(t *testing.T) {
			s := tt.c.synth(t)
			acls := s.resources("AWS::WAFv2::WebACL")
			if !tt.on {
				if len(acls) != 0 || len(s.resources("AWS::WAFv2::WebACLAssociation")) != 0 {
					t.Errorf("web ACLs = %d, want none with waf off", len(acls))
				}
				return
			}
			aclID, acl := s.one(t, "AWS::WAFv2::WebACL", map[string]any{"Scope": "REGIONAL"})
			p := props(acl)
			assertEqual(t, "DefaultAction", p["DefaultAction"], map[string]any{"Allow": map[string]any{}})
			rules := map[string]map[string]any{}
			for _, r := range p["Rules"].([]any) {
				r := r.(map[string]any)
				rules[r["Name"].(string)] = r
			}
			rate := rules["RateLimitPerIP"]
			assertEqual(t, "rate rule", rate["Statement"], map[string]any{"RateBasedStatement": map[string]any{
				"AggregateKeyType": "IP", "Limit": tt.rate, "EvaluationWindowSec": float64(300),
			}})
			block := rate["Action"].(map[string]any)["Block"].(map[string]any)["CustomResponse"].(map[string]any)
			assertEqual(t, "rate rule response code", block["ResponseCode"], float64(429))
			// The 429 body is the API's error shape.
			body := p["CustomResponseBodies"].(map[string]any)[block["CustomResponseBodyKey"].(string)].(map[string]any)
			var e struct {
				Detail     string `json:"detail"`
				StatusCode int    `json:"status_code"`
			}
			if err := json.Unmarshal([]byte(body["Content"].(string)), &e); err != nil || e.StatusCode != 429 || e.Detail == "" {
				t.Errorf("429 body = %v (%v), want the API's error shape", body["Content"], err)
			}
			for _, group := range []string{"AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet"} {
				r, ok := rules[group]
				if !ok {
					t.Errorf("no rule %s", group)
					continue
				}
				stmt := r["Statement"].(map[string]any)["ManagedRuleGroupStatement"].(map[string]any)
				assertEqual(t, group+" vendor", stmt["VendorName"], "AWS")
			}
			// Attached to this stage ...
			_, assoc := s.one(t, "AWS::WAFv2::WebACLAssociation", map[string]any{})
			assertEqual(t, "association WebACLArn", props(assoc)["WebACLArn"], map[string]any{"Fn::GetAtt": []any{aclID, "Arn"}})
			if b, _ := json.Marshal(props(assoc)["ResourceArn"]); !strings.Contains(string(b), "/stages/") || !strings.Contains(string(b), s.restAPI(t)) {
				t.Errorf("association ResourceArn = %s, want the stage of the REST API", b)
			}
			// ... and logging, tokens redacted, to a group WAF accepts.
			_, logging := s.one(t, "AWS::WAFv2::LoggingConfiguration", map[string]any{})
			lp := props(logging)
			assertEqual(t, "logging ResourceArn", lp["ResourceArn"], map[string]any{"Fn::GetAtt": []any{aclID, "Arn"}})
			redacted, _ := json.Marshal(lp["RedactedFields"])
			for _, h := range []string{"authorization", "cookie"} {
				if !strings.Contains(string(redacted), `"`+h+`"`) {
					t.Errorf("RedactedFields = %s, want the %s header", redacted, h)
				}
			}
			dest, _ := json.Marshal(lp["LogDestinationConfigs"])
			groupName := wafLogGroupPrefix + "r2r-" + s.config().Stage
			groupID, _ := s.one(t, "AWS::Logs::LogGroup", map[string]any{"LogGroupName": groupName})
			if !strings.Contains(string(dest), `":log-group:",{"Ref":"`+groupID+`"}]`) || strings.Contains(string(dest), ":*") {
				t.Errorf("LogDestinationConfigs = %s, want the ARN of %s without :*", dest, groupName)
			}
			// cdk-nag's WAF rule passes on its own: no suppression.
			if suppressed(t, s, "AwsSolutions-APIG3") {
				t.Error("AwsSolutions-APIG3 is suppressed although the stage has a web ACL")
			}
		})
	}
}

// suppressed reports whether the cdk-nag report lists rule as suppressed.
func suppressed(t *testing.T, s *synthesized, rule string) bool {
	t.Helper()
	matches, _ := filepath.Glob(filepath.Join(s.outdir, "AwsSolutions-*"+*s.stack.StackName()+"-NagReport.csv"))
	if len(matches) != 1 {
		t.Fatalf("cdk-nag reports %v, want 1", matches)
	}
	report, err := os.ReadFile(matches[0])
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(report), "\n") {
		if strings.HasPrefix(line, `"`+rule+`"`) && strings.Contains(line, `"Suppressed"`) {
			return true
		}
	}
	return false
}

func TestReservedConcurrency(t *testing.T) {
	for _, tt := range []struct {
		c           *configuration
		api, stream any
	}{
		{prodConfig, nil, nil}, // none by default: a new account may have nothing to reserve
		{allKeysConfig, float64(50), float64(5)},
	} {
		t.Run(tt.c.name, func(t *testing.T) {
			s := tt.c.synth(t)
			_, api := s.function(t, "r2r API (")
			_, stream := s.function(t, "r2r streaming API")
			assertEqual(t, "API function ReservedConcurrentExecutions", api["ReservedConcurrentExecutions"], tt.api)
			assertEqual(t, "stream function ReservedConcurrentExecutions", stream["ReservedConcurrentExecutions"], tt.stream)
		})
	}
}

// TestStreamRouteThrottle: GET /api/hello/stream has a lower throttle than
// the stage's, the defaults or the configured values.
func TestStreamRouteThrottle(t *testing.T) {
	for _, tt := range []struct {
		c                  *configuration
		rate, burst        float64
		stageRate, stBurst float64
	}{
		{prodConfig, 10, 20, 100, 200},
		{allKeysConfig, 5, 10, 50, 25},
	} {
		t.Run(tt.c.name, func(t *testing.T) {
			s := tt.c.synth(t)
			_, stage := s.one(t, "AWS::ApiGateway::Stage", map[string]any{})
			var found bool
			for _, m := range props(stage)["MethodSettings"].([]any) {
				m := m.(map[string]any)
				switch m["ResourcePath"] {
				case "/*":
					assertEqual(t, "stage rate", m["ThrottlingRateLimit"], tt.stageRate)
					assertEqual(t, "stage burst", m["ThrottlingBurstLimit"], tt.stBurst)
				case "/~1api~1hello~1stream":
					found = true
					assertEqual(t, "stream method", m["HttpMethod"], "GET")
					assertEqual(t, "stream rate", m["ThrottlingRateLimit"], tt.rate)
					assertEqual(t, "stream burst", m["ThrottlingBurstLimit"], tt.burst)
				}
			}
			if !found {
				t.Errorf("MethodSettings = %v, want one for GET %s", props(stage)["MethodSettings"], streamRoute)
			}
		})
	}
}

func TestAbuseContextValidation(t *testing.T) {
	for _, tt := range []struct {
		ctx  map[string]any
		want string
	}{
		{map[string]any{ContextWAF: "maybe"}, `waf="maybe"`},
		{map[string]any{ContextWAFRateLimit: "5"}, `wafRateLimit="5"`},
		{map[string]any{ContextWAFRateLimit: 100.5}, `wafRateLimit=100.5`},
		{map[string]any{ContextAPIConcurrency: "0"}, `apiReservedConcurrency="0"`},
		{map[string]any{ContextStreamConcurrency: "-3"}, `streamReservedConcurrency="-3"`},
		{map[string]any{ContextStreamConcurrency: 2.5}, `streamReservedConcurrency=2.5`},
		{map[string]any{ContextStreamRateLimit: "200"}, `streamThrottlingRateLimit="200"`}, // above the stage's 100
		{map[string]any{ContextThrottlingBurstLimit: "10", ContextStreamBurstLimit: "11"}, `streamThrottlingBurstLimit="11"`},
	} {
		t.Run(fmt.Sprint(tt.ctx), func(t *testing.T) {
			_, err := configFrom(t, tt.ctx)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ConfigFromContext(%v) = %v, want an error naming %s", tt.ctx, err, tt.want)
			}
		})
	}
	// Unset, the stream's limits follow a lower stage limit down.
	cfg, err := configFrom(t, map[string]any{ContextThrottlingRateLimit: "4", ContextThrottlingBurstLimit: "8", ContextStage: "dev"})
	if err != nil {
		t.Fatal(err)
	}
	assertEqual(t, "stream limits under a low stage limit", []float64{cfg.StreamThrottlingRateLimit, cfg.StreamThrottlingBurstLimit}, []float64{4, 8})
	assertEqual(t, "waf in dev", cfg.WAF, false)
}
