package httpapi

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/vidrop/vidrop/internal/presign"
)

func TestPresignResponseIsValidJSON(t *testing.T) {
	t.Parallel()
	p := presign.Post{
		URL:       "http://h/b",
		Fields:    presign.Fields{{Name: "key", Value: "k<1>.mp4"}, {Name: "policy", Value: "eyJ="}},
		Key:       "k<1>.mp4",
		ExpiresAt: time.Date(2026, 12, 4, 17, 0, 0, 0, time.UTC),
	}
	b := appendPresignResponse(nil, p)
	var got presignBody
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	if got.URL != p.URL || got.Key != p.Key || got.Fields["policy"] != "eyJ=" || got.ExpiresAt != "2026-12-04T17:00:00Z" {
		t.Errorf("round trip = %+v", got)
	}
}
