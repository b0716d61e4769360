package loadtest

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/vidrop/vidrop/internal/presign"
	"golang.org/x/crypto/blake2b"
)

// baselineType is the only type the baseline signs for.
const baselineType = "video/mp4"

// A BaselineSigner presigns a POST of key: the URL to post to and the form
// fields.
type BaselineSigner func(ctx context.Context, key string) (url string, fields map[string]string, err error)

// SDKSigner signs with aws-sdk-go-v2's PresignPostObject per request, with
// the conditions vidrop signs (o.Now is not used: the SDK reads its own
// clock).
func SDKSigner(pc *s3.PresignClient, o presign.Options) BaselineSigner {
	return func(ctx context.Context, key string) (string, map[string]string, error) {
		var conds []any
		if o.ACL != "" {
			conds = append(conds, map[string]string{"acl": o.ACL})
		}
		conds = append(conds,
			map[string]string{"Content-Type": baselineType},
			[]any{"content-length-range", 1, o.MaxBytes},
		)
		post, err := pc.PresignPostObject(ctx, &s3.PutObjectInput{
			Bucket: aws.String(o.Bucket),
			Key:    aws.String(key),
		}, func(po *s3.PresignPostOptions) {
			po.Expires = o.Expires
			po.Conditions = conds
		})
		if err != nil {
			return "", nil, err
		}
		if o.ACL != "" {
			post.Values["acl"] = o.ACL
		}
		post.Values["Content-Type"] = baselineType
		return post.URL, post.Values, nil
	}
}

// DirectSigner signs with vidrop's own signer, which produces what
// PresignPostObject would with less work.
func DirectSigner(s *presign.Signer) BaselineSigner {
	return func(ctx context.Context, key string) (string, map[string]string, error) {
		post, err := s.Presign(ctx, key, baselineType)
		if err != nil {
			return "", nil, err
		}
		fields := make(map[string]string, len(post.Fields))
		for _, f := range post.Fields {
			fields[f.Name] = f.Value
		}
		return post.URL, fields, nil
	}
}

// Baseline is what vidrop is measured against: GET /presignedurl?mail=
// answered the straightforward way, as the original design does it,
// written plainly in Go. net/http alone, a mutex-guarded map, the BLAKE2b
// key, one signer call per request and encoding/json; no logs, limits,
// CORS, auth or validation beyond a present mail. GET /videos?mail= lists
// the keys, so that Run checks it as it checks vidrop. It is not part of
// vidrop.
type Baseline struct {
	sign BaselineSigner

	mu   sync.Mutex
	keys map[string][]string
}

// NewBaseline returns the baseline, signing with sign.
func NewBaseline(sign BaselineSigner) *Baseline {
	return &Baseline{sign: sign, keys: make(map[string][]string)}
}

// Handler routes GET /presignedurl and GET /videos to the baseline.
func (b *Baseline) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /presignedurl", b.presignedURL)
	mux.HandleFunc("GET /videos", b.videos)
	return mux
}

func (b *Baseline) presignedURL(w http.ResponseWriter, r *http.Request) {
	mail := r.URL.Query().Get("mail")
	if mail == "" {
		writeBaseline(w, http.StatusBadRequest, map[string]string{"error": "mail is required"})
		return
	}
	h, _ := blake2b.New(10, nil)
	h.Write([]byte(mail))
	stem := hex.EncodeToString(h.Sum(nil))

	b.mu.Lock()
	key := stem + ".mp4"
	if n := len(b.keys[mail]); n > 0 {
		key = stem + strconv.Itoa(n) + ".mp4"
	}
	b.keys[mail] = append(b.keys[mail], key)
	b.mu.Unlock()

	url, fields, err := b.sign(r.Context(), key)
	if err != nil {
		writeBaseline(w, http.StatusInternalServerError, map[string]string{"error": "internal error"})
		return
	}
	writeBaseline(w, http.StatusOK, map[string]any{"url": url, "fields": fields, "key": key})
}

func (b *Baseline) videos(w http.ResponseWriter, r *http.Request) {
	mail := r.URL.Query().Get("mail")
	b.mu.Lock()
	keys := slices.Clone(b.keys[mail])
	b.mu.Unlock()
	if len(keys) == 0 {
		writeBaseline(w, http.StatusNotFound, map[string]string{"error": "no videos for this mail"})
		return
	}
	writeBaseline(w, http.StatusOK, map[string][]string{mail: keys})
}

func writeBaseline(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// Fixed answers every GET /presignedurl with body, as it is: no parsing,
// store or signing. It is the ceiling over any net/http server on the
// machine at hand: what the kernel, net/http and the load generator cost
// per request before a server does any work.
func Fixed(body []byte) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /presignedurl", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	})
	return mux
}

// FixedAnswer is one answer signed by sign, encoded as the baseline
// encodes its answers, for Fixed to serve.
func FixedAnswer(ctx context.Context, sign BaselineSigner, key string) ([]byte, error) {
	url, fields, err := sign(ctx, key)
	if err != nil {
		return nil, err
	}
	return json.Marshal(map[string]any{"url": url, "fields": fields, "key": key})
}
