package delivery

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
)

// ErrForbiddenTarget: a webhook would connect to a loopback, private,
// link-local or otherwise internal address.
var ErrForbiddenTarget = errors.New("webhook target address is not public")

var internalPrefixes = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),      // "this network"
	netip.MustParsePrefix("100.64.0.0/10"),  // carrier-grade NAT
	netip.MustParsePrefix("192.0.0.0/24"),   // IETF protocol assignments
	netip.MustParsePrefix("198.18.0.0/15"),  // benchmarking
	netip.MustParsePrefix("240.0.0.0/4"),    // reserved
	netip.MustParsePrefix("64:ff9b::/96"),   // NAT64: may embed an internal v4
	netip.MustParsePrefix("64:ff9b:1::/48"), // local-use NAT64
	netip.MustParsePrefix("2001:db8::/32"),  // documentation
	netip.MustParsePrefix("::ffff:0:0/96"),  // v4-mapped (unmapped below, kept for safety)
	netip.MustParsePrefix("100::/64"),       // discard-only
	netip.MustParsePrefix("2002::/16"),      // 6to4: may embed an internal v4
	netip.MustParsePrefix("fec0::/10"),      // deprecated site-local
	netip.MustParsePrefix("255.255.255.255/32"),
}

// PublicAddr reports whether ip is a public unicast address.
func PublicAddr(ip netip.Addr) bool {
	ip = ip.Unmap()
	if !ip.IsValid() || ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsInterfaceLocalMulticast() || ip.IsMulticast() || ip.IsUnspecified() {
		return false
	}
	for _, p := range internalPrefixes {
		if p.Contains(ip) {
			return false
		}
	}
	return true
}

// dialControl refuses, at connect time, every address that is not
// public: the check runs on the address actually dialled, after DNS, so
// a name that resolves to a public address when the webhook is saved and
// to 127.0.0.1 when it fires (DNS rebinding) is still refused.
func dialControl(allowPrivate bool) func(network, address string, _ syscall.RawConn) error {
	return func(network, address string, _ syscall.RawConn) error {
		if allowPrivate {
			return nil
		}
		host, _, err := net.SplitHostPort(address)
		if err != nil {
			return fmt.Errorf("%w: %s", ErrForbiddenTarget, address)
		}
		ip, err := netip.ParseAddr(host)
		if err != nil || !PublicAddr(ip) {
			return fmt.Errorf("%w: %s", ErrForbiddenTarget, host)
		}
		return nil
	}
}

// CheckWebhookURL validates a target when it is saved: http(s), a host,
// no credentials; a literal internal address or localhost is refused at
// once (names are checked again at every connection).
func CheckWebhookURL(raw string, allowPrivate bool) (string, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.Hostname() == "" {
		return "", errors.New("an absolute http or https URL")
	}
	if u.User != nil {
		return "", errors.New("no credentials in the URL: the signature authenticates deliveries")
	}
	if len(raw) > 2000 {
		return "", errors.New("at most 2000 characters")
	}
	if !allowPrivate {
		h := strings.ToLower(u.Hostname())
		if h == "localhost" || strings.HasSuffix(h, ".localhost") {
			return "", ErrForbiddenTarget
		}
		if ip, err := netip.ParseAddr(h); err == nil && !PublicAddr(ip) {
			return "", ErrForbiddenTarget
		}
	}
	u.Fragment = ""
	return u.String(), nil
}
