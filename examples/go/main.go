// Hello world for microcf and Cloud Foundry: answers every GET on $PORT.
package main

import (
	"fmt"
	"log"
	"net/http"
	"os"
)

func main() {
	port := os.Getenv("PORT")
	if port == "" {
		port = "8080"
	}
	index := os.Getenv("CF_INSTANCE_INDEX")
	if index == "" {
		index = "0"
	}
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		// One line per request on stdout, which the platform shows as APP logs.
		fmt.Printf("%s %s %s\n", r.RemoteAddr, r.Method, r.URL.Path)
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintf(w, "Hello from microcf go, instance %s\n", index)
	})
	fmt.Printf("listening on port %s\n", port)
	log.Fatal(http.ListenAndServe(":"+port, nil))
}
