package httpapi

import (
	"encoding/json"
	"net/http"
)

// The values of jsonHeader's headers, shared by every response: Set
// replaces a slice rather than writing into it, and an Add to one of
// capacity 1 makes a new one.
var (
	applicationJSON = []string{"application/json"}
	noStore         = []string{"no-store"}
)

// jsonHeader sends status with the headers of a JSON answer that is not to
// be cached.
func jsonHeader(w http.ResponseWriter, status int) {
	h := w.Header()
	h["Content-Type"] = applicationJSON
	h["Cache-Control"] = noStore
	w.WriteHeader(status)
}

// encode writes v as the JSON body of a response with status.
func encode(w http.ResponseWriter, status int, v any) {
	jsonHeader(w, status)
	// An error here means the client went away; nothing more to do.
	_ = json.NewEncoder(w).Encode(v)
}

type errorBody struct {
	Error string `json:"error"`
}

// writeError writes {"error": msg} with status.
func writeError(w http.ResponseWriter, status int, msg string) {
	encode(w, status, errorBody{Error: msg})
}

// writeJSON writes a body already encoded as JSON.
func writeJSON(w http.ResponseWriter, status int, body []byte) {
	jsonHeader(w, status)
	_, _ = w.Write(body)
}
