package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssnssubscriptions"
	"github.com/aws/jsii-runtime-go"
)

// apiGatewayMetric is one of this stage's API Gateway metrics (AWS/ApiGateway,
// dimensions ApiName and Stage: ApiName alone would mix in other stages' APIs,
// all named restAPIName). The dimensions are literals, known at synthesis, not
// references to the stage resource: with a reference, the alarms would
// depend on the stage, the stage on its deployment, the deployment on the
// methods, the methods on the live alias, and the alias (through its
// CodeDeploy UpdatePolicy) on the deployment group that lists the alarms: a
// cycle CloudFormation refuses.
func apiGatewayMetric(cfg Config, name string, opts *awscloudwatch.MetricOptions) awscloudwatch.IMetric {
	return awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
		Namespace:  jsii.String("AWS/ApiGateway"),
		MetricName: jsii.String(name),
		DimensionsMap: &map[string]*string{
			"ApiName": jsii.String(restAPIName),
			"Stage":   jsii.String(cfg.Stage),
		},
		Period:    opts.Period,
		Statistic: opts.Statistic,
		Label:     opts.Label,
	})
}

// newAlarmTopic is where every alarm sends its ALARM and OK notifications. It
// exists in every stage, so a subscription (chat, pager, e-mail) can be added
// without a deploy; alarmEmail subscribes an address (confirm the mail).
func newAlarmTopic(stack awscdk.Stack, cfg Config) awssns.Topic {
	topic := awssns.NewTopic(stack, jsii.String("AlarmTopic"), &awssns.TopicProps{
		DisplayName: jsii.String("r2r alarms (" + cfg.Stage + ")"),
		EnforceSSL:  jsii.Bool(true),
	})
	if cfg.AlarmEmail != "" {
		topic.AddSubscription(awssnssubscriptions.NewEmailSubscription(jsii.String(cfg.AlarmEmail), nil))
	}
	return topic
}

// allowAlarmsToPublish lets CloudWatch publish this stack's alarms to the
// topic. A topic policy replaces SNS's default one, and EnforceSSL's holds a
// single Deny (of plain HTTP): without an Allow, CloudWatch's every
// notification fails with "not authorized to perform: SNS:Publish". The
// Allow names the alarms themselves, in this account, so no other alarm (or
// account) can publish through CloudWatch.
func allowAlarmsToPublish(topic awssns.Topic, alarms []alarm) {
	var arns []*string
	for _, a := range alarms {
		arns = append(arns, a.AlarmArn())
	}
	topic.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("AllowThisStacksAlarms"),
		Effect:     awsiam.Effect_ALLOW,
		Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("cloudwatch.amazonaws.com"), nil)},
		Actions:    jsii.Strings("sns:Publish"),
		Resources:  &[]*string{topic.TopicArn()},
		Conditions: &map[string]any{
			"StringEquals": map[string]any{"aws:SourceAccount": awscdk.Aws_ACCOUNT_ID()},
			"ArnEquals":    map[string]any{"aws:SourceArn": arns},
		},
	}))
}

// alarm is one of the stack's alarms; rollback says whether it signals a bad
// version, so that it rolls a deployment back.
type alarm struct {
	awscloudwatch.Alarm
	rollback bool
}

