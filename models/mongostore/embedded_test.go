package mongostore

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// TestIDLookupsUseIndex guards the FerretDB 1.24.2 workaround: without the
// repaired index, SQLite scans the table for every lookup by _id.
func TestIDLookupsUseIndex(t *testing.T) {
	if os.Getenv(TestURIEnv) != "" {
		t.Skip("the repaired index is the embedded FerretDB's")
	}
	d := OpenTest(t)
	ctx := context.Background()
	for _, coll := range allCollections {
		// SQLite plans a scan of a table that was never written; give it a row.
		if _, err := d.DB.Collection(coll).InsertOne(ctx, bson.D{{Key: "_id", Value: "probe"}}); err != nil {
			t.Fatalf("insert into %s: %v", coll, err)
		}
		var res bson.M
		err := d.DB.RunCommand(ctx, bson.D{
			{Key: "explain", Value: bson.D{{Key: "find", Value: coll}, {Key: "filter", Value: bson.D{{Key: "_id", Value: "x"}}}}},
		}).Decode(&res)
		if err != nil {
			t.Fatalf("explain %s: %v", coll, err)
		}
		plan := fmt.Sprint(res["queryPlanner"])
		if !strings.Contains(plan, "USING INDEX") || !strings.Contains(plan, "_id_path") {
			t.Errorf("%s: _id lookup does not use the repaired index; plan: %s", coll, plan)
		}
	}
}
