// Command floor is the bare net/http server scripts/bench-load.sh measures
// beside bin/api: one handler writing the same JSON body as GET /api/hello,
// no middleware, so the ratio between the two is what the API's stack costs.
package main

import (
	"log"
	"net/http"
	"os"
)

func main() {
	body := []byte(`{"message":"Hello World"}` + "\n")
	http.HandleFunc("GET /api/hello", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	})
	log.Fatal(http.ListenAndServe("127.0.0.1:"+os.Getenv("PORT"), nil))
}
