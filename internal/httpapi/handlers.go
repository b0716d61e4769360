package httpapi

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/httprate"
	"github.com/vidrop/vidrop/internal/jsonstr"
	"github.com/vidrop/vidrop/internal/naming"
	"github.com/vidrop/vidrop/internal/presign"
	"github.com/vidrop/vidrop/internal/store"
)

// errBadQuery and errRepeated are client errors of the query string itself.
var (
	errBadQuery = errors.New("malformed query string (escape ; and & inside values)")
	errRepeated = errors.New("a query parameter was given more than once")
)

// badRequest maps every client-input error to its message. Anything else
// reaching the client would be an internal error.
func badRequest(err error) (string, bool) {
	for _, known := range []error{
		errBadQuery, errRepeated,
		naming.ErrMailMissing, naming.ErrMailInvalid, naming.ErrType, naming.ErrSegment,
	} {
		if errors.Is(err, known) {
			return known.Error(), true
		}
	}
	return "", false
}

// param is a query parameter as url.ParseQuery would decode it: its last
// value and how many times it was given.
type param struct {
	value string
	n     int
}

// single returns the parameter's one value, "" when absent.
func (p param) single() (string, error) {
	if p.n > 1 {
		return "", errRepeated
	}
	return p.value, nil
}

// maxParams is url.ParseQuery's default limit on the parameters of one
// query (GODEBUG urlmaxqueryparams).
const maxParams = 10000

// params reads mail and type from a raw query string. It refuses what
// url.ParseQuery refuses, anywhere in the string: more than maxParams
// parameters, a pair holding an unescaped ";", which ParseQuery would
// silently drop (guessing would be worse than refusing), or a bad escape.
// Unlike ParseQuery it builds no map of every parameter: presigns run it
// on every request.
func params(raw string) (mail, typ param, err error) {
	if strings.Count(raw, "&") >= maxParams {
		return param{}, param{}, errBadQuery
	}
	for raw != "" {
		var pair string
		pair, raw, _ = strings.Cut(raw, "&")
		if strings.Contains(pair, ";") {
			return param{}, param{}, errBadQuery
		}
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		if k, err = url.QueryUnescape(k); err != nil {
			return param{}, param{}, errBadQuery
		}
		if v, err = url.QueryUnescape(v); err != nil {
			return param{}, param{}, errBadQuery
		}
		switch k {
		case "mail":
			mail = param{v, mail.n + 1}
		case "type":
			typ = param{v, typ.n + 1}
		}
	}
	return mail, typ, nil
}

type presignRequest struct {
	mail   string
	format naming.Format
	dir    string // "" or "project/step/"
}

func parsePresign(r *http.Request) (presignRequest, error) {
	var p presignRequest
	mail, typ, err := params(r.URL.RawQuery)
	if err != nil {
		return p, err
	}
	if project := chi.URLParam(r, "project"); project != "" {
		proj, err := naming.Segment(project)
		if err != nil {
			return p, err
		}
		step, err := naming.Segment(chi.URLParam(r, "step"))
		if err != nil {
			return p, err
		}
		p.dir = proj + "/" + step + "/"
	}
	if p.mail, err = parseMail(mail); err != nil {
		return p, err
	}
	rawType, err := typ.single()
	if err != nil {
		return p, err
	}
	if p.format, err = naming.ParseType(rawType); err != nil {
		return p, err
	}
	return p, nil
}

// parseMail returns the one value of the mail parameter, normalised.
func parseMail(mail param) (string, error) {
	raw, err := mail.single()
	if err != nil {
		return "", err
	}
	return naming.Mail(raw)
}

// mailID returns the digest and stem of a valid mail and logs the stem as
// the request's mail_hash.
func mailID(r *http.Request, mail string) (naming.ID, string) {
	id := naming.Digest(mail)
	stem := id.Stem()
	addLogAttrs(r, slog.String("mail_hash", stem))
	return id, stem
}

type presignDeps struct {
	logger    *slog.Logger
	store     *store.Memory
	presigner Presigner
	perMail   *httprate.RateLimiter // nil: no limit
	prefix    string
	uploadURL func(*http.Request) string
	now       func() time.Time
	burst     *burstLog
}

