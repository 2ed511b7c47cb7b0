package jsonscan

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// A reader is one of the Decoder's readers beside encoding/json decoding the
// same document into the same type, both starting from the same value.
type reader struct {
	name string
	read func(d *Decoder) any
	json func(b []byte) (any, error)
}

func readerOf[T any](name string, init func() T, read func(*Decoder, *T)) reader {
	return reader{
		name: name,
		read: func(d *Decoder) any { v := init(); read(d, &v); return v },
		json: func(b []byte) (any, error) { v := init(); err := json.Unmarshal(b, &v); return v, err },
	}
}

func zero[T any]() T { var v T; return v }

// record is a struct read with Object: exact keys decoded, keys that match
// a field only case-insensitively declined (encoding/json would fill the
// field), others skipped.
type record struct {
	A string            `json:"a"`
	B int64             `json:"b"`
	M map[string]string `json:"m"`
}

func readRecord(d *Decoder, r *record) {
	for k := range d.Object() {
		switch k {
		case "a":
			d.Str(&r.A)
		case "b":
			d.Int64(&r.B)
		case "m":
			d.StrMap(&r.M)
		default:
			if strings.EqualFold(k, "a") || strings.EqualFold(k, "b") || strings.EqualFold(k, "m") {
				d.Fail()
				continue
			}
			d.Skip()
		}
	}
}

// readers are every reader, each from a zero value and from one already
// filled, since null and objects leave or merge into what a field holds.
var readers = []reader{
	readerOf("Str", zero[string], (*Decoder).Str),
	readerOf("Str/filled", func() string { return "old" }, (*Decoder).Str),
	readerOf("Bool", zero[bool], (*Decoder).Bool),
	readerOf("Bool/filled", func() bool { return true }, (*Decoder).Bool),
	readerOf("Int64", zero[int64], (*Decoder).Int64),
	readerOf("Int64/filled", func() int64 { return 7 }, (*Decoder).Int64),
	readerOf("StrMap", zero[map[string]string], (*Decoder).StrMap),
	readerOf("StrMap/filled", func() map[string]string { return map[string]string{"old": "x", "a": "y"} }, (*Decoder).StrMap),
	readerOf("MultiMap", zero[map[string][]string], (*Decoder).MultiMap),
	readerOf("MultiMap/filled", func() map[string][]string { return map[string][]string{"old": {"x"}, "a": {"y", "z"}} }, (*Decoder).MultiMap),
	readerOf("StrSlice", zero[[]string], (*Decoder).StrSlice),
	readerOf("StrSlice/filled", func() []string { return []string{"old", "x", "y"} }, (*Decoder).StrSlice),
	readerOf("Raw", zero[json.RawMessage], func(d *Decoder, p *json.RawMessage) { *p = json.RawMessage(d.Raw()) }),
	{
		// Skip skips as encoding/json skips the value of an unknown key
		// (without converting numbers: 1e700 is fine there, not in an any).
		name: "Skip",
		read: func(d *Decoder) any { d.Skip(); return nil },
		json: func(b []byte) (any, error) {
			var v struct{}
			return nil, json.Unmarshal([]byte(`{"unknown":`+string(b)+`}`), &v)
		},
	},
	readerOf("Object", zero[record], readRecord),
	readerOf("Object/filled", func() record { return record{A: "old", B: 7, M: map[string]string{"old": "x"}} }, readRecord),
}

// check reads in with r as a caller reads a document (whitespace, the
// value, the end) and reports whether the Decoder decoded it; if it did,
// encoding/json must accept in and give the same value.
func check(t *testing.T, r reader, in string) bool {
	t.Helper()
	d := New(in)
	d.Space()
	got := r.read(&d)
	d.End()
	d.Release()
	if d.Bad() {
		return false
	}
	want, err := r.json([]byte(in))
	if err != nil {
		t.Errorf("%s(%q) decoded %#v, encoding/json rejects it: %v", r.name, in, got, err)
		return true
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("%s(%q) differs from encoding/json (-json +%s):\n%s", r.name, in, r.name, diff)
	}
	return true
}

func nested(open, close string, n int) string {
	return strings.Repeat(open, n) + strings.Repeat(close, n)
}

