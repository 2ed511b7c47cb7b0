package api

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io"
	"net/http"
	"strings"
	"sync"
)

//go:generate ./docsui/update.sh

// The Swagger UI assets are embedded, so the docs need no CDN: they work on
// private networks and under a strict Content-Security-Policy.
//
//go:embed docsui/index.html docsui/init.js docsui/swagger-ui.css.gz docsui/swagger-ui-bundle.js.gz
var docsFiles embed.FS

// docsCSP allows nothing but this origin; Swagger UI needs inline styles and data: images.
const docsCSP = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
	"img-src 'self' data:; connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// redirectToDocs sends /docs to the docs page with a relative Location, so
// that it stays under whatever prefix the request came through.
func redirectToDocs() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Location", "api/docs")
		w.WriteHeader(http.StatusFound)
	})
}

func handleDocsPage() http.Handler {
	page, _ := docsFiles.ReadFile("docsui/index.html")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Content-Security-Policy", docsCSP)
		h.Set("Cache-Control", "no-cache")
		w.Write(page)
	})
}

// docsAsset is one file under /api/docs/assets/, stored gzipped or plain.
type docsAsset struct {
	path        string
	contentType string
	gzipped     bool
	once        sync.Once
	body        []byte
	etag        string
}

func (a *docsAsset) load() {
	a.once.Do(func() {
		a.body, _ = docsFiles.ReadFile(a.path)
		sum := sha256.Sum256(a.body)
		a.etag = `"` + hex.EncodeToString(sum[:12]) + `"`
	})
}

func handleDocsAsset() http.Handler {
	assets := map[string]*docsAsset{
		"swagger-ui.css":       {path: "docsui/swagger-ui.css.gz", contentType: "text/css; charset=utf-8", gzipped: true},
		"swagger-ui-bundle.js": {path: "docsui/swagger-ui-bundle.js.gz", contentType: "text/javascript; charset=utf-8", gzipped: true},
		"init.js":              {path: "docsui/init.js", contentType: "text/javascript; charset=utf-8"},
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a, ok := assets[r.PathValue("file")]
		if !ok {
			writeError(w, r, http.StatusNotFound, "", nil)
			return
		}
		a.load()
		h := w.Header()
		h.Set("Content-Type", a.contentType)
		h.Set("Cache-Control", "public, max-age=3600")
		h.Set("ETag", a.etag)
		if a.gzipped {
			h.Add("Vary", "Accept-Encoding") // beside the CORS middleware's Vary: Origin, never instead
		}
		if r.Header.Get("If-None-Match") == a.etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		if !a.gzipped {
			w.Write(a.body)
			return
		}
		if acceptsGzip(r) {
			h.Set("Content-Encoding", "gzip")
			w.Write(a.body)
			return
		}
		zr, err := gzip.NewReader(bytes.NewReader(a.body))
		if err != nil {
			writeError(w, r, http.StatusInternalServerError, "", err)
			return
		}
		io.Copy(w, zr)
	})
}

func acceptsGzip(r *http.Request) bool {
	for _, v := range r.Header.Values("Accept-Encoding") {
		for _, part := range strings.Split(v, ",") {
			coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
			if strings.EqualFold(strings.TrimSpace(coding), "gzip") && strings.ReplaceAll(params, " ", "") != "q=0" {
				return true
			}
		}
	}
	return false
}
