package lambdahttp

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/aws/aws-lambda-go/events"
)

// checkDecode compares the hand-written decoder with encoding/json on
// payload: whenever the fast path decodes, encoding/json must accept the
// payload and give the same rawEvent; decodeEvent must always give what
// encoding/json gives, error included. It reports whether the fast path
// decoded.
func checkDecode(t *testing.T, payload []byte) bool {
	t.Helper()
	var want rawEvent
	wantErr := json.Unmarshal(payload, &want)

	var fast rawEvent
	ok := fastDecode(payload, &fast)
	if ok {
		if wantErr != nil {
			t.Fatalf("fast decoder accepted %q, encoding/json rejects it: %v", payload, wantErr)
		}
		if diff := cmp.Diff(want, fast, ignoreState); diff != "" {
			t.Fatalf("fast decoder differs from encoding/json on %q (-json +fast):\n%s", payload, diff)
		}
	}

	var got rawEvent
	err := decodeEvent(payload, &got)
	if (err == nil) != (wantErr == nil) || (err != nil && err.Error() != wantErr.Error()) {
		t.Fatalf("decodeEvent(%q) error = %v, encoding/json: %v", payload, err, wantErr)
	}
	if err == nil {
		if diff := cmp.Diff(want, got, ignoreState); diff != "" {
			t.Fatalf("decodeEvent differs from encoding/json on %q (-json +decodeEvent):\n%s", payload, diff)
		}
	}
	return ok
}

// ignoreState ignores the decoder's own fields of rawEvent.
var ignoreState = cmpopts.IgnoreUnexported(rawEvent{})

// decodeCorpus returns every event file the tests know: our fixtures, the
// live captures, aws-lambda-go's samples (HTTP and foreign), and the fuzz
// corpus.
func decodeCorpus(t testing.TB) map[string][]byte {
	globs := []string{
		filepath.Join("testdata", "*.json"),
		filepath.Join("testdata", "aws-events", "*.json"),
	}
	if out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/aws/aws-lambda-go").Output(); err == nil {
		dir := strings.TrimSpace(string(out))
		globs = append(globs, filepath.Join(dir, "events", "testdata", "*.json"), filepath.Join(dir, "lambdaurl", "testdata", "*.json"))
	}
	files := map[string][]byte{}
	for _, g := range globs {
		m, _ := filepath.Glob(g)
		for _, f := range m {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			files[f] = b
		}
	}
	for _, dir := range []string{"FuzzInvoke", "FuzzDecodeEvent"} {
		m, _ := filepath.Glob(filepath.Join("testdata", "fuzz", dir, "*"))
		for _, f := range m {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			// The corpus file format: a header line, then []byte("...").
			_, v, ok := strings.Cut(string(b), "[]byte(")
			if !ok {
				continue
			}
			if s, err := strconv.Unquote(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), ")"))); err == nil {
				files[f] = []byte(s)
			}
		}
	}
	return files
}

