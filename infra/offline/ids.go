package offline

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"net/netip"
	"strings"
)

// Placeholders for the Azure identities the offline preview cannot know.
// They are used when the config does not set azure-native:subscriptionId,
// azure-native:tenantId or azure-native:clientId.
const (
	PlaceholderSubscriptionID = "00000000-0000-0000-0000-000000000000"
	PlaceholderTenantID       = "00000000-0000-0000-0000-000000000001"
	PlaceholderClientID       = "00000000-0000-0000-0000-000000000002"
	PlaceholderObjectID       = "00000000-0000-0000-0000-000000000003"
)

// digest hashes the parts, separated so that ("ab","c") and ("a","bc")
// differ. Every generated value comes from it, so a value depends only on
// the resource's URN and what it is for.
func digest(parts ...string) [32]byte {
	return sha256.Sum256([]byte(strings.Join(parts, "\x00")))
}

// guid is a version-5-shaped GUID derived from the parts.
func guid(parts ...string) string {
	d := digest(parts...)
	d[6] = d[6]&0x0f | 0x50 // version 5 (name-based)
	d[8] = d[8]&0x3f | 0x80 // RFC 4122 variant
	h := hex.EncodeToString(d[:16])
	return fmt.Sprintf("%s-%s-%s-%s-%s", h[0:8], h[8:12], h[12:16], h[16:20], h[20:32])
}

// hexString is n lowercase hex digits derived from the parts.
func hexString(n int, parts ...string) string {
	d := digest(parts...)
	return hex.EncodeToString(d[:])[:n]
}

// number is a non-negative number below limit derived from the parts.
func number(limit uint64, parts ...string) uint64 {
	d := digest(parts...)
	return binary.BigEndian.Uint64(d[:8]) % limit
}

// autoName is the azure-native auto-name: the logical name and a random
// suffix of 8 characters.
func autoName(urn, logical string) string {
	return logical + hexString(8, urn, "autoname")
}

var (
	adjectives = []string{"agreeable", "brave", "calm", "delightful", "eager", "gentle", "happy", "jolly", "kind", "lively", "nice", "polite", "proud", "silly", "thankful", "witty"}
	nouns      = []string{"bay", "beach", "bush", "cliff", "desert", "field", "forest", "grass", "hill", "island", "meadow", "moss", "ocean", "pond", "river", "stone"}
)

// envDomain is a Container Apps environment's default domain, shaped like
// Azure's: <adjective>-<noun>-<hash>.<location>.azurecontainerapps.io.
func envDomain(urn, location string) string {
	adj := adjectives[number(uint64(len(adjectives)), urn, "adjective")]
	noun := nouns[number(uint64(len(nouns)), urn, "noun")]
	if location == "" {
		location = "westeurope"
	}
	return fmt.Sprintf("%s-%s-%s.%s.azurecontainerapps.io", adj, noun, hexString(8, urn, "domain"), location)
}

// hostIn picks an address inside an IPv4 subnet that Azure could assign:
// not the first four addresses nor the last, which Azure reserves.
func hostIn(cidr string, parts ...string) (string, bool) {
	prefix, err := netip.ParsePrefix(strings.TrimSpace(cidr))
	if err != nil || !prefix.Addr().Is4() || prefix.Bits() > 29 {
		return "", false
	}
	size := uint64(1) << (32 - prefix.Bits())
	offset := 4 + number(size-5, parts...)
	base := prefix.Masked().Addr().As4()
	ip := binary.BigEndian.Uint32(base[:]) + uint32(offset)
	var out [4]byte
	binary.BigEndian.PutUint32(out[:], ip)
	return netip.AddrFrom4(out).String(), true
}

// privateIP is an address in 10.0.0.0/8 for when the subnet is not known.
func privateIP(parts ...string) string {
	d := digest(parts...)
	return fmt.Sprintf("10.%d.%d.%d", d[0], d[1], 4+d[2]%250)
}

// documentationIP is a public-looking address from TEST-NET-3
// (203.0.113.0/24, RFC 5737), which is reserved for documentation, so that
// no generated address belongs to anyone.
func documentationIP(parts ...string) string {
	return fmt.Sprintf("203.0.113.%d", 1+number(254, parts...))
}