// newAlarms are the alarms on what clients are served: failed invocations
// (function error rate > 5 %), invocations near the timeout, 5XX > 10 in 5
// minutes, and the signs of a version or a stage in trouble that these miss
// (throttles, p99 latency, 4XX rate, the streaming function's error rate).
// Lambda metrics are the live aliases'
// (the version serving, a canary included), API Gateway metrics this stage's
// (ApiName alone would mix in other stages' APIs, all named "R2R API").
//
// Missing data is NOT_BREACHING everywhere, on purpose: Lambda and API Gateway
// publish no datapoint for a period without traffic (no request is not an
// error, a throttle or a slow response), and an alarm that went to ALARM or
// INSUFFICIENT_DATA when the API is idle would page at night and block or
// roll back deploys of an idle stage.
//
// Throttles are a capacity signal, not a fault of the version: a canary in an
// account with a low concurrency quota throttles under moderate traffic
// whatever it runs. That alarm notifies, and rolls nothing back.
func newAlarms(stack awscdk.Stack, cfg Config, topic awssns.ITopic, live, streamLive awslambda.IFunction) []alarm {
	one := awscdk.Duration_Minutes(jsii.Number(1))
	five := awscdk.Duration_Minutes(jsii.Number(5))
	sum5 := &awscloudwatch.MetricOptions{Period: five, Statistic: jsii.String("Sum")}
	errorRate := func(fn awslambda.IFunction) awscloudwatch.IMetric {
		return awscloudwatch.NewMathExpression(&awscloudwatch.MathExpressionProps{
			Expression: jsii.String("IF(invocations > 0, 100 * errors / invocations, 0)"),
			UsingMetrics: &map[string]awscloudwatch.IMetric{
				"errors":      fn.MetricErrors(sum5),
				"invocations": fn.MetricInvocations(sum5),
			},
			Label:  jsii.String("Error rate (%)"),
			Period: five,
		})
	}
	type spec struct {
		id, description string
		metric          awscloudwatch.IMetric
		threshold       float64
		evaluations     float64 // periods evaluated = datapoints that must breach
		capacity        bool    // a capacity signal: notifies, never rolls back
	}
	specs := []spec{
		{"ApiFunctionErrorRateAlarm", "r2r API function: more than 5 % of invocations failed in 5 minutes",
			errorRate(live), 5, 1, false},
		// The maximum: one invocation near the 29 s timeout means a client
		// waited that long, or is about to get a 504.
		{"ApiFunctionDurationAlarm", "r2r API function: an invocation took over 25 s (timeout 29 s)",
			live.MetricDuration(&awscloudwatch.MetricOptions{Period: five, Statistic: jsii.String("Maximum")}), 25_000, 1, false},
		{"Api5xxAlarm", "R2R API: more than 10 5XX responses in 5 minutes",
			apiGatewayMetric(cfg, "5XXError", sum5), 10, 1, false},
		// Any throttle is a request refused: the account's concurrency is used
		// up (no reserved concurrency is set).
		{"ApiFunctionThrottlesAlarm", "r2r API functions: a request was throttled in 5 minutes (concurrency exhausted)",
			awscloudwatch.NewMathExpression(&awscloudwatch.MathExpressionProps{
				Expression: jsii.String("FILL(api, 0) + FILL(stream, 0)"),
				UsingMetrics: &map[string]awscloudwatch.IMetric{
					"api":    live.MetricThrottles(sum5),
					"stream": streamLive.MetricThrottles(sum5),
				},
				Label:  jsii.String("Throttles"),
				Period: five,
			}), 0, 1, true},
		// p99 over 1-minute periods, 3 of 3: a slow minute (a burst of cold
		// starts after a deploy) is not worth a page, three in a row are, and
		// they fit in a 5-minute canary, so a slow version is rolled back. 5 s
		// is far above this API's normal latency and well under the 29 s limit.
		{"ApiLatencyP99Alarm", "R2R API: p99 latency above 5 s for 3 minutes in a row",
			apiGatewayMetric(cfg, "Latency", &awscloudwatch.MetricOptions{Period: one, Statistic: jsii.String("p99")}), 5_000, 3, false},
		// A broken route or validator answers 4XX, not 5XX. The rate needs 50
		// requests in 5 minutes, so a handful of bad calls on a quiet API do
		// not count; 25 % is well above clients' usual mistakes.
		{"Api4xxRateAlarm", "R2R API: more than 25 % of at least 50 requests answered 4XX in 5 minutes",
			awscloudwatch.NewMathExpression(&awscloudwatch.MathExpressionProps{
				Expression: jsii.String("IF(requests >= 50, 100 * clientErrors / requests, 0)"),
				UsingMetrics: &map[string]awscloudwatch.IMetric{
					"clientErrors": apiGatewayMetric(cfg, "4XXError", sum5),
					"requests":     apiGatewayMetric(cfg, "Count", sum5),
				},
				Label:  jsii.String("4XX rate (%)"),
				Period: five,
			}), 25, 1, false},
		// Streams last long by design: no duration alarm, but failures count.
		{"ApiStreamFunctionErrorRateAlarm", "r2r API streaming function: more than 5 % of invocations failed in 5 minutes",
			errorRate(streamLive), 5, 1, false},
	}
	var alarms []alarm
	for _, sp := range specs {
		a := awscloudwatch.NewAlarm(stack, jsii.String(sp.id), &awscloudwatch.AlarmProps{
			AlarmDescription:   jsii.String(sp.description),
			Metric:             sp.metric,
			Threshold:          jsii.Number(sp.threshold),
			ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD,
			EvaluationPeriods:  jsii.Number(sp.evaluations),
			DatapointsToAlarm:  jsii.Number(sp.evaluations),
			TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
		})
		// OK too: whoever was paged learns when it is over.
		a.AddAlarmAction(awscloudwatchactions.NewSnsAction(topic))
		a.AddOkAction(awscloudwatchactions.NewSnsAction(topic))
		alarms = append(alarms, alarm{Alarm: a, rollback: !sp.capacity})
	}
	return alarms
}
