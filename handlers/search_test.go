package handlers

import (
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vetted-cms/vetted/delivery"
	"github.com/vetted-cms/vetted/delivery/search"
	"github.com/vetted-cms/vetted/models"
)

// searchResult is the part of a search answer tests look at.
type searchResult struct {
	Items []struct {
		Slug       string              `json:"slug"`
		Score      float64             `json:"score"`
		Highlights map[string][]string `json:"highlights"`
	} `json:"items"`
	Total  int `json:"total"`
	Facets struct {
		Topics []struct {
			Topic string `json:"topic"`
			Count int    `json:"count"`
		} `json:"topics"`
	} `json:"facets"`
}

func (d *dlApp) search(t *testing.T, query string) searchResult {
	t.Helper()
	r := d.get("/api/v1/search?"+query, nil)
	if r.Code != 200 {
		t.Fatalf("search %s: %d %s", query, r.Code, r.Body)
	}
	var out searchResult
	mustJSON(t, r.Body.Bytes(), &out)
	return out
}

func (s searchResult) slugs() []string {
	var out []string
	for _, it := range s.Items {
		out = append(out, it.Slug)
	}
	return out
}

// TestSearchPublishedOnly: search finds published text only — never a
// draft's, an edit's not yet published, or an unpublished article's —
// ranks a title match first, stems English words, highlights matches and
// counts topics.
func TestSearchPublishedOnly(t *testing.T) {
	d := newDeliveryApp(t, delivery.Config{}, false)
	idxB, err := search.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = idxB.Close() })
	d.instanceBWith(t, 200*time.Millisecond, true, idxB)
	sec := func(h, b string) models.Section { return models.Section{Heading: h, Body: b} }
	inTitle := d.publish(anArticle().slug("walking-for-sleep").title("Walking before bedtime").topics("sleep", "exercise").
		sections(sec("Why", "A short walk in the evening helps many people fall asleep.")))
	d.publish(anArticle().slug("evening-light").title("Evening light").topics("sleep").
		sections(sec("Screens", "Dim screens after dark; people who walked outdoors in daylight slept better. <script>x</script>")))
	draft := d.createArticle(asWriter, anArticle().slug("secret-draft").title("Zanzibarquux draft").
		sections(sec("Hidden", "The word zanzibarquux is only in a draft.")))
	d.to(draft.ID, "in_review")

	res := d.search(t, "q=walking")
	if got := res.slugs(); len(got) != 2 || got[0] != "walking-for-sleep" {
		t.Errorf("q=walking: %v; want the title match first, then the stemmed 'walked'", got)
	}
	hl := res.Items[0].Highlights
	if !strings.Contains(strings.Join(hl["title"], " "), "<mark>Walking</mark>") {
		t.Errorf("title highlight: %v", hl)
	}
	for _, it := range res.Items {
		for _, frs := range it.Highlights {
			for _, fr := range frs {
				if strings.Contains(fr, "<script") {
					t.Errorf("a snippet carries markup: %q", fr)
				}
			}
		}
	}
	facets := map[string]int{}
	for _, f := range res.Facets.Topics {
		facets[f.Topic] = f.Count
	}
	if facets["sleep"] != 2 || facets["exercise"] != 1 {
		t.Errorf("facets %v", res.Facets.Topics)
	}
	if got := d.search(t, "q=walk&topic=exercise").slugs(); len(got) != 1 || got[0] != "walking-for-sleep" {
		t.Errorf("topic filter: %v", got)
	}
	if got := d.search(t, "q=walk&limit=1&page=2").slugs(); len(got) != 1 || got[0] != "evening-light" {
		t.Errorf("page 2: %v", got)
	}
	if res := d.search(t, "q=zanzibarquux"); res.Total != 0 {
		t.Errorf("a draft's text was found: %v", res.slugs())
	}

	// An edit of a published article is not searchable until published.
	cur := d.getArticle(inTitle.ID)
	b := anArticle().slug("walking-for-sleep").title("Walking before bedtime").topics("sleep", "exercise").
		sections(sec("Why", "Quokkaflux is a word of the next revision."))
	if r := d.updateArticle(asWriter, inTitle.ID, cur.Version, b); r.Code != 200 {
		t.Fatalf("edit: %d %s", r.Code, r.Body)
	}
	if res := d.search(t, "q=quokkaflux"); res.Total != 0 {
		t.Errorf("an unpublished edit's text was found")
	}
	d.to(inTitle.ID, "published")
	if got := d.search(t, "q=quokkaflux").slugs(); len(got) != 1 {
		t.Errorf("the published edit is not found: %v", got)
	}
	d.act(asEditor, inTitle.ID, "unpublish")
	if res := d.search(t, "q=quokkaflux"); res.Total != 0 {
		t.Errorf("an unpublished article is still found")
	}

	// Another instance's index, fed by its log follower, agrees as soon
	// as the unpublish is acknowledged.
	resB, err := idxB.Search(search.Query{Q: "walking", Page: 1, Limit: 10})
	if err != nil || resB.Total != 1 || resB.Items[0].Slug != "evening-light" {
		t.Errorf("instance B's search after the unpublish: %+v %v", resB, err)
	}
	if resB, _ := idxB.Search(search.Query{Q: "zanzibarquux quokkaflux", Page: 1, Limit: 10}); resB.Total != 0 {
		t.Errorf("instance B finds unpublished text")
	}
}