// decodeEdgeCases are payloads built to hit every rule of the schema the
// fast path must follow exactly or leave to encoding/json, with one or two
// of each kind of value jsonscan declines to check they reach
// encoding/json; jsonscan's own tests cover its readers value by value
// (every escape, number form, literal and nesting depth).
var decodeEdgeCases = []string{
	`{}`, `null`, ` `, ``, `[]`, `"x"`, `1`, `{"path":"/a"} x`, `{"path":"/a"}  ` + "\n\t\r",
	"\ufeff{}", `{"path":"/a",}`, `{,"path":"/a"}`, `{"path" "/a"}`, `{"path":"/a"`, `{"path":"/a"}}`,
	// null, duplicates, merging.
	`{"path":"/a","path":null}`, `{"path":null,"path":"/b"}`,
	`{"headers":{"a":"1"},"headers":{"b":"2","a":"3"}}`, `{"headers":{"a":"1"},"headers":null}`,
	`{"headers":null,"headers":{}}`, `{"headers":{"a":null}}`, `{"headers":{"a":1}}`, `{"headers":[]}`,
	`{"multiValueHeaders":{"a":["1"],"a":["2","3"]}}`, `{"multiValueHeaders":{"a":[]}}`, `{"multiValueHeaders":{}}`,
	`{"multiValueHeaders":{"a":null}}`, `{"multiValueHeaders":{"a":[null]}}`, `{"multiValueHeaders":{"a":["1",null]}}`,
	`{"multiValueHeaders":{"a":["1"]},"multiValueHeaders":{"b":["2"]}}`, `{"multiValueHeaders":{"a":"1"}}`,
	`{"cookies":[]}`, `{"cookies":null}`, `{"cookies":["a","b"],"cookies":["c"]}`, `{"cookies":["a","b"],"cookies":[null,"x"]}`,
	`{"cookies":["a",]}`, `{"cookies":"a"}`,
	`{"requestContext":{"stage":"a"},"requestContext":{"apiId":"b"}}`, `{"requestContext":null}`, `{"requestContext":[]}`,
	`{"requestContext":{"identity":null,"http":null,"elb":null,"authentication":null}}`,
	`{"requestContext":{"identity":{"sourceIp":"1.2.3.4","clientCert":{"clientCertPem":"x","validity":{"notAfter":"y"}}}}}`,
	`{"requestContext":{"identity":{"clientCert":null}}}`, `{"requestContext":{"identity":{"clientCert":1}}}`,
	`{"requestContext":{"authentication":{"clientCert":{"serialNumber":"1"}}}}`, `{"requestContext":{"authentication":{"clientCert":{"serialNumber":1}}}}`,
	`{"requestContext":{"authorizer":null}}`, `{"requestContext":{"authorizer": { "a" : [1, 2.5e3, true, null] } }}`,
	`{"requestContext":{"authorizer":{"a":1},"authorizer":"x"}}`,
	`{"requestContext":{"elb":{"targetGroupArn":"arn"}},"httpMethod":"GET","path":"/"}`,
	`{"isBase64Encoded":true}`, `{"isBase64Encoded":false}`, `{"isBase64Encoded":null}`, `{"isBase64Encoded":"true"}`,
	`{"isBase64Encoded":truex}`,
	// numbers.
	`{"requestContext":{"requestTimeEpoch":1428582896000}}`, `{"requestContext":{"requestTimeEpoch":-0}}`,
	`{"requestContext":{"requestTimeEpoch":1.0}}`, `{"requestContext":{"requestTimeEpoch":1e3}}`,
	`{"requestContext":{"requestTimeEpoch":"1"}}`, `{"requestContext":{"requestTimeEpoch":99999999999999999999}}`,
	`{"requestContext":{"requestTimeEpoch":-9223372036854775808}}`, `{"requestContext":{"timeEpoch":null}}`,
	`{"x":1.5e-3,"y":-0.0E+1,"z":[1,[2,{"a":{}}]],"w":true,"v":false,"u":null}`, `{"x":1.}`, `{"x":1E700}`,
	// case-insensitive keys, unknown keys, marker keys.
	`{"PATH":"/a"}`, `{"path":"/a","Path":"/b"}`, `{"HttpMethod":"GET"}`, `{"requestcontext":{"stage":"x"}}`,
	`{"requestContext":{"Stage":"x"}}`, `{"requestContext":{"identity":{"SourceIP":"x"}}}`, `{"requestContext":{"http":{"METHOD":"GET"}}}`,
	`{"rawpath":"/x"}`, "{\"coo\u212Aies\":[\"a\"]}", "{\"i\u017fBase64Encoded\":true}", `{"unknown":{"deep":[1,2,{"x":"y"}]}}`,
	`{"Records":[]}`, `{"Records":null}`, `{"type":"TOKEN"}`, `{"methodArn":null}`, `{"routeArn":"x"}`,
	`{"requestContext":{"connectionId":"x"}}`, `{"requestContext":{"eventType":null}}`, `{"records":1}`,
	`{"pa\u0074h":"/esc"}`, `{"p\"ath":"/a"}`,
	// strings.
	`{"body":"\u0000\u001f\"\\\/\b\f\n\r\t"}`, `{"body":"\ud83d\ude00 \u00e9 \u20AC"}`, `{"body":"\ud800"}`, `{"body":"\udc00"}`,
	`{"body":"\u12"}`, `{"body":"\x"}`, `{"body":"a` + "\x00" + `b"}`, `{"body":"` + "\x80" + `"}`, `{"body":"é€😀"}`, `{"body":"abc\`,
	`{"headers":{"\u0041":"b","A":"c"}}`, `{"headers":{"` + "\xff" + `":"b"}}`, `{"headers":{"a":"` + "\xff" + `"}}`,
	`{"unknown":"` + "\xff" + `"}`, `{"unknown":"\ud800"}`,
	// nesting.
	`{"unknown":` + strings.Repeat("[", 70) + strings.Repeat("]", 70) + `}`,
	`{"unknown":` + strings.Repeat("[", 10001) + strings.Repeat("]", 10001) + `}`,
}

func TestDecodeMatchesJSON(t *testing.T) {
	for name, b := range decodeCorpus(t) {
		t.Run(name, func(t *testing.T) { checkDecode(t, b) })
	}
	for _, c := range decodeEdgeCases {
		t.Run("", func(t *testing.T) { checkDecode(t, []byte(c)) })
	}
}

// TestDecodeFastPath checks the fast path actually decodes the events the
// sources send (and does not quietly fall back to encoding/json).
func TestDecodeFastPath(t *testing.T) {
	for name, b := range decodeCorpus(t) {
		if strings.Contains(name, string(filepath.Separator)+"fuzz"+string(filepath.Separator)) {
			continue
		}
		var ev rawEvent
		if json.Unmarshal(b, &ev) != nil {
			continue
		}
		var in inbound
		if ev.parse(&in) != nil {
			continue // a foreign event: the fast path may leave it to encoding/json
		}
		if !fastDecode(b, &rawEvent{}) {
			t.Errorf("%s: the fast decoder declined an HTTP event", name)
		}
	}
}

func FuzzDecodeEvent(f *testing.F) {
	for _, b := range decodeCorpus(f) {
		f.Add(b)
	}
	for _, c := range decodeEdgeCases {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		checkDecode(t, payload)
	})
}

// TestTypedEvent checks the lazily built typed event: the same as decoding
// the payload into the aws-lambda-go type directly, for every HTTP event
// in the corpus, and the same value however often and concurrently asked.
func TestTypedEvent(t *testing.T) {
	for name, b := range decodeCorpus(t) {
		var ev rawEvent
		var in inbound
		if decodeEvent(b, &ev) != nil || ev.parse(&in) != nil {
			continue
		}
		var want any
		switch in.source {
		case SourceAPIGatewayV1:
			want = new(events.APIGatewayProxyRequest)
		case SourceAPIGatewayV2:
			want = new(events.APIGatewayV2HTTPRequest)
		case SourceALB:
			want = new(events.ALBTargetGroupRequest)
		case SourceFunctionURL:
			want = new(events.LambdaFunctionURLRequest)
		}
		if err := json.Unmarshal(b, want); err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		info := &in.info
		ctx := context.WithValue(context.Background(), requestInfoKey{}, info)
		var wg sync.WaitGroup
		got := make([]any, 4)
		stage := make([]map[string]string, len(got))
		for i := range got {
			wg.Go(func() {
				stage[i] = StageVariablesFromContext(ctx)
				got[i], _ = EventFromContext(ctx)
			})
		}
		wg.Wait()
		var wantStage map[string]string
		switch w := want.(type) {
		case *events.APIGatewayProxyRequest:
			wantStage = w.StageVariables
		case *events.APIGatewayV2HTTPRequest:
			wantStage = w.StageVariables
		}
		for _, sv := range stage {
			if diff := cmp.Diff(wantStage, sv); diff != "" {
				t.Errorf("%s: StageVariablesFromContext differs (-want +got):\n%s", name, diff)
			}
		}
		for _, g := range got[1:] {
			if g != got[0] {
				t.Errorf("%s: typedEvent returned different pointers", name)
			}
		}
		if diff := cmp.Diff(want, got[0]); diff != "" {
			t.Errorf("%s: typed event differs from json.Unmarshal into %T (-want +got):\n%s", name, want, diff)
		}
	}
}
