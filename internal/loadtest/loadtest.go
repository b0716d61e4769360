// Package loadtest drives a running vidrop on loopback and checks that
// nothing is lost: every key it was issued is listed exactly once by
// /videos, no two answers carried the same key, and nothing failed with a
// 5xx. It refuses any target that is not on this machine.
package loadtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vidrop/vidrop/internal/presign"
)

// Limits on a run, so that a load can never run away.
const (
	MaxDuration    = 10 * time.Minute
	MaxConcurrency = 512
	MaxMails       = 100_000
)

// Config describes one run.
type Config struct {
	// BaseURL of vidrop, e.g. http://127.0.0.1:8080. Loopback only.
	BaseURL string
	// Concurrency is the number of clients, each with its own
	// keep-alive connection.
	Concurrency int
	// Duration is how long the load lasts.
	Duration time.Duration
	// MaxRequests stops the load early; 0 means no bound but Duration.
	MaxRequests int
	// Mails is how many distinct mails the requests spread over.
	Mails int
	// User and Password for /videos.
	User, Password string
	// Uploads is how many of the issued presigned POSTs to upload for
	// real after the load, with a small file each.
	Uploads int
}

// Report is what a run found.
type Report struct {
	Requests   int
	Elapsed    time.Duration
	OK         int
	Status4xx  int
	Status5xx  int
	Errors     int // transport errors
	Duplicates int // keys issued twice
	Lost       int // issued but not listed by /videos
	Unexpected int // listed but never issued to us, or listed twice
	UploadsOK  int
	UploadsBad int
	P50, P99   time.Duration
	P999       time.Duration
	FirstError string
}

// RPS is requests per second over the load.
func (r Report) RPS() float64 { return float64(r.Requests) / r.Elapsed.Seconds() }

// Clean reports whether nothing was lost, duplicated or failed.
func (r Report) Clean() bool {
	return r.Status5xx == 0 && r.Errors == 0 && r.Duplicates == 0 && r.Lost == 0 && r.Unexpected == 0 && r.UploadsBad == 0 && r.OK > 0
}

// String is the report as printed by vidrop-load.
func (r Report) String() string {
	return fmt.Sprintf(`requests      %d in %s (%.0f req/s)
status        200: %d, 4xx: %d, 5xx: %d, transport errors: %d
latency       p50 %s, p99 %s, p99.9 %s
keys          %d issued, %d duplicated, %d lost, %d unexpected
uploads       %d ok, %d failed`,
		r.Requests, r.Elapsed.Round(time.Millisecond), r.RPS(),
		r.OK, r.Status4xx, r.Status5xx, r.Errors,
		r.P50.Round(time.Microsecond), r.P99.Round(time.Microsecond), r.P999.Round(time.Microsecond),
		r.OK, r.Duplicates, r.Lost, r.Unexpected,
		r.UploadsOK, r.UploadsBad)
}

func (c Config) validate() error {
	u, err := url.Parse(c.BaseURL)
	if err != nil || u.Scheme != "http" {
		return fmt.Errorf("loadtest: base URL %q must be http://HOST:PORT", c.BaseURL)
	}
	if !loopback(u.Hostname()) {
		return fmt.Errorf("loadtest: %s is not a loopback address; load is only ever sent to this machine", u.Hostname())
	}
	switch {
	case c.Concurrency < 1 || c.Concurrency > MaxConcurrency:
		return fmt.Errorf("loadtest: concurrency must be 1..%d", MaxConcurrency)
	case c.Duration <= 0 || c.Duration > MaxDuration:
		return fmt.Errorf("loadtest: duration must be in (0, %s]", MaxDuration)
	case c.Mails < 1 || c.Mails > MaxMails:
		return fmt.Errorf("loadtest: mails must be 1..%d", MaxMails)
	case c.Uploads < 0:
		return errors.New("loadtest: uploads must not be negative")
	}
	return nil
}

func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

type presignAnswer struct {
	URL    string         `json:"url"`
	Fields presign.Fields `json:"fields"` // in the form's order
	Key    string         `json:"key"`
}

