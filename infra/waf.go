package main

import (
	"encoding/json"
	"net/http"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awswafv2"
	"github.com/aws/jsii-runtime-go"
)

// wafLogGroupPrefix is the prefix AWS WAF requires of a CloudWatch Logs
// destination's name.
const wafLogGroupPrefix = "aws-waf-logs-"

// newWebACL puts AWS WAF in front of the REST API stage: a per-client-IP rate
// limit (cfg.WAFRateLimit requests in 5 minutes, then 429 in the API's error
// shape), and AWS's managed rule groups for common web exploits and known bad
// inputs (Log4Shell-style lookups, bad Host headers, ...). Requests and
// decisions are logged to a log group of the stage, with the Authorization and
// Cookie headers redacted, since they carry tokens.
func newWebACL(stack awscdk.Stack, cfg Config, stage awsapigateway.Stage) awswafv2.CfnWebACL {
	visibility := func(name string) *awswafv2.CfnWebACL_VisibilityConfigProperty {
		return &awswafv2.CfnWebACL_VisibilityConfigProperty{
			CloudWatchMetricsEnabled: jsii.Bool(true),
			MetricName:               jsii.String("r2r-" + cfg.Stage + "-" + name),
			SampledRequestsEnabled:   jsii.Bool(true),
		}
	}
	managed := func(priority float64, name string, countOnly ...string) *awswafv2.CfnWebACL_RuleProperty {
		var overrides []any
		for _, rule := range countOnly {
			overrides = append(overrides, &awswafv2.CfnWebACL_RuleActionOverrideProperty{
				Name:        jsii.String(rule),
				ActionToUse: &awswafv2.CfnWebACL_RuleActionProperty{Count: &awswafv2.CfnWebACL_CountActionProperty{}},
			})
		}
		statement := &awswafv2.CfnWebACL_ManagedRuleGroupStatementProperty{
			VendorName: jsii.String("AWS"),
			Name:       jsii.String(name),
		}
		if len(overrides) > 0 {
			statement.RuleActionOverrides = overrides
		}
		return &awswafv2.CfnWebACL_RuleProperty{
			Name:             jsii.String(name),
			Priority:         jsii.Number(priority),
			OverrideAction:   &awswafv2.CfnWebACL_OverrideActionProperty{None: map[string]any{}},
			Statement:        &awswafv2.CfnWebACL_StatementProperty{ManagedRuleGroupStatement: statement},
			VisibilityConfig: visibility(name),
		}
	}
	tooMany, err := json.Marshal(map[string]any{
		"detail":      http.StatusText(http.StatusTooManyRequests),
		"status_code": http.StatusTooManyRequests,
	})
	if err != nil {
		panic(err)
	}
	acl := awswafv2.NewCfnWebACL(stack, jsii.String("WebAcl"), &awswafv2.CfnWebACLProps{
		// WAF allows no parentheses here.
		Description:   jsii.String("r2r REST API stage " + cfg.Stage + " - per-IP rate limit and AWS managed rules"),
		Scope:         jsii.String("REGIONAL"),
		DefaultAction: &awswafv2.CfnWebACL_DefaultActionProperty{Allow: &awswafv2.CfnWebACL_AllowActionProperty{}},
		CustomResponseBodies: map[string]any{
			"TooManyRequests": &awswafv2.CfnWebACL_CustomResponseBodyProperty{
				ContentType: jsii.String("APPLICATION_JSON"),
				Content:     jsii.String(string(tooMany)),
			},
		},
		Rules: []any{
			// First: a flood is refused before any other rule spends time on it.
			&awswafv2.CfnWebACL_RuleProperty{
				Name:     jsii.String("RateLimitPerIP"),
				Priority: jsii.Number(0),
				Statement: &awswafv2.CfnWebACL_StatementProperty{
					RateBasedStatement: &awswafv2.CfnWebACL_RateBasedStatementProperty{
						AggregateKeyType:    jsii.String("IP"),
						Limit:               jsii.Number(cfg.WAFRateLimit),
						EvaluationWindowSec: jsii.Number(300),
					},
				},
				Action: &awswafv2.CfnWebACL_RuleActionProperty{Block: &awswafv2.CfnWebACL_BlockActionProperty{
					CustomResponse: &awswafv2.CfnWebACL_CustomResponseProperty{
						ResponseCode:          jsii.Number(http.StatusTooManyRequests),
						CustomResponseBodyKey: jsii.String("TooManyRequests"),
						ResponseHeaders: []any{
							&awswafv2.CfnWebACL_CustomHTTPHeaderProperty{Name: jsii.String("Retry-After"), Value: jsii.String("300")},
						},
					},
				}},
				VisibilityConfig: visibility("RateLimitPerIP"),
			},
			// SizeRestrictions_BODY blocks bodies over 8 KB: the app enforces its
			// own limit (MAX_REQUEST_BYTES, 413 in the API's error shape), so the
			// rule only counts.
			managed(1, "AWSManagedRulesCommonRuleSet", "SizeRestrictions_BODY"),
			managed(2, "AWSManagedRulesKnownBadInputsRuleSet"),
		},
		VisibilityConfig: visibility("WebAcl"),
	})
	awswafv2.NewCfnWebACLAssociation(stack, jsii.String("WebAclAssociation"), &awswafv2.CfnWebACLAssociationProps{
		ResourceArn: stage.StageArn(),
		WebAclArn:   acl.AttrArn(),
	})

	logs := newLogGroup(stack, "WebAclLogs", cfg, jsii.String(wafLogGroupPrefix+"r2r-"+cfg.Stage))
	awswafv2.NewCfnLoggingConfiguration(stack, jsii.String("WebAclLogging"), &awswafv2.CfnLoggingConfigurationProps{
		ResourceArn: acl.AttrArn(),
		// WAF wants the log group's ARN without the ":*" of LogGroupArn.
		LogDestinationConfigs: &[]any{stack.FormatArn(&awscdk.ArnComponents{
			Service:      jsii.String("logs"),
			Resource:     jsii.String("log-group"),
			ResourceName: logs.LogGroupName(),
			ArnFormat:    awscdk.ArnFormat_COLON_RESOURCE_NAME,
		})},
		RedactedFields: []any{
			&awswafv2.CfnLoggingConfiguration_FieldToMatchProperty{SingleHeader: map[string]any{"Name": "authorization"}},
			&awswafv2.CfnLoggingConfiguration_FieldToMatchProperty{SingleHeader: map[string]any{"Name": "cookie"}},
		},
	})
	return acl
}
