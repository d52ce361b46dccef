package handlers

import "strings"

// Content-coding negotiation (RFC 9110 §12.5.3) for the two codings the
// delivery API has: gzip and identity. It allocates nothing: the delivery
// hot path stays allocation-free.

// acceptsGzip reports whether the Accept-Encoding field lines ask for
// gzip over identity: gzip's q-value (its own, else *'s, else 0: a coding
// not named is not acceptable) is above zero and at least identity's (its
// own, else *'s, else the least weight: identity is acceptable unless
// excluded, but a client that names only gzip prefers it). Ties go to
// gzip, the smaller answer. No field at all: identity.
func acceptsGzip(vals []string) bool {
	var c codings
	c.reset()
	for _, v := range vals {
		c.add(v)
	}
	return c.gzipWins()
}

// acceptsGzipOne is acceptsGzip for one field line.
func acceptsGzipOne(v string) bool {
	var c codings
	c.reset()
	c.add(v)
	return c.gzipWins()
}

// codings holds the q-values (in thousandths; -1: not named) read so far.
type codings struct{ gzip, identity, star int }

func (c *codings) reset() { c.gzip, c.identity, c.star = -1, -1, -1 }

// add reads one field line: codings separated by commas, each with
// optional parameters, of which q (case-insensitive) is the weight. An
// element with a malformed q-value is ignored. A coding named twice keeps
// its highest weight.
func (c *codings) add(v string) {
	for v != "" {
		var elem string
		elem, v, _ = strings.Cut(v, ",")
		name, params, _ := strings.Cut(elem, ";")
		name = strings.TrimSpace(name)
		q, ok := qvalue(params)
		if !ok {
			continue
		}
		var dst *int
		switch {
		case strings.EqualFold(name, "gzip"), strings.EqualFold(name, "x-gzip"):
			dst = &c.gzip
		case strings.EqualFold(name, "identity"):
			dst = &c.identity
		case name == "*":
			dst = &c.star
		default:
			continue
		}
		*dst = max(*dst, q)
	}
}

func (c *codings) gzipWins() bool {
	g, id := c.gzip, c.identity
	if g < 0 {
		g = max(c.star, 0)
	}
	if id < 0 {
		id = 1 // acceptable, but the client named what it prefers
		if c.star >= 0 {
			id = c.star
		}
	}
	return g > 0 && g >= id
}

// qvalue reads the weight among an element's parameters: 1000 when none
// is given, else "q=" 0, 1 or 0.d to 0.ddd (1.0 to 1.000) in thousandths;
// ok is false when the weight is malformed.
func qvalue(params string) (int, bool) {
	for params != "" {
		var p string
		p, params, _ = strings.Cut(params, ";")
		k, val, _ := strings.Cut(p, "=")
		if !strings.EqualFold(strings.TrimSpace(k), "q") {
			continue
		}
		val = strings.TrimSpace(val)
		if val == "" || len(val) > 5 || (val[0] != '0' && val[0] != '1') {
			return 0, false
		}
		n := int(val[0]-'0') * 1000
		if len(val) > 1 {
			if val[1] != '.' {
				return 0, false
			}
			scale := 100
			for _, d := range val[2:] {
				if d < '0' || d > '9' {
					return 0, false
				}
				n += int(d-'0') * scale
				scale /= 10
			}
		}
		if n > 1000 {
			return 0, false
		}
		return n, true
	}
	return 1000, true
}
