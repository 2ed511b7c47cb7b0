package main

import (
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/interfaces/interfacesawscloudwatch"
	"github.com/aws/jsii-runtime-go"
)

// dashboardName is unique per stage: dashboards are named per account.
func dashboardName(cfg Config) string { return "r2r-" + cfg.Stage }

// newDashboard is the stage's CloudWatch dashboard, read top to bottom: alarm
// states; what clients see (API Gateway); what the functions do (Lambda); what
// the app measures itself (EMF: per route and status class); recent errors.
func newDashboard(stack awscdk.Stack, cfg Config, live, streamLive awslambda.IFunction,
	apiFn, streamFn awslambda.Function, alarms []alarm) awscloudwatch.Dashboard {
	one := awscdk.Duration_Minutes(jsii.Number(1))
	stat := func(statistic, label string) *awscloudwatch.MetricOptions {
		return &awscloudwatch.MetricOptions{Period: one, Statistic: jsii.String(statistic), Label: jsii.String(label)}
	}
	graph := func(title string, width float64, left ...awscloudwatch.IMetric) awscloudwatch.GraphWidget {
		return awscloudwatch.NewGraphWidget(&awscloudwatch.GraphWidgetProps{
			Title: jsii.String(title), Width: jsii.Number(width), Height: jsii.Number(6), Left: &left,
		})
	}
	// bothFns is a metric of the API function and of the streaming function.
	bothFns := func(name, statistic string) []awscloudwatch.IMetric {
		return []awscloudwatch.IMetric{
			live.Metric(jsii.String(name), stat(statistic, "api "+statistic)),
			streamLive.Metric(jsii.String(name), stat(statistic, "stream "+statistic)),
		}
	}
	// search finds the app's EMF metrics of this stage (all routes and status
	// classes, whichever exist), so new routes appear without a deploy. The
	// namespace, dimensions and names are the app's: cmd/api's
	// TestOperationsReadWhatTheAppWrites checks them against its EMF lines.
	search := func(metric, filter, statistic string) string {
		return fmt.Sprintf(`SEARCH('{%s,Route,Stage,StatusClass} MetricName="%s" Stage="%s"%s', '%s', 60)`,
			metricsNamespace, metric, cfg.Stage, filter, statistic)
	}
	expr := func(expression, label string) awscloudwatch.IMetric {
		return awscloudwatch.NewMathExpression(&awscloudwatch.MathExpressionProps{
			Expression: jsii.String(expression), Label: jsii.String(label), Period: one,
		})
	}
	var byStatusClass []awscloudwatch.IMetric
	for _, class := range []string{"2xx", "3xx", "4xx", "5xx"} {
		byStatusClass = append(byStatusClass, expr("SUM("+search("Requests", ` StatusClass="`+class+`"`, "Sum")+")", class))
	}
	byRoute := "${PROP('Dim.Route')} ${PROP('Dim.StatusClass')}"

	dash := awscloudwatch.NewDashboard(stack, jsii.String("Dashboard"), &awscloudwatch.DashboardProps{
		DashboardName:   jsii.String(dashboardName(cfg)),
		DefaultInterval: awscdk.Duration_Hours(jsii.Number(3)),
	})
	var alarmRefs []interfacesawscloudwatch.IAlarmRef
	for _, a := range alarms {
		alarmRefs = append(alarmRefs, a.Alarm)
	}
	dash.AddWidgets(awscloudwatch.NewAlarmStatusWidget(&awscloudwatch.AlarmStatusWidgetProps{
		Title: jsii.String("Alarms (any but throttles in ALARM during a deploy rolls it back)"), Alarms: &alarmRefs, Width: jsii.Number(24), Height: jsii.Number(3),
	}))
	dash.AddWidgets(
		graph("API requests", 8, apiGatewayMetric(cfg, "Count", stat("Sum", "requests"))),
		graph("API 4XX / 5XX", 8, apiGatewayMetric(cfg, "4XXError", stat("Sum", "4XX")), apiGatewayMetric(cfg, "5XXError", stat("Sum", "5XX"))),
		graph("API latency (ms)", 8,
			apiGatewayMetric(cfg, "Latency", stat("p50", "latency p50")), apiGatewayMetric(cfg, "Latency", stat("p99", "latency p99")),
			apiGatewayMetric(cfg, "IntegrationLatency", stat("p99", "integration p99"))),
	)
	dash.AddWidgets(
		graph("Lambda invocations", 6, bothFns("Invocations", "Sum")...),
		graph("Lambda errors", 6, bothFns("Errors", "Sum")...),
		graph("Lambda throttles", 6, bothFns("Throttles", "Sum")...),
		graph("Lambda concurrent executions", 6, bothFns("ConcurrentExecutions", "Maximum")...),
	)
	dash.AddWidgets(
		graph("Lambda duration p50 / p99 (ms)", 12, append(bothFns("Duration", "p50"), bothFns("Duration", "p99")...)...),
		graph("App requests by status class (EMF)", 12, byStatusClass...),
	)
	dash.AddWidgets(
		graph("App latency p50 by route (EMF, ms)", 8, expr(search("Latency", "", "p50"), byRoute)),
		graph("App latency p99 by route (EMF, ms)", 8, expr(search("Latency", "", "p99"), byRoute)),
		graph("Cold starts (EMF)", 8, expr("SUM("+search("ColdStart", "", "Sum")+")", "cold starts")),
	)
	dash.AddWidgets(awscloudwatch.NewLogQueryWidget(&awscloudwatch.LogQueryWidgetProps{
		Title:         jsii.String("Recent errors by request id (Logs Insights: saved query r2r-" + cfg.Stage + "/errors)"),
		LogGroupNames: jsii.Strings(*apiFn.LogGroup().LogGroupName(), *streamFn.LogGroup().LogGroupName()),
		QueryLines: jsii.Strings(
			"fields "+strings.Join(errorFields, ", "),
			"filter "+errorFilter,
			"sort @timestamp desc",
			"limit 50",
		),
		Width: jsii.Number(24), Height: jsii.Number(8),
	}))
	return dash
}