// decodes lists, for each reader, documents it must decode (not leave to
// encoding/json); others are documents any reader may decline.
var decodes = map[string][]string{
	"Str": {
		`""`, `"abc"`, ` "a" ` + "\n\t\r", `null`, `"\"\\\/\b\f\n\r\t"`, `"\u0000\u001f\u007f"`, `"\u00e9\u20AC\u20ac"`,
		`"\ud83d\ude00"`, `"\uD83D\uDE00x"`, `"é€😀"`, "\"\u2028\u2029\"", `"\u2028"`, "\"\xef\xbf\xbd\"", "\"a\x7fb\"",
		`"abcdefghijklmnopqrstuvwxyz0123456789"`, `"abcdefgh\nijklmnopqrstuvwx\u0041yz"`, `"é abcdefgh é abcdefgh"`,
		`"abcdefg\""`, `"abcdefgh\\"`, `"\/\/\/\/\/\/\/\/\/"`,
	},
	"Bool":  {`true`, `false`, `null`, ` true `},
	"Int64": {`0`, `-0`, `1`, `-1`, `1428582896000`, `9223372036854775807`, `-9223372036854775808`, `null`, ` 42 `},
	"StrMap": {
		`{}`, `null`, `{"a":"1"}`, `{"a":"1","b":"2"}`, `{"a":"1","a":"2"}`, `{"\u0041":"b","A":"c"}`, ` { "a" : "1" , "b" : "x" } `,
		`{"old":"new","a":""}`, `{"k\n":"v\t","k2":"\u00e9"}`,
	},
	"MultiMap": {
		`{}`, `null`, `{"a":["1"]}`, `{"a":[]}`, `{"a":["1"],"a":["2","3"]}`, `{"a":["1","2"],"b":["3"]}`, `{"old":["y"]}`,
		`{ "a" : [ "1" , "2" ] , "b" : [ ] }`, manyKeys(20, 2),
	},
	"StrSlice": {
		`[]`, `null`, `["a"]`, `["a","b"]`, ` [ "a" , "b" ] `, `["\n1","\t2","x\u00e9"]`, manyStrings(20),
	},
	"Raw": {
		`{"x":1.5e-3,"y":-0.0E+1,"z":[1,[2,{"a":{}}]],"w":true,"v":false,"u":null}`, `null`, `[]`, `{}`, `"s"`,
		`"\ud800"`, `-1.5E+10`, `0`, ` [ 1 , 2 ] `, `{"a":{"b":{"c":[]}}}`, nested("[", "]", MaxDepth+1),
		strings.Repeat(`{"a":`, MaxDepth) + `[]` + strings.Repeat("}", MaxDepth),
	},
	"Object": {
		`{"a":"x","b":1,"m":{"k":"v"}}`, `null`, `{}`, `{"other":[1,{"a":2}],"a":"y"}`, `{"a":"1","a":"2"}`, `{"a":"1","a":null}`,
		`{"m":{"k":"v"},"m":{"j":"w"}}`, `{"m":null}`, `{"b":null,"x":"\ud800"}`, `{"\u0061":"esc"}`,
	},
}

// others are documents to read with every reader, built to hit every rule
// a reader must follow exactly or leave to encoding/json.
var others = []string{
	``, ` `, `nul`, `nullx`, `tru`, `truex`, `True`, `"true"`, `1 2`, `"a" "b"`, `{}}`, `[]]`, "\ufeff\"a\"",
	// strings.
	`"\ud800"`, `"\udc00"`, `"\ud800\u0041"`, `"\ud800\ud800"`, `"\udbff\udfff"`, `"\ud800\udbff"`, `"\ud800x"`, `"\ud800\"`,
	`"\u12"`, `"\u12g4"`, `"\uG123"`, `"\x"`, `"\'"`, `'a'`, `"abc`, `"abc\`, `"abc\u`, "\"a\x00b\"", "\"a\x1fb\"", "\"\x80\"",
	"\"\xed\xa0\x80\"", "\"\xc3\"", "\"\xc3\x28\"", "\"\xf4\x90\x80\x80\"", "\"abcdefgh\xff\"", "\"a\tb\"", "\"abcdefgh\nx\"",
	// numbers.
	`9223372036854775808`, `-9223372036854775809`, `1E700`, `-1e-700`, `99999999999999999999`, `1.0`, `1.5`, `1e3`, `1E3`, `1e-3`, `-0.0`,
	`-`, `+1`, `01`, `-01`, `1.`, `.5`, `1e`, `1e+`, `--1`, `0x10`, `1_000`, `"1"`, `Infinity`, `NaN`,
	// maps and arrays.
	`{"a":null}`, `{"a":1}`, `{"a":true}`, `{"a":{}}`, `{"a":"1",}`, `{,"a":"1"}`, `{"a" "1"}`, `{"a":"1"`, `{"a"`, `{"a":`,
	`{1:"a"}`, `{a:"1"}`, "{\"\xff\":\"b\"}", "{\"a\":\"\xff\"}", `{"a":"\ud800"}`, `{"\ud800":"a"}`,
	`{"a":null}`, `{"a":[null]}`, `{"a":["1",null]}`, `{"a":"1"}`, `{"a":["1",]}`, `{"a":[,"1"]}`, `{"a":[1]}`, `{"a":["1"]]}`,
	`[null]`, `["a",null]`, `["a",]`, `[,"a"]`, `[1]`, `["a" "b"]`, `["a"`, `[`, `[[]]`, `[{}]`, `[1,]`, `[,1]`,
	// objects into a struct.
	`{"A":"x"}`, `{"B":1}`, `{"ａ":"x"}`, "{\"\u212A\":\"x\"}", `{"a":1}`, `{"b":"1"}`, `{"b":1.5}`, `{"m":[]}`, `{"a":"x",}`,
	`{"other":` + nested("[", "]", MaxDepth) + `}`, `{"other":` + nested("[", "]", MaxDepth+1) + `}`,
	// nesting.
	nested("[", "]", MaxDepth+2), nested("[", "]", 10001), `[` + nested(`{"a":[`, "]}", MaxDepth/2) + `]`,
}

