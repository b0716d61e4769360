package httpapi

import (
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"net/http"
	"path"
	"strings"
)

// staticFiles serves the recorder page's files. embed.FS files have no
// modification time, so each gets an ETag from its content instead, and
// browsers revalidate (Cache-Control: no-cache) for a cheap 304.
type staticFiles struct {
	files fs.FS
	etags map[string]string
	csp   string
}

// newStaticFiles hashes every file of files once. connect are the origins,
// besides the page's own, that the page may send requests to and play
// videos from: the bucket's and, for a page used with ?api=, another API's.
func newStaticFiles(files fs.FS, connect []string) *staticFiles {
	s := &staticFiles{files: files, etags: map[string]string{}, csp: pagePolicy(connect)}
	if files == nil {
		return s
	}
	// An unreadable file is served without an ETag (and fails when served).
	_ = fs.WalkDir(files, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		b, err := fs.ReadFile(files, name)
		if err != nil {
			return nil
		}
		sum := sha256.Sum256(b)
		s.etags[name] = `"` + hex.EncodeToString(sum[:12]) + `"`
		return nil
	})
	return s
}

// pagePolicy is the page's Content-Security-Policy: its own scripts and
// styles only; requests and media from itself and the upload origins;
// blob: media to play a recording back before it is uploaded.
func pagePolicy(connect []string) string {
	extra := ""
	if len(connect) > 0 {
		extra = " " + strings.Join(connect, " ")
	}
	return "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; " +
		"media-src 'self' blob:" + extra + "; connect-src 'self'" + extra + "; " +
		"base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
}

// ServeHTTP serves the file the path names, index.html for "/", and
// favicon.svg for the /favicon.ico browsers ask for by themselves.
// Anything else is a JSON 404 rather than the file server's plain text.
func (s *staticFiles) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(path.Clean("/"+r.URL.Path), "/")
	switch name {
	case "":
		name = "index.html"
	case "favicon.ico":
		name = "favicon.svg"
	}
	if s.files == nil {
		handleNotFound(w, r)
		return
	}
	st, err := fs.Stat(s.files, name)
	if err != nil || st.IsDir() {
		handleNotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", s.csp)
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-cache")
	if tag, ok := s.etags[name]; ok {
		// ServeFileFS answers If-None-Match against this header.
		h.Set("ETag", tag)
	}
	http.ServeFileFS(w, r, s.files, name)
}
