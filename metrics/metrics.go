// Package metrics is Vetted's Prometheus instrumentation: one registry,
// made in cmd/ and handed to the parts that report (the HTTP edge, the
// service, the delivery side, the database monitor) through the small
// observer interfaces those parts declare. Nothing here is global.
package metrics

import (
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics holds the registry and every instrument.
type Metrics struct {
	reg *prometheus.Registry

	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	byReq    atomic.Pointer[map[reqKey]reqObs] // copy on write: the hot path only reads
	reqMu    sync.Mutex

	delivery      *prometheus.CounterVec
	deliveryKinds map[int]prometheus.Counter
	deliveryOther prometheus.Counter

	signIns     *prometheus.CounterVec
	lockouts    prometheus.Counter
	transitions *prometheus.CounterVec

	webhookAttempts prometheus.Counter
	webhookFailures prometheus.Counter

	dbLatency *prometheus.HistogramVec
	dbErrors  *prometheus.CounterVec
	dbByCmd   atomic.Pointer[map[string]dbObs]
	dbMu      sync.Mutex
}

type reqKey struct {
	route, method string
	status        int
}

type reqObs struct {
	count   prometheus.Counter
	latency prometheus.Observer
}

type dbObs struct {
	latency prometheus.Observer
	errors  prometheus.Counter
}

// New returns the instruments on a fresh registry, with the Go runtime
// and process collectors.
func New() *Metrics {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	f := func(c prometheus.Collector) { reg.MustRegister(c) }
	m := &Metrics{reg: reg}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "vetted_http_requests_total",
		Help: "HTTP requests answered, by route template (unmatched: no route), method and status."}, []string{"route", "method", "status"})
	m.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "vetted_http_request_duration_seconds",
		Help:    "Time to answer an HTTP request, by route template, method and status.",
		Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5}}, []string{"route", "method", "status"})
	m.delivery = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "vetted_delivery_answers_total",
		Help: "Delivery API answers for an article by slug, by status (200, 304, 301, 404, 410, other)."}, []string{"status"})
	m.deliveryKinds = map[int]prometheus.Counter{}
	for _, code := range []int{200, 304, 301, 404, 410} {
		m.deliveryKinds[code] = m.delivery.WithLabelValues(strconv.Itoa(code))
	}
	m.deliveryOther = m.delivery.WithLabelValues("other")
	m.signIns = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "vetted_signins_total",
		Help: "Sign-in attempts by outcome: ok, failed (wrong email or password), locked (refused while locked), error."}, []string{"outcome"})
	for _, o := range []string{"ok", "failed", "locked", "error"} {
		m.signIns.WithLabelValues(o)
	}
	m.lockouts = prometheus.NewCounter(prometheus.CounterOpts{Name: "vetted_lockouts_total",
		Help: "Accounts locked after too many failed password checks."})
	m.transitions = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "vetted_workflow_transitions_total",
		Help: "Workflow actions asked for, by action and outcome (ok, forbidden, conflict, invalid, not_found, unavailable, error)."}, []string{"action", "outcome"})
	m.webhookAttempts = prometheus.NewCounter(prometheus.CounterOpts{Name: "vetted_webhook_attempts_total",
		Help: "Webhook deliveries sent (each retry counts)."})
	m.webhookFailures = prometheus.NewCounter(prometheus.CounterOpts{Name: "vetted_webhook_failures_total",
		Help: "Webhook attempts that failed (error or non-2xx answer)."})
	m.dbLatency = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "vetted_db_operation_duration_seconds",
		Help:    "Database command round trips, by command name.",
		Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5}}, []string{"command"})
	m.dbErrors = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "vetted_db_operation_errors_total",
		Help: "Database commands that failed, by command name (a lost unique-insert claim is a write error inside a successful command, not counted here)."}, []string{"command"})
	for _, c := range []prometheus.Collector{m.requests, m.latency, m.delivery, m.signIns, m.lockouts, m.transitions,
		m.webhookAttempts, m.webhookFailures, m.dbLatency, m.dbErrors} {
		f(c)
	}
	empty := map[reqKey]reqObs{}
	m.byReq.Store(&empty)
	emptyDB := map[string]dbObs{}
	m.dbByCmd.Store(&emptyDB)
	return m
}

// Registry is the registry (tests gather from it).
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the registry in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// Request counts one answered request. Its label children are resolved
// once per (route, method, status) and kept in a copy-on-write map, so
// the hot path is one map read and two atomic adds, no allocation.
// route is a route template (bounded); method must already be one of a
// known set (the caller folds the rest into "OTHER").
func (m *Metrics) Request(route, method string, status int, took time.Duration) {
	k := reqKey{route, method, status}
	o, ok := (*m.byReq.Load())[k]
	if !ok {
		o = m.resolveRequest(k)
	}
	o.count.Inc()
	o.latency.Observe(took.Seconds())
}

