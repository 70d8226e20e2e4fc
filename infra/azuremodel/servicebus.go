package azuremodel

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/misybot/platform/infra/offline"
)

const (
	srcSBPremium = "https://learn.microsoft.com/azure/service-bus-messaging/service-bus-premium-messaging"
	// srcSBPartitions: "the number of assigned messaging units is always a
	// multiplier of the number of partitions".
	srcSBPartitions = "https://learn.microsoft.com/azure/service-bus-messaging/enable-partitions-premium"
	srcSBMigrate    = "https://learn.microsoft.com/azure/service-bus-messaging/service-bus-migrate-standard-premium"
	srcSBQuotas     = "https://learn.microsoft.com/azure/service-bus-messaging/service-bus-quotas"
	srcSBDuplicate  = "https://learn.microsoft.com/azure/service-bus-messaging/duplicate-detection"
	srcSBNaming     = "https://learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules#microsoftservicebus"
)

// Rule ids of Service Bus.
const (
	ruleSBDowngrade   = "SB001"
	ruleSBCapacity    = "SB002"
	ruleSBMaxSize     = "SB003"
	ruleSBDuplicate   = "SB004"
	ruleSBNameLength  = "SB005"
	ruleSBCompute     = "SB101"
	premiumSku        = "Premium"
	sbEntityMaxLength = 260
	sbSubscriptionMax = 50
)

var namespaceType = &Type{
	Token: "azure-native:servicebus:Namespace",
	Rules: []Rule{
		{ID: ruleSBDowngrade, Code: "BadRequest", Source: srcSBMigrate,
			Summary: "a Premium namespace cannot be changed to Standard or Basic in place"},
		{ID: ruleSBCapacity, Code: "BadRequest", Source: srcSBPremium,
			Summary: "a Premium namespace has 1, 2, 4, 8 or 16 messaging units (`sku.capacity`) per partition: with `premiumMessagingPartitions` p (default 1), a capacity of 1, 2, 4, 8 or 16 times p (" + srcSBPartitions + ")"},
		{ID: ruleSBNameLength, Code: "InvalidResourceName", Source: srcSBNaming,
			Summary: "a namespace name has 6-50 characters"},
		{ID: ruleSBCompute, Computes: true, Source: "https://learn.microsoft.com/rest/api/servicebus/controlplane-stable/namespaces/get",
			Summary: "`serviceBusEndpoint` (`https://<name>.servicebus.windows.net:443/`) and `metricId`"},
	},
}

var queueType = &Type{
	Token: "azure-native:servicebus:Queue",
	Rules: []Rule{
		{ID: ruleSBMaxSize, Code: "BadRequest", Source: srcSBQuotas,
			Summary: "`maxSizeInMegabytes` is 1024, 2048, 3072, 4096 or 5120; Premium also allows 10240, 20480, 40960 and 81920"},
		{ID: ruleSBDuplicate, Code: "BadRequest", Source: srcSBDuplicate,
			Summary: "`duplicateDetectionHistoryTimeWindow` is between 20 seconds and 7 days"},
		{ID: ruleSBNameLength, Code: "InvalidResourceName", Source: srcSBNaming,
			Summary: "a queue or topic name has 1-260 characters"},
	},
	// Azure refuses to change these after creation; the provider replaces.
	ForceNew: []string{"requiresSession", "requiresDuplicateDetection"},
}

var topicType = &Type{
	Token:    "azure-native:servicebus:Topic",
	Rules:    queueType.Rules,
	ForceNew: []string{"requiresDuplicateDetection"},
}

var subscriptionType = &Type{
	Token: "azure-native:servicebus:Subscription",
	Rules: []Rule{
		{ID: ruleSBNameLength, Code: "InvalidResourceName", Source: srcSBNaming,
			Summary: "a subscription name has 1-50 characters"},
	},
	ForceNew: []string{"requiresSession"},
}

var premiumCapacities = []float64{1, 2, 4, 8, 16}

