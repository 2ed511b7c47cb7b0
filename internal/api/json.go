package api

import (
	"encoding/json"
	"net/http"
)

// writeJSON sends v as the JSON body with status; the only JSON encoder
// outside huma's operations.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		// Only our own types come here; failing to encode one is a programming error.
		panic(err)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}
