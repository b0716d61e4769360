package presign

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// ErrCredentials marks a presign that failed because credentials could not
// be loaded (or had expired and could not be refreshed). Callers answer
// "service unavailable": it passes when the credentials come back.
var ErrCredentials = errors.New("credentials unavailable")

// MarkCredentials wraps p so that its errors match ErrCredentials with
// errors.Is, however deep the SDK wraps them.
func MarkCredentials(p aws.CredentialsProvider) aws.CredentialsProvider {
	return markedProvider{p}
}

type markedProvider struct{ p aws.CredentialsProvider }

func (m markedProvider) Retrieve(ctx context.Context) (aws.Credentials, error) {
	c, err := m.p.Retrieve(ctx)
	if err != nil {
		return c, fmt.Errorf("%w: %w", ErrCredentials, err)
	}
	return c, nil
}