func (m *Metrics) resolveRequest(k reqKey) reqObs {
	m.reqMu.Lock()
	defer m.reqMu.Unlock()
	cur := *m.byReq.Load()
	if o, ok := cur[k]; ok {
		return o
	}
	code := strconv.Itoa(k.status)
	o := reqObs{m.requests.WithLabelValues(k.route, k.method, code), m.latency.WithLabelValues(k.route, k.method, code)}
	next := make(map[reqKey]reqObs, len(cur)+1)
	for kk, v := range cur {
		next[kk] = v
	}
	next[k] = o
	m.byReq.Store(&next)
	return o
}

// Delivery counts one by-slug answer by status.
func (m *Metrics) Delivery(status int) {
	if c, ok := m.deliveryKinds[status]; ok {
		c.Inc()
		return
	}
	m.deliveryOther.Inc()
}

// SignIn counts a sign-in attempt's outcome.
func (m *Metrics) SignIn(outcome string) { m.signIns.WithLabelValues(outcome).Inc() }

// Lockout counts an account locked.
func (m *Metrics) Lockout() { m.lockouts.Inc() }

// Transition counts a workflow action's outcome (action is one of the
// workflow's actions or "unknown": the caller bounds it).
func (m *Metrics) Transition(action, outcome string) {
	m.transitions.WithLabelValues(action, outcome).Inc()
}

// WebhookAttempt counts one delivery attempt and whether it failed.
func (m *Metrics) WebhookAttempt(failed bool) {
	m.webhookAttempts.Inc()
	if failed {
		m.webhookFailures.Inc()
	}
}

// DBOp records one database command's round trip.
func (m *Metrics) DBOp(command string, took time.Duration, failed bool) {
	o, ok := (*m.dbByCmd.Load())[command]
	if !ok {
		o = m.resolveDB(command)
	}
	o.latency.Observe(took.Seconds())
	if failed {
		o.errors.Inc()
	}
}

func (m *Metrics) resolveDB(command string) dbObs {
	m.dbMu.Lock()
	defer m.dbMu.Unlock()
	cur := *m.dbByCmd.Load()
	if o, ok := cur[command]; ok {
		return o
	}
	o := dbObs{m.dbLatency.WithLabelValues(command), m.dbErrors.WithLabelValues(command)}
	next := make(map[string]dbObs, len(cur)+1)
	for k, v := range cur {
		next[k] = v
	}
	next[command] = o
	m.dbByCmd.Store(&next)
	return o
}

// ReadModel reports the delivery read model's size at each scrape.
func (m *Metrics) ReadModel(stats func() (articles int, bytes int64)) {
	m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "vetted_readmodel_articles",
		Help: "Live articles held in the delivery read model."}, func() float64 { n, _ := stats(); return float64(n) }))
	m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "vetted_readmodel_bytes",
		Help: "Bytes of pre-encoded documents (JSON and gzip) the read model serves."}, func() float64 { _, b := stats(); return float64(b) }))
}

// Arena reports the bytes of the read model's document arena at each
// scrape (documents encoded since the start, served from a mapped file;
// past 1 GiB new ones stay on the heap until the next start).
func (m *Metrics) Arena(bytes func() int) {
	m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "vetted_readmodel_arena_bytes",
		Help: "Bytes written to the delivery read model's document arena since the start (limit 1 GiB)."}, func() float64 { return float64(bytes()) }))
}

// Follower reports the log follower's lag at each scrape: how many
// events the database holds past this instance's cursor (negative when it
// could not be read) and the time since the last sync that reached the
// end of the log.
func (m *Metrics) Follower(behind func() int64, sinceSync func() time.Duration) {
	m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "vetted_follower_events_behind",
		Help: "Events in the log this instance has not applied yet (-1: the database did not answer)."}, func() float64 { return float64(behind()) }))
	m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "vetted_follower_seconds_since_sync",
		Help: "Seconds since this instance last read the log to its end."}, func() float64 { return sinceSync().Seconds() }))
}

// WebhooksPending reports the deliveries waiting for a (first or next)
// attempt, as this instance knows them.
func (m *Metrics) WebhooksPending(pending func() int) {
	m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "vetted_webhook_pending",
		Help: "Webhook deliveries not yet delivered or given up."}, func() float64 { return float64(pending()) }))
}