// TestSearchQueryValidation: bad parameters get 400 with field names.
func TestSearchQueryValidation(t *testing.T) {
	d := newDeliveryApp(t, delivery.Config{}, false)
	for q, field := range map[string]string{
		"":                              "q",
		"q=":                            "q",
		"q=" + strings.Repeat("a", 201): "q",
		"q=x&limit=51":                  "limit",
		"q=x&limit=0":                   "limit",
		"q=x&page=0":                    "page",
		"q=x&page=101":                  "page",
		"q=x&topic=Not%20A%20Topic":     "topic",
	} {
		r := d.get("/api/v1/search?"+q, nil)
		e := checkErrorShape(t, r)
		if r.Code != http.StatusBadRequest || e.Error.Fields[field] == "" {
			t.Errorf("search?%s: %d %s; want 400 naming %s", q, r.Code, r.Body, field)
		}
	}
	if r := d.do(http.MethodGet, "/api/v1/search?q=x", "", nil, asNone); r.Code != http.StatusUnauthorized {
		t.Errorf("search without a token: %d", r.Code)
	}
}

// overlapSearcher is the real index, noting how many searches run at once.
type overlapSearcher struct {
	Searcher
	mu        sync.Mutex
	now, most int
}

func (o *overlapSearcher) Search(q search.Query) (*search.Result, error) {
	o.mu.Lock()
	o.now++
	o.most = max(o.most, o.now)
	o.mu.Unlock()
	time.Sleep(20 * time.Millisecond) // long enough for the others to arrive
	defer func() { o.mu.Lock(); o.now--; o.mu.Unlock() }()
	return o.Searcher.Search(q)
}

// TestSearchesTakeTurns: twelve searches at once run at most
// GOMAXPROCS-1 (at least one) at a time, and all are answered.
func TestSearchesTakeTurns(t *testing.T) {
	d := newDeliveryApp(t, delivery.Config{}, false)
	d.publish(anArticle().slug("turns-sleep"))
	o := &overlapSearcher{Searcher: d.API.Search}
	d.API.Search = o
	var wg sync.WaitGroup
	codes := make(chan int, 12)
	for range 12 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes <- d.get("/api/v1/search?q=sleep", nil).Code
		}()
	}
	wg.Wait()
	close(codes)
	for c := range codes {
		if c != http.StatusOK {
			t.Errorf("a search answered %d", c)
		}
	}
	if want := max(1, runtime.GOMAXPROCS(0)-1); o.most > want {
		t.Errorf("%d searches ran at once; want at most %d", o.most, want)
	}
}
