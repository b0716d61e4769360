package httpapi

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/vidrop/vidrop/internal/naming"
)

// FuzzParsePresign feeds arbitrary query strings and path segments through
// the request parsing. It must never panic, and whatever it accepts must be
// a normalised, valid mail, a known type and safe path segments.
func FuzzParsePresign(f *testing.F) {
	for _, seed := range []struct{ query, project, step string }{
		{"mail=eduard@orkei.com", "", ""},
		{"mail=Eduard%40Orkei.COM%20&type=video/webm%3Bcodecs%3Dvp9", "intro", "1"},
		{"mail=a@b.com&type=video/webm;codecs=vp9", "", ""},
		{"mail=%zz", "", ""},
		{"mail=x@[1.2.3.4]", "", ""},
		{"mail=a@b.com&mail=c@d.com", "", ""},
		{"mail=%3Cx@a.com%3E", "%2E%2E", "s"},
		{"type=video/quicktime&mail=q@q.io", "a%2Fb", "c"},
		{"", "", ""},
	} {
		f.Add(seed.query, seed.project, seed.step)
	}
	f.Fuzz(func(t *testing.T, rawQuery, project, step string) {
		r := httptest.NewRequest(http.MethodGet, "/presignedurl", nil)
		r.URL.RawQuery = rawQuery
		rc := chi.NewRouteContext()
		if project != "" {
			rc.URLParams.Add("project", project)
			rc.URLParams.Add("step", step)
		}
		r = r.WithContext(chiContext(r, rc))
		p, err := parsePresign(r)
		if err != nil {
			if _, ok := badRequest(err); !ok {
				t.Fatalf("unmapped error %v", err)
			}
			return
		}
		if again, err := naming.Mail(p.mail); err != nil || again != p.mail {
			t.Fatalf("accepted mail %q does not re-validate: %q %v", p.mail, again, err)
		}
		if p.format.ContentType() == "" || p.format.Ext() == "" {
			t.Fatalf("accepted format %d unknown", p.format)
		}
		if strings.Contains(p.dir, "..") || strings.HasPrefix(p.dir, "/") || strings.Count(p.dir, "/") != 0 && strings.Count(p.dir, "/") != 2 {
			t.Fatalf("unsafe dir %q", p.dir)
		}
	})
}

// FuzzParams checks params against url.ParseQuery, which it stands in
// for: both refuse the same strings, and mail and type come out with the
// same count and the same last value.
func FuzzParams(f *testing.F) {
	for _, seed := range []string{
		"mail=eduard%40orkei.com", "mail=a@b.com&type=video/webm;codecs=vp9",
		"mail=%zz", "%zz=1", "x=%zz&mail=a@b.com", "&&mail=a+b&", "mail&type",
		"mail=1&mail=2&type=&type=video/mp4", "m%61il=x", "mail==x=", "",
		// ParseQuery's limit of 10000 parameters, either side of it.
		strings.Repeat("&", 9999) + "mail=a@b.com", strings.Repeat("&", 10000) + "mail=a@b.com",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		mail, typ, err := params(raw)
		q, qerr := url.ParseQuery(raw)
		if (err != nil) != (qerr != nil) {
			t.Fatalf("params(%q): %v; url.ParseQuery: %v", raw, err, qerr)
		}
		if err != nil {
			if !errors.Is(err, errBadQuery) {
				t.Fatalf("params(%q): unexpected error %v", raw, err)
			}
			return
		}
		for _, c := range []struct {
			name string
			got  param
		}{{"mail", mail}, {"type", typ}} {
			vs := q[c.name]
			if c.got.n != len(vs) || len(vs) > 0 && c.got.value != vs[len(vs)-1] {
				t.Fatalf("params(%q): %s = %+v; url.ParseQuery: %q", raw, c.name, c.got, vs)
			}
		}
	})
}

func chiContext(r *http.Request, rc *chi.Context) context.Context {
	return context.WithValue(r.Context(), chi.RouteCtxKey, rc)
}

// FuzzAuthHeader sends arbitrary Authorization headers to /videos, with
// no limit on failed logins: the answer is a JSON 200 exactly for the
// credentials the verifier accepts (a non-empty user equal to its
// password), a JSON 401 for anything else.
func FuzzAuthHeader(f *testing.F) {
	for _, h := range []string{"", "Basic dGVzdDp0ZXN0", "Basic dGVzdDp3cm9uZw==", "Bearer x", "Basic", "Basic !!!", "basic dGVzdDp0ZXN0", "Basic OnRlc3Q="} {
		f.Add(h)
	}
	s := newTestServer(f, nil)
	res, _ := s.store.Reserve(naming.Digest("a@b.com"))
	s.store.Commit(res, naming.MP4, "", time.Now())
	f.Fuzz(func(t *testing.T, header string) {
		req := httptest.NewRequest(http.MethodGet, "/videos?mail=a@b.com", nil)
		req.Header.Set("Authorization", header)
		rec := s.send(req, nil)
		want := http.StatusUnauthorized
		if user, pass, ok := req.BasicAuth(); ok && user != "" && user == pass {
			want = http.StatusOK
		}
		if ct := rec.Header().Get("Content-Type"); rec.Code != want || ct != "application/json" {
			t.Fatalf("header %q: %d %q, want a JSON %d", header, rec.Code, ct, want)
		}
	})
}
