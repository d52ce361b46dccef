package mongostore

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// BenchmarkOps measures the primitive operations every write is made of,
// with 10 KB documents, on the embedded database.
func BenchmarkOps(b *testing.B) {
	d := OpenTest(b)
	ctx := context.Background()
	body := strings.Repeat("x", 10000)
	for i := 0; i < 300; i++ {
		_ = d.put(ctx, CollArticles, fmt.Sprint("seed", i), bson.M{"_id": fmt.Sprint("seed", i), "body": body})
	}
	n := 0
	b.Run("insert", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			n++
			if err := d.insert(ctx, CollEvents, bson.M{"_id": fmt.Sprint("e", n), "key": fmt.Sprint("k", n), "body": body}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("put", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if err := d.put(ctx, CollArticles, "seed1", bson.M{"_id": "seed1", "body": body, "n": i}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("get", func(b *testing.B) {
		var m bson.M
		for i := 0; i < b.N; i++ {
			if err := d.get(ctx, CollArticles, "seed1", &m); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("getMissing", func(b *testing.B) {
		var m bson.M
		for i := 0; i < b.N; i++ {
			_ = d.get(ctx, CollEvents, "missing", &m)
		}
	})
}