// Run performs the load, then the checks.
func Run(ctx context.Context, c Config) (Report, error) {
	if err := c.validate(); err != nil {
		return Report{}, err
	}
	tr := &http.Transport{
		MaxIdleConns:        c.Concurrency * 2,
		MaxIdleConnsPerHost: c.Concurrency * 2,
		IdleConnTimeout:     30 * time.Second,
	}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}

	// Fresh mails, so that what /videos lists is exactly what this run
	// was issued.
	var runID [4]byte
	rand.Read(runID[:])
	mails := make([]string, c.Mails)
	for i := range mails {
		mails[i] = "load-" + hex.EncodeToString(runID[:]) + "-" + strconv.Itoa(i) + "@example.com"
	}

	type result struct {
		keys    map[int][]string // mail index → keys
		lat     []time.Duration
		samples []presignAnswer
		rep     Report
	}
	results := make([]*result, c.Concurrency)
	var issued atomic.Int64
	start := time.Now()
	// New requests stop at the deadline, but those under way finish:
	// abandoning one would leave a key recorded that the run never saw.
	deadline := start.Add(c.Duration)
	var wg sync.WaitGroup
	for w := range c.Concurrency {
		res := &result{keys: map[int][]string{}}
		results[w] = res
		wg.Go(func() {
			for i := w; ctx.Err() == nil && time.Now().Before(deadline); i += c.Concurrency {
				if c.MaxRequests > 0 && issued.Add(1) > int64(c.MaxRequests) {
					return
				}
				m := i % len(mails)
				t0 := time.Now()
				ans, code, err := presignOnce(ctx, client, c.BaseURL, mails[m])
				res.lat = append(res.lat, time.Since(t0))
				res.rep.Requests++
				switch {
				case err != nil:
					res.rep.Errors++
					if res.rep.FirstError == "" {
						res.rep.FirstError = err.Error()
					}
				case code == http.StatusOK:
					res.rep.OK++
					res.keys[m] = append(res.keys[m], ans.Key)
					if len(res.samples) < c.Uploads {
						res.samples = append(res.samples, ans)
					}
				case code >= 500:
					res.rep.Status5xx++
				default:
					res.rep.Status4xx++
				}
			}
		})
	}
	wg.Wait()

	var rep Report
	rep.Elapsed = time.Since(start)
	var lat []time.Duration
	byMail := map[int][]string{}
	var samples []presignAnswer
	for _, r := range results {
		rep.Requests += r.rep.Requests
		rep.OK += r.rep.OK
		rep.Status4xx += r.rep.Status4xx
		rep.Status5xx += r.rep.Status5xx
		rep.Errors += r.rep.Errors
		if rep.FirstError == "" {
			rep.FirstError = r.rep.FirstError
		}
		lat = append(lat, r.lat...)
		for m, ks := range r.keys {
			byMail[m] = append(byMail[m], ks...)
		}
		samples = append(samples, r.samples...)
	}
	slices.Sort(lat)
	rep.P50, rep.P99, rep.P999 = quantile(lat, 0.50), quantile(lat, 0.99), quantile(lat, 0.999)

	seen := map[string]bool{}
	for _, ks := range byMail {
		for _, k := range ks {
			if seen[k] {
				rep.Duplicates++
			}
			seen[k] = true
		}
	}
	// Every mail that was issued keys must list exactly those.
	for m, ks := range byMail {
		listed, err := videos(ctx, client, c, mails[m])
		if err != nil {
			return rep, err
		}
		want := map[string]bool{}
		for _, k := range ks {
			want[k] = true
		}
		got := map[string]bool{}
		for _, k := range listed {
			if !want[k] || got[k] {
				rep.Unexpected++
			}
			got[k] = true
		}
		for k := range want {
			if !got[k] {
				rep.Lost++
			}
		}
	}
	for _, s := range samples[:min(len(samples), c.Uploads)] {
		if err := upload(ctx, client, s); err != nil {
			rep.UploadsBad++
			if rep.FirstError == "" {
				rep.FirstError = err.Error()
			}
		} else {
			rep.UploadsOK++
		}
	}
	return rep, nil
}

func quantile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(q * float64(len(sorted)-1))
	return sorted[i]
}

func presignOnce(ctx context.Context, client *http.Client, base, mail string) (presignAnswer, int, error) {
	var ans presignAnswer
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/presignedurl?mail="+url.QueryEscape(mail), nil)
	if err != nil {
		return ans, 0, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return ans, 0, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return ans, resp.StatusCode, fmt.Errorf("reading answer: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return ans, resp.StatusCode, nil
	}
	if err := json.Unmarshal(body, &ans); err != nil || ans.Key == "" {
		return ans, resp.StatusCode, fmt.Errorf("bad presign answer %q: %v", body, err)
	}
	return ans, resp.StatusCode, nil
}

func videos(ctx context.Context, client *http.Client, c Config, mail string) ([]string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.BaseURL+"/videos?mail="+url.QueryEscape(mail), nil)
	if err != nil {
		return nil, err
	}
	req.SetBasicAuth(c.User, c.Password)
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("loadtest: /videos: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound {
		return nil, nil
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("loadtest: /videos answered %d", resp.StatusCode)
	}
	var out map[string][]string
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return nil, fmt.Errorf("loadtest: /videos: %w", err)
	}
	return out[mail], nil
}

// upload posts a small file with a presigned POST: fields in order, the
// file last.
func upload(ctx context.Context, client *http.Client, p presignAnswer) error {
	if u, err := url.Parse(p.URL); err != nil || !loopback(u.Hostname()) {
		return fmt.Errorf("upload %s: %q is not on this machine; not uploading", p.Key, p.URL)
	}
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	for _, f := range p.Fields {
		if err := w.WriteField(f.Name, f.Value); err != nil {
			return err
		}
	}
	fw, err := w.CreateFormFile("file", "sample.mp4")
	if err != nil {
		return err
	}
	fw.Write(bytes.Repeat([]byte("vidrop load sample "), 64))
	w.Close()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.URL, &body)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", w.FormDataContentType())
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("upload %s: %w", p.Key, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return fmt.Errorf("upload %s: %d %s", p.Key, resp.StatusCode, b)
	}
	return nil
}
