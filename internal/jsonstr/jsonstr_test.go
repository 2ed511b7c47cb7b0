package jsonstr

import (
	"encoding/json"
	"testing"
)

func TestAppend(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", `""`},
		{"plain", "GET /orders/{id}", `"GET /orders/{id}"`},
		{"quote and backslash", `a"b\c`, `"a\"b\\c"`},
		{"named controls", "a\nb\rc\td", `"a\nb\rc\td"`},
		{"other controls", "\x00\x1f\x08", `"\u0000\u001f\u0008"`},
		{"html is not escaped", "<a>&", `"<a>&"`},
		{"multi-byte", "café ☕", `"café ☕"`},
		{"line separators", "a\u2028b\u2029c", `"a\u2028b\u2029c"`},
		{"invalid UTF-8", "a\xffb\xc3", `"a\ufffdb\ufffd"`},
		{"DEL is plain", "\x7f", "\"\x7f\""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(Append(nil, tt.in)); got != tt.want {
				t.Errorf("Append(%q) = %s, want %s", tt.in, got, tt.want)
			}
			if got := string(Append([]byte("x"), []byte(tt.in))); got != "x"+tt.want {
				t.Errorf("Append(x, []byte(%q)) = %s, want x%s", tt.in, got, tt.want)
			}
		})
	}
}

// FuzzAppend checks Append against encoding/json: the output is one valid
// JSON string that decodes to what encoding/json's own encoding decodes to
// (invalid UTF-8 replaced the same way).
func FuzzAppend(f *testing.F) {
	for _, s := range []string{"", "plain", "a\"\\\n\x00", "\xff\xfe", "\u2028\u2029", "é\xc3", "<&>"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := Append(nil, s)
		var dec string
		if err := json.Unmarshal(got, &dec); err != nil {
			t.Fatalf("Append(%q) = %s, not a JSON string: %v", s, got, err)
		}
		ref, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		var want string
		if err := json.Unmarshal(ref, &want); err != nil {
			t.Fatal(err)
		}
		if dec != want {
			t.Errorf("Append(%q) = %s decodes to %q, want %q (encoding/json: %s)", s, got, dec, want, ref)
		}
	})
}

func TestAppendDoesNotAllocate(t *testing.T) {
	buf := make([]byte, 0, 256)
	b := []byte("caf\xc3\xa9 \xff \"q\" \u2028")
	if n := testing.AllocsPerRun(100, func() { _ = Append(buf, b) }); n != 0 {
		t.Errorf("Append([]byte) allocations = %v, want 0", n)
	}
}

func BenchmarkAppend(b *testing.B) {
	buf := make([]byte, 0, 256)
	s := `{"user":"café","path":"/orders/42","note":"line1\nline2"}`
	b.ReportAllocs()
	for b.Loop() {
		buf = Append(buf[:0], s)
	}
}