func checkNamespace(c *checker, ns offline.Resource, ch offline.Change) {
	t := namespaceType
	sku := sval(ns, "sku.name")
	if ch.Op == offline.OpUpdate {
		if prior, ok := c.run.prior.ByURN(ns.URN); ok {
			if was := psval(prior, "sku.name"); strings.EqualFold(was, premiumSku) && !strings.EqualFold(sku, premiumSku) {
				c.failRes(t, ruleSBDowngrade, ns, ch.Op, "sku.name",
					"namespace %s is Premium: it cannot be changed to %s in place (create a new namespace and migrate)", sval(ns, "name"), sku)
			}
		}
	}
	if strings.EqualFold(sku, premiumSku) {
		partitions, ok := fval(ns, "premiumMessagingPartitions")
		if !ok || partitions < 1 {
			partitions = 1
		}
		if capacity, ok := fval(ns, "sku.capacity"); ok && !slices.Contains(premiumCapacities, capacity/partitions) {
			c.failRes(t, ruleSBCapacity, ns, ch.Op, "sku.capacity", "%g messaging units with %g partitions: want 1, 2, 4, 8 or 16 per partition", capacity, partitions)
		}
	}
	if n := len(sval(ns, "name")); n < 6 || n > 50 {
		c.failRes(t, ruleSBNameLength, ns, ch.Op, "namespaceName", "the name has %d characters: want 6-50", n)
	}
}

var (
	standardSizes = []float64{1024, 2048, 3072, 4096, 5120}
	premiumSizes  = []float64{1024, 2048, 3072, 4096, 5120, 10240, 20480, 40960, 81920}
)

func checkEntity(c *checker, e offline.Resource, ch offline.Change) {
	t, _ := typeByToken(canonical(e.Type))
	premium := false
	if ns, ok := c.resource(parentID(e.ID)); ok {
		premium = strings.EqualFold(sval(ns, "sku.name"), premiumSku)
	}
	if size, ok := fval(e, "maxSizeInMegabytes"); ok {
		allowed := standardSizes
		if premium {
			allowed = premiumSizes
		}
		if !slices.Contains(allowed, size) {
			c.failRes(t, ruleSBMaxSize, e, ch.Op, "maxSizeInMegabytes", "%g MB is not an allowed size (%v)", size, allowed)
		}
	}
	if w := sval(e, "duplicateDetectionHistoryTimeWindow"); w != "" {
		d, err := parseISODuration(w)
		switch {
		case err != nil:
			c.failRes(t, ruleSBDuplicate, e, ch.Op, "duplicateDetectionHistoryTimeWindow", "%q is not an ISO 8601 duration: %v", w, err)
		case d < 20*time.Second || d > 7*24*time.Hour:
			c.failRes(t, ruleSBDuplicate, e, ch.Op, "duplicateDetectionHistoryTimeWindow", "%s is outside 20 seconds to 7 days", w)
		}
	}
	if n := len(sval(e, "name")); n < 1 || n > sbEntityMaxLength {
		c.failRes(t, ruleSBNameLength, e, ch.Op, "name", "the name has %d characters: want 1-%d", n, sbEntityMaxLength)
	}
}

// parseISODuration parses the day-time ISO 8601 durations Service Bus
// takes (P7D, PT10M, P1DT2H30M15S).
func parseISODuration(s string) (time.Duration, error) {
	rest, ok := strings.CutPrefix(strings.ToUpper(s), "P")
	if !ok || rest == "" {
		return 0, fmt.Errorf("want P[nD][T[nH][nM][nS]]")
	}
	var total time.Duration
	inTime := false
	num := ""
	for _, r := range rest {
		switch {
		case r == 'T':
			inTime = true
		case r >= '0' && r <= '9' || r == '.':
			num += string(r)
		default:
			var unit time.Duration
			switch {
			case r == 'D' && !inTime:
				unit = 24 * time.Hour
			case r == 'W' && !inTime:
				unit = 7 * 24 * time.Hour
			case r == 'H' && inTime:
				unit = time.Hour
			case r == 'M' && inTime:
				unit = time.Minute
			case r == 'S' && inTime:
				unit = time.Second
			default:
				return 0, fmt.Errorf("unexpected %q", r)
			}
			var f float64
			if _, err := fmt.Sscanf(num, "%g", &f); err != nil {
				return 0, fmt.Errorf("no number before %q", r)
			}
			total += time.Duration(f * float64(unit))
			num = ""
		}
	}
	if num != "" {
		return 0, fmt.Errorf("number %s without a unit", num)
	}
	return total, nil
}
