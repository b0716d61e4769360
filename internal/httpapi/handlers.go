package httpapi

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
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

// query parses the raw query strictly: net/url's Query silently drops a
// pair holding an unescaped ";", and guessing would be worse than refusing.
func query(r *http.Request) (url.Values, error) {
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, errBadQuery
	}
	return q, nil
}

// single returns the one value of name, "" when absent.
func single(q url.Values, name string) (string, error) {
	switch vs := q[name]; len(vs) {
	case 0:
		return "", nil
	case 1:
		return vs[0], nil
	default:
		return "", errRepeated
	}
}

type presignRequest struct {
	mail, contentType, ext, dir string
}

func parsePresign(r *http.Request) (presignRequest, error) {
	var p presignRequest
	q, err := query(r)
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
	rawMail, err := single(q, "mail")
	if err != nil {
		return p, err
	}
	if p.mail, err = naming.Mail(rawMail); err != nil {
		return p, err
	}
	rawType, err := single(q, "type")
	if err != nil {
		return p, err
	}
	if p.contentType, p.ext, err = naming.ContentType(rawType); err != nil {
		return p, err
	}
	return p, nil
}

// handlePresign issues the next key for a mail and a presigned POST to
// upload it with. The key is recorded only when signing succeeded.
func handlePresign(logger *slog.Logger, st *store.Memory, p Presigner, prefix string, uploadURL func(*http.Request) string, now func() time.Time) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		req, err := parsePresign(r)
		if err != nil {
			respondClientError(w, err)
			return
		}
		stem := naming.Stem(req.mail)
		addLogAttrs(r, slog.String("mail_hash", stem))

		res := st.Reserve(req.mail)
		key := naming.Key(prefix, req.dir, stem, res.N, req.ext)
		post, err := p.Presign(r.Context(), key, req.contentType)
		if err != nil {
			st.Cancel(res)
			logger.Error("presign failed", "err", err, "request_id", middleware.GetReqID(r.Context()))
			writeError(w, http.StatusBadGateway, "could not create an upload URL, try again later")
			return
		}
		st.Commit(res, key, now())
		if uploadURL != nil {
			post.URL = uploadURL(r)
		}
		writeJSON(w, http.StatusOK, appendPresignResponse(make([]byte, 0, 2048), post))
	}
}

// appendPresignResponse encodes
// {"url": …, "fields": {…}, "key": …, "expires_at": …} with the fields in
// their form order, without reflection: this is the hot path.
func appendPresignResponse(b []byte, p presign.Post) []byte {
	b = append(b, `{"url":`...)
	b = appendString(b, p.URL)
	b = append(b, `,"fields":{`...)
	for i, f := range p.Fields {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, f.Name)
		b = append(b, ':')
		b = appendString(b, f.Value)
	}
	b = append(b, `},"key":`...)
	b = appendString(b, p.Key)
	b = append(b, `,"expires_at":"`...)
	b = p.ExpiresAt.UTC().AppendFormat(b, time.RFC3339)
	return append(b, "\"}\n"...)
}

// handleVideos lists the keys issued for a mail, oldest first.
func handleVideos(st *store.Memory) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q, err := query(r)
		if err != nil {
			respondClientError(w, err)
			return
		}
		raw, err := single(q, "mail")
		if err != nil {
			respondClientError(w, err)
			return
		}
		mail, err := naming.Mail(raw)
		if err != nil {
			respondClientError(w, err)
			return
		}
		addLogAttrs(r, slog.String("mail_hash", naming.Stem(mail)))
		recs, ok := st.Keys(mail)
		if !ok {
			writeError(w, http.StatusNotFound, "no videos for this mail")
			return
		}
		keys := make([]string, len(recs))
		for i, rec := range recs {
			keys[i] = rec.Key
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
