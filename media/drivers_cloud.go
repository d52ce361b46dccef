//go:build cloudblob

package media

// Object-store drivers, compiled in with `go build -tags cloudblob`:
// VETTED_MEDIA_URL may then name s3://, gs:// or azblob:// buckets
// (credentials from each cloud's usual environment). They are not in the
// default build: they grow the stripped binary from 43.9 MB to 75.6 MB.
import (
	_ "gocloud.dev/blob/azureblob"
	_ "gocloud.dev/blob/gcsblob"
	_ "gocloud.dev/blob/s3blob"
)