func manyKeys(keys, values int) string {
	var b strings.Builder
	b.WriteString("{")
	for k := range keys {
		if k > 0 {
			b.WriteString(",")
		}
		b.WriteString(`"k` + strings.Repeat("x", k) + `":[`)
		for v := range values {
			if v > 0 {
				b.WriteString(",")
			}
			b.WriteString(`"v\u00e9` + strings.Repeat("y", v) + `"`)
		}
		b.WriteString("]")
	}
	b.WriteString("}")
	return b.String()
}

func manyStrings(n int) string {
	return "[" + strings.TrimSuffix(strings.Repeat(`"s\n",`, n), ",") + "]"
}

func allDocuments() []string {
	var all []string
	for _, ds := range decodes {
		all = append(all, ds...)
	}
	return append(all, others...)
}

// TestReadersMatchJSON: every reader, on every document and on every prefix
// of the short ones (truncated input), either declines or gives what
// encoding/json gives.
func TestReadersMatchJSON(t *testing.T) {
	for _, in := range allDocuments() {
		for _, r := range readers {
			check(t, r, in)
			if len(in) > 200 {
				continue
			}
			for n := range len(in) {
				check(t, r, in[:n])
			}
		}
	}
}

// TestReadersDecode: the documents each reader is meant for are decoded,
// not left to encoding/json, so the differential test is not met by a
// reader that declines everything.
func TestReadersDecode(t *testing.T) {
	for _, r := range readers {
		base, _, _ := strings.Cut(r.name, "/")
		ds := decodes[base]
		if base == "Skip" {
			ds = decodes["Raw"]
		}
		for _, in := range ds {
			if !check(t, r, in) {
				t.Errorf("%s(%q) declined a document it is meant to decode", r.name, in)
			}
		}
	}
}

// TestMaxDepth: Skip decodes values nested MaxDepth levels below the value
// it is asked for, and declines one level more (encoding/json allows
// 10000).
func TestMaxDepth(t *testing.T) {
	for _, c := range []struct {
		in   string
		want bool
	}{
		{nested("[", "]", MaxDepth+1), true}, // the innermost [] at depth MaxDepth
		{nested("[", "]", MaxDepth+2), false},
		{strings.Repeat(`{"a":`, MaxDepth) + "1" + strings.Repeat("}", MaxDepth), true},    // the 1 at depth MaxDepth
		{strings.Repeat(`{"a":`, MaxDepth) + "1" + strings.Repeat("}", MaxDepth-1), false}, // truncated
		{strings.Repeat(`{"a":`, MaxDepth+1) + "1" + strings.Repeat("}", MaxDepth+1), false},
		{nested("[", "]", 10001), false},
	} {
		d := New(c.in)
		d.Skip()
		d.End()
		if got := !d.Bad(); got != c.want {
			t.Errorf("Skip(%.20q... %d bytes) decoded = %v, want %v", c.in, len(c.in), got, c.want)
		}
	}
}

// TestStringsOutliveScratch: strings unescaped in the scratch buffer are
// copies, unchanged by later strings and by the next Decoder reusing the
// buffer.
func TestStringsOutliveScratch(t *testing.T) {
	d := New(`["\n1","\t2","x\u00e9"]`)
	var first []string
	d.StrSlice(&first)
	d.Release()
	d = New(`["\r3","\b4"]`)
	var second []string
	d.StrSlice(&second)
	d.Release()
	if d.Bad() {
		t.Fatal("StrSlice declined")
	}
	if diff := cmp.Diff([]string{"\n1", "\t2", "xé"}, first); diff != "" {
		t.Errorf("first strings changed (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"\r3", "\b4"}, second); diff != "" {
		t.Errorf("second strings (-want +got):\n%s", diff)
	}
}

func FuzzDecoder(f *testing.F) {
	for _, in := range allDocuments() {
		f.Add(in)
	}
	f.Fuzz(func(t *testing.T, in string) {
		for _, r := range readers {
			check(t, r, in)
		}
	})
}
