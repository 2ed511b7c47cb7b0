package main

import (
	"slices"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/interfaces/interfacesawslogs"
	"github.com/aws/jsii-runtime-go"
)

// savedQueries are the stack's Logs Insights query definitions.
type savedQueries struct {
	errors, slow, coldStarts, byRequestID awslogs.QueryDefinition
}

// Logs Insights lines shared by the saved query and the dashboard: the app's
// error lines ({"level":"ERROR","msg":"request failed",...}), its panics
// ({"msg":"handler panic",...}), and access lines with a 5xx status. The
// names are the app's log fields: cmd/api's TestOperationsReadWhatTheAppWrites
// checks every one against the lines the app writes.
var (
	errorFields = []string{"@timestamp", "request_id", "status", "msg", "error", "panic", "method", "path", "trace_id", "@log"}
	errorFilter = `level = "ERROR" or msg = "handler panic" or status >= 500`
)

// newQueries saves the Logs Insights queries an operator needs first, over
// both API functions' log groups (the same app writes both): errors, slow
// requests, cold starts, and everything about one request id (the
// X-Request-Id header), access logs included.
func newQueries(stack awscdk.Stack, cfg Config, apiFn, streamFn awslambda.Function, accessLogs awslogs.ILogGroup) savedQueries {
	appLogs := []interfacesawslogs.ILogGroupRef{apiFn.LogGroup(), streamFn.LogGroup()}
	query := func(id, name string, groups []interfacesawslogs.ILogGroupRef, q *awslogs.QueryStringProps) awslogs.QueryDefinition {
		return awslogs.NewQueryDefinition(stack, jsii.String(id), &awslogs.QueryDefinitionProps{
			// "/" makes a folder per stage in the console's query list.
			QueryDefinitionName: jsii.String("r2r-" + cfg.Stage + "/" + name),
			QueryString:         awslogs.NewQueryString(q),
			LogGroups:           &groups,
		})
	}
	return savedQueries{
		errors: query("ErrorsQuery", "errors", appLogs, &awslogs.QueryStringProps{
			Fields:           jsii.Strings(errorFields...),
			FilterStatements: jsii.Strings(errorFilter),
			Sort:             jsii.String("@timestamp desc"),
			Limit:            jsii.Number(100),
		}),
		// The access line of every request the app took longer than 1 s to answer.
		slow: query("SlowRequestsQuery", "slow-requests", appLogs, &awslogs.QueryStringProps{
			Fields:           jsii.Strings("@timestamp", "request_id", "method", "path", "status", "duration_ms", "bytes", "trace_id", "@log"),
			FilterStatements: jsii.Strings(`msg = "request" and duration_ms > 1000`),
			Sort:             jsii.String("duration_ms desc"),
			Limit:            jsii.Number(100),
		}),
		// Lambda's JSON platform.report carries initDurationMs only for an
		// invocation that started a new execution environment.
		coldStarts: query("ColdStartsQuery", "cold-starts", appLogs, &awslogs.QueryStringProps{
			Fields: jsii.Strings("@timestamp", "record.requestId", "record.metrics.initDurationMs", "record.metrics.durationMs",
				"record.metrics.maxMemoryUsedMB", "@log"),
			FilterStatements: jsii.Strings(`type = "platform.report" and ispresent(record.metrics.initDurationMs)`),
			Sort:             jsii.String("@timestamp desc"),
			Limit:            jsii.Number(100),
		}),
		// Replace REQUEST_ID with the X-Request-Id header, the request_id of an
		// error body, or the Lambda request id.
		byRequestID: query("RequestByIdQuery", "request-by-id",
			append(slices.Clone(appLogs), accessLogs), &awslogs.QueryStringProps{
				Fields: jsii.Strings("@timestamp", "@log", "@message"),
				FilterStatements: jsii.Strings(
					`request_id = "REQUEST_ID" or lambda_request_id = "REQUEST_ID" or requestId = "REQUEST_ID" or record.requestId = "REQUEST_ID"`),
				Sort:  jsii.String("@timestamp asc"),
				Limit: jsii.Number(200),
			}),
	}
}
