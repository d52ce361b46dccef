package media

import (
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"gocloud.dev/blob"
	"gocloud.dev/blob/fileblob"
)

// OpenBucket opens where media blobs live: rawURL through gocloud.dev's
// URL openers (file://, and s3://, gs://, azblob:// where those drivers
// are compiled in, see drivers_*.go), or, when rawURL is empty, the
// directory "media" under dataDir (which `vetted backup` includes).
func OpenBucket(ctx context.Context, rawURL, dataDir string) (*blob.Bucket, error) {
	if rawURL == "" {
		dir, err := filepath.Abs(filepath.Join(dataDir, "media"))
		if err != nil {
			return nil, err
		}
		b, err := fileblob.OpenBucket(dir, &fileblob.Options{CreateDir: true, Metadata: fileblob.MetadataDontWrite})
		if err != nil {
			return nil, fmt.Errorf("media directory %s: %w", dir, err)
		}
		return b, nil
	}
	b, err := blob.OpenBucket(ctx, rawURL)
	if err != nil && !strings.HasPrefix(rawURL, "file:") && strings.Contains(err.Error(), "no driver registered") {
		return nil, fmt.Errorf("VETTED_MEDIA_URL: %w (object-store drivers are compiled in with `go build -tags cloudblob`)", err)
	}
	if err != nil {
		return nil, fmt.Errorf("VETTED_MEDIA_URL: %w", err)
	}
	return b, nil
}

// Key is the blob key of one rendition: "<hash>/<width>.<ext>", the same
// as its URL path under /media/.
func Key(hash string, width int, ext string) string {
	return hash + "/" + strconv.Itoa(width) + "." + ext
}

// URL is the path a rendition is served at.
func URL(hash string, width int, ext string) string { return "/media/" + Key(hash, width, ext) }

var fileRE = regexp.MustCompile(`^([1-9][0-9]{0,5})\.(jpg|png)$`)
var hashRE = regexp.MustCompile(`^[0-9a-f]{64}$`)

// ParseFile checks a served path's parts: a sha-256 in hex and
// "<width>.<ext>"; it returns the content type.
func ParseFile(hash, file string) (contentType string, ok bool) {
	if !hashRE.MatchString(hash) {
		return "", false
	}
	m := fileRE.FindStringSubmatch(file)
	if m == nil {
		return "", false
	}
	if m[2] == "png" {
		return "image/png", true
	}
	return "image/jpeg", true
}

// mediaRefRE finds library images referenced by URL in Markdown.
var mediaRefRE = regexp.MustCompile(`/media/([0-9a-f]{64})/([1-9][0-9]{0,5})\.(jpg|png)`)

// Refs returns the media hashes a text references by URL.
func Refs(text string) []string {
	if !strings.Contains(text, "/media/") {
		return nil
	}
	var out []string
	for _, m := range mediaRefRE.FindAllStringSubmatch(text, -1) {
		out = append(out, m[1])
	}
	return out
}
