package weborigin

import (
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseList(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"*", []string{"*"}},
		{" * ", []string{"*"}},
		{"https://app.example.com", []string{"https://app.example.com"}},
		{"HTTPS://App.Example.COM", []string{"https://app.example.com"}},
		{"https://a.example:443,http://b.example:80", []string{"https://a.example", "http://b.example"}},
		{"https://a.example:8443, http://localhost:3000", []string{"https://a.example:8443", "http://localhost:3000"}},
		{"http://a.example:080", []string{"http://a.example"}},
		{"https://a.example:80", []string{"https://a.example:80"}}, // not the default port of https
		{"https://a.example,https://A.example", []string{"https://a.example"}},
		{"http://[0:0::1]:8080", []string{"http://[::1]:8080"}},
		{"http://[::FFFF:7f00:1]", []string{"http://[::ffff:127.0.0.1]"}},
		{"http://127.0.0.1:5173", []string{"http://127.0.0.1:5173"}},
		{"https://xn--bcher-kva.example", []string{"https://xn--bcher-kva.example"}},
		{"https://my_host.example", []string{"https://my_host.example"}},
	}
	for _, tt := range tests {
		got, err := ParseList(tt.in)
		if err != nil {
			t.Errorf("ParseList(%q) error %v, want %q", tt.in, err, tt.want)
			continue
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("ParseList(%q) (-want +got):\n%s", tt.in, diff)
		}
	}
}

// Every entry that no browser could ever send is refused, and the message
// names it, so the operator sees which one to fix.
func TestParseListRefuses(t *testing.T) {
	tests := []struct {
		in      string
		mention string // the message quotes this
	}{
		{"", "no origin"},
		{"  ", "no origin"},
		{"https://a.example,,https://b.example", "entry 2 of 3 is empty"},
		{"https://a.example,", "entry 2 of 2 is empty"},
		{"*,https://a.example", `"*"`},
		{"https://*.a.com", `"https://*.a.com"`},
		{"https://a.com:99999", `"https://a.com:99999"`},
		{"https://a.com:0", `"https://a.com:0"`},
		{"https://a.com:+80", `"https://a.com:+80"`},
		{"https://a.com:", `"https://a.com:"`},
		{"https://a.com/", `"https://a.com/"`},
		{"https://a.com/app", `"https://a.com/app"`},
		{"https://a.com?x=1", `"https://a.com?x=1"`},
		{"https://a.com#top", `"https://a.com#top"`},
		{"https://user@a.com", `"https://user@a.com"`},
		{"https://user:pw@a.com", `"https://user:pw@a.com"`},
		{"a.com", `"a.com"`},
		{"ftp://a.com", `"ftp://a.com"`},
		{"https://", `"https://"`},
		{"https://:443", `"https://:443"`},
		{"https://a..com", `"https://a..com"`},
		{"https://a com", `"https://a com"`},
		{"https://bücher.example", "punycode"},
		{"http://[::1", `"http://[::1"`},
		{"http://[fe80::1%25eth0]", `"http://[fe80::1%25eth0]"`},
		{"http://[127.0.0.1]", `"http://[127.0.0.1]"`},
		{"http://127.1", `"http://127.1"`},
		{"http://1.2.3.256", `"http://1.2.3.256"`},
		{"https://a.com\\x", `"https://a.com\\x"`},
	}
	for _, tt := range tests {
		got, err := ParseList(tt.in)
		if err == nil {
			t.Errorf("ParseList(%q) = %q, want an error", tt.in, got)
			continue
		}
		if !strings.Contains(err.Error(), tt.mention) {
			t.Errorf("ParseList(%q) error %q, want it to mention %s", tt.in, err, tt.mention)
		}
	}
}

func TestAllow(t *testing.T) {
	list, err := ParseList("https://App.example, http://localhost:3000")
	if err != nil {
		t.Fatal(err)
	}
	allow := NewAllowlist(list)
	anyOrigin := NewAllowlist([]string{Any})
	tests := []struct {
		origin  string
		want    string
		wantAny string
	}{
		{"https://app.example", "https://app.example", "*"},
		{"https://APP.example", "https://APP.example", "*"}, // matched canonically, echoed as sent
		{"https://app.example:443", "https://app.example:443", "*"},
		{"http://localhost:3000", "http://localhost:3000", "*"},
		{"http://localhost", "", "*"},
		{"http://app.example", "", "*"},
		{"https://app.example.evil", "", "*"},
		{"null", "", "*"},
		{"", "", ""},
	}
	for _, tt := range tests {
		if got := allow.Allow(tt.origin); got != tt.want {
			t.Errorf("Allow(%q) = %q, want %q", tt.origin, got, tt.want)
		}
		if got := anyOrigin.Allow(tt.origin); got != tt.wantAny {
			t.Errorf("with *: Allow(%q) = %q, want %q", tt.origin, got, tt.wantAny)
		}
	}
	if allow.AllowsAny() || !anyOrigin.AllowsAny() {
		t.Errorf("AllowsAny() = %v and %v, want false and true", allow.AllowsAny(), anyOrigin.AllowsAny())
	}
}

// What Parse accepts, net/url reads as the same scheme and host: the hand
// parser agrees with the standard one on every origin it lets through.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"https://a.example", "HTTP://A:80", "http://[::1]:8080", "https://*.a", "http://127.0.0.1:1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		o, err := Parse(s)
		if err != nil {
			return
		}
		u, err := url.Parse(o)
		if err != nil {
			t.Fatalf("Parse(%q) = %q, which url.Parse refuses: %v", s, o, err)
		}
		if u.Scheme+"://"+u.Host != o || u.Path != "" || u.RawQuery != "" || u.User != nil {
			t.Fatalf("Parse(%q) = %q, which url.Parse reads as %#v", s, o, u)
		}
		if again, err := Parse(o); err != nil || again != o {
			t.Fatalf("Parse(Parse(%q)) = %q, %v, want %q", s, again, err, o)
		}
	})
}

func BenchmarkAllow(b *testing.B) {
	list, err := ParseList("https://app.example.com,https://admin.example.com")
	if err != nil {
		b.Fatal(err)
	}
	allow := NewAllowlist(list)
	for _, origin := range []string{"https://app.example.com", "https://App.Example.com:443", "https://evil.example"} {
		b.Run(origin, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				allow.Allow(origin)
			}
		})
	}
}
