// Package readiness tells whether the S3 bucket vidrop uploads to answers,
// for the /readyz endpoint.
package readiness

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
)

// HeadBucketAPI is the one S3 call the check makes.
type HeadBucketAPI interface {
	HeadBucket(ctx context.Context, params *s3.HeadBucketInput, optFns ...func(*s3.Options)) (*s3.HeadBucketOutput, error)
}

// Bucket checks a bucket with HeadBucket and remembers the answer for a
// few seconds, so that frequent probes cost S3 little.
type Bucket struct {
	client  HeadBucketAPI
	bucket  string
	ttl     time.Duration
	timeout time.Duration
	logger  *slog.Logger
	now     func() time.Time

	mu      sync.Mutex
	checked time.Time
	last    error
}

// NewBucket returns a check of bucket whose result is kept for ttl.
func NewBucket(client HeadBucketAPI, bucket string, ttl time.Duration, logger *slog.Logger) *Bucket {
	return &Bucket{client: client, bucket: bucket, ttl: ttl, timeout: 3 * time.Second, logger: logger, now: time.Now}
}

// Check returns nil when the bucket answered, or an error whose message is
// a short reason safe to show to a caller.
func (b *Bucket) Check(ctx context.Context) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	// A failure is kept for less time than a success, so that recovery
	// shows quickly.
	ttl := b.ttl
	if b.last != nil {
		ttl = min(ttl, time.Second)
	}
	if !b.checked.IsZero() && b.now().Sub(b.checked) < ttl {
		return b.last
	}
	ctx, cancel := context.WithTimeout(ctx, b.timeout)
	defer cancel()
	_, err := b.client.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(b.bucket)})
	if err != nil {
		b.logger.Warn("bucket check failed", "err", err)
		err = reason(err)
	}
	b.checked, b.last = b.now(), err
	return err
}

func reason(err error) error {
	var apiErr smithy.APIError
	var netErr net.Error
	switch {
	case errors.As(err, &apiErr):
		return fmt.Errorf("S3 answered %s for the bucket", apiErr.ErrorCode())
	case errors.Is(err, context.DeadlineExceeded):
		return errors.New("S3 did not answer in time")
	case errors.As(err, &netErr):
		return errors.New("S3 is unreachable")
	default:
		return errors.New("S3 bucket check failed")
	}
}
