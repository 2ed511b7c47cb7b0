package stagename

import (
	"strings"
	"testing"
)

func TestValid(t *testing.T) {
	for _, tt := range []struct {
		s    string
		want bool
	}{
		{"prod", true},
		{"dev-2", true},
		{"Q", true},
		{"a" + strings.Repeat("b", MaxLen-1), true},
		{"a" + strings.Repeat("b", MaxLen), false}, // the stack name would pass 128
		{"", false},
		{"my_stage", false}, // API Gateway allows '_', stack names do not
		{"1st", false},
		{"-dev", false},
		{"dév", false},
		{"dev stage", false},
	} {
		if got := Valid(tt.s); got != tt.want {
			t.Errorf("Valid(%q) = %v, want %v", tt.s, got, tt.want)
		}
	}
	if MaxLen != 119 {
		t.Errorf("MaxLen = %d, want 119 (128 - len(\"R2RStack-\"))", MaxLen)
	}
}
