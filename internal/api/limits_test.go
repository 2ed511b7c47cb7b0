package api

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestBodyLimit(t *testing.T) {
	var read []byte
	h, _ := newTestServer(t, map[string]string{"MAX_REQUEST_BYTES": "10"}, withRoutes(func(mux *http.ServeMux) {
		mux.HandleFunc("POST /api/echo", func(w http.ResponseWriter, r *http.Request) {
			b, err := io.ReadAll(r.Body)
			if err != nil {
				writeError(w, r, http.StatusRequestEntityTooLarge, "The request body is too large.", nil)
				return
			}
			read = b
			w.Write(b)
		})
	}))

	t.Run("declared length over the limit", func(t *testing.T) {
		w := serve(h, httptest.NewRequest("POST", "/api/echo", strings.NewReader("01234567890")))
		if w.Code != http.StatusRequestEntityTooLarge {
			t.Fatalf("status = %d, want 413", w.Code)
		}
		if got := decodeJSON(t, w); got["status_code"] != 413.0 || !strings.Contains(got["detail"].(string), "10 bytes") {
			t.Errorf("body = %v, want status_code 413 and the limit in detail", got)
		}
	})
	t.Run("undeclared length over the limit", func(t *testing.T) {
		r := httptest.NewRequest("POST", "/api/echo", io.MultiReader(strings.NewReader("0123456789"), strings.NewReader("X")))
		r.ContentLength = -1
		w := serve(h, r)
		if w.Code != http.StatusRequestEntityTooLarge {
			t.Fatalf("status = %d, want 413", w.Code)
		}
	})
	t.Run("at the limit", func(t *testing.T) {
		w := serve(h, httptest.NewRequest("POST", "/api/echo", strings.NewReader("0123456789")))
		if w.Code != http.StatusOK || string(read) != "0123456789" {
			t.Fatalf("status = %d, handler read %q; want 200 and the whole body", w.Code, read)
		}
	})
}
