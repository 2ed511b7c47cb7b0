// Package lambdahttp serves an [net/http.Handler] as an AWS Lambda function
// behind API Gateway REST APIs (payload 1.0), HTTP APIs (payload 2.0),
// Application Load Balancers (single- and multi-value target groups) and
// Lambda Function URLs.
//
// [New] returns a [Handler] that implements aws-lambda-go's lambda.Handler:
// Invoke takes the raw event bytes, detects the source from the event itself
// (in one JSON decode), builds an *http.Request with the same shape net/http's
// server would give the handler, runs the handler against a buffered
// [http.ResponseWriter] and encodes the response in the exact JSON shape the
// source expects. [Start] is the one-line entry for a main package.
//
// What the handler sees:
//
//   - URL.Path and URL.RawPath as net/http would build them from the path the
//     client sent, so %2F, %25, %3F, %23, spaces and non-ASCII survive and
//     ServeMux wildcards match as under net/http. REST, ALB and Function URL
//     paths arrive percent-encoded and are used as sent; HTTP API rawPath
//     arrives already decoded (and lossy: AWS has decoded %2F to "/" before
//     Lambda sees it), so it becomes URL.Path directly. The HTTP API named
//     stage prefix and the base path set with [WithBasePath] are stripped.
//   - URL.RawQuery: REST's decoded multi-value parameters re-encoded once
//     (with any name only queryStringParameters has: REST and ALB events
//     that carry both maps are merged, the multi-value one winning a name
//     both have; headers are merged the same way);
//     ALB's still-encoded parameters decoded once and re-encoded (never
//     double-encoded); HTTP API and Function URL rawQueryString verbatim.
//   - Header: every value, canonical keys; HTTP API comma-joined values stay
//     one value; cookies[] become one Cookie header. Host is in Request.Host,
//     as under net/http, from the Host header or requestContext.domainName.
//     A header net/http's server would refuse (a name that is not a token, a
//     value with CR, LF, NUL or another control byte but tab) is answered
//     400, as it does, and the handler is not run.
//   - RemoteAddr: the client IP the source reports, as "ip:0" (no source
//     tells the client port; 0 says "unknown" and keeps net.SplitHostPort
//     working).
//   - Context: the Invoke context (Lambda deadline, lambdacontext), plus the
//     typed event, request id, trace id, authorizer data and stage variables
//     through the XFromContext accessors. Nothing from the event is added to
//     request headers, because clients could forge headers.
//
// Response streaming: a Handler made [WithResponseStreaming] serves a function
// invoked with response streaming (a Function URL with invoke mode
// RESPONSE_STREAM, or a REST API integration with response transfer mode
// STREAM). [Start] then serves it with [Handler.InvokeStream]: the same
// request, but the handler runs in its own goroutine and what it writes
// reaches the client as it flushes (http.Flusher, http.ResponseController),
// behind a prelude with the status, header and cookies. HTTP APIs and ALBs
// cannot stream; their events get an error wrapping [ErrStreamingUnsupported].
//
// Events that are not HTTP requests from one of the four sources (SQS,
// WebSocket, authorizer events, {}, null, broken JSON, missing method or path)
// make Invoke return an error wrapping [ErrUnsupportedEvent]; they are never
// served as a request.
package lambdahttp
