package readiness

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// fakeHead answers HeadBucket with err and counts the calls.
type fakeHead struct {
	calls int
	err   error
}

func (f *fakeHead) HeadBucket(context.Context, *s3.HeadBucketInput, ...func(*s3.Options)) (*s3.HeadBucketOutput, error) {
	f.calls++
	return &s3.HeadBucketOutput{}, f.err
}

// TestCheckCaches: a success is reused for the TTL, a failure for at most
// a second, so that recovery shows quickly.
func TestCheckCaches(t *testing.T) {
	t.Parallel()
	fake := &fakeHead{err: errors.New("connection refused")}
	b := NewBucket(fake, "videos", 5*time.Second, slog.New(slog.DiscardHandler))
	start := time.Unix(1_700_000_000, 0)

	check := func(at time.Duration, wantCalls int, wantOK bool) {
		t.Helper()
		b.now = func() time.Time { return start.Add(at) }
		err := b.Check(t.Context())
		if (err == nil) != wantOK || fake.calls != wantCalls {
			t.Errorf("at %s: Check = %v after %d HeadBucket calls, want ok=%v after %d", at, err, fake.calls, wantOK, wantCalls)
		}
	}
	check(0, 1, false)
	check(999*time.Millisecond, 1, false) // the failure is reused
	fake.err = nil
	check(time.Second, 2, true) // but for no more than a second
	check(5999*time.Millisecond, 2, true)
	check(6*time.Second, 3, true) // a success is reused for the TTL
}