// handlePresign issues the next key for a mail and a presigned POST to
// upload it with. The key is recorded only when signing succeeded.
func handlePresign(d presignDeps) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		req, err := parsePresign(r)
		if err != nil {
			respondClientError(w, err)
			return
		}
		id, stem := mailID(r, req.mail)
		// Counted per mail only now that the mail is valid, keyed by its
		// hash, so invalid input never creates a counter.
		if d.perMail != nil && d.perMail.RespondOnLimit(w, r, stem) {
			return
		}

		res, err := d.store.Reserve(id)
		switch {
		case errors.Is(err, store.ErrTooManyKeys):
			writeError(w, http.StatusInsufficientStorage, "this mail has reached its limit of videos")
			return
		case err != nil:
			if d.burst.allow("store-full") {
				d.logger.Warn("store is full: refusing new mails", "err", err)
			}
			writeError(w, http.StatusInsufficientStorage, "the service cannot take new uploads right now")
			return
		}
		key := naming.Key(d.prefix, req.dir, stem, res.N, req.format.Ext())
		post, err := d.presigner.Presign(r.Context(), key, req.format.ContentType())
		if err != nil {
			d.store.Cancel(res)
			if errors.Is(err, presign.ErrCredentials) {
				if d.burst.allow("credentials") {
					d.logger.Error("presign failed: credentials unavailable", "err", err)
				}
				writeError(w, http.StatusServiceUnavailable, "uploads are unavailable right now, try again shortly")
				return
			}
			if d.burst.allow("presign") {
				d.logger.Error("presign failed", "err", err, "request_id", requestID(r))
			}
			writeError(w, http.StatusBadGateway, "could not create an upload URL, try again later")
			return
		}
		d.store.Commit(res, req.format, req.dir, d.now())
		if d.uploadURL != nil {
			post.URL = d.uploadURL(r)
		}
		buf := bufPool.Get().(*[]byte)
		*buf = appendPresignResponse((*buf)[:0], post)
		writeJSON(w, http.StatusOK, *buf)
		bufPool.Put(buf)
	}
}

// bufPool holds answer buffers: the writer copies what it is given.
var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 2048); return &b }}

// appendPresignResponse encodes
// {"url": …, "fields": {…}, "key": …, "expires_at": …} with the fields in
// their form order, without reflection: this is the hot path.
func appendPresignResponse(b []byte, p presign.Post) []byte {
	b = append(b, `{"url":`...)
	b = jsonstr.Append(b, p.URL)
	b = append(b, `,"fields":`...)
	b = p.Fields.AppendJSON(b)
	b = append(b, `,"key":`...)
	b = jsonstr.Append(b, p.Key)
	b = append(b, `,"expires_at":"`...)
	b = p.ExpiresAt.UTC().AppendFormat(b, time.RFC3339)
	return append(b, "\"}\n"...)
}

// handleVideos lists the keys issued for a mail, oldest first. The store
// keeps each key's parts; the key is rebuilt as it was issued.
func handleVideos(st *store.Memory, prefix string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		given, _, err := params(r.URL.RawQuery)
		if err != nil {
			respondClientError(w, err)
			return
		}
		mail, err := parseMail(given)
		if err != nil {
			respondClientError(w, err)
			return
		}
		id, stem := mailID(r, mail)
		recs, ok := st.Keys(id)
		if !ok {
			writeError(w, http.StatusNotFound, "no videos for this mail")
			return
		}
		keys := make([]string, len(recs))
		for i, rec := range recs {
			keys[i] = naming.Key(prefix, rec.Dir, stem, rec.N, rec.Format.Ext())
		}
		encode(w, http.StatusOK, map[string][]string{mail: keys})
	}
}

func respondClientError(w http.ResponseWriter, err error) {
	msg, ok := badRequest(err)
	if !ok {
		msg = "bad request"
	}
	writeError(w, http.StatusBadRequest, msg)
}

func handleHealthz(w http.ResponseWriter, _ *http.Request) {
	encode(w, http.StatusOK, map[string]string{"status": "ok"})
}

func handleReadyz(ready func(context.Context) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if ready != nil {
			if err := ready(r.Context()); err != nil {
				encode(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "error": err.Error()})
				return
			}
		}
		encode(w, http.StatusOK, map[string]string{"status": "ready"})
	}
}

func handleOptions(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Allow", "GET, OPTIONS")
	w.WriteHeader(http.StatusNoContent)
}

func handleNotFound(w http.ResponseWriter, _ *http.Request) {
	writeError(w, http.StatusNotFound, "not found")
}

func handleMethodNotAllowed(w http.ResponseWriter, _ *http.Request) {
	writeError(w, http.StatusMethodNotAllowed, "method not allowed")
}
