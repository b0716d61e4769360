package presign

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// MarkCredentials wraps p so that its errors match ErrCredentials with
// errors.Is, however deep the SDK wraps them: the SDK-based Service does
// not mark them itself (the Signer does).
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
