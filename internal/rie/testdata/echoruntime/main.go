// Command echoruntime is the smallest Lambda custom runtime: it answers each
// event with the event itself, and exits on the event "exit", so the harness
// can be tested without the API.
package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
)

func main() {
	api := "http://" + os.Getenv("AWS_LAMBDA_RUNTIME_API") + "/2018-06-01/runtime/invocation/"
	for {
		resp, err := http.Get(api + "next")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		event, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		id := resp.Header.Get("Lambda-Runtime-Aws-Request-Id")
		fmt.Printf("echoruntime: event %s\n", id)
		if string(event) == `"exit"` {
			os.Exit(3)
		}
		r, err := http.Post(api+id+"/response", "application/json", bytes.NewReader(event))
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		r.Body.Close()
	}
}
